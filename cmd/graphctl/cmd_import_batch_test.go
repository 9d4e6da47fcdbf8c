package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
)

// TestImportInSteps: --batch writes a document of several parse chunks in steps that give
// the store one message gives; a stopped import goes on with --from-line.
func TestImportInSteps(t *testing.T) {
	dir := t.TempDir()
	doc := `<http://gen.org/late> <http://gen.org/name> "late" .
<http://gen.org/t/0> <http://gen.org/knows> <http://gen.org/late> .
` + rdftest.Things(20000) + `<http://gen.org/late> ` + rdfT + ` <http://gen.org/Late> .
`
	write(t, dir, "d.nt", doc)
	ok(t, dir, "import", "-q", "--db", "one.sg", "d.nt")
	want := rdftest.Canonical(t, ok(t, dir, "export", "--db", "one.sg", "--format", "ntriples"))

	r := gc(t, dir, "", nil, "import", "-q", "--db", "steps.sg", "--batch", "30000", "d.nt")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "imported d.nt: 140003 triples")
	steps := regexp.MustCompile(`step (\d+) committed: lines up to (\d+)`).FindAllStringSubmatch(r.stderr, -1)
	require.GreaterOrEqual(t, len(steps), 4, r.stderr)
	assert.Equal(t, "140003", steps[len(steps)-1][2])
	assert.Regexp(t, `step 1 committed: lines up to \d+ \(\d+ entities, \d+ values, \d+ edges so far\)`, r.stderr)
	assert.Contains(t, r.stderr, "(40001 entities, 80001 values, 40001 edges so far)", "the last step's counts are the import's")
	assert.Equal(t, want, rdftest.Canonical(t, ok(t, dir, "export", "--db", "steps.sg", "--format", "ntriples")))

	// The same document as Turtle (N-Triples is Turtle), in steps cut where Turtle's
	// chunks end.
	write(t, dir, "d.ttl", doc)
	r = gc(t, dir, "", nil, "import", "-q", "--db", "ttl.sg", "--batch", "30000", "d.ttl")
	require.Equal(t, 0, r.code, r.stderr)
	require.GreaterOrEqual(t, len(regexp.MustCompile(`step \d+ committed`).FindAllString(r.stderr, -1)), 4, r.stderr)
	assert.Equal(t, want, rdftest.Canonical(t, ok(t, dir, "export", "--db", "ttl.sg", "--format", "ntriples")))

	// Go on after the second step, as after a crash: the store is the same.
	after, err := strconv.Atoi(steps[1][2])
	require.NoError(t, err)
	r = gc(t, dir, "", nil, "import", "-q", "--db", "steps.sg", "--batch", "30000", "--from-line", strconv.Itoa(after+1), "d.nt")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, want, rdftest.Canonical(t, ok(t, dir, "export", "--db", "steps.sg", "--format", "ntriples")))
}

// TestImportMemoryBound: an input too large for one message within --max-memory is refused
// before the store is touched, with the batched mode offered; the flags are checked.
func TestImportMemoryBound(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "d.nt", rdftest.Things(20000))
	errOut := fails(t, dir, exitUsage, "import", "-q", "--db", "a.sg", "--max-memory", "16MiB", "d.nt")
	assert.Contains(t, errOut, "in one message needs about")
	assert.Contains(t, errOut, "more than --max-memory 16.0 MiB")
	assert.Regexp(t, `--batch \d+ `, errOut)
	assert.NoFileExists(t, dir+"/a.sg", "nothing is written")
	ok(t, dir, "import", "-q", "--db", "a.sg", "--max-memory", "64MiB", "--batch", "50000", "d.nt")
	// Steps too large for the bound are made smaller, with a note.
	r := gc(t, dir, "", nil, "import", "-q", "--db", "c.sg", "--max-memory", "16MiB", "--batch", "10000000", "d.nt")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `note: steps of 10000000 triples would pass --max-memory 16.0 MiB \(the types of 20000 subjects take .*\): writing steps of \d+`, r.stderr)
	assert.GreaterOrEqual(t, len(regexp.MustCompile(`step \d+ committed`).FindAllString(r.stderr, -1)), 2, r.stderr)
	assert.Contains(t, fails(t, dir, exitUser, "import", "-q", "--db", "d.sg", "--max-memory", "1MiB", "--batch", "1000", "d.nt"),
		"--max-memory 1.0 MiB leaves no room for a step of d.nt")
	assert.NoFileExists(t, dir+"/d.sg", "nothing is written")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-memory", "lots", "d.nt"}, `bad size "lots"`},
		{[]string{"--from-line", "5", "d.nt"}, "give --batch too"},
		{[]string{"--batch", "10", "--format", "ntriples", "-"}, "not standard input"},
		{[]string{"--batch", "-1", "d.nt"}, "--batch must be a number of triples"},
	} {
		errOut := fails(t, dir, exitUsage, append([]string{"import", "-q", "--db", "b.sg"}, tc.args...)...)
		assert.Contains(t, errOut, tc.want, strings.Join(tc.args, " "))
	}
}

