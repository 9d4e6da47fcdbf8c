package entity_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// failingMember is a schema member whose Bind fails, as a member of another package may.
type failingMember struct{ err error }

func (m failingMember) Defs() []store.VarDef {
	return []store.VarDef{{Name: "m", Role: store.RoleColumn, Type: "uint8", Trees: []store.Layout{{KeySize: 8, ValueSize: 1}}}}
}

func (m failingMember) Bind(*entity.DB) error { return m.err }

func TestOpenFailsWhenAMemberDoesNotBind(t *testing.T) {
	errBind := errors.New("the member does not fit")
	s := entity.NewSchema()
	s.Add(failingMember{errBind})
	_, err := entity.Open(testutil.OpenStore(t), s, nil)
	assert.ErrorIs(t, err, errBind)

	s = entity.NewSchema()
	s.Add(failingMember{})
	_, err = entity.Open(testutil.OpenStore(t), s, nil)
	assert.NoError(t, err)
}

// TestLongestIRI gives an entity an IRI of exactly MaxIRI bytes: it is found, and Intern
// finds it too; one byte more is refused.
func TestLongestIRI(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	db := testutil.OpenDB(t, s, nil)
	longest := "http://ex.org/" + strings.Repeat("x", entity.MaxIRI-len("http://ex.org/"))
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		id, err := k.Intern(tx, longest)
		require.NoError(t, err)
		got, ok := tx.ByIRI(longest)
		assert.True(t, ok)
		assert.Equal(t, id, got)
		again, err := k.Intern(tx, longest)
		require.NoError(t, err)
		assert.Equal(t, id, again)
		_, err = k.Intern(tx, longest+"y")
		assert.ErrorIs(t, err, entity.ErrIRI)
		_, ok = tx.ByIRI(longest + "y")
		assert.False(t, ok)
		return nil
	}))
}

// TestOneKindValue checks that a kind is one *Kind for the life of a DB: in the message
// that creates it, in later messages, and through the DB.
func TestOneKindValue(t *testing.T) {
	db := testutil.OpenDB(t, entity.NewSchema(), nil)
	var first *entity.Kind
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		_, err := tx.CreateVar(entity.NewSchema().Kind("k").Def())
		require.NoError(t, err)
		var ok bool
		first, ok = tx.Kind("k")
		require.True(t, ok)
		again, _ := tx.Kind("k")
		assert.Same(t, first, again, "within the message")
		id, err := first.New(tx)
		require.NoError(t, err)
		of, err := tx.KindOf(id)
		require.NoError(t, err)
		assert.Same(t, first, of)
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		k, _ := tx.Kind("k")
		assert.Same(t, first, k, "after the commit")
		k2, _ := tx.Kind("k")
		assert.Same(t, k, k2)
		return nil
	}))
	k, err := db.Kind("k")
	require.NoError(t, err)
	assert.Same(t, first, k, "through the DB")
}

func TestCheckErrorText(t *testing.T) {
	one := &entity.Inconsistency{Role: store.RoleColumn, Var: "hp", Entity: 7, What: "value has no index entry"}
	e := &entity.CheckError{Found: []*entity.Inconsistency{one}, Total: 1}
	assert.Equal(t, "the data model is inconsistent: 1 problem\n  column \"hp\": entity #7: value has no index entry", e.Error())
	e.Total = 3
	assert.Equal(t, "the data model is inconsistent: 3 problems\n  column \"hp\": entity #7: value has no index entry\n  … and 2 more", e.Error())
}
