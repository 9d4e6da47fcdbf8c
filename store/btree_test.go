package store

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testOwner = "col"

var (
	testRef = SuperblockTreeRef(1)
	fixed88 = Layout{KeySize: 8, ValueSize: 8}
	varVar  = Layout{KeySize: Variable, ValueSize: Variable}
)

func k8(i uint64) []byte { k := EncodeUint64(i); return k[:] }

// newTree creates a tree of the given layout at testRef, loaded with keys 0, step, 2·step, …
// (n of them) whose values are their numbers.
func newTree(t testing.TB, s *Store, l Layout, n, step int) {
	t.Helper()
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.CreateTree(testRef, l, testOwner)
		require.NoError(t, err)
		got, err := tr.BulkLoad(func(yield func([]byte, []byte) bool) {
			for i := range uint64(n) {
				if !yield(k8(i*uint64(step)), k8(i*uint64(step))) {
					return
				}
			}
		})
		require.NoError(t, err)
		require.Equal(t, uint64(n), got)
		return nil
	}))
}

// update runs fn on the tree at testRef in an Update and returns the message's counts.
func update(t testing.TB, s *Store, fn func(tr *Tree)) Stats {
	t.Helper()
	st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		fn(tr)
		return nil
	})
	require.NoError(t, err)
	return st
}

// view runs fn on the tree at testRef in a View and returns the message's counts.
func view(t testing.TB, s *Store, fn func(tr *Tree)) Stats {
	t.Helper()
	st, err := s.ViewWith(Budget{}, func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		fn(tr)
		return nil
	})
	require.NoError(t, err)
	return st
}

// checkStore checks every page of a store holding the tree at testRef and nothing else.
func checkStore(t testing.TB, s *Store) {
	t.Helper()
	require.NoError(t, s.View(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		return tx.Check(tr)
	}))
}

func TestNodeCapacities(t *testing.T) {
	s := openHeap(t)
	for _, c := range []struct {
		l            Layout
		leaf, branch int
	}{
		{fixed88, 254, 254},
		{Layout{KeySize: 16, ValueSize: 0}, 254, 170},
		{Layout{KeySize: 16, ValueSize: 8}, 169, 170},
		{Layout{KeySize: 8, ValueSize: 1000}, 4, 254},
		{Layout{KeySize: 1024, ValueSize: 0}, 3, 4},
		{varVar, 0, 0},
	} {
		require.ErrorIs(t, s.Update(func(tx *Tx) error {
			tr, err := tx.CreateTree(testRef, c.l, testOwner)
			require.NoError(t, err)
			assert.Equal(t, c.leaf, tr.LeafCapacity(), "%+v", c.l)
			assert.Equal(t, c.branch, tr.BranchCapacity(), "%+v", c.l)
			return errRollback
		}), errRollback)
	}
}

// TestPointLookupTouchesHeightPages: a lookup reads exactly one page per level, all of them
// the tree's, and no other page (the descriptor comes from the Store's cache).
func TestPointLookupTouchesHeightPages(t *testing.T) {
	for _, c := range []struct{ n, height int }{{100, 1}, {1000, 2}, {254*254 + 1, 3}} {
		s := openHeap(t)
		newTree(t, s, fixed88, c.n, 1)
		for _, i := range []uint64{0, uint64(c.n) / 3, uint64(c.n) - 1, uint64(c.n) + 5} {
			var ok bool
			st := view(t, s, func(tr *Tree) {
				require.Equal(t, c.height, tr.Height())
				_, ok = tr.Get(k8(i))
			})
			assert.Equal(t, i < uint64(c.n), ok)
			assert.Equal(t, uint64(c.height), st.PagesRead, "n=%d key %d", c.n, i)
			assert.Equal(t, uint64(c.height), st.PagesAccessed)
			assert.Equal(t, []string{testOwner}, st.Owners())
		}
	}
}

