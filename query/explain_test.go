package query

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
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
