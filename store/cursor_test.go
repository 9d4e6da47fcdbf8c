package store

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCursorWalksBothWays(t *testing.T) {
	s := openHeap(t)
	const n = 1000
	newTree(t, s, fixed88, n, 1)
	view(t, s, func(tr *Tree) {
		c := tr.Cursor()
		_, _, ok := c.Next()
		assert.False(t, ok, "an unpositioned cursor has no next")
		i := uint64(0)
		for k, v, ok := c.First(); ok; k, v, ok = c.Next() {
			require.Equal(t, k8(i), k)
			require.Equal(t, k8(i), v)
			i++
		}
		assert.Equal(t, uint64(n), i)
		for k, _, ok := c.Last(); ok; k, _, ok = c.Prev() {
			i--
			require.Equal(t, k8(i), k)
		}
		assert.Zero(t, i)
		k, _, ok := c.Seek(k8(254))
		require.True(t, ok)
		assert.Equal(t, k8(254), k)
		k, _, _ = c.Prev()
		assert.Equal(t, k8(253), k, "back across a leaf boundary")
		assert.Equal(t, k8(253), c.Key())
		assert.Equal(t, k8(253), c.Value())
	})
}

// TestCursorSetValueTouchesOnlyTheLeaf: updating every value through a cursor, as an ECS
// system does, reads each leaf once and dirties each leaf once, and nothing else.
func TestCursorSetValueTouchesOnlyTheLeaf(t *testing.T) {
	s := openHeap(t)
	const n = 254 * 20
	newTree(t, s, fixed88, n, 1)
	st := update(t, s, func(tr *Tree) {
		c := tr.Cursor()
		_, _, ok := c.Seek(k8(300))
		require.True(t, ok)
		require.NoError(t, c.SetValue(k8(42)))
		assert.Equal(t, k8(42), c.Value())
	})
	assert.Equal(t, uint64(1), st.PagesDirtied)
	assert.Equal(t, uint64(1), st.ByOwner[testOwner].PagesDirtied)

	st = update(t, s, func(tr *Tree) {
		c := tr.Cursor()
		for k, v, ok := c.First(); ok; k, v, ok = c.Next() {
			require.NoError(t, c.SetValue(k8(DecodeUint64(v)+DecodeUint64(k))))
		}
	})
	assert.Equal(t, uint64(20), st.PagesDirtied, "each leaf once")
	assert.Equal(t, uint64(20+1), st.PagesRead, "each leaf and the root")
	view(t, s, func(tr *Tree) {
		for k, v := range tr.All() {
			want := 2 * DecodeUint64(k)
			if DecodeUint64(k) == 300 {
				want = 342
			}
			require.Equal(t, want, DecodeUint64(v))
		}
	})
	checkStore(t, s)
}

// TestCursorFollowsChanges: a cursor finds its place again after the tree changes under it.
func TestCursorFollowsChanges(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 1000, 2) // 0, 2, …, 1998
	update(t, s, func(tr *Tree) {
		c := tr.Cursor()
		c.Seek(k8(500))
		_, err := tr.Delete(k8(500))
		require.NoError(t, err)
		assert.Nil(t, c.Value(), "its entry is gone")
		assert.ErrorIs(t, c.SetValue(k8(1)), ErrNoEntry)
		_, err = tr.Put(k8(501), k8(501))
		require.NoError(t, err)
		k, _, ok := c.Next()
		require.True(t, ok)
		assert.Equal(t, k8(501), k)
		k, _, _ = c.Prev()
		assert.Equal(t, k8(498), k)
		// Delete through the cursor, walking: every other key.
		for k, _, ok := c.First(); ok; k, _, ok = c.Next() {
			if DecodeUint64(k)%4 == 0 {
				require.NoError(t, c.Delete())
			}
		}
		assert.Equal(t, uint64(1000-499), tr.Len(), "500 of the keys were multiples of 4, 500 itself already gone")
	})
	view(t, s, func(tr *Tree) {
		for k := range tr.All() {
			assert.NotZero(t, DecodeUint64(k)%4)
		}
	})
	checkStore(t, s)
}

// TestCursorSetValueVariable: a variable-size value is replaced in place while the leaf has
// room, and through a split (as by Put) when it has not.
func TestCursorSetValueVariable(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, varVar, 0, 1)
	update(t, s, func(tr *Tree) {
		for i := range uint64(200) {
			_, err := tr.Put(k8(i), bytes.Repeat([]byte{1}, 30))
			require.NoError(t, err)
		}
	})
	st := update(t, s, func(tr *Tree) {
		c := tr.Cursor()
		c.Seek(k8(7))
		require.NoError(t, c.SetValue([]byte("short")))
	})
	assert.Equal(t, uint64(1), st.PagesDirtied)
	update(t, s, func(tr *Tree) {
		c := tr.Cursor()
		for _, _, ok := c.First(); ok; _, _, ok = c.Next() {
			require.NoError(t, c.SetValue(bytes.Repeat([]byte{2}, 300)))
		}
		c.Seek(k8(9))
		require.NoError(t, c.SetValue(bytes.Repeat([]byte{3}, 9000)))
		assert.Equal(t, bytes.Repeat([]byte{3}, 9000), c.Value())
	})
	view(t, s, func(tr *Tree) {
		n := 0
		for k, v := range tr.All() {
			if DecodeUint64(k) == 9 {
				assert.Len(t, v, 9000)
			} else {
				assert.Equal(t, bytes.Repeat([]byte{2}, 300), v)
			}
			n++
		}
		assert.Equal(t, 200, n)
		assert.Greater(t, tr.Stats().PagesByLevel[0], uint64(10))
	})
	checkStore(t, s)
}