// TestScanTouchesLeavesPlusPath: a scan of m entries from the first entry of a leaf reads
// ceil(m / 254) leaves and the height-1 branches above the first.
func TestScanTouchesLeavesPlusPath(t *testing.T) {
	const n, cap, height = 254*254 + 1, 254, 3
	s := openHeap(t)
	newTree(t, s, fixed88, n, 1)
	for _, m := range []int{1, 253, 254, 255, 1000, 254 * 7, n} {
		var got int
		st := view(t, s, func(tr *Tree) {
			for k, v := range tr.All() {
				require.Equal(t, k8(uint64(got)), k)
				require.Equal(t, k8(uint64(got)), v)
				if got++; got == m {
					break
				}
			}
		})
		require.Equal(t, m, got)
		assert.Equal(t, uint64((m+cap-1)/cap+height-1), st.PagesRead, "scan of %d entries", m)
	}
	// Starting inside a leaf costs at most one page more.
	for _, m := range []int{10, 254, 1000} {
		for _, from := range []int{1, 100, 253} {
			got := 0
			st := view(t, s, func(tr *Tree) {
				for range tr.Ascend(k8(uint64(from)), nil) {
					if got++; got == m {
						break
					}
				}
			})
			least := uint64((m+cap-1)/cap + height - 1)
			assert.GreaterOrEqual(t, st.PagesRead, least)
			assert.LessOrEqual(t, st.PagesRead, least+1, "scan of %d from %d", m, from)
		}
	}
}

// TestPutDirtiesOnePage: a put that does not split dirties only its leaf among the tree's
// pages, plus the descriptor's slot (the superblock) under OwnerStore when the count
// changes; a replacement does not change the descriptor at all.
func TestPutDirtiesOnePage(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 1000, 2) // the last leaf has room
	var replaced bool
	st := update(t, s, func(tr *Tree) {
		var err error
		replaced, err = tr.Put(k8(1995), k8(7))
		require.NoError(t, err)
	})
	assert.False(t, replaced)
	assert.Equal(t, uint64(1), st.ByOwner[testOwner].PagesDirtied)
	assert.Equal(t, uint64(2), st.ByOwner[testOwner].PagesRead, "the path: root and leaf")
	assert.Equal(t, uint64(1), st.ByOwner[OwnerStore].PagesDirtied, "the descriptor slot")
	assert.Equal(t, uint64(2), st.PagesDirtied)

	st = update(t, s, func(tr *Tree) {
		var err error
		replaced, err = tr.Put(k8(10), k8(8))
		require.NoError(t, err)
	})
	assert.True(t, replaced)
	assert.Equal(t, uint64(1), st.ByOwner[testOwner].PagesDirtied)
	assert.Equal(t, uint64(1), st.PagesDirtied, "a replacement leaves the descriptor alone")
	view(t, s, func(tr *Tree) {
		v, ok := tr.Get(k8(10))
		require.True(t, ok)
		assert.Equal(t, k8(8), v)
		assert.Equal(t, uint64(1001), tr.Len())
	})
	checkStore(t, s)
}

// TestSplitDirtiesPages pins the cost of the two kinds of leaf split.
func TestSplitDirtiesPages(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 254*4, 2) // four full leaves
	// A split in the middle: the leaf, its new right half, the parent, and the prev link of
	// the leaf after it.
	st := update(t, s, func(tr *Tree) {
		_, err := tr.Put(k8(3), k8(3))
		require.NoError(t, err)
	})
	assert.Equal(t, uint64(4), st.ByOwner[testOwner].PagesDirtied)
	assert.Equal(t, uint64(1), st.ByOwner[OwnerStore].PagesDirtied, "superblock: allocator and descriptor")
	// A split past the end of the last leaf: the leaf (its next link), the new leaf holding
	// the new entry alone, the parent. The old leaf stays full.
	st = update(t, s, func(tr *Tree) {
		_, err := tr.Put(k8(1e6), k8(1))
		require.NoError(t, err)
	})
	assert.Equal(t, uint64(3), st.ByOwner[testOwner].PagesDirtied)
	view(t, s, func(tr *Tree) {
		ts := tr.Stats()
		assert.Equal(t, []uint64{6, 1}, ts.PagesByLevel)
	})
	checkStore(t, s)
}

