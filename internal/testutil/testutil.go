// Package testutil holds the helpers that the tests of several packages share: a fresh
// heap store, a DB over one with a schema, a heap memory that a test opens again as a
// restarted program would, entities made in bulk, and the seeds of random tests. Only
// tests import it.
package testutil

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

var (
	seedFlag   = flag.Uint64("seed", 0, "seed of the random tests, to replay a failure (0: each test's fixed seed)")
	randomFlag = flag.Bool("random", false, "seed the random tests from the clock, for a longer exploration (a failure prints the seed)")
)

// Seed returns the seed of a random test: fixed by default, so that every run checks the
// same cases; -seed=N replays seed N, and -random draws a new one from the clock. If the
// test fails, it logs the seed and the command that replays it.
func Seed(t testing.TB, fixed uint64) uint64 {
	t.Helper()
	seed := fixed
	switch {
	case *seedFlag != 0:
		seed = *seedFlag
	case *randomFlag:
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: replay with go test -run '%s' -seed=%d", seed, t.Name(), seed)
		}
	})
	return seed
}

// OpenStore returns a store over a fresh heap memory. It holds nothing but memory, so a
// test need not close it, and fixtures that several tests share can keep it.
func OpenStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	require.NoError(t, err)
	return st
}

// OpenDB opens schema s (nil: none) with opts over a fresh heap store.
func OpenDB(t testing.TB, s *entity.Schema, opts *entity.Options) *entity.DB {
	t.Helper()
	db, err := entity.Open(OpenStore(t), s, opts)
	require.NoError(t, err)
	return db
}

// Memory is a heap memory that a test opens, closes and opens again, as a program
// restarts.
type Memory struct {
	t  testing.TB
	m  *store.HeapMemory
	st *store.Store
}

// NewMemory returns an empty heap memory.
func NewMemory(t testing.TB) *Memory { return &Memory{t: t, m: store.NewHeapMemory(0)} }

// Open closes the store opened last, if any, and opens the memory again with schema s.
func (m *Memory) Open(s *entity.Schema, o *entity.Options) (*entity.DB, error) {
	m.t.Helper()
	if m.st != nil {
		require.NoError(m.t, m.st.Close())
	}
	st, err := store.OpenMemory(m.m, nil)
	require.NoError(m.t, err)
	m.st = st
	return entity.Open(st, s, o)
}

// OpenDB is Open, and requires it to succeed.
func (m *Memory) OpenDB(s *entity.Schema) *entity.DB {
	m.t.Helper()
	db, err := m.Open(s, nil)
	require.NoError(m.t, err)
	return db
}

// Store returns the store opened last.
func (m *Memory) Store() *store.Store { return m.st }

// Spawn creates n entities of kind k in one Update, calls each (if not nil) with each new
// entity, and returns their IDs in order.
func Spawn(t testing.TB, db *entity.DB, k *entity.Kind, n int, each func(tx *entity.Tx, i int, id entity.ID) error) []entity.ID {
	t.Helper()
	ids := make([]entity.ID, 0, n)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for i := range n {
			id, err := k.New(tx)
			if err != nil {
				return err
			}
			ids = append(ids, id)
			if each != nil {
				if err := each(tx, i, id); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	return ids
}
