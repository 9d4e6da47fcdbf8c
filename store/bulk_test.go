package store

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBulkLoadBuildsFullNodes: every leaf but the last is full, each level has the fewest
// branches that hold it, and each page is dirtied once: the message dirties exactly the
// tree's pages and the superblock.
func TestBulkLoadBuildsFullNodes(t *testing.T) {
	for _, c := range []struct {
		n      int
		levels []uint64
	}{
		{1, []uint64{1}},
		{254, []uint64{1}},
		{255, []uint64{2, 1}},
		{254 * 254, []uint64{254, 1}},
		{254*254 + 1, []uint64{255, 2, 1}},
		{100_000, []uint64{394, 2, 1}},
	} {
		t.Run(fmt.Sprint(c.n), func(t *testing.T) {
			s := openHeap(t)
			var st Stats
			var err error
			st, err = s.UpdateWith(Budget{}, func(tx *Tx) error {
				tr, err := tx.CreateTree(testRef, fixed88, testOwner)
				require.NoError(t, err)
				_, err = tr.BulkLoad(func(yield func([]byte, []byte) bool) {
					for i := range uint64(c.n) {
						if !yield(k8(i), k8(i)) {
							return
						}
					}
				})
				return err
			})
			require.NoError(t, err)
			var pages uint64
			for _, p := range c.levels {
				pages += p
			}
			assert.Equal(t, pages, st.ByOwner[testOwner].PagesDirtied)
			assert.Zero(t, st.ByOwner[testOwner].PagesRead, "written from the heap, never read")
			assert.Equal(t, uint64(1), st.ByOwner[OwnerStore].PagesDirtied)
			view(t, s, func(tr *Tree) {
				ts := tr.Stats()
				assert.Equal(t, c.levels, ts.PagesByLevel)
				assert.Equal(t, uint64(c.n), tr.Len())
			})
			checkStore(t, s)
		})
	}
}

func TestBulkLoadRefusesUnsortedInput(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 0, 1)
	// The error comes after the load has written pages: the message fails even though
	// the function returns nil.
	err := s.Update(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		n, err := tr.BulkLoad(func(yield func([]byte, []byte) bool) {
			for _, i := range []uint64{1, 2, 3, 3} {
				if !yield(k8(i), k8(i)) {
					return
				}
			}
		})
		assert.Equal(t, uint64(3), n)
		assert.ErrorIs(t, err, ErrUnsorted)
		return nil
	})
	assert.ErrorIs(t, err, ErrUnsorted)
	// A bad first entry changes nothing, and the message may go on.
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		_, err = tr.BulkLoad(func(yield func([]byte, []byte) bool) { yield([]byte{1}, k8(1)) })
		assert.ErrorIs(t, err, ErrKeySize)
		return nil
	}))
	view(t, s, func(tr *Tree) { assert.Zero(t, tr.Len()) })
	checkStore(t, s)
}

// TestBulkLoadAppends: loading into a non-empty tree appends after its last key, and the
// appended leaves are full as well.
func TestBulkLoadAppends(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 254*3, 1)
	seq := func(lo, hi uint64) func(func([]byte, []byte) bool) {
		return func(yield func([]byte, []byte) bool) {
			for i := lo; i < hi; i++ {
				if !yield(k8(i), k8(i)) {
					return
				}
			}
		}
	}
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		_, err = tr.BulkLoad(seq(10, 20))
		assert.ErrorIs(t, err, ErrUnsorted, "keys must follow the last one")
		n, err := tr.BulkLoad(seq(254*3, 254*10))
		require.NoError(t, err)
		assert.Equal(t, uint64(254*7), n)
		return nil
	}))
	view(t, s, func(tr *Tree) {
		assert.Equal(t, []uint64{10, 1}, tr.Stats().PagesByLevel)
		assert.Equal(t, uint64(254*10), tr.Len())
	})
	checkStore(t, s)
}

// TestBulkLoadVariable: variable keys, some values in overflow pages, and a last branch
// level balanced with its neighbour.
func TestBulkLoadVariable(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, Layout{KeySize: Variable, ValueSize: Variable}, 0, 1)
	key := func(i int) []byte { return fmt.Appendf(nil, "%0300d", i) } // long keys: small fan-out
	val := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, i%13*400) }
	const n = 3000
	update(t, s, func(tr *Tree) {
		_, err := tr.BulkLoad(func(yield func([]byte, []byte) bool) {
			for i := range n {
				if !yield(key(i), val(i)) {
					return
				}
			}
		})
		require.NoError(t, err)
	})
	checkStore(t, s)
	view(t, s, func(tr *Tree) {
		assert.GreaterOrEqual(t, tr.Height(), 3)
		assert.Positive(t, tr.Stats().OverflowPages)
		i := 0
		for k, v := range tr.All() {
			require.Equal(t, key(i), k)
			require.Equal(t, val(i), v)
			i++
		}
		assert.Equal(t, n, i)
	})
}