// TestAscendingInsertsFillLeaves: keys put in ascending order (entity IDs) leave full
// leaves behind, so a later scan reads as few pages as after a bulk load.
func TestAscendingInsertsFillLeaves(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 0, 1)
	const n = 254 * 40
	for lo := 0; lo < n; lo += 1000 {
		update(t, s, func(tr *Tree) {
			for i := lo; i < min(lo+1000, n); i++ {
				_, err := tr.Put(k8(uint64(i)), k8(1))
				require.NoError(t, err)
			}
		})
	}
	view(t, s, func(tr *Tree) {
		ts := tr.Stats()
		assert.Equal(t, uint64(40), ts.PagesByLevel[0])
		assert.Equal(t, 1.0, ts.LeafFill)
	})
	checkStore(t, s)
}

// TestDeleteDirtiesOnePageAndFreesMerged: a delete that keeps its leaf at least half full
// dirties only that leaf; deleting everything gives every page back to the allocator.
func TestDeleteDirtiesOnePageAndFreesMerged(t *testing.T) {
	s := openHeap(t)
	const n = 254*254 + 1
	newTree(t, s, fixed88, n, 1)
	st := update(t, s, func(tr *Tree) {
		found, err := tr.Delete(k8(500))
		require.NoError(t, err)
		assert.True(t, found)
		found, err = tr.Delete(k8(500))
		require.NoError(t, err)
		assert.False(t, found)
	})
	assert.Equal(t, uint64(1), st.ByOwner[testOwner].PagesDirtied)
	assert.Equal(t, uint64(1), st.ByOwner[OwnerStore].PagesDirtied)

	// Delete in random order, in messages, checking as we go.
	r := rand.New(rand.NewPCG(1, 1))
	keys := r.Perm(n)
	for lo := 0; lo < n; lo += 8000 {
		update(t, s, func(tr *Tree) {
			for _, i := range keys[lo:min(lo+8000, n)] {
				found, err := tr.Delete(k8(uint64(i)))
				require.NoError(t, err)
				require.Equal(t, i != 500, found)
			}
		})
		checkStore(t, s)
	}
	require.NoError(t, s.View(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		assert.Zero(t, tr.Len())
		assert.Zero(t, tr.Height())
		as := tx.AllocStats()
		assert.Equal(t, as.Pages-1, as.FreePages, "every page but the superblock is free")
		return nil
	}))
}

func TestTreeErrors(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 10, 1)
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		_, err = tr.Put(make([]byte, 7), k8(1))
		assert.ErrorIs(t, err, ErrKeySize)
		_, err = tr.Put(k8(1), make([]byte, 9))
		assert.ErrorIs(t, err, ErrValueSize)
		_, ok := tr.Get(make([]byte, 3))
		assert.False(t, ok, "a key of another size is simply absent")
		v, err2 := tx.CreateTree(SuperblockTreeRef(2), Layout{KeySize: Variable, MaxKey: 16, ValueSize: Variable}, "v")
		require.NoError(t, err2)
		_, err = v.Put(make([]byte, 17), nil)
		assert.ErrorIs(t, err, ErrKeyTooLarge)
		_, err = v.Put(make([]byte, 16), nil)
		assert.NoError(t, err)
		return nil
	}))
	require.NoError(t, s.View(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		_, err = tr.Put(k8(1), k8(1))
		assert.ErrorIs(t, err, ErrTxReadOnly)
		_, err = tr.Delete(k8(1))
		assert.ErrorIs(t, err, ErrTxReadOnly)
		assert.ErrorIs(t, tr.Clear(), ErrTxReadOnly)
		return nil
	}))
}

