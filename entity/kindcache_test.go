package entity_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// TestRolledBackKindLeavesNoPhantom creates a kind in a message that rolls back, as a
// failed import does, and checks that nothing remembers it: the DB does not find it, and
// the kind the next message creates, which gets the same catalog ID, is the kind of its
// entities.
func TestRolledBackKindLeavesNoPhantom(t *testing.T) {
	db := testutil.OpenDB(t, entity.NewSchema(), nil)
	errImport := errors.New("the import failed")
	var ghostID uint32
	err := db.Update(func(tx *entity.Tx) error {
		v, err := tx.CreateVar(entity.NewSchema().Kind("ghost").Def())
		ghostID = v.ID
		require.NoError(t, err)
		k, ok := tx.Kind("ghost")
		require.True(t, ok, "a message sees the kinds it creates")
		_, err = k.New(tx)
		require.NoError(t, err)
		return errImport
	})
	require.ErrorIs(t, err, errImport)

	_, err = db.Kind("ghost")
	assert.ErrorIs(t, err, entity.ErrNoKind, "a rolled-back kind is not found")
	assert.Empty(t, kindNames(t, db))

	// The next import creates its kind as an importer does, from a definition of its own,
	// and asks for the kind of the entity it made.
	var id entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		real := entity.NewSchema().Kind("real")
		v, err := tx.CreateVar(real.Def())
		require.NoError(t, err)
		require.Equal(t, ghostID, v.ID, "the catalog hands out the rolled-back kind's ID again")
		id, err = real.New(tx)
		require.NoError(t, err)
		k, err := tx.KindOf(id)
		require.NoError(t, err)
		assert.Equal(t, "real", k.Name(), "the entity is of the kind its message created, not of a rolled-back one")
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		k, err := tx.KindOf(id)
		require.NoError(t, err)
		assert.Equal(t, "real", k.Name(), "the entity is of the kind its message created, not of a rolled-back one")
		_, ok := tx.Kind("ghost")
		assert.False(t, ok)
		return nil
	}))
}

// TestKindOnClosedStore checks that DB.Kind and DB.Kinds report a closed store instead of
// reading it as a store without kinds.
func TestKindOnClosedStore(t *testing.T) {
	s := entity.NewSchema()
	s.Kind("player")
	m := testutil.NewMemory(t)
	db := m.OpenDB(s)
	k, err := db.Kind("player")
	require.NoError(t, err)
	assert.Equal(t, "player", k.Name())
	require.NoError(t, m.Store().Close())
	_, err = db.Kind("player")
	assert.ErrorIs(t, err, store.ErrClosed)
	_, err = db.Kind("guild")
	assert.ErrorIs(t, err, store.ErrClosed, "a closed store is not a store without the kind")
	_, err = db.Kinds()
	assert.ErrorIs(t, err, store.ErrClosed)
}
