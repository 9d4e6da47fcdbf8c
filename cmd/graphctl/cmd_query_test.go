package main

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoStore builds the demo world in dir/world.sg.
func demoStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ok(t, dir, "demo", "--db", "world.sg")
	return dir
}

func TestQueryOutputs(t *testing.T) {
	dir := demoStore(t)
	const q = `FIND player WHERE health < 3 SELECT name, health ORDER BY health LIMIT 3`

	// JSON: exactly one object of the documented shape.
	out := ok(t, dir, "query", "--db", "world.sg", "-o", "json", q)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	assert.ElementsMatch(t, []string{"columns", "rows", "count", "stats"}, slices.Sorted(maps.Keys(raw)))
	var res struct {
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
		Count   uint64   `json:"count"`
		Stats   map[string]json.RawMessage
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, []string{"entity", "name", "health"}, res.Columns)
	assert.Equal(t, uint64(3), res.Count)
	require.Len(t, res.Rows, 3)
	for _, row := range res.Rows {
		assert.True(t, strings.HasPrefix(row[0].(string), "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/"), "rows start with the entity URI: %v", row[0])
		assert.Equal(t, float64(0), row[2])
	}
	assert.ElementsMatch(t, []string{"pages_read", "pages_written", "estimated_pages", "by_variable"}, slices.Sorted(maps.Keys(res.Stats)))
	var byVar map[string]uint64
	require.NoError(t, json.Unmarshal(res.Stats["by_variable"], &byVar))
	assert.Contains(t, byVar, "health")
	assert.Equal(t, 1, strings.Count(out, "\n"), "one object, one line")

	// The same query, the same pages, every time.
	assert.Equal(t, out, ok(t, dir, "query", "--db", "world.sg", "-o", "json", q))

	table := ok(t, dir, "query", "--db", "world.sg", q)
	assert.Regexp(t, `^entity +name +health\n-+ +-+ +-+\nic://`, table)
	assert.Regexp(t, `\(3 rows; \d+ pages read, \d+ estimated\)\n$`, table)

	csv := ok(t, dir, "query", "--db", "world.sg", "-o", "csv", q)
	assert.Equal(t, "entity,name,health", firstLine(csv))
	assert.Equal(t, 4, strings.Count(csv, "\n"))

	count := ok(t, dir, "query", "--db", "world.sg", "-o", "json", "FIND guild COUNT")
	assert.Contains(t, count, `"columns":[],"rows":[],"count":8,`)
	assert.Equal(t, "count\n8\n", ok(t, dir, "query", "--db", "world.sg", "-o", "csv", "FIND guild COUNT"))
}

func TestQueryExplainAndBudget(t *testing.T) {
	dir := demoStore(t)
	const q = `FIND player WHERE level BETWEEN 10 AND 12 SELECT name`
	plan := ok(t, dir, "query", "--db", "world.sg", "--explain", q)
	assert.Contains(t, plan, "EXPLAIN FIND player")
	assert.Regexp(t, `estimated: \d+ rows, \d+ distinct pages; at most \d+ for the budget check\nCPU work: \d+ entries decoded, \d+ probes made\n(planning read \d+ pages? \(statistics, exact counts\)\n)?$`, plan)
	assert.Equal(t, plan, ok(t, dir, "query", "--db", "world.sg", "EXPLAIN "+q))
	js := ok(t, dir, "query", "--db", "world.sg", "--explain", "-o", "json", q)
	assert.Contains(t, js, `"columns":["plan"]`)

	stderr := fails(t, dir, exitUser, "query", "--db", "world.sg", "--budget", "2", q)
	assert.Contains(t, stderr, "query refused: estimated at most")
	stderr = fails(t, dir, exitUser, "query", "--db", "world.sg", q+" BUDGET 1")
	assert.Contains(t, stderr, "budget")
}

