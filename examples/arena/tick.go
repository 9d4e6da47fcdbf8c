package main

import (
	"fmt"
	"math"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// TickReport says what one tick did.
type TickReport struct {
	Tick     uint64 `json:"tick"` // the tick's number over the store's life, from 1
	Spawned  int    `json:"spawned"`
	Moved    int    `json:"moved"`
	Stormed  int    `json:"stormed"`   // players hurt by crossing the edge of the plane
	Healed   int    `json:"healed"`    // players who regained health
	PickedUp int    `json:"picked_up"` // items that found an owner
	Dropped  int    `json:"dropped"`   // items that appeared on the ground
	Migrated int    `json:"migrated"`  // players whose address moved to its parts (version 2)
}

// SpawnResult is the outcome of one spawn request taken by a tick.
type SpawnResult struct {
	ID  entity.ID
	Err error
}

// Step runs one tick as one Update message under budget: the spawns it is given, then
// the tick's steps. It returns what the tick did, the outcome of each spawn, and the message's
// page counts. If the message fails (an error, or the budget running out) nothing of it is
// kept, and every spawn reports the failure.
func (w *World) Step(budget store.Budget, spawns []PlayerSpec) (TickReport, []SpawnResult, store.Stats, error) {
	var rep TickReport
	results := make([]SpawnResult, len(spawns))
	stats, err := w.db.UpdateWith(budget, func(tx *entity.Tx) error {
		rep = TickReport{}
		for i, p := range spawns {
			id, err := w.Spawn(tx, p)
			results[i] = SpawnResult{ID: id, Err: err}
			if err == nil {
				rep.Spawned++
			}
		}
		return w.tick(tx, &rep)
	})
	if err != nil {
		for i := range results {
			results[i] = SpawnResult{Err: err}
		}
		return TickReport{}, results, stats, err
	}
	return rep, results, stats, nil
}

// tick runs the tick's steps over the world, in the message tx: movement, regeneration,
// the storm, pickup, an item drop now and then, and (version 2) the address migration.
func (w *World) tick(tx *entity.Tx, rep *TickReport) error {
	sc := w.sc
	n, _, err := sc.tick.Get(tx, w.id)
	if err != nil {
		return err
	}
	n++
	rep.Tick = n
	if err := w.move(tx, rep); err != nil {
		return fmt.Errorf("tick %d: movement: %w", n, err)
	}
	if err := w.regenerate(tx, rep); err != nil {
		return fmt.Errorf("tick %d: regeneration: %w", n, err)
	}
	if err := w.storm(tx, rep); err != nil {
		return fmt.Errorf("tick %d: storm: %w", n, err)
	}
	if err := w.pickUp(tx, rep); err != nil {
		return fmt.Errorf("tick %d: pickup: %w", n, err)
	}
	if n%itemEvery == 0 && sc.droppedAt.Len(tx) < groundItems {
		if _, err := w.dropItem(tx, n); err != nil {
			return fmt.Errorf("tick %d: item drop: %w", n, err)
		}
		rep.Dropped++
	}
	if sc.migrates() {
		if err := w.migrate(tx, rep); err != nil {
			return fmt.Errorf("tick %d: address migration: %w", n, err)
		}
	}
	return sc.tick.Set(tx, w.id, n)
}

// move is the movement step, pos += vel, as a merge join of the two columns that
// rewrites each leaf of pos in place: the pages it touches are the leaves of pos and vel,
// whatever the number of players. It remembers where everyone is, for pickup, and who
// crossed the edge, for the storm.
func (w *World) move(tx *entity.Tx, rep *TickReport) error {
	w.players, w.stormed = w.players[:0], w.stormed[:0]
	return column.Apply2(tx, w.sc.pos, w.sc.vel, func(id entity.ID, p *Vec2, v Vec2) bool {
		p.X += v.X
		p.Y += v.Y
		if wx, wy := wrap(&p.X), wrap(&p.Y); wx || wy {
			w.stormed = append(w.stormed, id)
		}
		w.players = append(w.players, located{id, *p})
		rep.Moved++
		return true
	})
}

// regenerate gives every wounded player regenPerTick health. The health index finds the
// wounded without reading the health of those who are not, and a forward-only cursor
// visits each of their leaves once.
func (w *World) regenerate(tx *entity.Tx, rep *TickReport) error {
	wounded, err := w.sc.health.Between(tx, math.MinInt32, maxHealth-1)
	if err != nil {
		return err
	}
	c := w.sc.health.Cursor(tx)
	for it := wounded.Iterator(); it.HasNext(); {
		id := entity.ID(it.Next())
		if !c.Seek(id) || c.ID() != id {
			continue
		}
		if err := c.Set(min(c.Value()+regenPerTick, maxHealth)); err != nil {
			return err
		}
		rep.Healed++
	}
	return nil
}

// storm hurts the players that crossed the edge of the plane this tick.
func (w *World) storm(tx *entity.Tx, rep *TickReport) error {
	c := w.sc.health.Cursor(tx)
	for _, id := range w.stormed { // in ID order, as the movement step met them
		if !c.Seek(id) || c.ID() != id {
			continue
		}
		if err := c.Set(max(c.Value()-stormDamage, 1)); err != nil {
			return err
		}
		rep.Stormed++
	}
	return nil
}

// pickUp gives each item on the ground to the nearest player within pickupRadius (the
// lower ID on a tie): the item leaves the ground and its new owner owns it.
func (w *World) pickUp(tx *entity.Tx, rep *TickReport) error {
	sc := w.sc
	w.ground = w.ground[:0]
	for id, at := range sc.droppedAt.All(tx) {
		w.ground = append(w.ground, located{id, at})
	}
	if len(w.ground) == 0 || len(w.players) == 0 {
		return nil
	}
	// A grid of pickupRadius-wide cells: a player within reach of an item stands in the
	// item's cell or one of its eight neighbours, so each player costs one map lookup.
	type cell struct{ x, y int32 }
	cellOf := func(p Vec2) cell { return cell{int32(p.X / pickupRadius), int32(p.Y / pickupRadius)} }
	near := make(map[cell][]int, 9*len(w.ground))
	for i, it := range w.ground {
		c := cellOf(it.at)
		for dx := int32(-1); dx <= 1; dx++ {
			for dy := int32(-1); dy <= 1; dy++ {
				k := cell{c.x + dx, c.y + dy}
				near[k] = append(near[k], i)
			}
		}
	}
	type claim struct {
		player entity.ID
		d      float32
	}
	best := make([]claim, len(w.ground))
	for _, p := range w.players { // in ID order: on a tie the lower ID, met first, keeps the item
		for _, i := range near[cellOf(p.at)] {
			dx, dy := p.at.X-w.ground[i].at.X, p.at.Y-w.ground[i].at.Y
			if d := dx*dx + dy*dy; d < pickupRadius*pickupRadius && (best[i].player == 0 || d < best[i].d) {
				best[i] = claim{p.id, d}
			}
		}
	}
	for i, it := range w.ground {
		if best[i].player == 0 {
			continue
		}
		if err := sc.owns.Link(tx, best[i].player, it.id); err != nil {
			return err
		}
		if _, err := sc.droppedAt.Delete(tx, it.id); err != nil {
			return err
		}
		rep.PickedUp++
	}
	return nil
}

// Status is a summary of the world, for GET /status and the tests.
type Status struct {
	Version       int              `json:"version"`
	Tick          uint64           `json:"tick"`
	Players       uint64           `json:"players"`
	Guilds        uint64           `json:"guilds"`
	Items         uint64           `json:"items"`
	ItemsOnGround uint64           `json:"items_on_ground"`
	Migration     *MigrationStatus `json:"migration,omitempty"`
}

// Status returns the world's summary as of the message tx.
func (w *World) Status(tx *entity.Tx) (Status, error) {
	sc := w.sc
	n, _, err := sc.tick.Get(tx, w.id)
	if err != nil {
		return Status{}, err
	}
	st := Status{
		Version:       sc.version,
		Tick:          n,
		Players:       sc.player.Count(tx),
		Guilds:        sc.guild.Count(tx),
		Items:         sc.item.Count(tx),
		ItemsOnGround: sc.droppedAt.Len(tx),
	}
	if sc.migrates() {
		m := migrationOf(tx, w.db, sc.address.Dyn())
		st.Migration = &m
	}
	return st, nil
}
