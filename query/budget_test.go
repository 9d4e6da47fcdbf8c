package query

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/store"
)

// TestBudgetRefusedBeforeRunning checks that a query whose estimate exceeds its budget is
// refused before it reads a page, with the estimate in the error.
func TestBudgetRefusedBeforeRunning(t *testing.T) {
	w := sharedWorld(t)
	q, err := Parse(`FIND player WHERE gold > 10 COUNT BUDGET 5`)
	require.NoError(t, err)
	p, err := Prepare(w.db, q)
	require.NoError(t, err)
	// The players are every ID from the first to the last: their kind's tree is read at
	// its two ends (3 pages), not whole (11).
	require.Equal(t, uint64(24), p.EstimatedPages())

	res, err := p.Run(RunOptions{})
	require.Error(t, err)
	assert.Nil(t, res)
	assert.EqualError(t, err, "1:35: query refused: estimated at most 24 pages, budget 5")
	assert.ErrorIs(t, err, ErrOverBudget)
	assert.ErrorIs(t, err, store.ErrPageBudgetExceeded)
	var ee *EstimateError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, EstimateError{Pos: Pos{Offset: 34, Line: 1, Col: 35}, Estimated: 24, Budget: 5}, *ee)

	// The caller's budget applies when it is the smaller one.
	_, err = p.Run(RunOptions{Budget: 3})
	assert.EqualError(t, err, "query refused: estimated at most 24 pages, budget 3")
	_, err = Exec(w.db, `FIND player WHERE gold > 10 COUNT BUDGET 100`, RunOptions{Budget: 23})
	assert.EqualError(t, err, "query refused: estimated at most 24 pages, budget 23")

	// Within budget, it runs.
	res, err = Exec(w.db, `FIND player WHERE gold > 10 COUNT BUDGET 24`, RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(4989), res.Count)
	assert.LessOrEqual(t, res.Stats.PagesRead, uint64(24))

	// A query that reads nothing fits a budget of nothing.
	res, err = Exec(w.db, `FIND player LIMIT 0 BUDGET 0`, RunOptions{})
	require.NoError(t, err)
	assert.Zero(t, res.Count)
	assert.Zero(t, res.Stats.PagesRead)
}

// TestBudgetStopsRunningQuery checks that a query estimated within its budget but reading
// more is stopped by the store when it goes past the budget.
func TestBudgetStopsRunningQuery(t *testing.T) {
	w := sharedWorld(t)
	// A predicate without an index nor statistics is estimated from the first leaves of its
	// column (facts.go): score >= 625 (players 2500 and up) matches none of them, so the
	// AND with level = 7 is expected to find nothing, and finds 50 players spread over
	// the second half of the IDs. Its bound, which the pre-check compares with the budget,
	// is the pages of its steps for the rows expected: a budget of the bound lets it
	// start, and the meter stops it.
	q, err := Parse(`FIND player WHERE level = 7 AND score >= 625 SELECT name, gold`)
	require.NoError(t, err)
	p, err := Prepare(w.db, q)
	require.NoError(t, err)
	require.Equal(t, uint64(26), p.EstimatedPages())
	bound := p.UpperPages()
	require.Equal(t, uint64(33), bound)

	res, err := p.Run(RunOptions{Budget: bound})
	require.Error(t, err)
	assert.Nil(t, res)
	assert.ErrorIs(t, err, store.ErrPageBudgetExceeded)
	assert.False(t, errors.Is(err, ErrOverBudget), "not refused: stopped")
	var be *store.BudgetError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, store.BudgetError{Limit: "accessed", Max: bound, Count: bound + 1}, *be)

	res, err = p.Run(RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(50), res.Count)
	assert.Equal(t, uint64(58), res.Stats.PagesRead) // the kind at its ends: 3 pages, not probed

	// The same sample counts level = 7 (100 players, 2 in 100 of the first leaves'): the
	// estimate is the 62 pages it reads.
	q, err = Parse(`FIND player WHERE level = 7 SELECT name, score`)
	require.NoError(t, err)
	p, err = Prepare(w.db, q)
	require.NoError(t, err)
	assert.Equal(t, uint64(62), p.EstimatedPages())
	res, err = p.Run(RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(100), res.Count)
	assert.Equal(t, uint64(62), res.Stats.PagesRead) // the kind at its ends: 3 pages, not 11

	// On an indexed column the planner counts the entries in the index (facts.go): the
	// bound of health = 7, 50 entities, holds, and a budget of it lets the query finish.
	q, err = Parse(`FIND player WHERE health = 7 SELECT name, score`)
	require.NoError(t, err)
	p, err = Prepare(w.db, q)
	require.NoError(t, err)
	assert.Equal(t, uint64(50), p.EstimatedRows())
	res, err = p.Run(RunOptions{Budget: p.UpperPages()})
	require.NoError(t, err)
	assert.Equal(t, uint64(50), res.Count)
	assert.Equal(t, uint64(58), res.Stats.PagesRead)
}
