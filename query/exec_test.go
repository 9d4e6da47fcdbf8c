package query

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIndexOrderOfNothing runs a query planned to read an index in order, whose set turns
// out empty: the index is not read at all.
func TestIndexOrderOfNothing(t *testing.T) {
	w := sharedWorld(t)
	q, err := Parse(`FIND player WHERE gold > 1000000 ORDER BY health LIMIT 5`)
	require.NoError(t, err)
	p, err := Prepare(w.db, q)
	require.NoError(t, err)
	require.Contains(t, p.Explain(), "scan index of health in order until the limit")
	res, err := p.Run(RunOptions{})
	require.NoError(t, err)
	assert.Zero(t, res.Count)
	assert.Equal(t, map[string]uint64{"gold": 21}, res.Stats.ByVariable)
}

// TestSubQueryOrderAndLimit checks that a sub-query's LIMIT, after its ORDER BY, limits the
// entities it stands for.
func TestSubQueryOrderAndLimit(t *testing.T) {
	w := sharedWorld(t)
	// health is i % 100: 50 players have 99, and DESC takes the largest IDs first.
	res, err := Exec(w.db, `FIND item WHERE owns <- (FIND player ORDER BY health DESC LIMIT 2) SELECT name`, RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, [][]Value{
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/item/9910", "item4899"},
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/item/10010", "item4999"},
	}, res.Rows)
	res, err = Exec(w.db, `FIND item WHERE owns <- (FIND player ORDER BY health LIMIT 3) COUNT`, RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), res.Count)

	// Without a LIMIT, a sub-query's ORDER BY changes nothing, and reads nothing.
	res, err = Exec(w.db, `FIND item WHERE owns <- (FIND player WHERE level = 7 ORDER BY health) COUNT`, RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(100), res.Count)
	assert.NotContains(t, res.Stats.ByVariable, "health")
}

// TestBudgetTie checks which budget an error names when the query's and the caller's are
// equal: the query's, with its position.
func TestBudgetTie(t *testing.T) {
	w := sharedWorld(t)
	q, err := Parse(`FIND player WHERE gold > 10 COUNT BUDGET 5`)
	require.NoError(t, err)
	p, err := Prepare(w.db, q)
	require.NoError(t, err)
	_, err = p.Run(RunOptions{Budget: 5})
	assert.EqualError(t, err, "1:35: query refused: estimated 32 pages, budget 5")
	_, err = p.Run(RunOptions{Budget: 4})
	assert.EqualError(t, err, "query refused: estimated 32 pages, budget 4")
}

// TestStreamStopsAtTheLimit checks that a streamed scan reads no entity past the LIMIT:
// the first leaf of player's tree holds 508 entities, so LIMIT 508 reads the root and that
// leaf, and LIMIT 509 one leaf more.
func TestStreamStopsAtTheLimit(t *testing.T) {
	w := sharedWorld(t)
	for limit, pages := range map[int]uint64{16: 2, 508: 2, 509: 3} {
		res, err := Exec(w.db, fmt.Sprintf("FIND player LIMIT %d", limit), RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, uint64(limit), res.Count)
		assert.Equal(t, map[string]uint64{"player": pages}, res.Stats.ByVariable, "LIMIT %d", limit)
	}
}