// TestCursorSkipToMatchesNext checks SkipTo against the walk it replaces: up to n calls of
// Next, stopping at the first key ≥ the target. Both must end on the same entry, agree on
// whether they got there, and read the same pages. Keys are every third number, so targets
// fall on keys and between them, across leaf boundaries and past the end.
func TestCursorSkipToMatchesNext(t *testing.T) {
	s := openHeap(t)
	const n = 254 * 12
	newTree(t, s, fixed88, n, 3)
	r := rand.New(rand.NewPCG(15, 2))
	for range 300 {
		start := uint64(r.IntN(3 * n))
		target := start + uint64(r.IntN(3*300))
		if r.IntN(8) == 0 {
			target = start - min(start, uint64(r.IntN(5))) // at or before the cursor
		}
		steps := r.IntN(40)
		type end struct {
			k       []byte
			ok, got bool
		}
		var walk, skip end
		walkSt := view(t, s, func(tr *Tree) {
			c := tr.Cursor()
			k, _, ok := c.Seek(k8(start))
			got := true
			for i := 0; ok && bytes.Compare(k, k8(target)) < 0; i++ {
				if i == steps {
					got = false
					break
				}
				k, _, ok = c.Next()
			}
			walk = end{bytes.Clone(k), ok, got}
		})
		skipSt := view(t, s, func(tr *Tree) {
			c := tr.Cursor()
			k, _, ok := c.Seek(k8(start))
			got := true
			if ok && bytes.Compare(k, k8(target)) < 0 {
				k, _, ok, got = c.SkipTo(k8(target), steps)
			}
			walk := bytes.Clone(k)
			skip = end{walk, ok, got}
			if ok {
				assert.Equal(t, k, c.Key(), "the cursor stands on the entry returned")
			}
		})
		require.Equal(t, walk, skip, "from %d to %d in %d steps", start, target, steps)
		require.Equal(t, walkSt.PagesRead, skipSt.PagesRead, "pages, from %d to %d in %d steps", start, target, steps)
	}
}

// TestCursorSeekInLeaf: a key in the leaf the cursor stands on is found there, reading no
// page; a key past the leaf, or before the cursor, is left to a seek.
func TestCursorSeekInLeaf(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 254*4, 2) // keys 0, 2, 4, …; 254 to a leaf
	st := view(t, s, func(tr *Tree) {
		c := tr.Cursor()
		_, _, _, in := c.SeekInLeaf(k8(0))
		assert.False(t, in, "an unpositioned cursor stands on no leaf")
		c.Seek(k8(10))
		k, _, ok, in := c.SeekInLeaf(k8(101))
		require.True(t, in)
		assert.True(t, ok)
		assert.Equal(t, k8(102), k)
		assert.Equal(t, k8(102), c.Key())
		k, _, _, in = c.SeekInLeaf(k8(2 * 253))
		assert.True(t, in, "the leaf's last key")
		assert.Equal(t, k8(2*253), k)
		_, _, _, in = c.SeekInLeaf(k8(2*253 + 1))
		assert.False(t, in, "past the leaf")
		_, _, _, in = c.SeekInLeaf(k8(4))
		assert.False(t, in, "before the cursor")
		assert.Equal(t, k8(2*253), c.Key(), "a miss leaves the cursor where it was")
	})
	assert.Equal(t, uint64(2), st.PagesRead, "the root and the one leaf")
}

// TestCursorRun: a Run holds the rest of the leaf, packed; Skip moves along it without a
// page read; SetValueAhead writes an entry ahead, dirtying the leaf once, and the Run then
// shows the new value. A variable-size tree has no Run.
func TestCursorRun(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 254*2, 1) // two full leaves under a root
	st := update(t, s, func(tr *Tree) {
		c := tr.Cursor()
		_, _, n := c.Run()
		assert.Zero(t, n, "an unpositioned cursor has no run")
		c.Seek(k8(250))
		keys, vals, n := c.Run()
		require.Equal(t, 4, n, "entries 250 to 253")
		assert.Equal(t, k8(251), keys[8:16])
		assert.Equal(t, k8(253), vals[24:32])
		c.Skip(2)
		assert.Equal(t, k8(252), c.Key())
		require.NoError(t, c.SetValueAhead(1, k8(7)))
		require.NoError(t, c.SetValueAhead(0, k8(8)))
		_, vals, n = c.Run()
		require.Equal(t, 2, n)
		assert.Equal(t, k8(8), vals[:8])
		assert.Equal(t, k8(7), vals[8:16])
		assert.ErrorIs(t, c.SetValueAhead(2, k8(9)), ErrNoEntry, "past the leaf")
		assert.ErrorIs(t, c.SetValueAhead(0, k8(9)[:4]), ErrValueSize)
		assert.Panics(t, func() { c.Skip(2) }, "past the leaf")
		k, _, ok := c.Next()
		require.True(t, ok)
		assert.Equal(t, k8(253), k)
		k, _, _ = c.Next()
		assert.Equal(t, k8(254), k, "on to the next leaf")
	})
	assert.Equal(t, uint64(1), st.ByOwner[testOwner].PagesDirtied, "one leaf, dirtied once")
	assert.Equal(t, uint64(3), st.ByOwner[testOwner].PagesRead, "the root and both leaves")
	view(t, s, func(tr *Tree) {
		v, _ := tr.Get(k8(253))
		assert.Equal(t, k8(7), v)
		v, _ = tr.Get(k8(252))
		assert.Equal(t, k8(8), v)
	})
}
