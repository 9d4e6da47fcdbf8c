package store

import (
	"errors"
	"path/filepath"
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
