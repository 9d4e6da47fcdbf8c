package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/verb"
)

// TestPlanningFactsBounded checks that the facts planning reads are bounded for the whole
// query, not per term: a query of 200 verb steps from known entities, each a dive of its
// own, reads at most factPages pages of facts plus one dive's (a descent and diveLeaves
// leaves) and the statistics, however many terms it has.
func TestPlanningFactsBounded(t *testing.T) {
	w := sharedWorld(t)
	var terms []string
	for i := range 200 {
		terms = append(terms, fmt.Sprintf("friend -> player/%d", (20+i*97)%5000+11))
	}
	q, err := Parse("FIND player WHERE " + strings.Join(terms, " OR ") + " COUNT BUDGET 5")
	require.NoError(t, err)
	p, err := Prepare(w.db, q)
	require.NoError(t, err)
	require.LessOrEqual(t, p.PlanningPages(), uint64(factPages+8))
	require.Greater(t, p.PlanningPages(), uint64(factPages/2)) // the facts were read, up to the allowance
}

// TestPlanningRunsSmallSubQueries checks the sub-query facts: a sub-query expected to read
// a few pages is run at planning, so the verb step it feeds is counted exactly (one hub
// that 300 entities link to, the others linked to by none: the average says 1 a target),
// its pages are planning pages, and the run reads the same pages as without the fact.
func TestPlanningRunsSmallSubQueries(t *testing.T) {
	s := entity.NewSchema()
	n := s.Kind("n")
	x := column.Define[int32](s, "x")
	e := verb.Define(s, "e")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, n, 600, func(tx *entity.Tx, i int, id entity.ID) error {
		return x.Set(tx, id, int32(i))
	})
	hub := ids[len(ids)-1] // the largest x
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		var err error
		for _, id := range ids[:300] {
			err = errors.Join(err, e.Link(tx, id, hub))
		}
		return err
	}))
	q, err := Parse(`FIND n WHERE e -> (FIND n ORDER BY x DESC LIMIT 1) SELECT x`)
	require.NoError(t, err)
	p, err := Prepare(db, q)
	require.NoError(t, err)
	assert.Equal(t, uint64(300), p.EstimatedRows())
	assert.Positive(t, p.PlanningPages())
	res, err := p.Run(RunOptions{})
	require.NoError(t, err)
	require.Len(t, res.IDs, 300)
	assert.InEpsilon(t, float64(res.Stats.PagesRead), float64(p.EstimatedPages()), 0.10, "estimated %d, read %d", p.EstimatedPages(), res.Stats.PagesRead)
}

// TestPlanningSamplesLargeColumns checks the sample of an unindexed predicate on a column
// too large to scan at planning: its first leaves tell the share of entities it matches
// (x = i % 10 = 3: a tenth), where the model without statistics would take an int32
// equality to match one entity.
func TestPlanningSamplesLargeColumns(t *testing.T) {
	s := entity.NewSchema()
	n := s.Kind("n")
	x := column.Define[int32](s, "x")
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, n, 5000, func(tx *entity.Tx, i int, id entity.ID) error {
		return x.Set(tx, id, int32(i%10))
	})
	q, err := Parse(`FIND n WHERE x = 3 COUNT`)
	require.NoError(t, err)
	p, err := Prepare(db, q)
	require.NoError(t, err)
	assert.InEpsilon(t, 500, float64(p.EstimatedRows()), 0.05)
	res, err := p.Run(RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(500), res.Count)
}

// TestPlanningSamplesMultiColumns checks the sample of an unindexed predicate on a large
// Multi column: an entity matches once, however many of its values match, so the share
// sampled is of entities, not of values (x BETWEEN 3 AND 4 holds for the entities whose
// values are 2 and 3, 3 and 4 (both match), 4 and 5: 3 in 10, for 4 values in 20).
func TestPlanningSamplesMultiColumns(t *testing.T) {
	s := entity.NewSchema()
	n := s.Kind("n")
	x := column.Define[int32](s, "x", column.Multi())
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, n, 3000, func(tx *entity.Tx, i int, id entity.ID) error {
		return errors.Join(x.Add(tx, id, int32(i%10)), x.Add(tx, id, int32(i%10+1)))
	})
	q, err := Parse(`FIND n WHERE x BETWEEN 3 AND 4 COUNT`)
	require.NoError(t, err)
	p, err := Prepare(db, q)
	require.NoError(t, err)
	assert.InEpsilon(t, 900, float64(p.EstimatedRows()), 0.05)
	res, err := p.Run(RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(900), res.Count)
}
