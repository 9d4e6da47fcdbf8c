package entity_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
)

// TestMeta: notes kept in the store's metadata are read back and deleted by prefix; the
// keys the store keeps itself cannot be set or deleted that way.
func TestMeta(t *testing.T) {
	db := testutil.OpenDB(t, entity.NewSchema(), nil)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for _, k := range []string{"a.1", "a.2", "ab", "b"} {
			require.NoError(t, tx.SetMeta([]byte(k), []byte("v"+k)))
		}
		v, ok := tx.Meta([]byte("a.2"))
		require.True(t, ok)
		require.Equal(t, "va.2", string(v))
		require.Error(t, tx.SetMeta([]byte("scope"), []byte("x")))
		require.Error(t, tx.SetMeta([]byte("holds-from"), []byte("x")))
		require.Error(t, tx.SetMeta(make([]byte, entity.MaxMetaKey+1), nil))
		for _, p := range []string{"", "s", "scope", "holds"} {
			_, err := tx.DeleteMeta([]byte(p))
			require.Error(t, err, p)
		}
		n, err := tx.DeleteMeta([]byte("a."))
		require.NoError(t, err)
		require.Equal(t, 2, n)
		for k, want := range map[string]bool{"a.1": false, "a.2": false, "ab": true, "b": true} {
			_, ok := tx.Meta([]byte(k))
			require.Equal(t, want, ok, k)
		}
		return nil
	}))
}
