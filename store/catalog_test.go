package store

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	health  = VarDef{Name: "health", Role: RoleColumn, Type: "int64", Trees: []Layout{{KeySize: 8, ValueSize: 8}}}
	address = VarDef{Name: "address", Role: RoleColumn, Type: "string(200)", Trees: []Layout{{KeySize: 8, ValueSize: Variable}}}
	friend  = VarDef{Name: "friend", Role: RoleVerb, Type: "entity", Attrs: "many-to-many",
		Trees: []Layout{{KeySize: 16, ValueSize: 0}, {KeySize: 16, ValueSize: 0}}}
)

func withState(d VarDef, s State) VarDef { d.State = s; return d }

func TestCatalogSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.sgdb")
	s, err := Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, s.Update(func(tx *Tx) error {
		created, err := tx.ApplySchema([]VarDef{health, friend})
		require.Equal(t, []string{"health", "friend"}, created)
		if err != nil {
			return err
		}
		tr, err := tx.VarTree("health", 0, true)
		require.NoError(t, err)
		_, err = tr.Put(u64(7), u64(100))
		return err
	}))
	require.NoError(t, s.Close())

	s = openFile(t, path, nil)
	require.NoError(t, s.View(func(tx *Tx) error {
		vars := tx.Vars()
		require.Len(t, vars, 2)
		assert.Equal(t, "friend", vars[0].Name)
		assert.Equal(t, RoleVerb, vars[0].Role)
		assert.Len(t, vars[0].Refs, 2)
		assert.Equal(t, health.Trees, vars[1].Trees)
		assert.Equal(t, Active, vars[1].State)
		tr, err := tx.VarTree("health", 0, false)
		require.NoError(t, err)
		v, ok := tr.Get(u64(7))
		assert.True(t, ok)
		assert.Equal(t, u64(100), v)
		return tx.CheckStore()
	}))
}

func TestLifecycle(t *testing.T) {
	s := openHeap(t)
	require.NoError(t, s.Update(func(tx *Tx) error { _, err := tx.ApplySchema([]VarDef{address}); return err }))
	write := func() error {
		return s.Update(func(tx *Tx) error {
			tr, err := tx.VarTree("address", 0, true)
			if err != nil {
				return err
			}
			_, err = tr.Put(u64(1), []byte("1 Main St"))
			return err
		})
	}
	read := func() error {
		return s.View(func(tx *Tx) error { _, err := tx.VarTree("address", 0, false); return err })
	}
	setState := func(st State) error { return s.Update(func(tx *Tx) error { return tx.SetVarState("address", st) }) }

	require.NoError(t, write())
	require.ErrorIs(t, setState(Retired), ErrTransition, "active → retired skips a step")
	require.NoError(t, setState(Deprecated))
	assert.ErrorIs(t, write(), ErrReadOnly)
	assert.ErrorContains(t, write(), `column "address" is deprecated`)
	assert.NoError(t, read())
	require.NoError(t, setState(Active), "deprecated → active, for a rollback")
	require.NoError(t, write())
	require.NoError(t, setState(Deprecated))
	require.NoError(t, setState(Retired))
	assert.ErrorIs(t, read(), ErrRetired)
	assert.ErrorIs(t, write(), ErrRetired)
	require.NoError(t, setState(Deprecated), "retired → deprecated, for a rollback")
	require.NoError(t, read())
	require.ErrorIs(t, s.Update(func(tx *Tx) error { return tx.DropVar("address") }), ErrTransition, "drop needs retired")
	require.NoError(t, setState(Retired))

	var before, after AllocStats
	require.NoError(t, s.View(func(tx *Tx) error { before = tx.AllocStats(); return nil }))
	require.NoError(t, s.Update(func(tx *Tx) error { return tx.DropVar("address") }))
	require.NoError(t, s.View(func(tx *Tx) error {
		after = tx.AllocStats()
		_, ok := tx.Var("address")
		assert.False(t, ok)
		return tx.CheckStore()
	}))
	assert.Equal(t, before.Pages, after.Pages)
	assert.Equal(t, before.FreePages+2, after.FreePages, "the column's one leaf, and the catalog's, now empty")
	assert.ErrorIs(t, read(), ErrNoVar)

	// The name may be defined anew, even with another type.
	other := address
	other.Type = "string(40)"
	require.NoError(t, s.Update(func(tx *Tx) error { _, err := tx.ApplySchema([]VarDef{other}); return err }))
	require.NoError(t, write())
}

