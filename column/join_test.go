package column_test

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// joinPos is a position with padding, so that few fit in a leaf and a tree of a few
// thousand has three levels.
type joinPos struct {
	Position
	Pad [12]float32
}

// joinWorld is a store of n entities with positions and velocities where has says.
type joinWorld struct {
	db  *entity.DB
	pos *column.Column[joinPos]
	vel *column.Column[Velocity]
	ids []entity.ID
}

func newJoinWorld(t *testing.T, n int, has func(i int) (pos, vel bool)) joinWorld {
	s := entity.NewSchema()
	k := s.Kind("k")
	w := joinWorld{pos: column.Define[joinPos](s, "pos"), vel: column.Define[Velocity](s, "vel")}
	w.db = testutil.OpenDB(t, s, nil)
	w.ids = testutil.Spawn(t, w.db, k, n, func(tx *entity.Tx, i int, id entity.ID) error {
		p, v := has(i)
		if p {
			if err := w.pos.Set(tx, id, joinPos{Position: Position{float32(i % 100), 0}}); err != nil {
				return err
			}
		}
		if v {
			return w.vel.Set(tx, id, Velocity{1, float32(i % 3)})
		}
		return nil
	})
	return w
}

// densities returns a has for newJoinWorld: one in d entities has a component, d drawn
// from posD and velD every few hundred entities.
func densities(seed uint64, posD, velD []int) func(i int) (bool, bool) {
	r := rand.New(rand.NewPCG(seed, 0))
	dp, dv := 1, 1
	return func(i int) (bool, bool) {
		if i%300 == 0 {
			dp, dv = posD[r.IntN(len(posD))], velD[r.IntN(len(velD))]
		}
		return r.IntN(dp) == 0, r.IntN(dv) == 0
	}
}

// TestJoinPackedSamePages checks that merging packed runs changes neither what Join2 and
// Apply2 yield and write nor the pages they read and dirty: the same joins, cursor by
// cursor, must agree exactly.
func TestJoinPackedSamePages(t *testing.T) {
	seed := testutil.Seed(t, 7)
	type outcome struct {
		joined          []entity.ID
		read, dirtied   uint64
		applied         int
		pos             map[entity.ID]joinPos
		readA, dirtyA   uint64
		readB, dirtiedB uint64
	}
	run := func(packed bool, has func(i int) (bool, bool), prepare func(joinWorld)) outcome {
		defer column.SetPackedJoin(packed)()
		w := newJoinWorld(t, 20_000, has)
		var o outcome
		require.NoError(t, w.db.View(func(tx *entity.Tx) error {
			require.Equal(t, 3, w.pos.Dyn().Tree(tx).Height())
			return nil
		}))
		if prepare != nil {
			prepare(w)
		}
		st, err := w.db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			for id, p := range column.Join2(tx, w.pos, w.vel) {
				o.joined = append(o.joined, id)
				_ = p
			}
			return nil
		})
		require.NoError(t, err)
		o.read = st.PagesRead
		st, err = w.db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
			return column.Apply2(tx, w.pos, w.vel, func(_ entity.ID, p *joinPos, v Velocity) bool {
				o.applied++
				if v.DY == 0 {
					return false
				}
				p.X += v.DX
				return true
			})
		})
		require.NoError(t, err)
		o.readA, o.dirtyA = st.ByOwner["pos"].PagesRead, st.ByOwner["pos"].PagesDirtied
		o.readB, o.dirtiedB = st.ByOwner["vel"].PagesRead, st.ByOwner["vel"].PagesDirtied
		o.dirtied = st.PagesDirtied
		require.NoError(t, w.db.View(func(tx *entity.Tx) error {
			o.pos = maps.Collect(w.pos.All(tx))
			return tx.CheckStore()
		}))
		return o
	}
	// gap takes the velocities off gallopSteps+1 entities inside one leaf of the positions,
	// in the last branch: the only seek of the join (a gallop of more than gallopSteps
	// entries seeks even within a leaf), which reads a branch nothing else does.
	gap := func(w joinWorld) {
		require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
			c := w.pos.Dyn().Tree(tx).Cursor()
			from := entity.Key(w.ids[len(w.ids)-len(w.ids)/8])
			_, _, ok := c.Seek(from[:])
			require.True(t, ok)
			keys, _, n := c.Run()
			for n <= 20 { // the next leaf, from its first entry
				c.Skip(n - 1)
				_, _, ok = c.Next()
				require.True(t, ok)
				keys, _, n = c.Run()
			}
			for j := 2; j < 2+17; j++ {
				had, err := w.vel.Delete(tx, entity.FromKey(keys[j*entity.KeySize:(j+1)*entity.KeySize]))
				require.NoError(t, err)
				require.True(t, had)
			}
			return nil
		}))
	}
	for name, world := range map[string]struct {
		has     func() func(i int) (bool, bool)
		prepare func(joinWorld)
	}{
		// Velocities in runs in step with the positions, runs that skip a few (a gallop
		// within a leaf), and long gaps (a gallop across leaves, and a seek).
		"random runs": {has: func() func(i int) (bool, bool) {
			return densities(seed, []int{1, 1, 1, 2}, []int{1, 1, 2, 4, 17, 40, 1000})
		}},
		"one gap in a leaf": {has: func() func(i int) (bool, bool) {
			return func(int) (bool, bool) { return true, true }
		}, prepare: gap},
	} {
		packed, moved := run(true, world.has(), world.prepare), run(false, world.has(), world.prepare)
		require.NotEmpty(t, moved.joined, name)
		assert.True(t, slices.Equal(moved.joined, packed.joined), "%s: the same entities joined", name)
		assert.True(t, maps.Equal(moved.pos, packed.pos), "%s: the same positions written", name)
		moved.joined, packed.joined, moved.pos, packed.pos = nil, nil, nil, nil
		assert.Equal(t, moved, packed, "%s: the same pages, seed %d", name, seed)
	}
}

