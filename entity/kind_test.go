package entity_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
)

// TestNewN: NewN creates the entities New would one at a time, with the same IDs and the
// same entries, bottom up, before and after other entities.
func TestNewN(t *testing.T) {
	contents := func(db *entity.DB, kinds ...string) []string {
		var out []string
		require.NoError(t, db.View(func(tx *entity.Tx) error {
			for _, name := range append(kinds, entity.VarKind) {
				tr, err := tx.VarTree(name, 0, false)
				require.NoError(t, err)
				for k, v := range tr.All() {
					out = append(out, fmt.Sprintf("%s %x %x", name, k, v))
				}
			}
			return tx.CheckStore()
		}))
		return out
	}
	build := func(bulk bool) []string {
		s := entity.NewSchema()
		a, b := s.Kind("a"), s.Kind("b")
		db := testutil.OpenDB(t, s, nil)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			steps := []struct {
				k *entity.Kind
				n int
			}{{a, 3}, {b, 2000}, {a, 0}, {a, 5000}, {b, 1}}
			for _, st := range steps {
				want := tx.LastID() + 1
				if bulk {
					first, err := st.k.NewN(tx, st.n)
					require.NoError(t, err)
					require.Equal(t, want, first)
				} else {
					for range st.n {
						if _, err := st.k.New(tx); err != nil {
							return err
						}
					}
				}
				require.Equal(t, want+entity.ID(st.n)-1, tx.LastID())
			}
			return nil
		}))
		return contents(db, "a", "b")
	}
	one := build(false)
	require.Len(t, one, 2*7004)
	require.Equal(t, one, build(true))
}
