package entity_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// mem is a heap memory that tests open, close and open again, as a program restarts.
type mem struct {
	t  testing.TB
	m  *store.HeapMemory
	st *store.Store
}

// openDB opens schema s over a fresh heap memory.
func openDB(t testing.TB, s *entity.Schema) (*entity.DB, *mem) {
	t.Helper()
	m := &mem{t: t, m: store.NewHeapMemory(0)}
	db, err := m.open(s, nil)
	require.NoError(t, err)
	return db, m
}

// open closes the store opened last, if any, and opens the memory again with schema s.
func (m *mem) open(s *entity.Schema, o *entity.Options) (*entity.DB, error) {
	m.t.Helper()
	if m.st != nil {
		require.NoError(m.t, m.st.Close())
	}
	st, err := store.OpenMemory(m.m, nil)
	require.NoError(m.t, err)
	m.st = st
	return entity.Open(st, s, o)
}
