package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/store/pagebudget"
)

// reportStore builds the demo world in a new directory and puts the demo workload
// (testdata/report/demo.yaml) beside it as demo.yaml.
func reportStore(t *testing.T) string {
	t.Helper()
	dir := demoStore(t)
	b, err := os.ReadFile("testdata/report/demo.yaml")
	require.NoError(t, err)
	write(t, dir, "demo.yaml", string(b))
	return dir
}

// results decodes the results JSON of a report.
func results(t *testing.T, b []byte) map[string]*reportEntry {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var res reportResults
	require.NoError(t, dec.Decode(&res), "%s", b)
	out := map[string]*reportEntry{}
	for _, e := range res.Entries {
		out[e.Name] = e
	}
	return out
}

func TestReportFirstRunAndBaseline(t *testing.T) {
	dir := reportStore(t)
	storeSum := sha256.Sum256([]byte(readFile(t, dir, "world.sg")))

	// No baseline yet: every entry is new, and nothing is written.
	out := ok(t, dir, "report", "--db", "world.sg", "demo.yaml")
	assert.Equal(t, "name               pages read  estimated  pages dirtied  baseline  change  budget  status", firstLine(out))
	assert.Equal(t, 5, countMatches(out, `(?m)^[a-z-]+ +\d+ +\d+ +0 +\d+  new$`), out)
	assert.Contains(t, out, "(5 entries: 5 new; tolerance 5%; no baseline (demo.pagebudget.json does not exist))\n")
	assert.NoFileExists(t, filepath.Join(dir, "demo.pagebudget.json"))

	// -o json: the results, and only them, on standard output.
	js := ok(t, dir, "report", "--db", "world.sg", "-o", "json", "demo.yaml")
	var raw struct{ Entries []map[string]json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(js), &raw))
	require.Len(t, raw.Entries, 5)
	for _, e := range raw.Entries {
		assert.ElementsMatch(t, []string{"name", "query", "pages_read", "pages_dirtied", "estimated_pages", "budget",
			"baseline", "change_pct", "status", "by_variable"}, slices.Sorted(maps.Keys(e)))
		assert.JSONEq(t, "null", string(e["baseline"]))
		assert.JSONEq(t, "null", string(e["change_pct"]))
	}
	first := results(t, []byte(js))
	weak := first["weak-players"]
	require.NotNil(t, weak)
	assert.Equal(t, "FIND player WHERE health < 10 SELECT name", weak.Query)
	assert.Equal(t, uint64(40), *weak.Budget, "the entry's own budget")
	assert.Equal(t, uint64(200), *first["allied-guilds"].Budget, "the default budget")
	assert.Equal(t, "FIND item WHERE rarity = \"legendary\"\n  AND owns <- (FIND player WHERE level >= 58)\nSELECT name, rarity",
		first["legendary-loot"].Query, "a block scalar, as written")

	// The report counts what 'graphctl query' counts, to the page.
	var q struct{ Stats pageStats }
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "query", "--db", "world.sg", "-o", "json", weak.Query)), &q))
	assert.Equal(t, q.Stats.PagesRead, weak.PagesRead)
	assert.Equal(t, q.Stats.EstimatedPages, weak.EstimatedPages)
	assert.Equal(t, q.Stats.ByVariable, weak.ByVariable)
	assert.Equal(t, uint64(0), weak.PagesDirtied)

	// --persist records the baseline beside the workload; the next run compares with it.
	out = ok(t, dir, "report", "--db", "world.sg", "--persist", "demo.yaml")
	assert.Contains(t, out, "\nwrote demo.pagebudget.json: the next run's baseline\n")
	assert.Equal(t, js, readFile(t, dir, "demo.pagebudget.json"), "--persist writes what -o json prints")
	out = ok(t, dir, "report", "--db", "world.sg", "demo.yaml")
	assert.Equal(t, 5, countMatches(out, `(?m)^[a-z-]+ +\d+ +\d+ +0 +\d+ +\+0\.0% +\d+  ok$`), out)
	assert.Contains(t, out, "(5 entries: 5 ok; tolerance 5%; baseline demo.pagebudget.json)\n")
	again := results(t, []byte(ok(t, dir, "report", "--db", "world.sg", "-o", "json", "demo.yaml")))
	assert.Equal(t, weak.PagesRead, *again["weak-players"].Baseline)
	assert.Equal(t, 0.0, *again["weak-players"].ChangePct)
	assert.Equal(t, statusOK, again["weak-players"].Status)

	// A query edited since the baseline is still compared, with a note.
	wl := strings.Replace(readFile(t, dir, "demo.yaml"), "FIND player WHERE health < 10 SELECT", "find player where  health<10 select", 1)
	write(t, dir, "demo.yaml", wl)
	r := gc(t, dir, "", nil, "report", "--db", "world.sg", "demo.yaml")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "", r.stderr, "the same query, spelled otherwise")
	write(t, dir, "demo.yaml", strings.Replace(wl, "health<10", "health<9", 1))
	r = gc(t, dir, "", nil, "report", "--db", "world.sg", "--html", "r.html", "demo.yaml")
	assert.Contains(t, r.stderr, "graphctl: note: entry \"weak-players\": the baseline measured another query: FIND player WHERE health < 10 SELECT name\n")
	assert.Contains(t, readFile(t, dir, "r.html"), "The baseline measured another query:")

	// A report never writes to the store.
	assert.Equal(t, storeSum, sha256.Sum256([]byte(readFile(t, dir, "world.sg"))))
}

