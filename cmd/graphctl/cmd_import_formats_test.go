package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
)

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.String()
}

// The same little graph as Turtle and as N-Triples.
const (
	peopleTTL = `@prefix ex: <http://ex.org/> .
<alice> a ex:Person ; ex:name "Alice" ; ex:knows <bob> .
<bob> a ex:Person ; ex:name "Bob"@en ; ex:age 42 .
`
	peopleNT = `<http://ex.org/people/alice> ` + rdfT + ` <http://ex.org/Person> .
<http://ex.org/people/alice> <http://ex.org/name> "Alice" .
<http://ex.org/people/alice> <http://ex.org/knows> <http://ex.org/people/bob> .
<http://ex.org/people/bob> ` + rdfT + ` <http://ex.org/Person> .
<http://ex.org/people/bob> <http://ex.org/name> "Bob"@en .
<http://ex.org/people/bob> <http://ex.org/age> "42"^^<` + xsd + `integer> .
`
)

func TestImportTurtle(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "people.ttl", peopleTTL)
	write(t, dir, "people.nt", peopleNT)

	// Relative IRIs resolve against --base…
	out := ok(t, dir, "import", "--db", "t.sg", "--base", "http://ex.org/people/", "people.ttl")
	assert.Contains(t, out, "imported people.ttl: 6 triples")
	ok(t, dir, "import", "--db", "n.sg", "people.nt")
	assert.Equal(t, rdftest.Canonical(t, ok(t, dir, "export", "--db", "n.sg")), rdftest.Canonical(t, ok(t, dir, "export", "--db", "t.sg")),
		"Turtle and N-Triples of one graph make the same store")

	// …or, by default, against the file's own IRI.
	ok(t, dir, "import", "--db", "f.sg", "people.ttl")
	abs, err := filepath.Abs(filepath.Join(dir, "alice"))
	require.NoError(t, err)
	assert.Contains(t, ok(t, dir, "export", "--db", "f.sg"), "<file://"+filepath.ToSlash(abs)+"> ")

	// Standard input has no IRI: a relative IRI needs --base or @base.
	r := gc(t, dir, peopleTTL, nil, "import", "--db", "s.sg", "--format", "turtle", "-")
	assert.Equal(t, exitUser, r.code)
	assert.Contains(t, r.stderr, "<stdin>:2:1: relative IRI <alice> and no base IRI to resolve it against")
	assert.NoFileExists(t, filepath.Join(dir, "s.sg"), "a failed import leaves no store behind")
	assert.Contains(t, fails(t, dir, exitUsage, "import", "--db", "s.sg", "--base", "http://x/", "people.nt"), "--base is for Turtle imports")

	// A syntax error, FILE:LINE:COL, and the store as it was.
	write(t, dir, "bad.ttl", "@prefix ex: <http://ex.org/> .\nex:a ex:b ex:c ;\n  ex:d ex:e\nex:f ex:g ex:h .\n")
	r = gc(t, dir, "", nil, "import", "--db", "n.sg", "bad.ttl")
	assert.Equal(t, exitUser, r.code)
	assert.Contains(t, r.stderr, "bad.ttl:4:1: expected '.' to end the statement, found 'e' (is the '.' missing at the end of line 3?)")
	assert.Equal(t, rdftest.Canonical(t, peopleNT), rdftest.Canonical(t, ok(t, dir, "export", "--db", "n.sg")))
}

func TestImportGzipAndQuads(t *testing.T) {
	dir := t.TempDir()
	doc := rdftest.Things(3000) // several MiB: several parallel chunks
	write(t, dir, "things.nt.gz", gzipped(t, doc))
	// Compression is known by its content, whatever the name says.
	write(t, dir, "misnamed.nt", gzipped(t, doc))
	write(t, dir, "plain.nt", doc)
	assert.Contains(t, ok(t, dir, "import", "--db", "a.sg", "things.nt.gz"), "imported things.nt.gz: 21000 triples")
	ok(t, dir, "import", "--db", "b.sg", "misnamed.nt")
	ok(t, dir, "import", "--db", "c.sg", "plain.nt")
	want := ok(t, dir, "export", "--db", "c.sg")
	assert.Equal(t, want, ok(t, dir, "export", "--db", "a.sg"))
	assert.Equal(t, want, ok(t, dir, "export", "--db", "b.sg"))

	// gzip on standard input, and a cut-short stream.
	r := gc(t, dir, gzipped(t, peopleNT), nil, "import", "--db", "d.sg", "--format", "nt", "-")
	require.Equal(t, exitOK, r.code, r.stderr)
	z := gzipped(t, doc)
	write(t, dir, "cut.nt.gz", z[:len(z)/2])
	r = gc(t, dir, "", nil, "import", "--db", "e.sg", "cut.nt.gz")
	assert.Equal(t, exitUser, r.code)
	assert.Contains(t, r.stderr, "cut.nt.gz: gzip stream cut short")
	assert.NoFileExists(t, filepath.Join(dir, "e.sg"))

	// N-Quads: graph names dropped, with a note; the triples as N-Triples would give them.
	quads := strings.ReplaceAll(peopleNT, "<http://ex.org/Person> .", "<http://ex.org/Person> <http://ex.org/g> .")
	write(t, dir, "people.nq.gz", gzipped(t, quads))
	write(t, dir, "people.nt", peopleNT)
	r = gc(t, dir, "", nil, "import", "--db", "q.sg", "people.nq.gz")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "imported people.nq.gz: 6 quads")
	assert.Contains(t, r.stderr, "graphctl: note: people.nq.gz: graph names dropped: 2 quads in 1 named graph (<http://ex.org/g>) read into the store's one graph")
	ok(t, dir, "import", "--db", "p.sg", "people.nt")
	assert.Equal(t, rdftest.Canonical(t, ok(t, dir, "export", "--db", "p.sg")), rdftest.Canonical(t, ok(t, dir, "export", "--db", "q.sg")))
	write(t, dir, "quads.nt", quads)
	assert.Contains(t, fails(t, dir, exitUser, "import", "--db", "p.sg", "quads.nt"), "quads.nt:1:103: expected '.' after the object, found a fourth term (N-Triples has no graph names: is this N-Quads?)")
}

