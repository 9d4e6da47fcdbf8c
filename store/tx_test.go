package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// panicErr runs fn and returns the error it panicked with (nil if it did not panic).
func panicErr(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				e = fmt.Errorf("panic %v", r)
			}
			err = e
		}
	}()
	fn()
	return nil
}

// TestTxKeptPastItsMessage keeps the Tx and a Tree of one message and uses them inside
// later messages, on the same goroutine and on another: each use fails with ErrMisuse
// (and ErrTxClosed), and touches nothing of the message running then, although message
// states are recycled.
func TestTxKeptPastItsMessage(t *testing.T) {
	s := openHeap(t)
	key := []byte("k0000001")
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.CreateTree(SuperblockTreeRef(1), fixed88, testOwner)
		require.NoError(t, err)
		_, err = tr.Put(key, []byte("value001"))
		return err
	}))
	var keptTx *Tx
	var keptTree *Tree
	require.NoError(t, s.View(func(tx *Tx) error {
		keptTx = tx
		tr, err := tx.OpenTree(SuperblockTreeRef(1), testOwner)
		keptTree = tr
		return err
	}))
	misuses := map[string]func(){
		"OpenTree": func() { keptTx.OpenTree(SuperblockTreeRef(1), testOwner) },
		"Var":      func() { keptTx.Var("x") },
		"Writable": func() { keptTx.Writable() },
		"Stats":    func() { keptTx.Stats() },
		"Raw":      func() { keptTx.Raw().Root(1) },
		"Tree.Get": func() { keptTree.Get(key) },
		"Tree.Put": func() { keptTree.Put(key, []byte("value002")) },
		"Cursor":   func() { keptTree.Cursor().First() },
		"Tree.Ascend": func() {
			for range keptTree.Ascend(nil, nil) {
			}
		},
	}
	check := func(name string, fn func()) {
		t.Helper()
		err := panicErr(fn)
		assert.ErrorIs(t, err, ErrMisuse, name)
		assert.ErrorIs(t, err, ErrTxClosed, name)
	}
	for name, fn := range misuses {
		check(name+" between messages", fn)
	}
	// read reads key in a message, and returns the message's counts.
	read := func(tx *Tx) Stats {
		tr, err := tx.OpenTree(SuperblockTreeRef(1), testOwner)
		require.NoError(t, err)
		v, ok := tr.Get(key)
		assert.True(t, ok)
		assert.Equal(t, "value001", string(v), "no stray Put reached the store")
		return tx.Stats()
	}
	var want Stats
	require.NoError(t, s.View(func(tx *Tx) error { want = read(tx); return nil }))
	require.NotZero(t, want.PagesRead)
	for _, update := range []bool{false, true} {
		for name, fn := range misuses {
			run := func(tx *Tx) error {
				assert.NotSame(t, keptTx, tx)
				check(name+" inside a later message", fn)
				// The later message's state is untouched by the stray use: no page
				// counted, the owner its accesses are counted under unchanged.
				st := tx.Stats()
				assert.Zero(t, st.PagesRead, name)
				assert.Zero(t, st.PagesDirtied, name)
				assert.Equal(t, OwnerStore, tx.meter.owner, name)
				assert.Same(t, &tx.meter.store, tx.meter.cur, name)
				assert.Equal(t, want, read(tx), name)
				return nil
			}
			if update {
				require.NoError(t, s.Update(run))
			} else {
				require.NoError(t, s.View(run))
			}
		}
	}
	// From another goroutine while a later message runs.
	require.NoError(t, s.View(func(tx *Tx) error {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			check("Tree.Get from another goroutine", func() { keptTree.Get(key) })
		}()
		wg.Wait()
		assert.Zero(t, tx.Stats().PagesRead)
		return nil
	}))
	require.NoError(t, s.View(func(tx *Tx) error {
		assert.Equal(t, want, read(tx))
		return nil
	}))
}

