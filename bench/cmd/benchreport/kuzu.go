package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/stablegraph/stablegraph/bench"
)

// kuzuTitle is the title of the section the comparison with Kùzu writes; -kuzu-only
// replaces the section under it and leaves the rest of the file as it is.
var kuzuTitle = fmt.Sprintf("## Against Kùzu %s (1e5 players, warm, medians)", bench.KuzuVersion)

// kuzuRun is what the comparison with Kùzu did: its figures, or why it did not run.
type kuzuRun struct {
	cmp        *bench.KuzuComparison
	skipped    string // why it did not run (node or npm missing, or -kuzu=false)
	err        error  // how it failed
	node       string // node --version
	warm, runs int
	date       time.Time
	commit     string
	loadBefore string
	loadAfter  string
	elapsed    time.Duration
}

// runKuzu runs the comparison with Kùzu: `npm ci` in bench/kuzu, then bench.CompareKuzu in a
// temporary directory. Its npm and node output goes to progress.
func runKuzu(root string, warm, runs int, progress io.Writer) (k kuzuRun) {
	k = kuzuRun{warm: warm, runs: runs, date: time.Now().UTC(), commit: environment(root).commit}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			k.skipped = fmt.Sprintf("`%s` is not on PATH here. The comparison runs Kùzu %s through its Node.js package: install Node.js 18 or later with npm and run `go run ./bench/cmd/benchreport -kuzu-only`.", tool, bench.KuzuVersion)
			return k
		}
	}
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		k.node = strings.TrimSpace(string(out))
	}
	k.loadBefore = loadavg()
	start := time.Now()
	defer func() {
		k.elapsed = time.Since(start)
		k.loadAfter = loadavg()
	}()
	harness := filepath.Join(root, "bench", "kuzu")
	fmt.Fprintf(progress, "benchreport: running npm ci in %s\n", harness)
	npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	npm.Dir = harness
	npm.Stdout, npm.Stderr = progress, progress
	if err := npm.Run(); err != nil {
		k.err = fmt.Errorf("npm ci in bench/kuzu: %w", err)
		return k
	}
	dir, err := os.MkdirTemp("", "benchreport-kuzu-")
	if err != nil {
		k.err = err
		return k
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	k.cmp, k.err = bench.CompareKuzu(ctx, bench.KuzuScale, dir, harness, warm, runs, progress)
	return k
}

