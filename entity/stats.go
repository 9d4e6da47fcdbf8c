package entity

import (
	"fmt"

	"github.com/stablegraph/stablegraph/store"
)

// VarStats holds the statistics that an explicit analysis made of other variables (a
// column's histogram, say): key the variable's name, value the bytes its package encodes.
// It is created by the first PutVarStats, so a store never analyzed has none. Reading it
// is metered like any variable, under its own name.
const VarStats = "$stats"

var statsDef = store.VarDef{Name: VarStats, Role: store.RoleInternal, Type: "bytes", Trees: []store.Layout{
	{KeySize: store.Variable, MaxKey: store.MaxVarName, ValueSize: store.Variable},
}}

// PutVarStats keeps b as the statistics of the variable called name, in place of any it
// had, creating VarStats if the store has none.
func (tx *Tx) PutVarStats(name string, b []byte) error {
	if _, ok := tx.Var(name); !ok {
		return fmt.Errorf("statistics of %q: %w", name, store.ErrNoVar)
	}
	if _, ok := tx.Var(VarStats); !ok {
		if _, err := tx.CreateVar(statsDef); err != nil {
			return err
		}
	}
	t, err := tx.VarTree(VarStats, 0, true)
	if err != nil {
		return err
	}
	_, err = t.Put([]byte(name), b)
	return err
}

// VarStatsOf returns the statistics kept for the variable called name, if any. The bytes
// are a copy.
func (tx *Tx) VarStatsOf(name string) ([]byte, bool) {
	if _, ok := tx.Var(VarStats); !ok {
		return nil, false
	}
	t, err := tx.VarTree(VarStats, 0, false)
	if err != nil {
		return nil, false
	}
	v, ok := t.Get([]byte(name))
	if !ok {
		return nil, false
	}
	return append([]byte(nil), v...), true
}