// TestReportStatusesAndExitCode edits a real run's results into a baseline that each
// entry beats, matches or misses, and checks the verdicts, the messages and the exit code.
func TestReportStatusesAndExitCode(t *testing.T) {
	dir := reportStore(t)
	measured := results(t, []byte(ok(t, dir, "report", "--db", "world.sg", "-o", "json", "demo.yaml")))
	loot := measured["legendary-loot"].PagesRead
	require.Greater(t, loot, uint64(50), "legendary-loot reads enough pages for a 2%% step")

	base := reportResults{}
	add := func(name string, read uint64) {
		e := *measured[name]
		e.PagesRead = read
		base.Entries = append(base.Entries, &e)
	}
	add("weak-players", measured["weak-players"].PagesRead*2)         // improved
	add("stormwind-members", measured["stormwind-members"].PagesRead) // ok
	add("legendary-loot", loot*100/102)                               // grew by about 2%: within 5%
	add("ann", measured["ann"].PagesRead-1)                           // regressed
	// allied-guilds is not in the baseline: new.
	b, err := json.Marshal(base)
	require.NoError(t, err)
	write(t, dir, "base.json", string(b))

	r := gc(t, dir, "", nil, "report", "--db", "world.sg", "--baseline", "base.json", "-o", "json", "demo.yaml")
	require.Equal(t, exitUser, r.code, r.stderr)
	got := results(t, []byte(r.stdout))
	assert.Equal(t, statusImproved, got["weak-players"].Status)
	assert.Equal(t, -50.0, *got["weak-players"].ChangePct)
	assert.Equal(t, statusOK, got["stormwind-members"].Status)
	assert.Equal(t, statusOK, got["legendary-loot"].Status)
	assert.Equal(t, statusRegressed, got["ann"].Status)
	assert.Equal(t, statusNew, got["allied-guilds"].Status)
	ann := measured["ann"].PagesRead
	assert.Equal(t, fmt.Sprintf("graphctl: 1 of 5 entries over budget or regressed:\n"+
		"  ann: pages read %d, baseline %d (%+.1f%%), over the tolerance of 5%%\n", ann, ann-1, pagebudget.ChangePct(ann, ann-1)), r.stderr)

	// --tolerance overrides the workload's: at 1%, legendary-loot's 2% is a regression too.
	r = gc(t, dir, "", nil, "report", "--db", "world.sg", "--baseline", "base.json", "--tolerance", "1%", "demo.yaml")
	require.Equal(t, exitUser, r.code, r.stderr)
	assert.Regexp(t, `\nlegendary-loot +\d+ +\d+ +0 +\d+ +\+2\.\d% +200  regressed\n`, r.stdout)
	assert.Contains(t, r.stdout, "(5 entries: 1 ok, 1 improved, 1 new, 2 regressed; tolerance 1%; baseline base.json)\n")
	assert.Contains(t, r.stderr, "2 of 5 entries over budget or regressed:")

	// Over the budget: the entry fails whatever the baseline says, and says both.
	write(t, dir, "tight.yaml", "budget: 1\nqueries:\n  - name: ann\n    query: FIND player WHERE name = \"ann\" SELECT name, health, position\n")
	r = gc(t, dir, "", nil, "report", "--db", "world.sg", "--baseline", "base.json", "tight.yaml")
	require.Equal(t, exitUser, r.code, r.stderr)
	assert.Regexp(t, `\nann +\d+ +\d+ +0 +\d+ +\+\d+\.\d% +1  over-budget\n`, r.stdout)
	assert.Contains(t, r.stderr, fmt.Sprintf("  ann: %d pages (%d read + 0 dirtied), over the budget of 1\n  ann: pages read %d, baseline %d", ann, ann, ann, ann-1))

	// --persist writes the new baseline even so; the exit code still judges the old one.
	r = gc(t, dir, "", nil, "report", "--db", "world.sg", "--baseline", "base.json", "--persist", "demo.yaml")
	require.Equal(t, exitUser, r.code, r.stderr)
	assert.Equal(t, measured["ann"].PagesRead, results(t, []byte(readFile(t, dir, "base.json")))["ann"].PagesRead)
	ok(t, dir, "report", "--db", "world.sg", "--baseline", "base.json", "demo.yaml")
}

