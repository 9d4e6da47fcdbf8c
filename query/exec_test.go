package query

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
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
	assert.EqualError(t, err, "1:35: query refused: estimated at most 24 pages, budget 5")
	_, err = p.Run(RunOptions{Budget: 4})
	assert.EqualError(t, err, "query refused: estimated at most 24 pages, budget 4")
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

// TestAdaptiveFilterAtItsEdge runs a kind filter that can probe or intersect at the
// number of candidates where the planner switches, on a kind of 2000 entities (four
// leaves of 508 and a root; the scan is 5 pages and decodes 2000 IDs, 250 page-worths
// of values: see CPU work in cost.go). Probing spread candidates is estimated at the
// same 5 pages, so the switch comes where the probes' work passes the scan's, at 251
// candidates: 3 candidates are probed; 251 whose IDs span the kind are intersected;
// 251 within its first eighth are probed.
func TestAdaptiveFilterAtItsEdge(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	cols := map[string]*column.Column[int32]{}
	sets := map[string][]int{"three": {1, 2, 1001}}
	for i := range 251 {
		sets["wide"] = append(sets["wide"], 1+8*i) // 1 .. 2001, the last beyond the kind
		sets["narrow"] = append(sets["narrow"], 1+i)
	}
	sets["wide"][250] = 2000
	for name := range sets {
		cols[name] = column.Define[int32](s, name, column.Indexed())
	}
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, k, 2000, func(tx *entity.Tx, i int, id entity.ID) error {
		var err error
		for name, ids := range sets {
			v := int32(0)
			if slices.Contains(ids, int(id)) {
				v = 1
			}
			err = errors.Join(err, cols[name].Set(tx, id, v))
		}
		return err
	})
	way := map[string]string{"three": "[probed]", "wide": "[intersected]", "narrow": "[probed]"}
	for name, pages := range map[string]uint64{"three": 3, "wide": 5, "narrow": 2} {
		q, err := Parse(fmt.Sprintf("FIND k WHERE %s = 1 COUNT", name))
		require.NoError(t, err)
		p, err := Prepare(db, q)
		require.NoError(t, err)
		require.Contains(t, p.Explain(), "(intersects instead from 251 candidates)")
		res, err := p.Run(RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, uint64(len(sets[name])), res.Count)
		assert.Equal(t, pages, res.Stats.ByVariable["k"], name)
		res, err = Exec(db, fmt.Sprintf("EXPLAIN ANALYZE FIND k WHERE %s = 1 COUNT", name), RunOptions{})
		require.NoError(t, err)
		assert.Contains(t, res.Rows[5][0], way[name], name)
	}
}

// TestSelectIRI checks SELECT IRI: each entity's external IRI, or _:b<id> for one without,
// read from the IRI tree in one pass, estimated like a column probe, and its errors.
func TestSelectIRI(t *testing.T) {
	x := newTaxonomy(t, 40)
	var blank entity.ID
	require.NoError(t, x.db.Update(func(tx *entity.Tx) error {
		var err error
		blank, err = x.synset.New(tx)
		return err
	}))
	res, err := Exec(x.db, `FIND Synset WHERE hypernym -> <http://example.org/id/dog> SELECT IRI`, RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"entity", "iri"}, res.Columns)
	var iris []Value
	for _, r := range res.Rows {
		iris = append(iris, r[1])
	}
	assert.Equal(t, []Value{taxonomyIRI(13), taxonomyIRI(14), taxonomyIRI(15)}, iris)
	assert.Equal(t, res.Stats.EstimatedPages, res.Stats.PagesRead, "the IRI probe is estimated as it reads")

	res, err = Exec(x.db, `FIND Synset WHERE NOT hypernym -> ANY AND NOT hypernym <- ANY SELECT iri`, RunOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, res.Rows)
	last := res.Rows[len(res.Rows)-1]
	assert.Equal(t, entity.BlankLabel(blank), last[1], "an entity without an IRI shows its blank-node label")

	// IRI round-trips through the text form and the builder, and is refused outside SELECT.
	q, err := Parse("FIND Synset SELECT IRI, `iri`")
	require.NoError(t, err)
	assert.Equal(t, "FIND Synset SELECT IRI, `iri`", q.String())
	assert.Equal(t, q.String(), Find("Synset").Select(SelectIRI, "iri").Query().String())
	for _, src := range []string{`FIND Synset ORDER BY IRI`, `FIND Synset WHERE IRI = "x"`} {
		_, err := Parse(src)
		assert.Error(t, err, src)
	}
	q = Find("Synset").OrderBy(SelectIRI, false).Query()
	_, err = Prepare(x.db, q)
	assert.ErrorContains(t, err, "IRI can only be selected")

	// EXPLAIN names it.
	res, err = Exec(x.db, `EXPLAIN FIND Synset WHERE hypernym -> <http://example.org/id/dog> SELECT IRI`, RunOptions{})
	require.NoError(t, err)
	assert.Regexp(t, `^Select IRI: probe column IRI +\d+ +\d+ +\d+ +\d+$`, res.Rows[2][0])
}
