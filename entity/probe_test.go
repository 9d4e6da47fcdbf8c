package entity_test

import (
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// TestEntriesOf probes a tree keyed by (ID, n) for sets of IDs, against the entries a scan
// finds, and checks that it reads no leaf twice.
func TestEntriesOf(t *testing.T) {
	st := testutil.OpenStore(t)
	ref := store.SuperblockTreeRef(3)
	// Entity i has i%4 entries (i, 0), (i, 1), …: IDs 1 to 2000, about 3000 entries.
	want := map[entity.ID][]uint64{}
	require.NoError(t, st.Update(func(tx *store.Tx) error {
		tr, err := tx.CreateTree(ref, store.Layout{KeySize: 16}, "t")
		require.NoError(t, err)
		for id := entity.ID(1); id <= 2000; id++ {
			for n := range uint64(id % 4) {
				k := store.AppendUint64(entity.AppendKey(nil, id), n)
				_, err := tr.Put(k, nil)
				require.NoError(t, err)
				want[id] = append(want[id], n)
			}
		}
		return nil
	}))
	collect := func(ids *roaring64.Bitmap, firstOnly bool, stop int) (got map[entity.ID][]uint64, read uint64) {
		got = map[entity.ID][]uint64{}
		stats, err := st.ViewWith(store.Budget{}, func(tx *store.Tx) error {
			tr, err := tx.OpenTree(ref, "t")
			require.NoError(t, err)
			n := 0
			var last []byte
			for k := range entity.EntriesOf(tr, ids, firstOnly) {
				require.Negative(t, slices.Compare(last, k), "keys come in order")
				last = slices.Clone(k)
				id := entity.FromKey(k)
				got[id] = append(got[id], store.DecodeUint64(k[entity.KeySize:]))
				if n++; n == stop {
					break
				}
			}
			return nil
		})
		require.NoError(t, err)
		return got, stats.ByOwner["t"].PagesRead
	}

	ids := roaring64.BitmapOf(1, 2, 3, 4, 5, 8, 9, 1000, 1003, 1999, 2000, 5000)
	got, _ := collect(ids, false, 0)
	expect := map[entity.ID][]uint64{}
	for it := ids.Iterator(); it.HasNext(); {
		if id := entity.ID(it.Next()); len(want[id]) > 0 {
			expect[id] = want[id]
		}
	}
	assert.Equal(t, expect, got, "every entry of every ID in the set, none of the others")

	got, _ = collect(ids, true, 0)
	for id := range expect {
		expect[id] = expect[id][:1]
	}
	assert.Equal(t, expect, got, "firstOnly: the first entry of each ID")

	got, _ = collect(ids, false, 4)
	assert.Equal(t, map[entity.ID][]uint64{1: {0}, 2: {0, 1}, 3: {0}}, got, "the iteration stops when the loop does")

	all := roaring64.New()
	all.AddRange(1, 2001)
	got, read := collect(all, false, 0)
	assert.Equal(t, want, got)
	var leaves uint64
	require.NoError(t, st.View(func(tx *store.Tx) error {
		tr, err := tx.OpenTree(ref, "t")
		require.NoError(t, err)
		s := tr.Stats()
		for _, p := range s.PagesByLevel {
			leaves += p
		}
		return nil
	}))
	assert.Equal(t, leaves, read, "probing every ID reads each page of the tree once")

	got, read = collect(roaring64.New(), false, 0)
	assert.Empty(t, got)
	assert.Zero(t, read)
}

func TestKeyRange(t *testing.T) {
	lo, hi := entity.KeyRange(7)
	assert.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 7}, lo)
	assert.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 8}, hi)
	lo, hi = entity.KeyRange(^entity.ID(0))
	assert.Equal(t, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, lo)
	assert.Nil(t, hi, "no key is above the largest ID's")
}