func TestReportHTML(t *testing.T) {
	dir := reportStore(t)
	ok(t, dir, "report", "--db", "world.sg", "--persist", "demo.yaml")
	const name = `<script>alert("x")</script> & co`
	wl := readFile(t, dir, "demo.yaml") +
		"  - name: '" + name + "'\n    query: FIND guild WHERE name = \"<b>Exodar</b>\" COUNT\n"
	write(t, dir, "demo.yaml", wl)
	ok(t, dir, "report", "--db", "world.sg", "--html", "report.html", "demo.yaml")
	page := []byte(readFile(t, dir, "report.html"))
	assert.True(t, bytes.HasPrefix(page, []byte("<!DOCTYPE html>\n")))

	// The page is well-formed XML: parse all of it, and look at what it holds.
	dec := xml.NewDecoder(bytes.NewReader(page))
	dec.Strict = true
	var (
		stack    []string
		sections []string // the ids of the entries' sections
		charts   = map[string]int{}
		bars     = map[string]int{}
		h2       []string
		code     []string
		elements = map[string]int{}
	)
	section := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "report.html is not well-formed")
		switch tok := tok.(type) {
		case xml.StartElement:
			elements[tok.Name.Local]++
			for _, a := range tok.Attr {
				assert.NotEqual(t, "src", a.Name.Local, "nothing to fetch")
				if a.Name.Local == "href" {
					assert.True(t, strings.HasPrefix(a.Value, "#"), "links stay on the page: %s", a.Value)
				}
				if a.Name.Local == "id" && tok.Name.Local == "section" {
					section = a.Value
					sections = append(sections, a.Value)
				}
			}
			if tok.Name.Local == "svg" && len(stack) > 0 && stack[len(stack)-1] == "section" {
				charts[section]++
			}
			if tok.Name.Local == "rect" && section != "" {
				bars[section]++
			}
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				assert.Empty(t, strings.TrimSpace(string(tok)), "nothing outside <html>")
				continue
			}
			switch stack[len(stack)-1] {
			case "h2":
				h2 = append(h2, strings.TrimSpace(string(tok)))
			case "code":
				code = append(code, string(tok))
			}
		}
	}
	assert.Empty(t, stack)
	for _, el := range []string{"script", "link", "img", "iframe", "object"} {
		assert.Zero(t, elements[el], "no %s element", el)
	}
	assert.Equal(t, 1, elements["style"], "the CSS is inline")
	require.Len(t, sections, 6)
	for _, s := range sections {
		assert.Equal(t, 1, charts[s], "one chart per entry: %s", s)
		assert.GreaterOrEqual(t, bars[s], 3, "bars for the pages, the estimate and the budget, and the breakdown: %s", s)
	}
	assert.Equal(t, []string{"weak-players", "stormwind-members", "legendary-loot", "ann", "allied-guilds", name}, h2,
		"names come back as text, escaped")
	assert.Contains(t, code, `FIND guild WHERE name = "<b>Exodar</b>" COUNT`)
	assert.NotContains(t, string(page), "<script>")
	assert.Contains(t, string(page), `<text x="0" y="60">baseline</text>`)
	assert.Contains(t, string(page), `class="budget-line"`)
	assert.Contains(t, string(page), `<th class="num">baseline</th>`, "the breakdown beside the baseline's")
}

