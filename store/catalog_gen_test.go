package store

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCatalogGeneration checks that the generation changes with each committed message
// that changes the catalog, and with nothing else.
func TestCatalogGeneration(t *testing.T) {
	s, err := OpenMemory(NewHeapMemory(0), nil)
	require.NoError(t, err)
	gen := func() (g uint64) {
		require.NoError(t, s.View(func(tx *Tx) error { g = tx.CatalogGeneration(); return nil }))
		return g
	}
	g0 := gen()
	def := VarDef{Name: "v", Role: RoleColumn, Type: "uint64", Trees: []Layout{{KeySize: 8, ValueSize: 8}}}

	// A message that changes the catalog and rolls back changes nothing; its own changes
	// do not count before it commits.
	err = s.Update(func(tx *Tx) error {
		_, err := tx.CreateVar(def)
		require.NoError(t, err)
		assert.Equal(t, g0, tx.CatalogGeneration())
		return errors.New("roll back")
	})
	require.Error(t, err)
	assert.Equal(t, g0, gen())

	require.NoError(t, s.Update(func(tx *Tx) error { _, err := tx.CreateVar(def); return err }))
	g1 := gen()
	assert.NotEqual(t, g0, g1, "a created variable")

	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.VarTree("v", 0, true)
		require.NoError(t, err)
		k := EncodeUint64(1)
		_, err = tr.Put(k[:], k[:])
		return err
	}))
	assert.Equal(t, g1, gen(), "data is not the catalog")

	require.NoError(t, s.Update(func(tx *Tx) error { return tx.SetVarState("v", Deprecated) }))
	g2 := gen()
	assert.NotEqual(t, g1, g2, "a state change")
	require.NoError(t, s.Update(func(tx *Tx) error {
		require.NoError(t, tx.SetVarState("v", Retired))
		return tx.DropVar("v")
	}))
	assert.NotEqual(t, g2, gen(), "a drop")
}
