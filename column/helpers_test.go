package column_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// openDB opens schema s over a fresh heap store.
func openDB(t testing.TB, s *entity.Schema) *entity.DB {
	t.Helper()
	st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	require.NoError(t, err)
	db, err := entity.Open(st, s, nil)
	require.NoError(t, err)
	return db
}

// spawn creates n entities of kind k in one message and returns their IDs.
func spawn(t testing.TB, db *entity.DB, k *entity.Kind, n int, each func(tx *entity.Tx, i int, id entity.ID) error) []entity.ID {
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