func TestReportWorkloadErrors(t *testing.T) {
	dir := reportStore(t)
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "budget: 10\nqueries:\n  - name: a\n    qeury: FIND player\n",
			[]string{`w.yaml:4:5: unknown field "qeury"`}},
		{"unknown top-level key", "budgte: 10\nqueries:\n  - name: a\n    query: FIND player\n",
			[]string{`w.yaml:1:1: unknown field "budgte"`}},
		{"wrong type", "budget: lots\nqueries:\n  - name: a\n    query: FIND player\n",
			[]string{"w.yaml:1:9: expected a whole number of pages, found text"}},
		{"negative budget", "queries:\n  - name: a\n    query: FIND player\n    budget: -4\n",
			[]string{"w.yaml:4:13: cannot unmarshal -4"}},
		{"entry not a mapping", "queries:\n  - FIND player\n",
			[]string{"w.yaml:2:5: string was used where mapping is expected"}},
		{"bad YAML", "queries:\n  - name: a\n   query: [\n",
			[]string{"w.yaml:3:"}},
		{"no queries", "budget: 10\n", []string{"w.yaml: no queries"}},
		{"empty entry", "queries:\n  - name: a\n    query: FIND player\n  -\n",
			[]string{"w.yaml:4:", "entry 2 is empty: give it a name and a query"}},
		{"two documents", "queries:\n  - name: a\n    query: FIND player\n---\nbudget: 3\n",
			[]string{"w.yaml:4:1: a workload is one YAML document; remove the '---' and what follows"}},
		{"entry errors, all of them", "tolerance: 5\nbudget: 0\nqueries:\n" +
			"  - query: FIND player\n" +
			"  - name: a\n    query: FIND player\n" +
			"  - name: a\n    query: FIND guild\n" +
			"  - name: b\n" +
			"  - name: c\n    query: EXPLAIN FIND player\n" +
			"  - name: d\n    query: FIND player WHERE health <\n",
			[]string{
				`w.yaml:1:12: tolerance: "5": write it as a percentage, such as 5%`,
				"w.yaml:2:9: budget: a budget of 0 pages fails every query",
				"w.yaml:4:5: entry 1 has no name",
				`w.yaml:7:11: entry "a" is already defined at w.yaml:5:11`,
				`w.yaml:9:5: entry "b" has no query`,
				`w.yaml:11:12: entry "c": EXPLAIN reads no page`,
				`w.yaml:13:12: entry "d": 1:27: expected literal (number, string, true or false), found end of query`,
				"  FIND player WHERE health <\n                            ^",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(t, dir, "w.yaml", tc.yaml)
			stderr := fails(t, dir, exitUser, "report", "--db", "world.sg", "w.yaml")
			for _, w := range tc.want {
				assert.Contains(t, stderr, w)
			}
			assert.NotContains(t, stderr, "Go struct", "no Go type names")
		})
	}

	// Errors that need the store name the entry and both positions, and show the query.
	write(t, dir, "w.yaml", "queries:\n  - name: typo\n    query: FIND player WHERE helth < 3\n  - name: fine\n    query: FIND guild COUNT\n")
	assert.Equal(t, "graphctl: w.yaml:3:12: entry \"typo\": 1:19: unknown column \"helth\" on kind player; did you mean \"health\"?\n"+
		"  FIND player WHERE helth < 3\n"+
		"                    ^\n", fails(t, dir, exitUser, "report", "--db", "world.sg", "w.yaml"))
}

func TestReportUsageAndFiles(t *testing.T) {
	dir := reportStore(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--db", "world.sg"}, "accepts 1 arg(s), received 0"},
		{[]string{"report", "--db", "world.sg", "-o", "csv", "demo.yaml"}, "table or json"},
		{[]string{"report", "--db", "world.sg", "--tolerance", "0.05", "demo.yaml"}, `--tolerance: "0.05": write it as a percentage, such as 0.05%`},
		{[]string{"report", "--db", "world.sg", "--tolerance", "-1%", "demo.yaml"}, "cannot be negative"},
		{[]string{"report", "demo.yaml"}, "no store given"},
	} {
		assert.Contains(t, fails(t, dir, exitUsage, tc.args...), tc.want, "%v", tc.args)
	}
	assert.Contains(t, fails(t, dir, exitUser, "report", "--db", "world.sg", "missing.yaml"), "missing.yaml: no such file")
	assert.Contains(t, fails(t, dir, exitUser, "report", "--db", "nope.sg", "demo.yaml"), "nope.sg: no store here")

	// An explicit --baseline must exist, unless this run is to create it.
	assert.Contains(t, fails(t, dir, exitUser, "report", "--db", "world.sg", "--baseline", "b.json", "demo.yaml"),
		"b.json: no baseline here (write one with --persist)")
	ok(t, dir, "report", "--db", "world.sg", "--baseline", "b.json", "--persist", "demo.yaml")
	assert.Len(t, results(t, []byte(readFile(t, dir, "b.json"))), 5)

	// A file that is not a report's results is refused, with its position.
	write(t, dir, "golden.json", "{\n  \"weak-players\": {\"pages_read\": 3}\n}\n")
	assert.Contains(t, fails(t, dir, exitUser, "report", "--db", "world.sg", "--baseline", "golden.json", "demo.yaml"),
		`golden.json: bad input: not the results of graphctl report: json: unknown field "weak-players"`)

	// The help says what --persist does and where the baseline lives.
	help := ok(t, dir, "help", "report")
	for _, s := range []string{"--persist", "WORKLOAD.pagebudget.json", "over-budget", "regressed", "improved", `{"entries"`} {
		assert.Contains(t, help, s)
	}
}

