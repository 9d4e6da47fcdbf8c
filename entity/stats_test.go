package entity_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// TestVarStats keeps statistics per variable: none in a store never analyzed (and no
// $stats variable), kept and replaced once put, a kind's span read from its tree and
// round-tripped, unknown versions and damage refused, and the store still sound.
func TestVarStats(t *testing.T) {
	s := entity.NewSchema()
	a, b := s.Kind("a"), s.Kind("b")
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, a, 10, nil)
	testutil.Spawn(t, db, b, 5, nil)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		_, ok := tx.VarStatsOf("a")
		assert.False(t, ok)
		_, ok = tx.Var(entity.VarStats)
		assert.False(t, ok, "created by the first PutVarStats only")

		sp := b.Span(tx)
		assert.Equal(t, entity.ID(11), sp.First)
		assert.Equal(t, entity.ID(15), sp.Last)
		assert.Equal(t, uint64(5), sp.Members)
		require.NoError(t, tx.PutVarStats("b", []byte("old")))
		require.NoError(t, tx.PutVarStats("b", sp.Encode()))
		got, ok := tx.VarStatsOf("b")
		require.True(t, ok)
		back, err := entity.DecodeKindSpan(got)
		require.NoError(t, err)
		assert.Equal(t, sp.First, back.First)
		assert.Equal(t, sp.Last, back.Last)
		assert.Equal(t, sp.Members, back.Members)
		assert.Equal(t, sp.Made.UnixNano(), back.Made.UnixNano())
		assert.ErrorIs(t, tx.PutVarStats("nope", got), store.ErrNoVar)

		got[0] = 2
		_, err = entity.DecodeKindSpan(got)
		assert.ErrorIs(t, err, entity.ErrStatsVersion)
		_, err = entity.DecodeKindSpan(got[:4])
		assert.ErrorIs(t, err, store.ErrCorrupt)
		_, err = entity.DecodeKindSpan(append(sp.Encode(), 0))
		assert.ErrorIs(t, err, store.ErrCorrupt)
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		_, err := entity.Check(tx)
		require.NoError(t, err)
		return tx.CheckStore()
	}))
}