func TestQueryErrors(t *testing.T) {
	dir := demoStore(t)
	stderr := fails(t, dir, exitUser, "query", "--db", "world.sg", "FIND player WHERE helth < 3")
	assert.Equal(t, "graphctl: 1:19: unknown column \"helth\" on kind player; did you mean \"health\"?\n"+
		"  FIND player WHERE helth < 3\n"+
		"                    ^\n", stderr)
	stderr = fails(t, dir, exitUser, "query", "--db", "world.sg", "FNID player")
	assert.Contains(t, stderr, `did you mean "FIND"?`)
	stderr = fails(t, dir, exitUser, "query", "--db", "world.sg", "FIND player WHERE member_of -> gild/1")
	assert.Contains(t, stderr, `unknown kind "gild" in gild/1; did you mean "guild"?`)

	// A reference to an entity that does not exist matches nothing, with a warning on
	// standard error and in JSON.
	r := gc(t, dir, "", nil, "query", "--db", "world.sg", "FIND player WHERE member_of -> guild/99999 COUNT")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "warning: 1:32: guild/99999: entity #99999: no such entity; it matches nothing\n", r.stderr)
	assert.Contains(t, r.stdout, "0")
	out := ok(t, dir, "query", "--db", "world.sg", "-o", "json", "FIND player WHERE member_of -> <http://ex.org/none> COUNT")
	assert.Contains(t, out, `"warnings":["1:32: no entity has the IRI <http://ex.org/none>; it matches nothing"]`)
}

func TestQueryScriptFromStdin(t *testing.T) {
	dir := demoStore(t)
	r := gc(t, dir, "-- two queries\nFIND guild COUNT;\nFIND guild WHERE name = \"a;b\" -- a ; in a string\n  SELECT name;\n", nil,
		"query", "--db", "world.sg", "-o", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "count\n8\nentity,name\n", r.stdout)

	// A ';' or "--" inside an IRI neither ends the query nor starts a comment.
	r = gc(t, dir, "FIND player WHERE member_of -> <http://ex.org/a;b> COUNT;\nFIND player WHERE member_of <- <http://ex.org/--c> COUNT;\nFIND guild COUNT", nil,
		"query", "--db", "world.sg", "-o", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "count\n0\ncount\n0\ncount\n8\n", r.stdout)
	assert.Contains(t, r.stderr, "<http://ex.org/a;b>")
	assert.Contains(t, r.stderr, "<http://ex.org/--c>")
}

// script is a lineReader that replays lines.
type script struct {
	lines   []string
	history []string
}

func (s *script) Prompt(string) (string, error) {
	if len(s.lines) == 0 {
		return "", io.EOF
	}
	l := s.lines[0]
	s.lines = s.lines[1:]
	return l, nil
}
func (s *script) AppendHistory(item string) { s.history = append(s.history, item) }
func (s *script) Close() error              { return nil }

func TestShell(t *testing.T) {
	dir := demoStore(t)
	h, err := openPath(dir+"/world.sg", openOptions{})
	require.NoError(t, err)
	defer h.close()
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr}
	in := &script{lines: []string{
		".help",
		"FIND guild",
		"  WHERE name = \"Stormwind\"",
		"  SELECT name;",
		".mode csv",
		"FIND guild COUNT",
		"",
		".explain on",
		"FIND guild;",
		".explain off",
		"FIND nothing;",
		".frob",
		".mode json",
		"FIND guild WHERE name = \"Exodar\" SELECT name",
		"",
		".quit",
		"FIND never;",
	}}
	require.NoError(t, runShell(e, h.local(), in, querySettings{format: formatTable}))
	out := stdout.String()
	assert.Contains(t, out, "Enter .help for help.")
	assert.Contains(t, out, "Dot commands:")
	assert.Contains(t, out, "guild/3  Stormwind\n(1 row; ")
	assert.Contains(t, out, "count\n8\n")
	assert.Contains(t, out, "EXPLAIN FIND guild\n")
	assert.Contains(t, out, `"rows":[["ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/8","Exodar"]]`)
	assert.Contains(t, stderr.String(), `error: 1:6: unknown kind "nothing"`)
	assert.Contains(t, stderr.String(), "error: unknown command .frob")
	assert.NotContains(t, out+stderr.String(), "never")
	assert.Equal(t, []string{".help", `FIND guild WHERE name = "Stormwind" SELECT name;`, ".mode csv", "FIND guild COUNT", ".explain on",
		"FIND guild;", ".explain off", "FIND nothing;", ".frob", ".mode json", `FIND guild WHERE name = "Exodar" SELECT name`, ".quit"}, in.history)
}

func TestCompleteWord(t *testing.T) {
	head, words, tail := completeWord("find player wh", 14)
	assert.Equal(t, "find player ", head)
	assert.Equal(t, []string{"where"}, words)
	assert.Equal(t, "", tail)
	_, words, _ = completeWord(".mo", 3)
	assert.Equal(t, []string{".mode"}, words)
}