// renderKuzu writes the section of the comparison with Kùzu, with its own date, commit and
// load averages: -kuzu-only runs it apart from the rest of the file.
func renderKuzu(k kuzuRun) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%s\n\n", kuzuTitle)
	p("Issue 15's goal: ahead of Kùzu %s, an embedded columnar graph database, on these four queries over the benchmark's world (`bench/fixture.go`) at 10^5 players. ", bench.KuzuVersion)
	p("Ours: the world written as N-Triples and imported into a store as `graphctl import` does (`bench.ImportNTriples`: `health` becomes an indexed int64 column, `member_of` and `friend` many-to-many verbs), then opened again; each query prepared once (`query.Prepare`) and run with `Plan.RunInto` into one `query.Result` kept from run to run, as a program that asks the same query again and again (a game server, once per tick) would: the rows' arrays (rows, cells, URI strings, IDs) are made once, not per run as `Plan.Run`'s new Result each time makes them, so a run allocates little more than its working sets and Go's collector seldom runs. ")
	p("Kùzu: the same entities, values and edges loaded with `COPY FROM` CSV into `Player` and `Guild` node tables and `member_of` and `friend` relationship tables (many-to-many, its default), through its Node.js package (`bench/kuzu`, pinned by its package-lock.json); each query a prepared statement run with the synchronous API, timed two ways, alternately: **exec**, `executeSync` alone (Kùzu runs the query to its end and holds the rows in its result), and **+ rows to JS**, then `getAllSync`, which reads every row into JavaScript objects as a Node.js program would. The goal is judged against the faster of the two, so the cost of Kùzu's Node.js binding does not count in our favour. ")
	p("Both answers are checked against the fixture, entity by entity, before any time is reported.\n\n")
	if k.skipped != "" {
		p("**Not run**: %s\n\n", k.skipped)
		return b.String()
	}
	p("| | |\n|---|---|\n")
	p("| command | `go run ./bench/cmd/benchreport -kuzu-only -kuzu-warm %d -kuzu-runs %d` (or a full run) |\n", k.warm, k.runs)
	p("| date | %s |\n", k.date.Format("2006-01-02 15:04 UTC"))
	if k.commit != "" {
		p("| commit | `%s` |\n", k.commit)
	}
	p("| Node.js | %s |\n", orDash(k.node))
	p("| load average (1, 5, 15 min) | before %s; after %s |\n", orDash(k.loadBefore), orDash(k.loadAfter))
	p("| wall time | %s |\n\n", k.elapsed.Round(time.Second))
	if k.err != nil {
		p("**Failed**: %v\n\n", k.err)
		return b.String()
	}
	c := k.cmp
	p("Each query: %d warm-up runs, then %d runs each timed alone; the table shows their median, with the 10th and 90th percentiles. ", k.warm, k.runs)
	p("**CPU/run** is the process's CPU time (user and system, all threads) over the timed runs divided by their number: on a shared machine it moves less than wall time, and it shows Kùzu's parallel work. **ours pages**: the distinct 4 KiB pages one run reads (exact). ")
	p("Loaded: ours %d triples imported in %s; Kùzu's tables created and copied in %s. ", c.Imported.Triples, fmtNs(float64(c.Imported.Took)), fmtNs(float64(c.Kuzu.Load)))
	p("A prepared `RETURN 1` through Kùzu's Node.js binding takes %s (exec, median; CPU %s): part of each Kùzu time below.\n\n", fmtNs(float64(c.Kuzu.Empty.Exec.Median)), fmtCPU(c.Kuzu.Empty.Exec.CPU))
	p("| query | answer | ours (p10–p90) | ours CPU/run | ours pages | Kùzu exec (p10–p90) | Kùzu exec CPU/run | Kùzu + rows to JS | Kùzu (faster) ÷ ours | met: ours ahead |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for i, q := range c.Queries {
		o, z := c.Ours[i], c.Kuzu.Queries[i]
		unit := "rows"
		if q.Count {
			unit = "counted"
		}
		ratio := float64(z.Best().Median) / float64(o.Median)
		p("| `%s` | %d %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", q.Name, o.Answer, unit,
			spread(o), fmtCPU(o.CPU), o.Pages, spread(z.Exec), fmtCPU(z.Exec.CPU), fmtNs(float64(z.Rows.Median)), fmtRatio(ratio), yesNo(ratio > 1))
	}
	p("\nThe queries:\n\n| query | ours | Kùzu (Cypher) |\n|---|---|---|\n")
	for _, q := range c.Queries {
		cypher := q.Cypher
		for name, v := range q.Params {
			cypher = strings.ReplaceAll(cypher, "$"+name, fmt.Sprint(v))
		}
		p("| %s | `%s` | `%s` |\n", q.Name, q.Ours, cypher)
	}
	p("\n")
	return b.String()
}

// spread formats a median with its 10th and 90th percentiles.
func spread(t bench.Timing) string {
	return fmt.Sprintf("%s (%s–%s)", fmtNs(float64(t.Median)), fmtNs(float64(t.P10)), fmtNs(float64(t.P90)))
}

// fmtCPU formats a CPU time per run, or a dash where it was not measured.
func fmtCPU(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmtNs(float64(d))
}

// replaceSection returns doc with its section titled as section's first line (from that
// title to the next "## " title) replaced by section; without one, section goes before
// "## The systems and their durability settings", or at the end.
func replaceSection(doc, section string) string {
	title, _, _ := strings.Cut(section, "\n")
	section = strings.TrimRight(section, "\n") + "\n\n"
	d := "\n" + doc // every title now follows a newline
	if i := strings.Index(d, "\n"+title+"\n"); i >= 0 {
		end := len(d)
		if j := strings.Index(d[i+1:], "\n## "); j >= 0 {
			end = i + 1 + j + 1
		}
		return d[1:i+1] + section + d[end:]
	}
	if i := strings.Index(d, "\n## The systems and their durability settings\n"); i >= 0 {
		return d[1:i+1] + section + d[i+1:]
	}
	if doc != "" {
		doc = strings.TrimRight(doc, "\n") + "\n\n"
	}
	return doc + section
}

// errKuzuFailed makes benchreport exit non-zero after writing a section that says the
// comparison failed.
var errKuzuFailed = errors.New("the comparison with Kùzu failed (see its section)")
