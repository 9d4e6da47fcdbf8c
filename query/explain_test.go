package query

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/verb"
)

var updateGolden = flag.Bool("query.update", false, "rewrite the golden files of the query tests")

// TestExplainGolden compares the EXPLAIN output of queries on the fixtures with
// testdata/explain.golden; run with -query.update to rewrite it after a deliberate change.
// Plans are deterministic, so the text is the same on every machine.
func TestExplainGolden(t *testing.T) {
	w := sharedWorld(t)
	x := newTaxonomy(t, 5000)
	tests := []struct {
		db   *entity.DB
		text string
	}{
		{w.db, `FIND player WHERE health < 10 AND member_of -> guild/7 SELECT name, health ORDER BY health LIMIT 20`},
		{w.db, `FIND player WHERE friend <- (FIND player WHERE name = "alice") COUNT`},
		{x.db, `FIND Synset WHERE hypernym ->+ <http://example.org/id/dog> COUNT`},
		{w.db, `FIND player WHERE name = "p1234" SELECT health`},
		{w.db, `FIND player WHERE level BETWEEN 3 AND 4 AND NOT alive = true OR tags = "t3" SELECT name LIMIT 10`},
		{w.db, `FIND item WHERE owns <- (FIND player WHERE friend -> (FIND player WHERE name = "bob")) SELECT name`},
		{w.db, `FIND player WHERE NOT member_of -> ANY OR level > 300 COUNT`},
		{w.db, `FIND guild WHERE gold >= 200 AND name != "g5" SELECT name ORDER BY gold DESC`},
		{w.db, `FIND player WHERE level > 300 COUNT`},
		{w.db, `FIND guild LIMIT 3`},
		{w.db, `FIND player WHERE name = "alice" SELECT name ORDER BY tags`},
		{w.db, `FIND player WHERE name = "alice" AND tags = "t1" SELECT tags`},
		{w.db, `FIND player WHERE alive = true LIMIT 10`},
		{w.db, `FIND player WHERE gold > 10 LIMIT 700`},
		{w.db, `FIND player WHERE tags > "t5" COUNT`},
		{w.db, `FIND player WHERE health != 7 AND level != 3 COUNT`},
		{w.db, `FIND player WHERE friend ->+ #5 COUNT`},
		{w.db, `FIND player WHERE name = "alice" AND (level = 3 OR health = 5) AND member_of -> guild/1 COUNT`},
	}
	var b strings.Builder
	for _, tt := range tests {
		q, err := Parse(tt.text)
		require.NoError(t, err)
		p, err := Prepare(tt.db, q)
		require.NoError(t, err)
		b.WriteString(p.Explain())
		b.WriteByte('\n')
	}
	path := filepath.Join("testdata", "explain.golden")
	if *updateGolden {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -query.update to create it")
	assert.Equal(t, string(want), b.String())
}

// TestPlannerTies explains queries on a store of four entities, where every tree is one
// page, so that alternatives cost the same: a tie goes to the one written first (sorting,
// probing); closures from entities known at planning are followed exactly.
func TestPlannerTies(t *testing.T) {
	s := entity.NewSchema()
	n := s.Kind("n")
	x := column.Define[int32](s, "x", column.Indexed())
	y := column.Define[int32](s, "y", column.Indexed())
	e := verb.Define(s, "e")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, n, 4, func(tx *entity.Tx, i int, id entity.ID) error {
		return errors.Join(x.Set(tx, id, int32(i)), y.Set(tx, id, int32(i)))
	})
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		return errors.Join(e.Link(tx, ids[0], ids[1]), e.Link(tx, ids[1], ids[2])) // 2 edges for 4 entities: d = 0.5
	}))
	explain := func(src string) string {
		q, err := Parse(src)
		require.NoError(t, err)
		p, err := Prepare(db, q)
		require.NoError(t, err)
		return strings.Join(strings.Fields(p.Explain()), " ")
	}
	// Reading the index of x in order or the column and sorting both read one page; the
	// CPU work decides: the index makes one probe, sorting one per entity.
	assert.Contains(t, explain("FIND n ORDER BY x"), "Order by x ASC: scan index of x in order 4 1 4 1")
	assert.Contains(t, explain("FIND n WHERE e -> n/2 COUNT"), "Probe verb e (object, subject) for each target: e -> n/2 1 1")
	// From a known entity (n/3, whose edges lead back to n/2 and n/1) or the entities a
	// sub-query finds in an index (x = 2: n/3 again), the closure is followed at planning
	// (facts.go).
	assert.Contains(t, explain("FIND n WHERE e ->+ (FIND n WHERE x = 2) COUNT"), "Closure, breadth-first over verb e (object, subject): e ->+ (FIND n WHERE x = 2) 2 1")
	assert.Contains(t, explain("FIND n WHERE e ->+ n/3 COUNT"), "Closure, breadth-first over verb e (object, subject): e ->+ n/3 2 1")
	// Two drivers of the same cost and rows: the one written first.
	assert.Contains(t, explain("FIND n WHERE y > 0 AND x > 0 COUNT"), "└─ And 3 0 0 0 ├─ Index range y > 0 (0, +inf)")
	assert.Contains(t, explain("FIND n WHERE x > 0 AND y > 0 COUNT"), "└─ And 3 0 0 0 ├─ Index range x > 0 (0, +inf)")
}

