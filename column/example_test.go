package column_test

import (
	"fmt"
	"log"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// Position and Velocity are components: fixed-size structs, stored 8 bytes per entity.
type Position struct{ X, Y float32 }

type Velocity struct{ DX, DY float32 }

// Example runs a tiny ECS game: components are columns, the guild relation is a verb, and
// movement is Apply2, a merge join of two columns that updates Position in place.
func Example() {
	schema := entity.NewSchema()
	player := schema.Kind("player")
	guild := schema.Kind("guild")
	pos := column.Define[Position](schema, "position")
	vel := column.Define[Velocity](schema, "velocity")
	name := column.Define[string](schema, "name", column.MaxLen(32), column.Indexed())
	memberOf := verb.Define(schema, "member_of", verb.ManyToOne())

	st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	if err != nil {
		log.Fatal(err)
	}
	db, err := entity.Open(st, schema, nil)
	if err != nil {
		log.Fatal(err)
	}

	// Spawn a guild and three players; the third one stands still.
	err = db.Update(func(tx *entity.Tx) error {
		knights, err := guild.New(tx)
		if err != nil {
			return err
		}
		if err := name.Set(tx, knights, "Knights"); err != nil {
			return err
		}
		for i, n := range []string{"ann", "bob", "cyd"} {
			p, err := player.New(tx)
			if err != nil {
				return err
			}
			name.Set(tx, p, n)
			pos.Set(tx, p, Position{X: float32(i), Y: 0})
			if n != "cyd" {
				vel.Set(tx, p, Velocity{DX: 1, DY: 0.5})
			}
			if n != "bob" {
				if err := memberOf.Link(tx, p, knights); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	// Movement: every entity with a Position and a Velocity moves, twice.
	for range 2 {
		err = db.Update(func(tx *entity.Tx) error {
			return column.Apply2(tx, pos, vel, func(_ entity.ID, p *Position, v Velocity) bool {
				p.X += v.DX
				p.Y += v.DY
				return true
			})
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	// Query the guild's members.
	_ = db.View(func(tx *entity.Tx) error {
		g, err := name.Equal(tx, "Knights") // from the name index
		if err != nil {
			return err
		}
		knights := entity.ID(g.Minimum())
		for m := range memberOf.Subjects(tx, knights) {
			n, _, _ := name.Get(tx, m)
			p, _, _ := pos.Get(tx, m)
			fmt.Printf("%s at (%g, %g)\n", n, p.X, p.Y)
		}
		return nil
	})
	// Output:
	// ann at (2, 1)
	// cyd at (2, 0)
}

// ExampleApplyRuns2 runs the movement system a run of entities at a time: the loop over a
// run is the program's own.
func ExampleApplyRuns2() {
	schema := entity.NewSchema()
	unit := schema.Kind("unit")
	pos := column.Define[Position](schema, "position")
	vel := column.Define[Velocity](schema, "velocity")
	st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	if err != nil {
		log.Fatal(err)
	}
	db, err := entity.Open(st, schema, nil)
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *entity.Tx) error {
		for i := range 1000 {
			u, err := unit.New(tx)
			if err != nil {
				return err
			}
			pos.Set(tx, u, Position{X: float32(i)})
			vel.Set(tx, u, Velocity{DX: 1, DY: -1})
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	moved := 0
	err = db.Update(func(tx *entity.Tx) error {
		return column.ApplyRuns2(tx, pos, vel, func(ids []entity.ID, ps []Position, vs []Velocity) {
			moved += len(ids)
			for i := range ps {
				ps[i].X += vs[i].DX
				ps[i].Y += vs[i].DY
			}
		})
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = db.View(func(tx *entity.Tx) error {
		p, _, _ := pos.Get(tx, entity.ID(1000))
		fmt.Printf("%d moved; the last at (%g, %g)\n", moved, p.X, p.Y)
		return nil
	})
	// Output:
	// 1000 moved; the last at (1000, -1)
}
