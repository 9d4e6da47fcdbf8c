package entity_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// wideWorld is an imported store's shape: 140 int32 columns and 4 verbs, each column
// holding 400 entities (two levels), and entities 1001 to 1010 holding 5 columns each
// and one edge of one verb as its subject.
type wideWorld struct {
	m     *testutil.Memory
	db    *entity.DB
	s     *entity.Schema
	thing *entity.Kind
	cols  []*column.Column[int32]
	verbs []*verb.Verb
}

const wideColumns, wideVerbs = 140, 4

func newWideWorld(t *testing.T) *wideWorld {
	w := &wideWorld{m: testutil.NewMemory(t), s: entity.NewSchema()}
	w.thing = w.s.Kind("thing")
	for i := range wideColumns {
		w.cols = append(w.cols, column.Define[int32](w.s, fmt.Sprintf("c%03d", i)))
	}
	for i := range wideVerbs {
		w.verbs = append(w.verbs, verb.Define(w.s, fmt.Sprintf("v%d", i)))
	}
	w.db = w.m.OpenDB(w.s)
	ids := testutil.Spawn(t, w.db, w.thing, 1010, nil)
	require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
		vals := make([]int32, 400)
		for _, c := range w.cols {
			if _, err := c.WriteSorted(tx, ids[:400], vals); err != nil {
				return err
			}
		}
		for _, v := range w.verbs {
			for i := range 400 {
				if err := v.Link(tx, ids[i], ids[(i*7)%400]); err != nil {
					return err
				}
			}
		}
		for _, id := range ids[1000:] {
			for _, c := range w.cols[:5] {
				if err := c.Set(tx, id, 1); err != nil {
					return err
				}
			}
			if err := w.verbs[0].Link(tx, id, ids[0]); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, w.db.View(func(tx *entity.Tx) error {
		for _, c := range w.cols {
			require.Equal(t, 2, c.Dyn().Tree(tx).Height(), c.Name())
		}
		_, err := entity.Check(tx) // the record, written in bulk (WriteSorted) and one by one
		return err
	}))
	return w
}

// deleteStats deletes id in a message of its own and returns its page counts.
func (w *wideWorld) deleteStats(t *testing.T, id entity.ID) store.Stats {
	st, err := w.db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error { return tx.Delete(id) })
	require.NoError(t, err)
	return st
}

// TestDeleteTouchesOnlyTheHolders measures a Delete on a store of 140 columns and 4 verbs,
// of an entity that holds 5 columns and one edge: with the holder record it touches the
// trees of those alone; without it (an entity older than the record) it probes every tree.
func TestDeleteTouchesOnlyTheHolders(t *testing.T) {
	w := newWideWorld(t)
	st := w.deleteStats(t, 1001)
	var trees []string
	for _, o := range st.Owners() {
		trees = append(trees, o)
	}
	assert.Equal(t, []string{"$holds", "$kind", "c000", "c001", "c002", "c003", "c004", store.OwnerStore, "thing", "v0"}, trees)
	// Two levels each: thing, $kind, $holds (its entry), 5 columns, v0's edge in each
	// direction ($iri is empty).
	assert.Equal(t, uint64(2+2+2+5*2+2+2), st.PagesRead)
	// The leaves that held it, and the two pages of the descriptors whose counts changed.
	assert.Equal(t, uint64(1+1+1+5+2+2), st.PagesDirtied)
	assert.Equal(t, uint64(2), st.ByOwner[store.OwnerStore].PagesDirtied)

	// The same world, as a store made before the record: Open adds it, covering the
	// entities made from then on, and the older ones are deleted by probing every tree.
	require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
		stx := tx.StoreTx()
		require.NoError(t, stx.SetVarState(entity.VarHolds, store.Deprecated))
		require.NoError(t, stx.SetVarState(entity.VarHolds, store.Retired))
		require.NoError(t, stx.DropVar(entity.VarHolds))
		meta, err := tx.VarTree(entity.VarMeta, 0, true)
		require.NoError(t, err)
		_, err = meta.Delete([]byte("holds-from"))
		return err
	}))
	w.db = w.m.OpenDB(w.s)
	var newer entity.ID
	require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
		var err error
		if newer, err = w.thing.New(tx); err != nil {
			return err
		}
		for _, c := range w.cols[:5] {
			if err := c.Set(tx, newer, 1); err != nil {
				return err
			}
		}
		require.False(t, tx.Recorded(1002), "older than the record")
		require.True(t, tx.Recorded(newer))
		return nil
	}))
	old := w.deleteStats(t, 1002)
	// Every column's root and the leaf that would hold it, both trees of every verb; as
	// above for the rest, without $holds.
	assert.Len(t, old.Owners(), 3+wideColumns+wideVerbs)
	// thing and $kind 2 each, every column 2, v0 5 (the reverse tree at the entity and at
	// its edge's object), the other verbs 2 + 2, and 3 pages of tree descriptors.
	assert.Equal(t, uint64(2+2+wideColumns*2+5+(wideVerbs-1)*2*2+3), old.PagesRead)
	assert.Equal(t, uint64(304), old.PagesRead)
	assert.Equal(t, uint64(20), st.PagesRead, "15 times fewer with the record")
	assert.Equal(t, st.PagesDirtied-1, old.PagesDirtied, "the same leaves, but for $holds's")
	// Made after the record: its holders alone, and the page of $holds's new descriptor.
	assert.Equal(t, uint64(2+2+2+5*2+1), w.deleteStats(t, newer).PagesRead)
	require.NoError(t, w.db.View(func(tx *entity.Tx) error {
		_, err := entity.Check(tx)
		return err
	}))
}

