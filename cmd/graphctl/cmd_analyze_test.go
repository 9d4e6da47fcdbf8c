package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnalyze runs analyze on the demo world: it reports every column with an order and
// every verb, schema show then gives the histograms' age and the verbs' exact counts, and
// the demo's legendary-loot query, estimated at 60 pages for 60 without statistics (the
// planner counts rarity = "legendary" in its index and the leaves it spans, facts.go), is
// still estimated within 10% of what it reads. (The players are every ID from the first
// to the last: their kind's tree is read at its two ends, 3 pages, where it was probed in 5.)
func TestAnalyze(t *testing.T) {
	dir := t.TempDir()
	db := "w.sg"
	out := ok(t, dir, "demo", "--db", db)
	assert.Contains(t, out, "legendary")
	q := `FIND item WHERE rarity = "legendary" AND owns <- (FIND player WHERE level >= 58) SELECT name, rarity LIMIT 5`
	before := ok(t, dir, "query", "--db", db, q)
	assert.Contains(t, before, "(5 rows; 60 pages read, 60 estimated)")
	show := ok(t, dir, "schema", "show", "--db", db)
	assert.Contains(t, show, "no histogram")
	assert.Contains(t, show, "exact: 1608 subjects, 8 objects")

	out = ok(t, dir, "analyze", "--db", db)
	assert.Regexp(t, `rarity +column +6000 +6000 +5 +5\n`, out)
	assert.Regexp(t, `owns +verb +5403 +1869 +5403 *\n`, out)
	assert.Regexp(t, `player +kind +2000 +IDs 9 to 2008\n`, out)
	assert.NotContains(t, out, "position", "a struct has no order")

	after := ok(t, dir, "query", "--db", db, q)
	assert.Regexp(t, `\(5 rows; 60 pages read, (5[4-9]|6[0-6]) estimated\)`, after, "within 10%")
	explain := ok(t, dir, "query", "--db", db, "EXPLAIN ANALYZE "+q)
	assert.Regexp(t, `planning read [1-9]\d* pages? \(statistics, exact counts\)`, explain)
	assert.Contains(t, explain, "actual: 5 rows, 60 distinct pages")
	show = ok(t, dir, "schema", "show", "--db", db)
	assert.Regexp(t, `rarity .* histogram \d+s old, 5 distinct`, show)
	ok(t, dir, "verify", "--db", db)
}

// TestReportWithinTenPercent runs the demo workload's report on the demo world as
// graphctl demo leaves it, never analyzed: every entry's estimate is within 10% of the
// pages it reads (exact counts read at planning, facts.go).
func TestReportWithinTenPercent(t *testing.T) {
	dir := reportStore(t)
	js := ok(t, dir, "report", "--db", "world.sg", "-o", "json", "demo.yaml")
	res := results(t, []byte(js))
	require.Len(t, res, 5)
	for name, e := range res {
		assert.InEpsilon(t, float64(e.PagesRead), float64(e.EstimatedPages), 0.10, "%s: %d read, %d estimated", name, e.PagesRead, e.EstimatedPages)
	}
}

// TestAnalyzedReportWithinTenPercent runs the demo workload's report on the analyzed demo
// world: every entry's estimate is within 10% of the pages it reads.
func TestAnalyzedReportWithinTenPercent(t *testing.T) {
	dir := reportStore(t)
	ok(t, dir, "analyze", "--db", "world.sg")
	js := ok(t, dir, "report", "--db", "world.sg", "-o", "json", "demo.yaml")
	res := results(t, []byte(js))
	require.Len(t, res, 5)
	for name, e := range res {
		assert.InEpsilon(t, float64(e.PagesRead), float64(e.EstimatedPages), 0.10, "%s: %d read, %d estimated", name, e.PagesRead, e.EstimatedPages)
	}
}