func TestGetDoesNotAllocate(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 100_000, 1)
	view(t, s, func(tr *Tree) {
		k := k8(777)
		assert.Zero(t, testing.AllocsPerRun(100, func() { tr.Get(k) }))
	})
}

func TestIteratorsBoundsAndOrder(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 3000, 2) // keys 0, 2, …, 5998
	collect := func(seq func(func([]byte, []byte) bool)) []uint64 {
		var out []uint64
		for k := range seq {
			out = append(out, DecodeUint64(k))
		}
		return out
	}
	evens := func(lo, hi uint64) []uint64 {
		var out []uint64
		for i := lo + lo%2; i < hi && i < 6000; i += 2 {
			out = append(out, i)
		}
		return out
	}
	view(t, s, func(tr *Tree) {
		for _, c := range [][2]uint64{{0, 6000}, {1, 9}, {507, 508}, {508, 509}, {1000, 4001}, {5998, 7000}, {7000, 8000}, {3, 3}} {
			want := evens(c[0], c[1])
			assert.Equal(t, want, collect(tr.Ascend(k8(c[0]), k8(c[1]))), "ascend %v", c)
			slices.Reverse(want)
			assert.Equal(t, want, collect(tr.Descend(k8(c[0]), k8(c[1]))), "descend %v", c)
		}
		assert.Len(t, collect(tr.All()), 3000)
		assert.Equal(t, evens(5000, 6000), collect(tr.Ascend(k8(5000), nil)))
		assert.Equal(t, evens(0, 11), collect(tr.Ascend(nil, k8(11))))
		k, _, ok := tr.First()
		require.True(t, ok)
		assert.Equal(t, k8(0), k)
		k, _, ok = tr.Last()
		require.True(t, ok)
		assert.Equal(t, k8(5998), k)
		k, _, ok = tr.Seek(k8(1001))
		require.True(t, ok)
		assert.Equal(t, k8(1002), k)
		_, _, ok = tr.Seek(k8(5999))
		assert.False(t, ok)
		assert.True(t, tr.Has(k8(4)))
		assert.False(t, tr.Has(k8(5)))
	})
}

// TestOverflowValues: large values spill into overflow pages, read back whole, are counted
// in the descriptor and freed with their entry.
func TestOverflowValues(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, varVar, 0, 1)
	big := bytes.Repeat([]byte("0123456789"), 1000) // 10000 bytes: 3 overflow pages
	update(t, s, func(tr *Tree) {
		for i := range 50 {
			_, err := tr.Put(k8(uint64(i)), big[:10*i])
			require.NoError(t, err)
		}
		_, err := tr.Put([]byte("big"), big)
		require.NoError(t, err)
	})
	checkStore(t, s)
	st := view(t, s, func(tr *Tree) {
		v, ok := tr.Get([]byte("big"))
		require.True(t, ok)
		assert.Equal(t, big, v)
		assert.Equal(t, uint64(3), tr.Stats().OverflowPages)
	})
	assert.Positive(t, st.PagesRead)
	var height int
	st = view(t, s, func(tr *Tree) {
		height = tr.Height()
		tr.Get([]byte("big"))
	})
	assert.Equal(t, uint64(height+3), st.PagesRead, "the path and the 3 overflow pages")

	update(t, s, func(tr *Tree) {
		replaced, err := tr.Put([]byte("big"), []byte("small"))
		require.NoError(t, err)
		assert.True(t, replaced)
	})
	checkStore(t, s)
	view(t, s, func(tr *Tree) {
		v, _ := tr.Get([]byte("big"))
		assert.Equal(t, []byte("small"), v)
		assert.Zero(t, tr.Stats().OverflowPages)
	})
	update(t, s, func(tr *Tree) { require.NoError(t, tr.Clear()) })
	require.NoError(t, s.View(func(tx *Tx) error {
		as := tx.AllocStats()
		assert.Equal(t, as.Pages-1, as.FreePages)
		return nil
	}))
}