// TestDropVarLeavesTheHolderRecord drops the column made last, whose catalog ID the next
// variable takes once the store is opened again: the holder record must not credit the
// new column with the old one's values.
func TestDropVarLeavesTheHolderRecord(t *testing.T) {
	m := testutil.NewMemory(t)
	schema := func(last func(s *entity.Schema)) (*entity.Schema, *entity.Kind) {
		s := entity.NewSchema()
		k := s.Kind("k")
		last(s)
		return s, k
	}
	s, k := schema(func(*entity.Schema) {})
	m.OpenDB(s) // makes $holds
	s, k = schema(func(s *entity.Schema) { column.Define[int32](s, "z") })
	db := m.OpenDB(s)
	var e1 entity.ID
	var zID uint32
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		var err error
		if e1, err = k.New(tx); err != nil {
			return err
		}
		z, err := column.Lookup(tx, "z")
		require.NoError(t, err)
		v, _ := tx.Var("z")
		zID = v.ID
		return z.Set(tx, e1, 7)
	}))
	for _, st := range []column.Option{column.Deprecated(), column.Retired()} {
		s, _ = schema(func(s *entity.Schema) { column.Define[int32](s, "z", st) })
		db = m.OpenDB(s)
	}
	require.NoError(t, db.Update(func(tx *entity.Tx) error { return tx.DropVar("z") }))
	s, k = schema(func(s *entity.Schema) { column.Define[int32](s, "y") })
	db = m.OpenDB(s)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		v, _ := tx.Var("y")
		require.Equal(t, zID, v.ID, "the catalog hands the dropped ID out again")
		_, err := entity.Check(tx)
		require.NoError(t, err)
		require.NoError(t, tx.Delete(e1))
		_, err = entity.Check(tx)
		return err
	}))
}

// TestOldStoreOpensReadOnly opens a store without the holder record read-only: Open adds
// nothing, every entity is deleted by probing (in a later writable Open), and reads work.
func TestOldStoreOpensReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.sg")
	st, err := store.Open(path, nil)
	require.NoError(t, err)
	s := entity.NewSchema()
	k := s.Kind("k")
	c := column.Define[int32](s, "c")
	db, err := entity.Open(st, s, nil)
	require.NoError(t, err)
	var id entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		if id, err = k.New(tx); err != nil {
			return err
		}
		if err := c.Set(tx, id, 5); err != nil {
			return err
		}
		// Back to a store of before the record.
		stx := tx.StoreTx()
		require.NoError(t, stx.SetVarState(entity.VarHolds, store.Deprecated))
		require.NoError(t, stx.SetVarState(entity.VarHolds, store.Retired))
		require.NoError(t, stx.DropVar(entity.VarHolds))
		meta, err := tx.VarTree(entity.VarMeta, 0, true)
		require.NoError(t, err)
		_, err = meta.Delete([]byte("holds-from"))
		return err
	}))
	require.NoError(t, st.Close())

	st, err = store.Open(path, &store.Options{ReadOnly: true})
	require.NoError(t, err)
	db, err = entity.Open(st, s, nil)
	require.NoError(t, err, "a read-only Open of a store without the record")
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		_, ok := tx.Var(entity.VarHolds)
		assert.False(t, ok, "a read-only Open adds nothing")
		assert.False(t, tx.Recorded(id))
		v, _, err := c.Get(tx, id)
		assert.Equal(t, int32(5), v)
		return err
	}))
	require.NoError(t, st.Close())

	st, err = store.Open(path, nil)
	require.NoError(t, err)
	defer st.Close()
	db, err = entity.Open(st, s, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		assert.False(t, tx.Recorded(id), "older than the record")
		require.NoError(t, tx.Delete(id))
		ok, err := c.Has(tx, id)
		assert.False(t, ok)
		return err
	}))
}

// TestDropVarRefusedKeepsTheHolderRecord asks to drop a column that is not retired: the
// refusal must leave the holder record as it was, or a message that goes on and commits
// would leave the entity's values behind when it is deleted.
func TestDropVarRefusedKeepsTheHolderRecord(t *testing.T) {
	m := testutil.NewMemory(t)
	s := entity.NewSchema()
	k := s.Kind("k")
	z := column.Define[int32](s, "z")
	db := m.OpenDB(s)
	var e entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		var err error
		if e, err = k.New(tx); err != nil {
			return err
		}
		if err := z.Set(tx, e, 7); err != nil {
			return err
		}
		require.ErrorIs(t, tx.DropVar("z"), store.ErrTransition)
		return nil // the caller goes on after the refusal
	}))
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		_, err := entity.Check(tx)
		require.NoError(t, err)
		require.NoError(t, tx.Delete(e))
		has, err := z.Has(tx, e)
		require.NoError(t, err)
		require.False(t, has, "a deleted entity's value is left in the column")
		_, err = entity.Check(tx)
		return err
	}))
}
