package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mapFixture builds a store with every kind of page: variables with packed and slotted
// trees, overflow chains, a tree kept outside the catalog, free pages (a trunk among them)
// and, after the frees, memory that the allocator has not handed out.
func mapFixture(t *testing.T, opts *Options) *Store {
	t.Helper()
	s, err := OpenMemory(NewHeapMemory(0), opts)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(7, 7))
	require.NoError(t, s.Update(func(tx *Tx) error {
		if _, err := tx.ApplySchema([]VarDef{health, address, friend}); err != nil {
			return err
		}
		h, err := tx.VarTree("health", 0, true)
		require.NoError(t, err)
		for i := range uint64(6000) {
			_, err := h.Put(u64(i), u64(i%100))
			require.NoError(t, err)
		}
		a, err := tx.VarTree("address", 0, true)
		require.NoError(t, err)
		for i := range uint64(400) {
			v := bytes.Repeat([]byte{byte('a' + i%26)}, 10+r.IntN(60))
			if i%50 == 0 {
				v = bytes.Repeat([]byte{'L'}, 9000) // three overflow pages
			}
			_, err := a.Put(u64(i), v)
			require.NoError(t, err)
		}
		f, err := tx.VarTree("friend", 0, true)
		require.NoError(t, err)
		for i := range uint64(500) {
			_, err := f.Put(append(u64(i), u64(i+1)...), nil)
			require.NoError(t, err)
		}
		out, err := tx.CreateTree(testRef, fixed88, testOwner)
		require.NoError(t, err)
		for i := range uint64(600) {
			_, err := out.Put(u64(i), u64(i))
			require.NoError(t, err)
		}
		return nil
	}))
	// Free most of health's leaves (the first freed page becomes a free-list trunk), and grow
	// the memory by a Wasm page that the allocator does not hand out.
	require.NoError(t, s.Update(func(tx *Tx) error {
		h, err := tx.VarTree("health", 0, true)
		require.NoError(t, err)
		for i := range uint64(5000) {
			_, err := h.Delete(u64(i))
			require.NoError(t, err)
		}
		_, err = tx.Raw().Grow(1)
		return err
	}))
	return s
}

