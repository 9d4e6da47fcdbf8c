package entity_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// TestNewN: NewN creates the entities New would one at a time, with the same IDs and the
// same entries, bottom up, before and after other entities.
func TestNewN(t *testing.T) {
	contents := func(db *entity.DB, kinds ...string) []string {
		var out []string
		require.NoError(t, db.View(func(tx *entity.Tx) error {
			for _, name := range append(kinds, entity.VarKind) {
				tr, err := tx.VarTree(name, 0, false)
				require.NoError(t, err)
				for k, v := range tr.All() {
					out = append(out, fmt.Sprintf("%s %x %x", name, k, v))
				}
			}
			return tx.CheckStore()
		}))
		return out
	}
	build := func(bulk bool) []string {
		s := entity.NewSchema()
		a, b := s.Kind("a"), s.Kind("b")
		db := testutil.OpenDB(t, s, nil)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			steps := []struct {
				k *entity.Kind
				n int
			}{{a, 3}, {b, 2000}, {a, 0}, {a, 5000}, {b, 1}}
			for _, st := range steps {
				want := tx.LastID() + 1
				if bulk {
					first, err := st.k.NewN(tx, st.n)
					require.NoError(t, err)
					require.Equal(t, want, first)
				} else {
					for range st.n {
						if _, err := st.k.New(tx); err != nil {
							return err
						}
					}
				}
				require.Equal(t, want+entity.ID(st.n)-1, tx.LastID())
			}
			return nil
		}))
		return contents(db, "a", "b")
	}
	one := build(false)
	require.Len(t, one, 2*7004)
	require.Equal(t, one, build(true))
}

// TestKindSets checks a kind's Bitmap against a scan of its tree, and Filter against Has
// for each ID, on kinds whose members come in runs broken by other kinds, deletions and
// members added from other kinds, and on a kind of long runs of consecutive members (c,
// made after the deletions: most of its leaves hold consecutive IDs only): the same IDs,
// and Filter reads exactly the pages the calls of Has read.
func TestKindSets(t *testing.T) {
	s := entity.NewSchema()
	a, b, c := s.Kind("a"), s.Kind("b"), s.Kind("c")
	kinds := []*entity.Kind{a, b, c}
	db := testutil.OpenDB(t, s, nil)
	r := rand.New(rand.NewPCG(15, 9))
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for range 40 {
			k := a
			if r.IntN(3) == 0 {
				k = b
			}
			if r.IntN(2) == 0 {
				_, err := k.NewN(tx, 1+r.IntN(2000))
				require.NoError(t, err)
			} else {
				for range 1 + r.IntN(50) {
					_, err := k.New(tx)
					require.NoError(t, err)
				}
			}
		}
		for range 1500 {
			id := entity.ID(1 + r.Uint64N(uint64(tx.LastID())))
			if r.IntN(2) == 0 {
				if tx.Exists(id) {
					require.NoError(t, tx.Delete(id))
				}
			} else if tx.Exists(id) {
				require.NoError(t, a.Add(tx, id))
			}
		}
		for range 10 {
			_, err := c.NewN(tx, 1+r.IntN(3000))
			require.NoError(t, err)
			if r.IntN(2) == 0 {
				_, err = b.NewN(tx, 1+r.IntN(3))
				require.NoError(t, err)
			}
		}
		return nil
	}))
	for round := range 200 {
		require.NoError(t, db.View(func(tx *entity.Tx) error {
			for _, k := range kinds {
				want := roaring64.New()
				for id := range k.All(tx) {
					want.Add(uint64(id))
				}
				require.True(t, want.Equals(k.Bitmap(tx)), "kind %s", k)
			}
			return nil
		}))
		ids := roaring64.New()
		last := uint64(0)
		require.NoError(t, db.View(func(tx *entity.Tx) error { last = uint64(tx.LastID()); return nil }))
		switch round % 4 {
		case 3: // an ID just past a run of a's: past the last key of a leaf, now and then
			var gaps []uint64
			require.NoError(t, db.View(func(tx *entity.Tx) error {
				members := a.Bitmap(tx)
				for it := members.Iterator(); it.HasNext(); {
					if id := it.Next(); !members.Contains(id + 1) {
						gaps = append(gaps, id+1)
					}
				}
				return nil
			}))
			ids.Add(gaps[r.IntN(len(gaps))])
		case 0:
			for range r.IntN(3000) {
				ids.Add(1 + r.Uint64N(last+100))
			}
		case 1:
			lo := r.Uint64N(last)
			ids.AddRange(lo, lo+r.Uint64N(5000))
		case 2:
			for id := r.Uint64N(50); id < last+50; id += 1 + r.Uint64N(40) {
				ids.Add(id)
			}
		}
		before := ids.Clone()
		for _, k := range kinds {
			want := roaring64.New()
			has, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
				for it := ids.Iterator(); it.HasNext(); {
					if id := it.Next(); k.Has(tx, entity.ID(id)) {
						want.Add(id)
					}
				}
				return nil
			})
			require.NoError(t, err)
			var got *roaring64.Bitmap
			filter, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
				got = k.Filter(tx, ids)
				return nil
			})
			require.NoError(t, err)
			require.True(t, want.Equals(got), "round %d kind %s: %d IDs, want %d", round, k, got.GetCardinality(), want.GetCardinality())
			require.Equal(t, has.PagesRead, filter.PagesRead, "round %d kind %s: pages", round, k)
			require.True(t, before.Equals(ids), "round %d kind %s: Filter changed its IDs", round, k)
		}
	}
}