// TestMultiAndClosureEstimates explains queries whose estimates depend on the values an
// entity has in a Multi column (300 entities with 10 values each: 10 values an entity in
// the index) and on a closure whose rows reach the kind's count after one level (100
// entities, each linked to all 100: 100 edges an entity).
func TestMultiAndClosureEstimates(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	x := column.Define[int32](s, "x", column.Indexed())
	m := column.Define[string](s, "m", column.MaxLen(8), column.Multi(), column.Indexed())
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, k, 300, func(tx *entity.Tx, i int, id entity.ID) error {
		err := x.Set(tx, id, int32(i))
		for j := range 10 {
			err = errors.Join(err, m.Add(tx, id, fmt.Sprintf("v%d", (i+j)%40)))
		}
		return err
	})

	s2 := entity.NewSchema()
	n := s2.Kind("n")
	e := verb.Define(s2, "e")
	db2 := testutil.OpenDB(t, s2, nil)
	ids := testutil.Spawn(t, db2, n, 100, nil)
	require.NoError(t, db2.Update(func(tx *entity.Tx) error {
		var err error
		for _, a := range ids {
			for _, b := range ids {
				err = errors.Join(err, e.Link(tx, a, b))
			}
		}
		return err
	}))

	explain := func(db *entity.DB, src string) string {
		q, err := Parse(src)
		require.NoError(t, err)
		p, err := Prepare(db, q)
		require.NoError(t, err)
		return strings.Join(strings.Fields(p.Explain()), " ")
	}
	// A range without statistics is counted in the index as far as a dive reads (two
	// leaves, facts.go), then extended by the leaves the range spans, counted from the
	// branches above them, the first and last leaf's entries counted and the index's
	// average taken for those between: 299 entries (300 match), holding entities as many
	// an entry as the dive found, 109 (101 match); 4 pages for the 5 the run reads (the
	// pages of a range still come from its entries and the average leaf).
	assert.Contains(t, explain(db, `FIND k WHERE m > "v5" COUNT`), `Index range m > "v5" ("v5", +inf) 109 4 299 1`)
	// An equality on a Multi column is taken to match one entity, as on any column without
	// statistics of its values: the SELECT is not expected to run.
	assert.Contains(t, explain(db, `FIND k WHERE x = 5 AND m = "v3" SELECT m`), "Select m: probe column m 0 0")
	// Every entity reaches all 100 after one level, and each is probed once, its 100
	// edges spanning most of a leaf (the run reads 62 pages in all).
	assert.Contains(t, explain(db2, `FIND n WHERE e ->+ n/1 COUNT`), "e ->+ n/1 100 56")
	assert.Contains(t, explain(db, `FIND k WHERE x = 5 AND m > "v1" COUNT`),
		`Probe column m: m > "v1" (intersects instead from 273 candidates) 1 2`)
}