func TestFormatFromExtension(t *testing.T) {
	for file, want := range map[string]string{
		"a.nt": "ntriples", "a.NT": "ntriples", "a.nt.gz": "ntriples", "a.nq": "nquads", "x.y.nq.GZ": "nquads",
		"a.ttl": "turtle", "a.ttl.gz": "turtle", "a.jsonl": "jsonl", "a.ndjson.gz": "jsonl", "a.csv": "csv", "a.csv.gz": "csv",
	} {
		f, err := inputFormat("", file)
		require.NoError(t, err, file)
		assert.Equal(t, want, f, file)
	}
	for _, file := range []string{"a.rdf", "a.gz", "a", "a.txt.gz", "-"} {
		_, err := inputFormat("", file)
		assert.ErrorContains(t, err, "give --format", file)
	}
	f, err := inputFormat("Turtle", "a.nt")
	require.NoError(t, err)
	assert.Equal(t, "turtle", f, "--format wins over the extension")

	dir := t.TempDir()
	write(t, dir, "data.rdf", "")
	assert.Contains(t, fails(t, dir, exitUsage, "import", "--db", "a.sg", "data.rdf"),
		"cannot tell the format of data.rdf from its extension: give --format (ntriples, nquads, turtle, jsonl or csv), or name it .nt, .nq, .ttl, .jsonl, .ndjson or .csv, each optionally followed by .gz")
	assert.Contains(t, fails(t, dir, exitUsage, "import", "--db", "a.sg", "-"), "standard input has no extension")
}

func TestExportDefaultsAndGzip(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "people.nt", peopleNT)
	ok(t, dir, "import", "--db", "p.sg", "people.nt")
	nt := ok(t, dir, "export", "--db", "p.sg", "-")
	assert.Equal(t, rdftest.Canonical(t, peopleNT), rdftest.Canonical(t, nt), "standard output gets N-Triples")
	assert.Equal(t, nt, ok(t, dir, "export", "--db", "p.sg"))

	ok(t, dir, "export", "--db", "p.sg", "out.nt.gz")
	raw, err := os.ReadFile(filepath.Join(dir, "out.nt.gz"))
	require.NoError(t, err)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	require.NoError(t, err)
	var plain bytes.Buffer
	_, err = plain.ReadFrom(zr)
	require.NoError(t, err)
	assert.Equal(t, nt, plain.String())
	ok(t, dir, "import", "--db", "q.sg", "out.nt.gz")
	assert.Equal(t, nt, ok(t, dir, "export", "--db", "q.sg"))

	assert.Contains(t, fails(t, dir, exitUsage, "export", "--db", "p.sg", "out.txt.gz"),
		"cannot tell the format of out.txt.gz from its extension: give --format (ntriples, jsonl or csv), or name it .nt, .jsonl, .ndjson or .csv, each optionally followed by .gz")
	assert.Contains(t, fails(t, dir, exitUsage, "export", "--db", "p.sg", "out.ttl"), "N-Triples is also valid Turtle: use --format ntriples")
	assert.Contains(t, fails(t, dir, exitUsage, "export", "--db", "p.sg", "--format", "nquads"), "N-Triples is also valid N-Quads")
}

// TestWritePhase checks what the spinner of the write phase says, and that it is drawn
// until stopped.
func TestWritePhase(t *testing.T) {
	var buf syncBuffer
	p := newProgress(&buf, 100, true, "reading")
	var st interchange.Summary
	wp := p.writing(&buf, "writing 9 triples", &st)
	st.Entities, st.Values, st.Edges = 1, 2, 3
	st.Wrote(st)
	now := wp.start.Add(2 * time.Second)
	assert.Equal(t, "writing 9 triples: 1 entity, 2 values, 3 edges (2s)", wp.describe(now))
	require.Eventually(t, func() bool { return strings.Contains(buf.String(), "1 entity, 2 values, 3 edges") }, 10*time.Second, 10*time.Millisecond)
	wp.committing()
	assert.Equal(t, "writing 9 triples: 1 entity, 2 values, 3 edges; committing (0s)", wp.describe(wp.commitAt))
	require.Eventually(t, func() bool { return strings.Contains(buf.String(), "committing") }, 10*time.Second, 10*time.Millisecond)
	wp.stop()
	wp.stop() // idempotent

	// Without a terminal nothing is drawn, but the counts are still kept.
	quiet := newProgress(&buf, 100, false, "reading")
	wp = quiet.writing(&buf, "writing", &st)
	st.Wrote(st)
	assert.Contains(t, wp.describe(time.Now()), "1 entity")
	wp.stop()
}

// syncBuffer is a bytes.Buffer safe for the progress bar's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