// TestJoinBodyChangesTrees changes both columns from inside a Join2 loop, ahead of the
// join and at the entity it stands on: the join goes on from the first entity after the
// one it yielded, as the columns are then, as a model over maps says.
func TestJoinBodyChangesTrees(t *testing.T) {
	seed := testutil.Seed(t, 11)
	for _, packed := range []bool{true, false} {
		restore := column.SetPackedJoin(packed)
		mixed := []int{1, 1, 2, 4, 17, 40, 1000}
		w := newJoinWorld(t, 5000, densities(seed, mixed, mixed))
		r := rand.New(rand.NewPCG(seed, 1))
		var pos map[entity.ID]joinPos
		var vel map[entity.ID]Velocity
		require.NoError(t, w.db.View(func(tx *entity.Tx) error {
			pos, vel = maps.Collect(w.pos.All(tx)), maps.Collect(w.vel.All(tx))
			return nil
		}))
		// next is the model: the first entity after id in both maps.
		next := func(id entity.ID) (entity.ID, bool) {
			for _, e := range w.ids {
				_, p := pos[e]
				_, v := vel[e]
				if e > id && p && v {
					return e, true
				}
			}
			return 0, false
		}
		var got, want []entity.ID
		require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
			for id, pair := range column.Join2(tx, w.pos, w.vel) {
				got = append(got, id)
				assert.Equal(t, pos[id], pair.A, "packed %v: position of %d", packed, id)
				assert.Equal(t, vel[id], pair.B, "packed %v: velocity of %d", packed, id)
				if len(got) == 400 {
					break
				}
				switch r.IntN(8) {
				case 0: // delete an entity's position a few ahead
					e := id + entity.ID(1+r.IntN(5))
					_, err := w.pos.Delete(tx, e)
					require.NoError(t, err)
					delete(pos, e)
				case 1: // give an entity a few ahead both components
					e := id + entity.ID(1+r.IntN(5))
					if slices.Contains(w.ids, e) {
						require.NoError(t, w.pos.Set(tx, e, joinPos{Position: Position{9, 9}}))
						require.NoError(t, w.vel.Set(tx, e, Velocity{2, 2}))
						pos[e], vel[e] = joinPos{Position: Position{9, 9}}, Velocity{2, 2}
					}
				case 2: // change the entity's own values
					require.NoError(t, w.pos.Set(tx, id, joinPos{Position: Position{7, 7}}))
					pos[id] = joinPos{Position: Position{7, 7}}
				}
			}
			return nil
		}))
		for id, ok := next(0); ok && len(want) < len(got); id, ok = next(id) {
			want = append(want, id)
		}
		assert.Equal(t, want, got, "packed %v, seed %d", packed, seed)
		restore()
	}
}
