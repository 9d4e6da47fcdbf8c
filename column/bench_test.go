package column_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// The benchmarks here measure the store side by side with what a game would use instead:
// an in-heap ECS. github.com/mlange-42/arche (and ark) cannot be fetched in this build
// environment, so the reference is the heart of such an ECS written out below: one archetype
// holding dense slices of Position and Velocity, with a map from entity to row.

// heapECS is an in-heap archetype ECS, reduced to the one archetype the movement step runs
// over: structure-of-arrays components and an entity → row index.
type heapECS struct {
	row map[entity.ID]int
	ids []entity.ID
	pos []Position
	vel []Velocity
}

func newHeapECS(n int) *heapECS {
	w := &heapECS{row: make(map[entity.ID]int, n)}
	for i := range n {
		id := entity.ID(i + 1)
		w.row[id] = len(w.ids)
		w.ids = append(w.ids, id)
		w.pos = append(w.pos, Position{float32(i), 0})
		w.vel = append(w.vel, Velocity{1, 0.5})
	}
	return w
}

// move is the movement step over the archetype.
func (w *heapECS) move() {
	vel := w.vel[:len(w.pos)]
	for i := range w.pos {
		w.pos[i].X += vel[i].DX
		w.pos[i].Y += vel[i].DY
	}
}

// benchWorld spawns n units with a Position and a Velocity.
func benchWorld(b *testing.B, n int) (*entity.DB, *column.Column[Position], *column.Column[Velocity]) {
	s := entity.NewSchema()
	unit := s.Kind("unit")
	pos := column.Define[Position](s, "position")
	vel := column.Define[Velocity](s, "velocity")
	db := testutil.OpenDB(b, s, nil)
	const batch = 50_000 // keep each message's overlay small
	for done := 0; done < n; done += batch {
		testutil.Spawn(b, db, unit, min(batch, n-done), func(tx *entity.Tx, i int, id entity.ID) error {
			if err := pos.Set(tx, id, Position{float32(i), 0}); err != nil {
				return err
			}
			return vel.Set(tx, id, Velocity{1, 0.5})
		})
	}
	return db, pos, vel
}

// BenchmarkMovement runs one tick of the movement step (Position += Velocity over every
// entity) per op, as one message, over the store (Apply2, a call per entity; ApplyRuns2, a
// call per run) and over the in-heap ECS.
func BenchmarkMovement(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		ticks := map[string]func(tx *entity.Tx, pos *column.Column[Position], vel *column.Column[Velocity]) error{
			"store": func(tx *entity.Tx, pos *column.Column[Position], vel *column.Column[Velocity]) error {
				return column.Apply2(tx, pos, vel, func(_ entity.ID, p *Position, v Velocity) bool {
					p.X += v.DX
					p.Y += v.DY
					return true
				})
			},
			"store-runs": func(tx *entity.Tx, pos *column.Column[Position], vel *column.Column[Velocity]) error {
				return column.ApplyRuns2(tx, pos, vel, func(_ []entity.ID, ps []Position, vs []Velocity) {
					for i := range ps {
						ps[i].X += vs[i].DX
						ps[i].Y += vs[i].DY
					}
				})
			},
		}
		for _, name := range []string{"store", "store-runs"} {
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				db, pos, vel := benchWorld(b, n)
				var pages, dirtied uint64
				for b.Loop() {
					st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error { return ticks[name](tx, pos, vel) })
					if err != nil {
						b.Fatal(err)
					}
					pages += st.PagesAccessed
					dirtied += st.PagesDirtied
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entity")
				b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
				b.ReportMetric(float64(dirtied)/float64(b.N), "dirtied/op")
			})
		}
		b.Run(fmt.Sprintf("heap-ecs/%d", n), func(b *testing.B) {
			w := newHeapECS(n)
			for b.Loop() {
				w.move()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entity")
			b.ReportMetric(0, "pages/op")
		})
	}
}

// BenchmarkGet reads one random entity's Position per op, one message per op.
func BenchmarkGet(b *testing.B) {
	const n = 100_000
	b.Run("store", func(b *testing.B) {
		db, pos, _ := benchWorld(b, n)
		r := rand.New(rand.NewPCG(1, 2))
		var pages uint64
		for b.Loop() {
			st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
				_, _, err := pos.Get(tx, entity.ID(1+r.IntN(n)))
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			pages += st.PagesRead
		}
		b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
	})
	b.Run("store/batch", func(b *testing.B) { // many reads in one message: the per-message cost amortized
		db, pos, _ := benchWorld(b, n)
		r := rand.New(rand.NewPCG(1, 2))
		err := db.View(func(tx *entity.Tx) error {
			for b.Loop() {
				if _, _, err := pos.Get(tx, entity.ID(1+r.IntN(n))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
	b.Run("heap-ecs", func(b *testing.B) {
		w := newHeapECS(n)
		r := rand.New(rand.NewPCG(1, 2))
		var sink Position
		for b.Loop() {
			sink = w.pos[w.row[entity.ID(1+r.IntN(n))]]
		}
		_ = sink
	})
}

// BenchmarkSet writes one random entity's Position per op, one message per op.
func BenchmarkSet(b *testing.B) {
	const n = 100_000
	b.Run("store", func(b *testing.B) {
		db, pos, _ := benchWorld(b, n)
		r := rand.New(rand.NewPCG(1, 2))
		var pages, dirtied uint64
		for b.Loop() {
			st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
				return pos.Set(tx, entity.ID(1+r.IntN(n)), Position{1, 2})
			})
			if err != nil {
				b.Fatal(err)
			}
			pages += st.PagesAccessed
			dirtied += st.PagesDirtied
		}
		b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
		b.ReportMetric(float64(dirtied)/float64(b.N), "dirtied/op")
	})
	b.Run("store/batch", func(b *testing.B) {
		db, pos, _ := benchWorld(b, n)
		r := rand.New(rand.NewPCG(1, 2))
		err := db.Update(func(tx *entity.Tx) error {
			for b.Loop() {
				if err := pos.Set(tx, entity.ID(1+r.IntN(n)), Position{1, 2}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
	b.Run("heap-ecs", func(b *testing.B) {
		w := newHeapECS(n)
		r := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			w.pos[w.row[entity.ID(1+r.IntN(n))]] = Position{1, 2}
		}
	})
}