// TestProberSteps probes a tree keyed by the ID alone, whose entries are 400 bytes (nine a
// leaf, so that 5000 entities make a tree of three levels): consecutive IDs each find their
// own entry; probing every ID walks the leaves along their links and reads the root, the
// first branch and every leaf, no other branch; two IDs far apart are reached by a seek,
// not a walk over the leaves between.
func TestProberSteps(t *testing.T) {
	st := testutil.OpenStore(t)
	ref := store.SuperblockTreeRef(3)
	val := make([]byte, 400)
	require.NoError(t, st.Update(func(tx *store.Tx) error {
		tr, err := tx.CreateTree(ref, store.Layout{KeySize: 8, ValueSize: 400}, "t")
		require.NoError(t, err)
		for id := entity.ID(1); id <= 5000; id++ {
			k := entity.Key(id)
			if _, err := tr.Put(k[:], val); err != nil {
				return err
			}
		}
		return nil
	}))
	var levels []uint64
	require.NoError(t, st.View(func(tx *store.Tx) error {
		tr, err := tx.OpenTree(ref, "t")
		require.NoError(t, err)
		levels = tr.Stats().PagesByLevel
		require.Equal(t, 9, tr.LeafCapacity())
		return nil
	}))
	require.Len(t, levels, 3, "leaves, branches, root")
	probe := func(ids *roaring64.Bitmap) (found []entity.ID, pages uint64) {
		stats, err := st.ViewWith(store.Budget{}, func(tx *store.Tx) error {
			tr, err := tx.OpenTree(ref, "t")
			require.NoError(t, err)
			for k := range entity.EntriesOf(tr, ids, true) {
				found = append(found, entity.FromKey(k))
			}
			return nil
		})
		require.NoError(t, err)
		return found, stats.ByOwner["t"].PagesRead
	}
	all := roaring64.New()
	all.AddRange(1, 5001)
	found, pages := probe(all)
	require.Len(t, found, 5000, "every ID finds its entry")
	assert.Equal(t, entity.ID(5000), found[4999])
	assert.Equal(t, levels[0]+2, pages, "every leaf, the first branch and the root")

	found, pages = probe(roaring64.BitmapOf(1, 2, 3, 4500))
	assert.Equal(t, []entity.ID{1, 2, 3, 4500}, found)
	// The root, the first branch and the first leaf; 16 steps along from ID 3 (to ID 19,
	// in the third leaf); then a seek: the last branch and the leaf of 4500.
	assert.Equal(t, uint64(7), pages)
}

// TestEntriesOfIDs: EntriesOfIDs finds what EntriesOf finds for the same IDs kept in a
// slice, reading the same pages; a repeated ID yields its entries once, or its first entry
// again if firstOnly.
func TestEntriesOfIDs(t *testing.T) {
	st := testutil.OpenStore(t)
	ref := store.SuperblockTreeRef(3)
	// Entity i has i%4 entries (i, 0), (i, 1), …
	require.NoError(t, st.Update(func(tx *store.Tx) error {
		tr, err := tx.CreateTree(ref, store.Layout{KeySize: 16}, "t")
		require.NoError(t, err)
		for id := entity.ID(1); id <= 3000; id++ {
			for n := range uint64(id % 4) {
				_, err := tr.Put(store.AppendUint64(entity.AppendKey(nil, id), n), nil)
				require.NoError(t, err)
			}
		}
		return nil
	}))
	type entry struct {
		id entity.ID
		n  uint64
	}
	collect := func(seq func(*store.Tree) func(func(k, v []byte) bool)) (got []entry, read uint64) {
		stats, err := st.ViewWith(store.Budget{}, func(tx *store.Tx) error {
			tr, err := tx.OpenTree(ref, "t")
			require.NoError(t, err)
			for k := range seq(tr) {
				got = append(got, entry{entity.FromKey(k), store.DecodeUint64(k[entity.KeySize:])})
			}
			return nil
		})
		require.NoError(t, err)
		return got, stats.ByOwner["t"].PagesRead
	}
	ids := []entity.ID{2, 3, 7, 8, 100, 1001, 1002, 2999, 2999, 3000, 4000}
	bm := roaring64.New()
	for _, id := range ids {
		bm.Add(uint64(id))
	}
	for _, firstOnly := range []bool{false, true} {
		want, wantRead := collect(func(tr *store.Tree) func(func(k, v []byte) bool) {
			return func(yield func(k, v []byte) bool) { entity.EntriesOf(tr, bm, firstOnly)(yield) }
		})
		got, read := collect(func(tr *store.Tree) func(func(k, v []byte) bool) {
			return func(yield func(k, v []byte) bool) { entity.EntriesOfIDs(tr, ids, firstOnly)(yield) }
		})
		if firstOnly {
			// 2999 (3 entries) is given twice: its first entry comes again.
			i := slices.Index(want, entry{2999, 0})
			want = slices.Insert(want, i+1, entry{2999, 0})
		}
		assert.Equal(t, want, got, "firstOnly %v", firstOnly)
		assert.Equal(t, wantRead, read, "firstOnly %v: pages", firstOnly)
	}
}
