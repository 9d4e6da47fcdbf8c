package query

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// replaceColumn retires and drops the column called name and creates it again with type t
// and the values vals (by entity), all in one message: what a later version of a program,
// or an importer, may do between a Prepare and its Run.
func replaceColumn(t *testing.T, db *entity.DB, name string, typ column.Type, vals map[entity.ID]any) {
	t.Helper()
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		require.NoError(t, tx.SetVarState(name, store.Deprecated))
		require.NoError(t, tx.SetVarState(name, store.Retired))
		require.NoError(t, tx.DropVar(name))
		if typ.Kind() == 0 {
			return nil
		}
		for _, d := range column.DefineDyn(entity.NewSchema(), name, typ, column.Indexed()).Defs() {
			_, err := tx.CreateVar(d)
			require.NoError(t, err)
		}
		c, err := column.Lookup(tx, name)
		require.NoError(t, err)
		for id, v := range vals {
			require.NoError(t, c.Set(tx, id, v))
		}
		return nil
	}))
}

// TestRunAfterCatalogChange prepares a query, changes the catalog under it in a committed
// message, and runs the plan: it must answer from the catalog as it is when it runs.
func TestRunAfterCatalogChange(t *testing.T) {
	s := entity.NewSchema()
	player := s.Kind("player")
	score := column.Define[int64](s, "score", column.Indexed())
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, player, 10, func(tx *entity.Tx, i int, id entity.ID) error {
		return score.Set(tx, id, int64(i))
	})
	q, err := Parse(`FIND player WHERE score >= 7 SELECT score ORDER BY score`)
	require.NoError(t, err)
	p, err := Prepare(db, q)
	require.NoError(t, err)

	// A data change keeps the plan: its names still mean what they meant.
	require.NoError(t, db.Update(func(tx *entity.Tx) error { return score.Set(tx, ids[0], 100) }))
	res, err := p.Run(RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, [][]Value{{"player/8", int64(7)}, {"player/9", int64(8)}, {"player/10", int64(9)}, {"player/1", int64(100)}}, res.Rows)

	// The column is dropped and made again, as an int32 with other values: the plan made
	// for the int64 column must not read the new one.
	vals := map[entity.ID]any{}
	for i, id := range ids {
		vals[id] = int64(10 * i)
	}
	replaceColumn(t, db, "score", column.ScalarType(column.Int32), vals)
	res, err = p.Run(RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, [][]Value{{"player/2", int64(10)}, {"player/3", int64(20)}, {"player/4", int64(30)}}, res.Rows[:3])
	assert.Len(t, res.Rows, 9)

	// EXPLAIN shows the plan as it would run now.
	ex, err := Parse(`EXPLAIN FIND player WHERE score >= 7`)
	require.NoError(t, err)
	pe, err := Prepare(db, ex)
	require.NoError(t, err)
	replaceColumn(t, db, "score", column.StringType(8), map[entity.ID]any{ids[0]: "x"})
	_, err = pe.Run(RunOptions{})
	assert.ErrorIs(t, err, ErrType, "a query that no longer binds fails as Prepare would")

	// A column that is gone: the plan is refused with the binder's error, not run.
	replaceColumn(t, db, "score", column.Type{}, nil)
	_, err = p.Run(RunOptions{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnknownName)
	assert.ErrorContains(t, err, `unknown column "score"`)
}
