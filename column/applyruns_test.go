package column_test

import (
	"maps"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// TestApplyRunsAsApply2 runs the same system with Apply2 (a call per entity) and with
// ApplyRuns2 (a call per run) over identical worlds whose columns overlap in random ways,
// merging packed runs or moving the cursors: both must write the same values and read and
// dirty the same pages, and ApplyRuns2 must hand fn every common entity exactly once, in
// ID order, with the values the model holds.
func TestApplyRunsAsApply2(t *testing.T) {
	seed := testutil.Seed(t, 5)
	type outcome struct {
		pos            map[entity.ID]joinPos
		ids            []entity.ID
		read, dirtied  uint64
		readA, dirtyA  uint64
		readB, dirtyB  uint64
		calls, entries int
	}
	// move is the system: entities whose velocity has DY 0 keep their position, so that
	// some runs, and some leaves, are left as they were.
	move := func(v Velocity, p *joinPos) {
		if v.DY != 0 {
			p.X += v.DX
			p.Y -= v.DY
			p.Pad[11] = -p.Pad[11] // -0 stays +0
		}
	}
	run := func(packed, runs bool) outcome {
		defer column.SetPackedJoin(packed)()
		w := newJoinWorld(t, 20_000, densities(seed, []int{1, 1, 1, 2, 5}, []int{1, 1, 2, 4, 17, 40, 1000}))
		var model map[entity.ID]joinPos
		var vel map[entity.ID]Velocity
		require.NoError(t, w.db.View(func(tx *entity.Tx) error {
			model, vel = maps.Collect(w.pos.All(tx)), maps.Collect(w.vel.All(tx))
			return nil
		}))
		var o outcome
		st, err := w.db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
			if !runs {
				return column.Apply2(tx, w.pos, w.vel, func(id entity.ID, p *joinPos, v Velocity) bool {
					o.ids = append(o.ids, id)
					o.calls++
					o.entries++
					move(v, p)
					return true
				})
			}
			return column.ApplyRuns2(tx, w.pos, w.vel, func(ids []entity.ID, ps []joinPos, vs []Velocity) {
				require.Len(t, ps, len(ids))
				require.Len(t, vs, len(ids))
				o.calls++
				o.entries += len(ids)
				for i, id := range ids {
					assert.Equal(t, model[id], ps[i], "position of %d", id)
					assert.Equal(t, vel[id], vs[i], "velocity of %d", id)
					move(vs[i], &ps[i])
				}
				o.ids = append(o.ids, ids...)
			})
		})
		require.NoError(t, err)
		o.read, o.dirtied = st.PagesRead, st.PagesDirtied
		o.readA, o.dirtyA = st.ByOwner["pos"].PagesRead, st.ByOwner["pos"].PagesDirtied
		o.readB, o.dirtyB = st.ByOwner["vel"].PagesRead, st.ByOwner["vel"].PagesDirtied
		require.NoError(t, w.db.View(func(tx *entity.Tx) error {
			o.pos = maps.Collect(w.pos.All(tx))
			return tx.CheckStore()
		}))
		// The model: every entity with both components moved.
		var want []entity.ID
		for _, id := range w.ids {
			if _, ok := vel[id]; ok {
				if p, ok := model[id]; ok {
					move(vel[id], &p)
					model[id] = p
					want = append(want, id)
				}
			}
		}
		assert.Equal(t, want, o.ids, "packed %v runs %v: each common entity once, in order", packed, runs)
		assert.Equal(t, model, o.pos, "packed %v runs %v: positions written", packed, runs)
		return o
	}
	base := run(true, false)
	require.NotZero(t, base.dirtied)
	for _, packed := range []bool{true, false} {
		got := run(packed, true)
		if packed {
			assert.Less(t, got.calls, got.entries/2, "runs of many entities per call")
		} else {
			assert.Equal(t, got.calls, got.entries, "without packed runs, runs of one")
		}
		got.calls, got.entries = base.calls, base.entries
		assert.Equal(t, base, got, "packed %v: as Apply2, seed %d", packed, seed)
	}
}

// TestApplyRunsIndexed checks that ApplyRuns2 keeps an indexed column's index in step.
func TestApplyRunsIndexed(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	hp := column.Define[int32](s, "hp", column.Indexed())
	regen := column.Define[int32](s, "regen")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 3000, func(tx *entity.Tx, i int, id entity.ID) error {
		if err := hp.Set(tx, id, int32(i%50)); err != nil {
			return err
		}
		return regen.Set(tx, id, int32(i%3-1))
	})
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		return column.ApplyRuns2(tx, hp, regen, func(_ []entity.ID, hs []int32, rs []int32) {
			for i := range hs {
				hs[i] += rs[i]
			}
		})
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for i, id := range ids {
			want := int32(i%50 + i%3 - 1)
			got, ok, err := hp.Get(tx, id)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, want, got)
			if i%97 == 0 {
				bm, err := hp.Equal(tx, want)
				require.NoError(t, err)
				assert.True(t, bm.Contains(uint64(id)), "the index has %d at %d", id, want)
			}
		}
		return tx.CheckStore()
	}))
}

// TestApplyRunsFailures checks that a run function that writes to a column it runs over,
// or leaves a NaN, fails the message with an error that says so, and writes nothing.
func TestApplyRunsFailures(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	pos := column.Define[Position](s, "pos")
	vel := column.Define[Velocity](s, "vel")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 2000, func(tx *entity.Tx, i int, id entity.ID) error {
		if err := pos.Set(tx, id, Position{float32(i), 0}); err != nil {
			return err
		}
		return vel.Set(tx, id, Velocity{1, 1})
	})
	before := func() map[entity.ID]Position {
		var m map[entity.ID]Position
		require.NoError(t, db.View(func(tx *entity.Tx) error { m = maps.Collect(pos.All(tx)); return nil }))
		return m
	}
	was := before()
	err := db.Update(func(tx *entity.Tx) error {
		return column.ApplyRuns2(tx, pos, vel, func(ids []entity.ID, ps []Position, vs []Velocity) {
			for i := range ps {
				ps[i].X += vs[i].DX
			}
			require.NoError(t, vel.Set(tx, ids[0], Velocity{2, 2}))
		})
	})
	require.ErrorIs(t, err, column.ErrRunFuncWrote)
	assert.ErrorContains(t, err, `"pos" and "vel"`)
	err = db.Update(func(tx *entity.Tx) error {
		return column.ApplyRuns2(tx, pos, vel, func(ids []entity.ID, ps []Position, _ []Velocity) {
			for i, id := range ids {
				ps[i].X++
				if id == ids[len(ids)/2] && id > ids[0] {
					ps[i].Y = float32(math.NaN())
				}
			}
		})
	})
	require.ErrorIs(t, err, column.ErrNaN)
	assert.ErrorContains(t, err, `"pos"`)
	assert.Equal(t, was, before(), "nothing written")
	require.Len(t, ids, 2000)
}