func TestStats(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 254*254+1, 1)
	view(t, s, func(tr *Tree) {
		ts := tr.Stats()
		assert.Equal(t, 3, ts.Height)
		assert.Equal(t, uint64(254*254+1), ts.Entries)
		assert.Equal(t, []uint64{255, 2, 1}, ts.PagesByLevel)
		assert.InDelta(t, float64(254*254+1)/float64(255*254), ts.LeafFill, 1e-9)
		assert.Zero(t, ts.OverflowPages)
	})
}

// TestOwnersOfAMergeJoin: walking two trees in step (as an ECS system joins columns)
// charges each tree's pages to its own owner, and the code around them to the caller's.
func TestOwnersOfAMergeJoin(t *testing.T) {
	s := openHeap(t)
	refA, refB := SuperblockTreeRef(2), SuperblockTreeRef(3)
	require.NoError(t, s.Update(func(tx *Tx) error {
		for _, r := range []struct {
			ref   TreeRef
			owner string
			n     uint64
		}{{refA, "a", 254 * 3}, {refB, "b", 254 * 5}} {
			tr, err := tx.CreateTree(r.ref, fixed88, r.owner)
			require.NoError(t, err)
			for i := range r.n {
				_, err := tr.Put(k8(i), k8(i))
				require.NoError(t, err)
			}
		}
		return nil
	}))
	st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
		a, err := tx.OpenTree(refA, "a")
		require.NoError(t, err)
		b, err := tx.OpenTree(refB, "b")
		require.NoError(t, err)
		tx.Raw().SetOwner("join")
		cb := b.Cursor()
		kb, _, _ := cb.First()
		for ka := range a.All() {
			for bytes.Compare(kb, ka) < 0 {
				kb, _, _ = cb.Next()
			}
			require.Equal(t, ka, kb)
			require.NoError(t, cb.SetValue(k8(1)))
		}
		tx.Raw().Root(5) // a system read, tagged by the allocator's own code
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, OwnerStats{PagesRead: 3 + 1, BytesRead: 4 * PageSize}, st.ByOwner["a"])
	assert.Equal(t, uint64(3+1), st.ByOwner["b"].PagesRead, "the root and the 3 leaves the join walked")
	assert.Equal(t, uint64(3), st.ByOwner["b"].PagesDirtied)
	assert.NotContains(t, st.ByOwner, "join", "the join's own code touched no page")
}

// TestSearchFastPaths checks search on packed nodes of 8- and 16-byte keys, whose keys it
// compares as integers, against a linear scan with bytes.Compare: keys that share their
// first word, keys that differ in it, searches for keys present and absent and for 8-byte
// prefixes of 16-byte keys, both bounds; and 8-byte keys in slotted cells likewise.
func TestSearchFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{8, 16} {
		for range 200 {
			n := 1 + r.IntN(40)
			keys := make([][]byte, 0, n)
			for len(keys) < n {
				k := make([]byte, size)
				for i := range k {
					k[i] = byte(r.IntN(3)) * 0x7f // few distinct bytes: shared words, ties
				}
				keys = append(keys, k)
			}
			slices.SortFunc(keys, bytes.Compare)
			keys = slices.CompactFunc(keys, bytes.Equal)
			n = len(keys)
			p := make([]byte, nodeHeader+size*n)
			setCount(p, n)
			for i, k := range keys {
				copy(p[nodeHeader+i*size:], k)
			}
			// sp holds the keys in slotted leaf cells: a slot array, then cells of
			// klen u16, vlen u16 (0) and the key, from the end of the page.
			sp := make([]byte, PageSize)
			setCount(sp, n)
			o := PageSize
			for i, k := range keys {
				o -= leafCellHdr + len(k)
				le.PutUint16(sp[nodeHeader+2*i:], uint16(o))
				le.PutUint16(sp[o:], uint16(len(k)))
				copy(sp[o+leafCellHdr:], k)
			}
			tr := &Tree{treeState: &treeState{}}
			for range 20 {
				x := make([]byte, size)
				for i := range x {
					x[i] = byte(r.IntN(3)) * 0x7f
				}
				if r.IntN(2) == 0 {
					copy(x, keys[r.IntN(n)]) // a key of the node
				}
				if size == 16 && r.IntN(3) == 0 {
					x = x[:8] // a prefix: an ID's first key
				}
				for _, upper := range []bool{false, true} {
					want := 0
					for want < n && (bytes.Compare(keys[want], x) < 0 || upper && bytes.Equal(keys[want], x)) {
						want++
					}
					got, eq := tr.search(0, p, keyArray{off: nodeHeader, size: size}, x, upper)
					require.Equal(t, want, got, "size %d upper %v", size, upper)
					require.Equal(t, !upper && want < n && bytes.Equal(keys[want], x), eq)
					if size == 8 {
						// The same keys in slotted cells, as a tree of variable-size
						// values keeps them.
						got, eq = tr.search(0, sp, keyArray{off: leafCellHdr}, x, upper)
						require.Equal(t, want, got, "slotted, upper %v", upper)
						require.Equal(t, !upper && want < n && bytes.Equal(keys[want], x), eq)
					}
				}
			}
		}
	}
}

