package query

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/verb"
)

// TestExplainAnalyze runs queries under EXPLAIN ANALYZE: the result is the plan with the
// actual rows and pages of each step beside the estimates, the query's result counts are
// those of a plain run, and the steps' actual pages add up to the pages the run read.
func TestExplainAnalyze(t *testing.T) {
	w := sharedWorld(t)
	for _, text := range []string{
		`FIND player WHERE health < 10 AND member_of -> guild/7 SELECT name, health ORDER BY health LIMIT 20`,
		`FIND player WHERE friend <- (FIND player WHERE name = "alice") COUNT`,
		`FIND player WHERE level BETWEEN 3 AND 4 AND NOT alive = true OR tags = "t3" SELECT name LIMIT 10`,
		`FIND player WHERE friend ->+ #5 COUNT`,
		`FIND player WHERE alive = true LIMIT 10`,
	} {
		t.Run(text, func(t *testing.T) {
			_, plain := w.run(t, text)
			res, err := Exec(w.db, "EXPLAIN ANALYZE "+text, RunOptions{})
			require.NoError(t, err)
			assert.Equal(t, plain.Stats.PagesRead, res.Stats.PagesRead, "the same run")
			assert.Equal(t, []string{"plan"}, res.Columns)
			lines := make([]string, len(res.Rows))
			for i, r := range res.Rows {
				lines[i] = r[0].(string)
			}
			out := strings.Join(lines, "\n")
			assert.Equal(t, "EXPLAIN ANALYZE "+text, lines[0])
			assert.Contains(t, lines[1], "rows  pages  decoded  probes  actual rows  actual pages")
			// The actual pages of the steps, the last column, add up to the run's.
			sum := uint64(0)
			for _, l := range lines[2 : len(lines)-3] {
				f := strings.Fields(l)
				if n, err := strconv.ParseUint(f[len(f)-1], 10, 64); err == nil {
					sum += n
				}
			}
			assert.Equal(t, plain.Stats.PagesRead, sum, out)
			assert.Contains(t, lines[len(lines)-1], "actual: "+strconv.FormatUint(plain.Count, 10)+" rows, "+strconv.FormatUint(plain.Stats.PagesRead, 10)+" distinct pages", out)
			t.Log("\n" + out)
		})
	}
}

func TestExplainAnalyzeParses(t *testing.T) {
	q, err := Parse(`explain analyze FIND analyze WHERE analyze > 3`)
	require.NoError(t, err)
	assert.True(t, q.Explain)
	assert.True(t, q.Analyze)
	assert.Equal(t, "analyze", q.Kind.Name, "ANALYZE is still a name elsewhere")
	assert.Equal(t, "EXPLAIN ANALYZE FIND analyze WHERE analyze > 3", q.String())
	_, err = Parse(`EXPLAIN ANALYZE COUNT`)
	assert.Error(t, err)
	assert.Error(t, (&Query{Analyze: true, Kind: Name{Name: "k"}}).Validate())
}

// TestKindStatisticsEstimates checks that the per-kind statistics of Analyze reach the
// estimates: kinds a and b of 100 members each share a column, which every b and 10 of
// the a have, and a verb, whose edges go from 20 a and every b to b. Before the analysis
// the estimator knows only entries and counts over all kinds (it finds 55 and 60 of the
// 10 and 20); after it, it counts the members of a that have a value or an edge,
// exactly here.
func TestKindStatisticsEstimates(t *testing.T) {
	s := entity.NewSchema()
	a, b := s.Kind("a"), s.Kind("b")
	c := column.Define[int32](s, "c")
	v := verb.Define(s, "v")
	db := testutil.OpenDB(t, s, nil)
	as := testutil.Spawn(t, db, a, 100, nil)
	bs := testutil.Spawn(t, db, b, 100, nil)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		var err error
		for i, id := range as {
			if i < 10 {
				err = errors.Join(err, c.Set(tx, id, int32(i)))
			}
			if i < 20 {
				err = errors.Join(err, v.Link(tx, id, bs[i]))
			}
		}
		for i, id := range bs {
			err = errors.Join(err, c.Set(tx, id, int32(i)), v.Link(tx, id, bs[(i+1)%100]))
		}
		return err
	}))
	rows := func(src string) uint64 {
		q, err := Parse(src)
		require.NoError(t, err)
		p, err := Prepare(db, q)
		require.NoError(t, err)
		return p.EstimatedRows()
	}
	hasC, hasEdge := `FIND a WHERE HAS c COUNT`, `FIND a WHERE v -> ANY COUNT`
	assert.Equal(t, uint64(55), rows(hasC))
	assert.Equal(t, uint64(60), rows(hasEdge))

	var st *Statistics
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		var err error
		st, err = Analyze(tx, 0)
		return err
	}))
	require.Len(t, st.Kinds, 2)
	cover, ok := st.Kinds[0].Cover("v", 0)
	require.True(t, ok)
	assert.Equal(t, entity.TreeCover{Var: "v", Tree: 0, Keys: 20, Entries: 20, Degrees: []uint64{20}}, cover)
	assert.Equal(t, uint64(10), rows(hasC))
	assert.Equal(t, uint64(20), rows(hasEdge))
}