// TestImportInStepsQuadsGzip: --batch reads a gzip-compressed N-Quads file through the
// decompression of the one-message import, notes the graph names it drops as that one
// does, and gives the same store.
func TestImportInStepsQuadsGzip(t *testing.T) {
	dir := t.TempDir()
	doc := strings.ReplaceAll(rdftest.Things(20000), " .\n", " <http://ex.org/g1> .\n")
	write(t, dir, "d.nq.gz", gzipped(t, doc))
	r := gc(t, dir, "", nil, "import", "-q", "--db", "one.sg", "d.nq.gz")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "graph names dropped")
	want := rdftest.Canonical(t, ok(t, dir, "export", "--db", "one.sg", "--format", "ntriples"))

	r = gc(t, dir, "", nil, "import", "-q", "--db", "steps.sg", "--batch", "30000", "d.nq.gz")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "imported d.nq.gz: 140000 quads")
	assert.Equal(t, 1, strings.Count(r.stderr, "graph names dropped"), r.stderr)
	require.GreaterOrEqual(t, len(regexp.MustCompile(`step \d+ committed`).FindAllString(r.stderr, -1)), 4, r.stderr)
	assert.Equal(t, want, rdftest.Canonical(t, ok(t, dir, "export", "--db", "steps.sg", "--format", "ntriples")))
}

// TestImportInStepsRefused: --batch with a format it cannot cut into steps, or through a
// server, is a usage error that says why, before anything is read or written.
func TestImportInStepsRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "d.ttl", "@prefix ex: <http://ex.org/> .\nex:a ex:b ex:c .\n")
	write(t, dir, "d.jsonl", `{"kind": "k"}`+"\n")
	write(t, dir, "d.nt", "<http://a> <http://b> <http://c> .\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--db", "a.sg", "--batch", "10", "d.jsonl"}, "--batch is for N-Triples, N-Quads and Turtle imports, not jsonl"},
		{[]string{"--server", "http://127.0.0.1:1", "--batch", "10", "d.nt"}, "--batch writes in steps from this process, which --server cannot do"},
		{[]string{"--server", "http://127.0.0.1:1", "--max-memory", "1GiB", "d.nt"}, "--max-memory bounds an import in this process"},
	} {
		errOut := fails(t, dir, exitUsage, append([]string{"import", "-q"}, tc.args...)...)
		assert.Contains(t, errOut, tc.want, strings.Join(tc.args, " "))
		assert.NoFileExists(t, dir+"/a.sg")
	}
}

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]uint64{"512MiB": 512 << 20, "2GiB": 2 << 30, "300MB": 300e6, "1048576": 1 << 20, "1.5G": 3 << 29, "64 KiB": 64 << 10} {
		got, err := parseByteSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "MiB", "-5MiB", "0", "lots"} {
		_, err := parseByteSize(in)
		assert.Error(t, err, in)
	}
}
