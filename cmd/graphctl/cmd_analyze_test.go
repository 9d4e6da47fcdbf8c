package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAnalyze runs analyze on the demo world: it reports every column with an order and
// every verb, schema show then gives the histograms' age and the verbs' exact counts, and
// the demo's legendary-loot query, estimated at 14 pages without statistics, is estimated
// exactly at what it reads.
func TestAnalyze(t *testing.T) {
	dir := t.TempDir()
	db := "w.sg"
	out := ok(t, dir, "demo", "--db", db)
	assert.Contains(t, out, "legendary")
	q := `FIND item WHERE rarity = "legendary" AND owns <- (FIND player WHERE level >= 58) SELECT name, rarity LIMIT 5`
	before := ok(t, dir, "query", "--db", db, q)
	assert.Contains(t, before, "(5 rows; 62 pages read, 14 estimated)")
	show := ok(t, dir, "schema", "show", "--db", db)
	assert.Contains(t, show, "no histogram")
	assert.Contains(t, show, "exact: 1608 subjects, 8 objects")

	out = ok(t, dir, "analyze", "--db", db)
	assert.Contains(t, out, "rarity       column     6000               6000                 5")
	assert.Contains(t, out, "owns         verb       5403               1869              5403")
	assert.NotContains(t, out, "position", "a struct has no order")

	after := ok(t, dir, "query", "--db", db, q)
	assert.Contains(t, after, "(5 rows; 62 pages read, 62 estimated)")
	explain := ok(t, dir, "query", "--db", db, "EXPLAIN ANALYZE "+q)
	assert.Regexp(t, `planning read [1-9]\d* pages of statistics`, explain)
	assert.Contains(t, explain, "actual: 5 rows, 62 distinct pages")
	show = ok(t, dir, "schema", "show", "--db", db)
	assert.Regexp(t, `rarity .* histogram \d+s old, 5 distinct`, show)
	ok(t, dir, "verify", "--db", db)
}