func TestReportJudge(t *testing.T) {
	u := func(n uint64) *uint64 { return &n }
	e := func(read, dirtied uint64) pagebudget.Entry {
		return pagebudget.Entry{PagesRead: read, PagesDirtied: dirtied}
	}
	b := func(read, dirtied uint64) *pagebudget.Entry { x := e(read, dirtied); return &x }
	for _, tc := range []struct {
		name   string
		got    pagebudget.Entry
		budget *uint64
		base   *pagebudget.Entry
		tol    float64
		want   reportStatus
		why    []string
	}{
		{"no baseline", e(10, 0), nil, nil, 0, statusNew, nil},
		{"no baseline, over budget", e(10, 0), u(9), nil, 0, statusOverBudget, []string{"10 pages (10 read + 0 dirtied), over the budget of 9"}},
		{"at the budget", e(10, 0), u(10), b(10, 0), 0, statusOK, nil},
		{"budget counts dirtied pages", e(6, 5), u(10), b(6, 5), 0, statusOverBudget, []string{"11 pages (6 read + 5 dirtied), over the budget of 10"}},
		{"grown within tolerance", e(105, 0), nil, b(100, 0), 5, statusOK, nil},
		{"grown past tolerance", e(106, 0), nil, b(100, 0), 5, statusRegressed, []string{"pages read 106, baseline 100 (+6.0%), over the tolerance of 5%"}},
		{"dirtied grown, read shrunk", e(50, 2), nil, b(100, 1), 0, statusRegressed, []string{"pages dirtied 2, baseline 1 (+100.0%), over the tolerance of 0%"}},
		{"fewer pages", e(99, 0), nil, b(100, 0), 0, statusImproved, nil},
		{"read up within tolerance, total down", e(102, 0), nil, b(100, 5), 5, statusImproved, nil},
		{"over budget and regressed", e(20, 0), u(15), b(10, 0), 0.5, statusOverBudget, []string{
			"20 pages (20 read + 0 dirtied), over the budget of 15",
			"pages read 20, baseline 10 (+100.0%), over the tolerance of 0.5%"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, why := judge(tc.got, tc.budget, tc.base, tc.tol)
			assert.Equal(t, tc.want, status)
			assert.Equal(t, tc.why, why)
			if tc.base != nil {
				// The CLI fails exactly where the Go helper does.
				assert.Equal(t, pagebudget.Compare(tc.got, *tc.base, tc.tol/100) != "", status == statusRegressed || len(why) > 1)
			}
		})
	}
	assert.Equal(t, exitUser, exitCode(fmt.Errorf("2 of 5 entries %w", errOverBudget)))
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]float64{"5%": 5, "0%": 0, " 0.5 %": 0.5, "150%": 150} {
		got, err := parsePercent(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"5", "0.05", "", "%", "five%", "-1%", "NaN%", "Inf%"} {
		_, err := parsePercent(in)
		assert.Error(t, err, in)
	}
	assert.Equal(t, "5%", formatPercent(5))
	assert.Equal(t, "0.5%", formatPercent(0.5))
	assert.Equal(t, "demo.pagebudget.json", defaultBaselinePath("demo.yaml"))
	assert.Equal(t, filepath.Join("perf", "w.pagebudget.json"), defaultBaselinePath(filepath.Join("perf", "w")))
}
