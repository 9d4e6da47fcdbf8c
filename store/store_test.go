package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openHeap(t testing.TB) *Store {
	t.Helper()
	s, err := OpenMemory(NewHeapMemory(0), nil)
	require.NoError(t, err)
	return s
}

func openFile(t testing.TB, path string, opts *Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestUpdateCommitsAndViewSees(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *Store{
		"heap": func(t *testing.T) *Store { return openHeap(t) },
		"file": func(t *testing.T) *Store { return openFile(t, filepath.Join(t.TempDir(), "s.sgdb"), nil) },
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			var id PageID
			require.NoError(t, s.Update(func(tx *Tx) error {
				var p []byte
				id, p = tx.Raw().Alloc()
				copy(p, "hello")
				tx.Raw().SetRoot(1, uint64(id))
				return nil
			}))
			require.NoError(t, s.View(func(tx *Tx) error {
				assert.Equal(t, uint64(id), tx.Raw().Root(1))
				assert.Equal(t, "hello", string(tx.Raw().Page(id)[:5]))
				return nil
			}))
		})
	}
}

func TestRollbackOnErrorAndPanic(t *testing.T) {
	s := openHeap(t)
	boom := errors.New("boom")
	err := s.Update(func(tx *Tx) error {
		_, err := tx.Raw().Grow(3)
		require.NoError(t, err)
		id, p := tx.Raw().Alloc()
		p[0] = 1
		tx.Raw().SetRoot(2, uint64(id))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Panics(t, func() {
		_ = s.Update(func(tx *Tx) error {
			tx.Raw().SetRoot(2, 99)
			panic("bad")
		})
	})
	require.NoError(t, s.View(func(tx *Tx) error {
		assert.Equal(t, uint64(1), tx.Raw().Size(), "grow rolled back")
		assert.Zero(t, tx.Raw().Root(2))
		assert.Equal(t, AllocStats{Pages: 1}, tx.AllocStats())
		return nil
	}))
}

func TestFileReopenKeepsCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s, err := Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, s.Update(func(tx *Tx) error {
		for i := range 100 {
			_, p := tx.Raw().Alloc()
			p[0] = byte(i)
		}
		tx.Raw().SetRoot(3, 42)
		return nil
	}))
	require.NoError(t, s.Close())
	s = openFile(t, path, nil)
	require.NoError(t, s.View(func(tx *Tx) error {
		assert.Equal(t, uint64(42), tx.Raw().Root(3))
		assert.Equal(t, byte(99), tx.Raw().Page(100)[0])
		assert.Equal(t, uint64(101), tx.AllocStats().Pages)
		return nil
	}))
}

// TestNestedMessagesFailRatherThanDeadlock: a message started inside another message's
// function on the same goroutine, where it would wait forever, fails with ErrNested: an
// Update inside an Update; a View inside a View while a commit waits for the outer View;
// an Update inside a View (its commit would wait for the View). Where nothing waits, a View
// inside a message works.
func TestNestedMessagesFailRatherThanDeadlock(t *testing.T) {
	s := openHeap(t)
	require.NoError(t, s.Update(func(tx *Tx) error {
		require.NoError(t, s.View(func(*Tx) error { return nil }), "a View inside an Update")
		err := s.Update(func(*Tx) error { return nil })
		require.ErrorIs(t, err, ErrNested)
		return nil
	}))
	require.NoError(t, s.View(func(tx *Tx) error {
		return s.View(func(*Tx) error { return nil }) // nothing waits
	}))

	committing := make(chan struct{})
	done := make(chan error)
	require.NoError(t, s.View(func(tx *Tx) error {
		go func() {
			close(committing)
			done <- s.Update(func(tx *Tx) error { tx.Raw().SetRoot(1, 1); return nil })
		}()
		<-committing
		for s.applyMu.TryRLock() { // wait until the commit waits for this View
			s.applyMu.RUnlock()
			runtime.Gosched()
		}
		err := s.View(func(*Tx) error { return nil })
		require.ErrorIs(t, err, ErrNested)
		assert.ErrorContains(t, err, "waits for the View it is in")
		return nil
	}))
	require.NoError(t, <-done, "the commit went on once the outer View ended")

	err := s.View(func(tx *Tx) error {
		return s.Update(func(tx *Tx) error { tx.Raw().SetRoot(1, 2); return nil })
	})
	require.ErrorIs(t, err, ErrNested)
	require.NoError(t, s.View(func(tx *Tx) error {
		assert.Equal(t, uint64(1), tx.Raw().Root(1), "the refused Update did not commit")
		return nil
	}))
}

// TestOpenLeavesForeignFilesAlone: opening a file that is not a store fails without
// creating a log beside it, and creating a store syncs the directory that names it.
func TestOpenLeavesForeignFilesAlone(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(p, bytes.Repeat([]byte("not a store\n"), WasmPageSize/12+1)[:WasmPageSize], 0o644))
	_, err := Open(p, nil)
	require.ErrorIs(t, err, ErrNotStore)
	_, err = os.Stat(p + "-wal")
	assert.True(t, os.IsNotExist(err), "no stray log: %v", err)

	fs := newFaultFS(-1, -1)
	s, err := Open("db", &Options{fs: fs})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, 1, fs.dirSyncs, "creating the store and its log syncs the directory")
	s, err = Open("db", &Options{fs: fs})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, 1, fs.dirSyncs, "reopening does not")
}

// TestOpenRefusesAStoreCutShort: a store file cut to a whole number of Wasm pages, which
// used to open without complaint, is refused: the superblock knows the memory's size.
func TestOpenRefusesAStoreCutShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s, err := Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, s.Update(func(tx *Tx) error { _, err := tx.Raw().Grow(3); return err }))
	require.NoError(t, s.Close())
	require.NoError(t, os.Truncate(path, 2*WasmPageSize))
	_, err = Open(path, nil)
	require.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, "the store has 4 Wasm pages but its memory only 2: it was cut short")
}

var faultSink byte

// TestMemoryFaultIsAnError: a read of the file's mapping that the system cannot serve (here
// the file was cut short behind the store's back; a full tmpfs does the same) fails the
// message with ErrFault naming the page, instead of killing the process with SIGBUS.
func TestMemoryFaultIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s := openFile(t, path, nil)
	newTree(t, s, fixed88, 5000, 1)
	var last PageID
	require.NoError(t, s.View(func(tx *Tx) error {
		last = PageID(tx.AllocStats().Pages - 1)
		return nil
	}))
	require.NoError(t, os.Truncate(path, WasmPageSize))
	err := s.View(func(tx *Tx) error {
		faultSink = tx.Raw().Page(last)[0]
		return nil
	})
	require.ErrorIs(t, err, ErrFault)
	assert.ErrorContains(t, err, fmt.Sprintf("page %d:", last))
}