func TestApplySchemaRefusesBeforeWriting(t *testing.T) {
	s := openHeap(t)
	require.NoError(t, s.Update(func(tx *Tx) error { _, err := tx.ApplySchema([]VarDef{health, friend}); return err }))
	var before [32]byte = image(t, s)

	changed := health
	changed.Type = "float64"
	changed.Trees = []Layout{{KeySize: 8, ValueSize: 8}}
	oneToOne := friend
	oneToOne.Attrs = "one-to-one"
	newCol := VarDef{Name: "mana", Role: RoleColumn, Type: "int32", Trees: []Layout{{KeySize: 8, ValueSize: 4}}}
	err := s.Update(func(tx *Tx) error {
		_, err := tx.ApplySchema([]VarDef{newCol, changed, oneToOne})
		return err
	})
	require.ErrorIs(t, err, ErrIncompatibleSchema)
	assert.ErrorContains(t, err, `"health" is column int64 tree(8/8/8) in the stored schema but column float64 tree(8/8/8) in the declared schema`)
	assert.ErrorContains(t, err, `"friend" is verb entity [many-to-many]`)
	assert.ErrorContains(t, err, `[one-to-one]`)
	assert.Equal(t, before, image(t, s), "nothing written")
	require.NoError(t, s.View(func(tx *Tx) error {
		_, ok := tx.Var("mana")
		assert.False(t, ok, "the new column was not created either")
		return nil
	}))
}

func TestCheckCompatible(t *testing.T) {
	v1 := []VarDef{address}
	v2 := []VarDef{withState(address, Deprecated), {Name: "street", Role: RoleColumn, Type: "string(100)", Trees: []Layout{{KeySize: 8, ValueSize: Variable}}}}
	v3 := []VarDef{withState(address, Retired), v2[1]}

	c := CheckCompatible(v1, v2)
	assert.NoError(t, c.Upgrade)
	assert.NoError(t, c.Rollback, "v2 → v1 is safe while address is only deprecated")

	c = CheckCompatible(v2, v3)
	assert.NoError(t, c.Upgrade)
	assert.NoError(t, c.Rollback)

	c = CheckCompatible(v1, v3)
	assert.ErrorIs(t, c.Upgrade, ErrIncompatibleSchema)
	assert.ErrorIs(t, c.Rollback, ErrIncompatibleSchema)
	assert.ErrorContains(t, c.Rollback, `"address" is retired in the new schema and cannot become active in one step`)

	typed := []VarDef{{Name: "address", Role: RoleColumn, Type: "int64", Trees: []Layout{{KeySize: 8, ValueSize: 8}}}}
	c = CheckCompatible(v1, typed)
	assert.ErrorIs(t, c.Upgrade, ErrIncompatibleSchema)
	assert.ErrorIs(t, c.Rollback, ErrIncompatibleSchema)

	// A variable only one side mentions is fine both ways: the other leaves it alone.
	c = CheckCompatible([]VarDef{health}, []VarDef{friend})
	assert.NoError(t, c.Upgrade)
	assert.NoError(t, c.Rollback)
}

func TestCatalogRollbackForgetsChanges(t *testing.T) {
	s := openHeap(t)
	err := s.Update(func(tx *Tx) error {
		_, err := tx.ApplySchema([]VarDef{health})
		require.NoError(t, err)
		_, ok := tx.Var("health")
		require.True(t, ok, "visible inside the message")
		return assert.AnError
	})
	require.ErrorIs(t, err, assert.AnError)
	require.NoError(t, s.View(func(tx *Tx) error {
		_, ok := tx.Var("health")
		assert.False(t, ok)
		return tx.CheckStore()
	}))
	// Ids are not consumed by rolled-back messages.
	require.NoError(t, s.Update(func(tx *Tx) error {
		v, err := tx.CreateVar(health)
		assert.Equal(t, uint32(1), v.ID)
		return err
	}))
}

func TestManySlotPages(t *testing.T) {
	s := openHeap(t)
	const n = 150 // more than two slot pages of descriptors
	require.NoError(t, s.Update(func(tx *Tx) error {
		for i := range n {
			d := health
			d.Name = "col" + string(rune('A'+i/26)) + string(rune('a'+i%26))
			if _, err := tx.CreateVar(d); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, s.View(func(tx *Tx) error {
		slots, err := tx.slotPages()
		require.NoError(t, err)
		assert.Len(t, slots, 3)
		assert.Len(t, tx.Vars(), n)
		return tx.CheckStore()
	}))
}

func u64(v uint64) []byte { k := EncodeUint64(v); return k[:] }