// TestTreeKeptPastItsMessage keeps the Tree of each message and uses it in the next, which
// opened the same tree, whose state is often the kept one's, recycled: each use fails with
// ErrMisuse, and the later message's tree and counts are untouched.
func TestTreeKeptPastItsMessage(t *testing.T) {
	s := openHeap(t)
	key := []byte("k0000001")
	var kept *Tree
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.CreateTree(SuperblockTreeRef(1), fixed88, testOwner)
		require.NoError(t, err)
		kept = tr
		_, err = tr.Put(key, []byte("value001"))
		return err
	}))
	reused := 0
	for i := range 100 {
		run := func(tx *Tx) error {
			tr, err := tx.OpenTree(SuperblockTreeRef(1), testOwner)
			require.NoError(t, err)
			if tr.treeState == kept.treeState {
				reused++
			}
			for name, fn := range map[string]func(){
				"Get":    func() { kept.Get(key) },
				"Put":    func() { kept.Put(key, []byte("value002")) },
				"Cursor": func() { kept.Cursor().First() },
				"Stats":  func() { kept.Stats() },
			} {
				err := panicErr(fn)
				require.ErrorIs(t, err, ErrMisuse, name)
				require.ErrorIs(t, err, ErrTxClosed, name)
			}
			assert.Zero(t, tx.Stats().PagesRead)
			v, ok := tr.Get(key)
			require.True(t, ok)
			assert.Equal(t, "value001", string(v))
			kept = tr // for the next message
			return nil
		}
		if i%2 == 0 {
			require.NoError(t, s.View(run))
		} else {
			require.NoError(t, s.Update(run))
		}
	}
	assert.NotZero(t, reused, "no later message reused the kept tree's state: the test shows nothing")
}

// TestTxHandlesNeverRepeat checks that no two messages get the same Tx, across more
// messages than a slab of handles, from goroutines running Views at once.
func TestTxHandlesNeverRepeat(t *testing.T) {
	s := openHeap(t)
	var mu sync.Mutex
	seen := map[*Tx]bool{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range txHandleSlab {
				err := s.View(func(tx *Tx) error {
					mu.Lock()
					defer mu.Unlock()
					if seen[tx] {
						return errors.New("a Tx handed out twice")
					}
					seen[tx] = true
					return nil
				})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	assert.Len(t, seen, 4*txHandleSlab)
}

// TestTreeKeptPastItsMessageAccessors keeps the Tree of one message, whose state a later
// message reuses for another tree: the kept handle's accessors fail with ErrTxClosed
// rather than describe the later message's tree.
func TestTreeKeptPastItsMessageAccessors(t *testing.T) {
	s := openHeap(t)
	require.NoError(t, s.Update(func(tx *Tx) error {
		a, err := tx.CreateTree(SuperblockTreeRef(1), fixed88, testOwner)
		require.NoError(t, err)
		_, err = a.Put([]byte("k0000001"), []byte("value001"))
		require.NoError(t, err)
		_, err = tx.CreateTree(SuperblockTreeRef(2), fixed88, testOwner)
		return err
	}))
	var kept *Tree
	require.NoError(t, s.View(func(tx *Tx) error {
		var err error
		kept, err = tx.OpenTree(SuperblockTreeRef(1), testOwner)
		return err
	}))
	reused := 0
	for range 20 {
		require.NoError(t, s.View(func(tx *Tx) error {
			tr, err := tx.OpenTree(SuperblockTreeRef(2), testOwner)
			require.NoError(t, err)
			if tr.treeState == kept.treeState {
				reused++
			}
			for name, fn := range map[string]func(){
				"Len":    func() { kept.Len() },
				"Ref":    func() { kept.Ref() },
				"Height": func() { kept.Height() },
				"Layout": func() { kept.Layout() },
				"Groups": func() { kept.Groups() },
			} {
				err := panicErr(fn)
				require.ErrorIs(t, err, ErrTxClosed, name)
			}
			return nil
		}))
	}
	if !raceEnabled {
		assert.NotZero(t, reused, "no later message reused the kept tree's state: the test shows nothing")
	}
}
