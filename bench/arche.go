package bench

import (
	"fmt"

	"github.com/mlange-42/arche/ecs"
	"github.com/mlange-42/arche/generic"
)

// Arche is the world's components in github.com/mlange-42/arche (v0.15.3), an in-heap
// archetype ECS: the reference for what an ECS tick costs with no persistence at all.
// Entities with the same components share an archetype that stores each component densely;
// a slice maps a player's ID to its arche entity. It has no relations, so it runs
// workloads 1–3: point read and write, scan, and the tick.
type Arche struct {
	world    ecs.World
	entities []ecs.Entity // by player ID - 1
	health   generic.Map[archeHealth]
	all      *generic.Filter1[archeHealth]
	moving   *generic.Filter2[archePos, archeVel]
}

// arche's components are told apart by type, so position and velocity get types of their own.
type (
	archePos    Vec2
	archeVel    Vec2
	archeHealth int32
)

// OpenArche builds the arche world from f's players; dir is unused.
func OpenArche(f *Fixture, _ string) (*Arche, error) {
	a := &Arche{world: ecs.NewWorld(), entities: make([]ecs.Entity, f.N)}
	still := generic.NewMap2[archePos, archeHealth](&a.world)
	moving := generic.NewMap3[archePos, archeVel, archeHealth](&a.world)
	for i := range f.N {
		p, h := archePos(f.Pos[i]), archeHealth(f.Health[i])
		if f.HasVel[i] {
			v := archeVel(f.Vel[i])
			a.entities[i] = moving.NewWith(&p, &v, &h)
		} else {
			a.entities[i] = still.NewWith(&p, &h)
		}
	}
	a.health = generic.NewMap[archeHealth](&a.world)
	a.all = generic.NewFilter1[archeHealth]()
	a.moving = generic.NewFilter2[archePos, archeVel]()
	return a, nil
}

// Name implements System.
func (a *Arche) Name() string { return "arche" }

// Close implements System.
func (a *Arche) Close() error { return nil }

func (a *Arche) entity(id uint64) (ecs.Entity, error) {
	if id == 0 || id > uint64(len(a.entities)) {
		return ecs.Entity{}, fmt.Errorf("no entity %d", id)
	}
	return a.entities[id-1], nil
}

// ReadHealth implements PointReadWriter.
func (a *Arche) ReadHealth(id uint64) (int32, error) {
	e, err := a.entity(id)
	if err != nil {
		return 0, err
	}
	return int32(*a.health.Get(e)), nil
}

// WriteHealth implements PointReadWriter.
func (a *Arche) WriteHealth(id uint64, h int32) error {
	e, err := a.entity(id)
	if err != nil {
		return err
	}
	*a.health.Get(e) = archeHealth(h)
	return nil
}

// SumHealth implements Scanner with a query over every entity that has a health.
func (a *Arche) SumHealth() (sum int64, err error) {
	q := a.all.Query(&a.world)
	for q.Next() {
		sum += int64(*q.Get())
	}
	return sum, nil
}

// Tick implements Ticker with a query over the entities that have a velocity.
func (a *Arche) Tick() (n int, err error) {
	q := a.moving.Query(&a.world)
	for q.Next() {
		p, v := q.Get()
		p.X += v.X
		p.Y += v.Y
		n++
	}
	return n, nil
}

// Position returns a player's position, for the tests that compare systems.
func (a *Arche) Position(id uint64) (Vec2, error) {
	e, err := a.entity(id)
	if err != nil {
		return Vec2{}, err
	}
	pos := generic.NewMap[archePos](&a.world)
	return Vec2(*pos.Get(e)), nil
}
