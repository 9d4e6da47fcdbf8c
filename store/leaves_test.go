package store

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLeavesBetween checks LeavesBetween against a walk of the leaves' sibling chain, from
// the leaf whose range holds lo to the one whose range holds hi, on trees of random keys
// (fixed and variable layouts, one to three levels of branches), and that it reads no leaf.
func TestLeavesBetween(t *testing.T) {
	for _, c := range []struct {
		name   string
		layout Layout
		key    func(r *rand.Rand) []byte
		n      int
	}{
		{"fixed/small", fixed88, intKey(8, 1<<20), 100},
		{"fixed/2 levels", fixed88, intKey(8, 1<<20), 5000},
		{"fixed/3 levels", Layout{KeySize: 8, ValueSize: 1000}, intKey(8, 1<<20), 5000},
		{"variable", varVar, strKey(40, 0), 8000},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(c.n)))
			s := openHeap(t)
			val := make([]byte, max(c.layout.ValueSize, 0))
			require.NoError(t, s.Update(func(tx *Tx) error {
				tr, err := tx.CreateTree(testRef, c.layout, testOwner)
				require.NoError(t, err)
				if c.n > 200 { // an empty tree first
					require.Zero(t, tr.LeavesBetween(nil, nil))
				}
				for range c.n {
					_, err := tr.Put(c.key(r), val)
					require.NoError(t, err)
				}
				return nil
			}))
			checkStore(t, s)
			key := func() []byte {
				if r.IntN(10) == 0 {
					return nil
				}
				return c.key(r)
			}
			view(t, s, func(tr *Tree) {
				if c.n > 200 {
					require.Greater(t, tr.Height(), 1)
				}
				for range 300 {
					lo, hi := key(), key()
					want := uint64(0)
					if lo == nil || hi == nil || bytes.Compare(lo, hi) <= 0 {
						want = chainLeaves(tr, lo, hi)
					}
					before := tr.tx.Stats().PagesRead
					got := tr.LeavesBetween(lo, hi)
					require.Equal(t, want, got, "lo %x hi %x", lo, hi)
					read := tr.tx.Stats().PagesRead - before
					require.LessOrEqual(t, read, tr.BranchPages()+1, "lo %x hi %x: read leaves", lo, hi)
					if want > 0 {
						// The first and last leaves' keys in range, against a scan.
						leaves, first, last := tr.EntriesBetween(lo, hi)
						require.Equal(t, want, leaves)
						total := 0
						for range tr.Ascend(lo, hi) {
							total++
						}
						if leaves == 1 {
							require.Equal(t, total, first)
						} else {
							require.LessOrEqual(t, first+last, total, "lo %x hi %x", lo, hi)
							if leaves == 2 {
								require.Equal(t, total, first+last, "lo %x hi %x", lo, hi)
							}
						}
					}
				}
				require.Equal(t, tr.LeafPages(), tr.LeavesBetween(nil, nil))
			})
		})
	}
}

// chainLeaves counts the leaves from the one whose range holds lo to the one whose range
// holds hi (nil: the first, the last) along the leaves' sibling links.
func chainLeaves(tr *Tree, lo, hi []byte) uint64 {
	var id, last PageID
	var p []byte
	if lo == nil {
		id, p = tr.edgeLeaf(false)
	} else {
		id, p, _ = tr.leafFor(lo, nil)
	}
	if hi == nil {
		last, _ = tr.edgeLeaf(true)
	} else {
		last, _, _ = tr.leafFor(hi, nil)
	}
	n := uint64(1)
	for id != last {
		id, p = tr.nextLeaf(p, false)
		if p == nil {
			panic("hi's leaf not after lo's")
		}
		n++
	}
	return n
}