func TestMapOwnsEveryPageOnce(t *testing.T) {
	s := mapFixture(t, nil)
	var m *Map
	st, err := s.ViewWith(Budget{}, func(tx *Tx) error {
		out, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		m, err = tx.Map(out)
		return err
	})
	require.NoError(t, err)

	// The map against what the checker and the allocator say, in another message.
	require.NoError(t, s.View(func(tx *Tx) error {
		require.Len(t, m.Pages, int(tx.Raw().Size()*pagesPerWasmPage))
		a := tx.AllocStats()
		assert.Equal(t, a.Pages, m.PageCount)
		assert.Equal(t, a.FreePages, m.FreePages)
		assert.Greater(t, m.FreePages, uint64(10))
		assert.Greater(t, uint64(len(m.Pages)), m.PageCount, "the fixture grows past the page count")

		owned := map[int32]*roaring.Bitmap{}
		kinds := map[PageKind]int{}
		for id, p := range m.Pages {
			if owned[p.Owner] == nil {
				owned[p.Owner] = roaring.New()
			}
			owned[p.Owner].Add(uint32(id))
			kinds[p.Kind]++
			assert.True(t, p.Fill >= 0 && p.Fill <= 1, "page %d fill %v", id, p.Fill)
		}
		for _, k := range []PageKind{PageSuperblock, PageSlots, PageLeaf, PageBranch, PageOverflow, PageFreeTrunk, PageFree, PageUnallocated} {
			assert.Positive(t, kinds[k], "pages of kind %v", k)
		}
		assert.Equal(t, 1, kinds[PageSuperblock])
		assert.Equal(t, MapPage{Owner: 0, Kind: PageSuperblock, Fill: 1}, m.Pages[0])

		byName := map[string]int32{}
		for i, o := range m.Owners {
			byName[fmt.Sprintf("%s/%d/%d", o.Name, o.Role, o.Tree)] = int32(i)
			n := uint64(0)
			if owned[int32(i)] != nil {
				n = owned[int32(i)].GetCardinality()
			}
			assert.Equal(t, n, o.Pages, "owner %s", o.Name)
		}
		tree := func(name string, role Role, i int, tr *Tree) {
			o := byName[fmt.Sprintf("%s/%d/%d", name, role, i)]
			bm, err := tr.Check()
			require.NoError(t, err)
			got := owned[o]
			if got == nil {
				got = roaring.New() // an empty tree
			}
			assert.True(t, bm.Equals(got), "%s tree %d: map %v, check %v", name, i, got, bm)
			ts := tr.Stats()
			mo := m.Owners[o]
			assert.Equal(t, ts.Entries, mo.Entries)
			assert.Equal(t, ts.Height, mo.Height)
			assert.Equal(t, ts.OverflowPages, mo.OverflowPages)
			assert.Equal(t, tr.d.leaves, mo.LeafPages)
			assert.Equal(t, tr.d.branches, mo.BranchPages)
			assert.InDelta(t, ts.LeafFill, mo.LeafFill, 1e-6, "%s leaf fill", name)
			assert.InDelta(t, ts.BranchFill, mo.BranchFill, 1e-6, "%s branch fill", name)
		}
		for _, v := range tx.Vars() {
			for i, ref := range v.Refs {
				tr, err := tx.OpenTree(ref, v.Name)
				require.NoError(t, err)
				tree(v.Name, v.Role, i, tr)
				assert.Equal(t, v.State, m.Owners[byName[fmt.Sprintf("%s/%d/%d", v.Name, v.Role, i)]].State)
			}
		}
		out, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		tree(testOwner, 0, 0, out)
		assert.Positive(t, m.Owners[byName["address/2/0"]].OverflowPages)

		free := roaring.New()
		list, err := tx.freePages()
		require.NoError(t, err)
		for _, id := range list {
			free.Add(uint32(id))
		}
		assert.True(t, free.Equals(owned[byName[MapFreeList+"/0/0"]]))
		slots := roaring.New()
		slotPages, err := tx.slotPages()
		require.NoError(t, err)
		for _, id := range slotPages {
			slots.Add(uint32(id))
		}
		cat := owned[byName[MapCatalog+"/0/0"]].Clone()
		catTree, err := tx.OpenTree(SuperblockTreeRef(0), catalogOwner)
		require.NoError(t, err)
		bm, err := catTree.Check()
		require.NoError(t, err)
		assert.True(t, roaring.Or(slots, bm).Equals(cat))
		return nil
	}))

	// The map reads every page but the free ones (trunks are read), each once.
	var want uint64
	for _, p := range m.Pages {
		if p.Kind != PageFree && p.Kind != PageUnallocated {
			want++
		}
	}
	assert.Equal(t, want, st.PagesRead)
	assert.Zero(t, st.PagesDirtied)

	c := m.Compaction()
	assert.Equal(t, m.PageCount-m.FreePages, c.Pages)
	assert.Equal(t, (c.Pages+15)/16, c.WasmPages)
	assert.Equal(t, uint64(len(m.Pages))-16*c.WasmPages, c.ReturnedPages)
	assert.Greater(t, c.ReturnedPages, m.FreePages, "the unallocated tail comes back too")
	assert.Positive(t, c.SlackPages)
}

func TestMapRefusesADamagedStore(t *testing.T) {
	s := mapFixture(t, nil)
	var leaf PageID
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.VarTree("friend", 0, false)
		require.NoError(t, err)
		leaf = leafIDs(tr)[1]
		writeU16(tx, leaf, nodeOffCount, 0)
		return nil
	}))
	err := s.View(func(tx *Tx) error {
		_, err := tx.Map()
		return err
	})
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), fmt.Sprintf("page %d", leaf))
}

func TestRecordPages(t *testing.T) {
	plain := mapFixture(t, nil)
	st, err := plain.ViewWith(Budget{}, func(tx *Tx) error { return nil })
	require.NoError(t, err)
	assert.Nil(t, st.Touched, "pages are recorded only when asked")

	s := mapFixture(t, &Options{RecordPages: true})
	var root PageID
	st, err = s.ViewWith(Budget{}, func(tx *Tx) error {
		tr, err := tx.VarTree("friend", 0, false)
		require.NoError(t, err)
		require.Equal(t, 2, tr.Height())
		_, ok := tr.Get(append(u64(300), u64(301)...))
		require.True(t, ok)
		root = tr.d.root
		return nil
	})
	require.NoError(t, err)
	require.NotNil(t, st.Touched)
	assert.Equal(t, st.PagesRead, st.Touched.Read.GetCardinality())
	assert.True(t, st.Touched.Dirtied.IsEmpty())
	assert.True(t, st.Touched.Read.Contains(uint32(root)))

	var leaf PageID
	st, err = s.UpdateWith(Budget{}, func(tx *Tx) error {
		tr, err := tx.VarTree("health", 0, true)
		require.NoError(t, err)
		leaves := leafIDs(tr)
		leaf = leaves[len(leaves)-1]
		_, err = tr.Put(u64(5999), u64(1)) // a new value for the last key: its leaf only
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, st.PagesRead, st.Touched.Read.GetCardinality())
	assert.Equal(t, []uint32{uint32(leaf)}, st.Touched.Dirtied.ToArray())
}
