package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/stablegraph/stablegraph/bench
cpu: AMD EPYC
BenchmarkPointRead/scale=1e4/system=ours-2         	   77571	      4083 ns/op	         3.000 min-pages/op	         3.000 pages/op
--- BENCH: BenchmarkPointRead/scale=1e4/system=ours-2
    bench_test.go:109: built ours with 10000 players in 471ms
BenchmarkPointRead/scale=1e4/system=bbolt-row-2    	  109930	      2201 ns/op
BenchmarkPointWrite/scale=1e4/system=ours-2        	    3042	     86562 ns/op	         3.733 dirtied/op	         2.000 min-dirtied/op	         6.000 min-pages/op	        11.29 pages/op	         2.000 read:$kind/op	         5.000 read:health/op	         1.000 read:system/op
BenchmarkPointWrite/scale=1e4/system=sqlite-2      	    2748	     81289 ns/op
BenchmarkUpgrade/scale=1e4/system=gobheap-2        	       2	 188158536 ns/op	 113938430 save-ns/op
BenchmarkUpgrade/scale=1e4/system=ours-2           	     336	    672822 ns/op	         3.000 min-pages/op	         4.000 pages/op	    538069 save-ns/op
BenchmarkScan/scale=1e10/system=ours               	       1	      9000 ns/op
PASS
`

func TestParse(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	require.Len(t, res, 7)
	assert.Equal(t, result{workload: "PointRead", scale: "1e4", system: "ours", iters: 77571,
		metrics: map[string]float64{"ns/op": 4083, "min-pages/op": 3, "pages/op": 3}}, res[0])
	assert.Equal(t, "bbolt-row", res[1].system)
	assert.Equal(t, 3.733, res[2].metrics["dirtied/op"])
	assert.Equal(t, "1e10", res[6].scale, "a name without the GOMAXPROCS suffix")
	assert.Equal(t, "ours", res[6].system)
}

func TestParseRejectsBrokenMetrics(t *testing.T) {
	_, err := parse(strings.NewReader("BenchmarkScan/scale=1e4/system=ours-2  10  5 ns/op 3\n"))
	assert.Error(t, err)
}

func TestRender(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	doc := render(report{
		self:    "go run ./bench/cmd/benchreport -short",
		goTest:  []string{"go test -run '^$' -bench . ./bench/"},
		env:     env{date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), cpu: "CPU", cores: 2, goVersion: "go1.26"},
		results: merge(res),
		raw:     sample,
	})
	for _, want := range []string{
		"`go run ./bench/cmd/benchreport -short`",
		"`go test -run '^$' -bench . ./bench/`",
		"## Headline: 1e4 players",
		"| 1a. Point read | 4.08 µs | 2.20 µs (0.54×) | — | — | 3 | 3 | 1.00× | 1.36 µs |",
		"| 1e4 | ours | 4.08 µs | 1.0× | 3 | 3 | 1.00× |",
		"| 1e4 | bbolt-row | 2.20 µs | 0.54× | — | — | — |",
		"| 1e4 | ours | 86.6 µs | 1.0× | 11.3 | 6 | 1.88× | dirtied 3.7 (min 2); read by health 5, $kind 2, system 1; 3042 ops |",
		"| 1e4 | gobheap | 188 ms | 280× | — | — | — | save 114 ms; 2 ops |",
		"| 1a. Point read | 1e4 | 4.08 µs | bbolt-row 2.20 µs (0.54×) |",
		"| 1b. Point write | 1e4 | 86.6 µs | sqlite 81.3 µs (0.94×) |",
		"go1.26",
		sample,
	} {
		assert.Contains(t, doc, want)
	}
}

// TestHandWrittenCarriedOver checks that the sections a file's titles mark as written by
// hand survive a new render, in place before the systems' section, and no other does.
func TestHandWrittenCarriedOver(t *testing.T) {
	old := "# Benchmarks\n\n## Headline: 1e4 players\n\nold table\n\n" +
		"## Replicated writes (issue 21; written by hand, not by benchreport)\n\n| a | b |\n\n" +
		"## Queries across shards (written by hand)\n\ntext\n\n## The systems and their durability settings\n\nold\n"
	kept := handWritten(old)
	require.Len(t, kept, 2)
	res, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	doc := render(report{results: merge(res), raw: sample, kept: kept})
	i := strings.Index(doc, "## Replicated writes (issue 21; written by hand, not by benchreport)\n\n| a | b |\n\n## Queries across shards (written by hand)\n\ntext\n\n## The systems")
	assert.Greater(t, i, 0, "%s", doc)
	assert.NotContains(t, doc, "old table")
	assert.Equal(t, kept, handWritten(doc), "carried over again by the next run")
}

// TestGoals checks the goal table at 10^6: the fastest bbolt layout is the one compared,
// a ratio at the goal meets it, "ahead" needs more than a tie, the tick has a limit.
func TestGoals(t *testing.T) {
	r := func(w, sys string, ns float64) result {
		return result{workload: w, scale: "1e6", system: sys, metrics: map[string]float64{"ns/op": ns}}
	}
	doc := render(report{results: []result{
		r("PointRead", "ours", 1000), r("PointRead", "bbolt-row", 2000), r("PointRead", "bbolt-col", 1500),
		r("Query", "ours", 100e3), r("Query", "sqlite", 150e3), r("Query", "bbolt-row", 100e3),
		r("Tick", "ours", 20e6),
	}})
	for _, want := range []string{
		"### Issue 15's goals at 1e6 players",
		"| point read ≥ 1.5× faster than bbolt (best layout) | 1.00 µs | bbolt-col 1.50 µs (1.5×) | **met** |",
		"| filtered query ≥ 2× faster than SQLite | 100 µs | sqlite 150 µs (1.5×) | not met |",
		"| filtered query ahead of bbolt | 100 µs | bbolt-row 100 µs (1.0×) | not met |",
		"| ECS movement tick ≤ 25 ms | 20.0 ms | limit 25.0 ms | **met** |",
	} {
		assert.Contains(t, doc, want)
	}
	assert.NotContains(t, doc, "one hop ≥", "a workload that did not run has no row")
}

func TestQuoteArgs(t *testing.T) {
	assert.Equal(t, `go test -run '^$' -bench . ./bench/`, "go "+quoteArgs([]string{"test", "-run", "^$", "-bench", ".", "./bench/"}))
}

func TestMerge(t *testing.T) {
	rs := []result{
		{workload: "Scan", scale: "1e4", system: "ours", iters: 10, metrics: map[string]float64{"ns/op": 30, "pages/op": 5}},
		{workload: "Scan", scale: "1e4", system: "sqlite", iters: 1, metrics: map[string]float64{"ns/op": 7}},
		{workload: "Scan", scale: "1e4", system: "ours", iters: 20, metrics: map[string]float64{"ns/op": 10, "pages/op": 5}},
		{workload: "Scan", scale: "1e4", system: "ours", iters: 30, metrics: map[string]float64{"ns/op": 20, "pages/op": 5}},
	}
	m := merge(rs)
	require.Len(t, m, 2)
	assert.Equal(t, result{workload: "Scan", scale: "1e4", system: "ours", iters: 60, runs: 3,
		metrics: map[string]float64{"ns/op": 20, "pages/op": 5}}, m[0])
	assert.Equal(t, 7.0, m[1].metrics["ns/op"])
	assert.Equal(t, 2.5, median([]float64{3, 1, 2, 4}))
}
