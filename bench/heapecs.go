package bench

import "fmt"

// HeapECS is the world's components in an in-heap archetype ECS, the layout of
// github.com/mlange-42/arche and ark, which cannot be fetched in this build environment: the
// heart of such an ECS is written out here instead. Entities with the same set of components
// share an archetype that holds each component in a dense slice (structure of arrays); a map
// from entity to (archetype, row) finds one entity. It has no relations and no persistence,
// so it runs the workloads that need neither: point read and write, scan, and the tick.
type HeapECS struct {
	arch  [2]*archetype // [0]: position, health; [1]: position, velocity, health
	where map[uint64]uint64
}

// archetype holds the entities of one component set, a dense slice per component.
type archetype struct {
	ids    []uint64
	pos    []Vec2
	vel    []Vec2 // nil in the archetype without velocity
	health []int32
}

// OpenHeapECS builds the ECS world from f's players; dir is unused.
func OpenHeapECS(f *Fixture, _ string) (*HeapECS, error) {
	e := &HeapECS{where: make(map[uint64]uint64, f.N)}
	e.arch[0], e.arch[1] = &archetype{}, &archetype{vel: []Vec2{}}
	for i := range f.N {
		a := 0
		if f.HasVel[i] {
			a = 1
		}
		arch := e.arch[a]
		e.where[f.PlayerID(i)] = uint64(a)<<32 | uint64(len(arch.ids))
		arch.ids = append(arch.ids, f.PlayerID(i))
		arch.pos = append(arch.pos, f.Pos[i])
		arch.health = append(arch.health, f.Health[i])
		if a == 1 {
			arch.vel = append(arch.vel, f.Vel[i])
		}
	}
	return e, nil
}

// Name implements System.
func (e *HeapECS) Name() string { return "heapecs" }

// Close implements System.
func (e *HeapECS) Close() error { return nil }

func (e *HeapECS) locate(id uint64) (*archetype, int, error) {
	w, ok := e.where[id]
	if !ok {
		return nil, 0, fmt.Errorf("no entity %d", id)
	}
	return e.arch[w>>32], int(uint32(w)), nil
}

// ReadHealth implements PointReadWriter.
func (e *HeapECS) ReadHealth(id uint64) (int32, error) {
	a, row, err := e.locate(id)
	if err != nil {
		return 0, err
	}
	return a.health[row], nil
}

// WriteHealth implements PointReadWriter.
func (e *HeapECS) WriteHealth(id uint64, h int32) error {
	a, row, err := e.locate(id)
	if err != nil {
		return err
	}
	a.health[row] = h
	return nil
}

// SumHealth implements Scanner over the health slices of both archetypes.
func (e *HeapECS) SumHealth() (sum int64, err error) {
	for _, a := range e.arch {
		for _, h := range a.health {
			sum += int64(h)
		}
	}
	return sum, nil
}

// Tick implements Ticker over the archetype that has a velocity.
func (e *HeapECS) Tick() (int, error) {
	a := e.arch[1]
	pos, vel := a.pos, a.vel[:len(a.pos)]
	for i := range pos {
		pos[i].X += vel[i].X
		pos[i].Y += vel[i].Y
	}
	return len(pos), nil
}

// Position returns a player's position, for the tests that compare systems.
func (e *HeapECS) Position(id uint64) (Vec2, error) {
	a, row, err := e.locate(id)
	if err != nil {
		return Vec2{}, err
	}
	return a.pos[row], nil
}