// TestFirstWordAtLeast checks the interpolating search against a binary search on full nodes
// whose first words are dense (IDs in order), dense with gaps, clustered, repeated (a
// subject's edges) or at the ends of the integers, where a guess can be far off or its
// arithmetic overflow.
func TestFirstWordAtLeast(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	spreads := map[string]func(i int) uint64{
		"dense":     func(i int) uint64 { return uint64(i) },
		"gaps":      func(i int) uint64 { return uint64(i) + uint64(r.IntN(4)) },
		"clustered": func(i int) uint64 { return uint64(r.IntN(3)) << (20 * r.IntN(3)) },
		"repeated":  func(i int) uint64 { return uint64(r.IntN(60)) },
		"ends":      func(i int) uint64 { return []uint64{0, 1, 1<<63 - 1, 1 << 63, 1<<64 - 2, 1<<64 - 1}[r.IntN(6)] },
		"random":    func(i int) uint64 { return r.Uint64() },
	}
	for name, spread := range spreads {
		for _, size := range []int{8, 16} {
			for range 50 {
				n := r.IntN(4096/size + 1)
				words := make([]uint64, n)
				base := r.Uint64N(1 << 40)
				for i := range words {
					words[i] = spread(i)
					if name == "dense" || name == "gaps" {
						words[i] += base
					}
				}
				slices.Sort(words)
				a := make([]byte, size*n)
				for i, w := range words {
					be.PutUint64(a[size*i:], w)
					if size == 16 {
						be.PutUint64(a[size*i+8:], r.Uint64()) // the second word
					}
				}
				probes := []uint64{0, 1, 1<<64 - 1, 1<<64 - 2, r.Uint64()}
				for range 30 {
					if n > 0 {
						w := words[r.IntN(n)]
						probes = append(probes, w, w-1, w+1)
					}
				}
				// No bounds; the first and last words as bounds; looser ones, as the
				// separators of the branches above give.
				bounds := []wordBounds{{}}
				if n > 0 {
					lo, hi := words[0], words[n-1]
					bounds = append(bounds, wordBounds{lo: lo, hi: hi, hasLo: true, hasHi: true},
						wordBounds{lo: lo - min(lo, r.Uint64N(1000)), hi: hi + min(1<<64-1-hi, r.Uint64N(1000)), hasLo: true, hasHi: true},
						wordBounds{lo: lo, hasLo: true}, wordBounds{hi: 1<<64 - 1, hasHi: true})
				}
				for _, x := range probes {
					want, _ := slices.BinarySearch(words, x)
					for _, wb := range bounds {
						require.Equal(t, want, firstWordAtLeast(a, size, n, x, wb), "%s, size %d, n %d, x %d, bounds %+v", name, size, n, x, wb)
					}
				}
			}
		}
	}
}
