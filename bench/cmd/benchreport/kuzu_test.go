package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/bench"
)

func TestReplaceSection(t *testing.T) {
	section := kuzuTitle + "\nnew figures\n"
	for _, c := range []struct{ name, doc, want string }{
		{"empty file", "", section + "\n"},
		{"the section alone", kuzuTitle + "\nold\n", section + "\n"},
		{"between others", "# R\n\n## A\na\n\n" + kuzuTitle + "\nold\nold\n\n## B\nb\n",
			"# R\n\n## A\na\n\n" + section + "\n## B\nb\n"},
		{"last", "# R\n\n## A\na\n\n" + kuzuTitle + "\nold\n", "# R\n\n## A\na\n\n" + section + "\n"},
		{"none: before the systems", "# R\n\n## A\na\n\n## The systems and their durability settings\ns\n",
			"# R\n\n## A\na\n\n" + section + "\n## The systems and their durability settings\ns\n"},
		{"none: at the end", "# R\n\n## A\na\n", "# R\n\n## A\na\n\n" + section + "\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := replaceSection(c.doc, section)
			assert.Equal(t, c.want, got)
			assert.Equal(t, got, replaceSection(got, section), "replacing again changes nothing")
		})
	}
}

func TestRenderKuzuSaysWhyItDidNotRun(t *testing.T) {
	doc := renderKuzu(kuzuRun{skipped: "`node` is not on PATH here."})
	require.True(t, strings.HasPrefix(doc, kuzuTitle+"\n"))
	assert.Contains(t, doc, "**Not run**: `node` is not on PATH here.")
	assert.NotContains(t, doc, "| query |")
}

func TestRenderKuzu(t *testing.T) {
	ms := func(v float64) time.Duration { return time.Duration(v * 1e6) }
	tm := func(med float64) bench.Timing {
		return bench.Timing{Runs: 100, Median: ms(med), P10: ms(med * 0.9), P90: ms(med * 1.5), CPU: ms(med), Answer: 7, Pages: 12}
	}
	qs := []bench.KuzuQuery{
		{Name: "fast", Ours: "FIND Player WHERE health < 10", Cypher: "MATCH (p:Player) WHERE p.health < 10 RETURN p.id", Want: 7},
		{Name: "slow", Ours: "FIND Player WHERE health > 50 COUNT", Cypher: "MATCH (p:Player) WHERE p.id = $p RETURN count(*)",
			Params: map[string]any{"p": 42}, Count: true, Want: 7},
	}
	doc := renderKuzu(kuzuRun{warm: 5, runs: 100, node: "v20", loadBefore: "1.00 1.00 1.00", loadAfter: "2.00 1.00 1.00",
		cmp: &bench.KuzuComparison{
			Queries:  qs,
			Ours:     []bench.Timing{tm(1), tm(2)},
			Imported: &bench.Imported{Triples: 1234, Took: time.Second},
			Kuzu: &bench.KuzuRun{Load: 2 * time.Second, Empty: bench.KuzuTiming{Exec: tm(0.05), Rows: tm(0.06)},
				Queries: []bench.KuzuTiming{{Exec: tm(3), Rows: tm(4)}, {Exec: tm(1.5), Rows: tm(1)}}},
		}})
	for _, want := range []string{
		"| `fast` | 7 rows | 1.00 ms (900 µs–1.50 ms) | 1.00 ms | 12 | 3.00 ms (2.70 ms–4.50 ms) | 3.00 ms | 4.00 ms | 3.0× | **met** |",
		// Judged against Kùzu's faster way (rows to JS, 1 ms here), not its exec time.
		"| `slow` | 7 counted | 2.00 ms (1.80 ms–3.00 ms) | 2.00 ms | 12 | 1.50 ms (1.35 ms–2.25 ms) | 1.50 ms | 1.00 ms | 0.50× | not met |",
		"| slow | `FIND Player WHERE health > 50 COUNT` | `MATCH (p:Player) WHERE p.id = 42 RETURN count(*)` |",
		"before 1.00 1.00 1.00; after 2.00 1.00 1.00",
		"ours 1234 triples imported in 1.00 s",
	} {
		assert.Contains(t, doc, want)
	}
}
