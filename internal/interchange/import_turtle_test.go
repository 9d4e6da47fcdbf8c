package interchange

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
	"github.com/stablegraph/stablegraph/internal/turtle"
)

// The same graph three ways: Turtle, N-Triples and N-Quads with graph names.
const (
	sameTTL = `@prefix ex: <http://ex.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <http://ex.org/people/> .
<alice> a ex:Person ; ex:name "Alice"@en , "Alicia"@es ; ex:age 42 ;
    ex:knows <bob> , [ a ex:Person ; ex:name "Anon" ] .
<bob> a ex:Person ; ex:name """Bob
the builder""" ; ex:height 1.85 ; ex:member true .
`
	sameNT = `<http://ex.org/people/alice> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Person> .
<http://ex.org/people/alice> <http://ex.org/name> "Alice"@en .
<http://ex.org/people/alice> <http://ex.org/name> "Alicia"@es .
<http://ex.org/people/alice> <http://ex.org/age> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://ex.org/people/alice> <http://ex.org/knows> <http://ex.org/people/bob> .
<http://ex.org/people/alice> <http://ex.org/knows> _:anon .
_:anon <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Person> .
_:anon <http://ex.org/name> "Anon" .
<http://ex.org/people/bob> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Person> .
<http://ex.org/people/bob> <http://ex.org/name> "Bob\nthe builder" .
<http://ex.org/people/bob> <http://ex.org/height> "1.85"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://ex.org/people/bob> <http://ex.org/member> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .
`
)

// sameNQ is sameNT with graph names on some lines, and one triple twice, in two graphs.
var sameNQ = strings.Replace(strings.Replace(sameNT,
	"<http://ex.org/Person> .\n<http://ex.org/people/alice> <http://ex.org/name>",
	"<http://ex.org/Person> <http://ex.org/g1> .\n<http://ex.org/people/alice> <http://ex.org/name>", 1),
	`"Anon" .`, `"Anon" _:g2 .`+"\n"+`_:anon <http://ex.org/name> "Anon" <http://ex.org/g1> .`, 1)

func applyDoc(t *testing.T, d Import) string {
	t.Helper()
	db := openDB(t)
	var st Summary
	require.NoError(t, db.Update(func(tx *entity.Tx) error { return d.Apply(tx, &st) }))
	return exportNT(t, db)
}

func TestTurtleImportsAsNTriples(t *testing.T) {
	p := &counter{}
	fromTTL, err := ParseTurtle(t.Context(), strings.NewReader(sameTTL), "d.ttl", Options{Progress: p})
	require.NoError(t, err)
	assert.Equal(t, int64(12), fromTTL.Read())
	assert.Equal(t, int64(len(sameTTL)), p.bytes)
	assert.Equal(t, int64(12), p.rows)
	fromNT, err := ParseNTriples(t.Context(), strings.NewReader(sameNT), "d.nt", Options{})
	require.NoError(t, err)

	a, b := applyDoc(t, fromTTL), applyDoc(t, fromNT)
	assert.True(t, ntriples.Isomorphic(rdftest.Triples(t, a), rdftest.Triples(t, b)), "Turtle import exports\n%s\nN-Triples import exports\n%s", a, b)
	assert.True(t, ntriples.Isomorphic(rdftest.Triples(t, a), rdftest.Triples(t, sameNT)), "the export is the document")
}

func TestTurtleErrors(t *testing.T) {
	_, err := ParseTurtle(t.Context(), strings.NewReader("@prefix ex: <http://ex.org/> .\nex:a ex:b ex:c ;\n  ex:d \"x ."), "d.ttl", Options{})
	require.ErrorIs(t, err, turtle.ErrSyntax)
	assert.Equal(t, `d.ttl:3:8: string not terminated: expected '"'`, err.Error())

	_, err = ParseTurtle(t.Context(), strings.NewReader("<a> <b> <c> ."), "d.ttl", Options{})
	assert.EqualError(t, err, "d.ttl:1:1: relative IRI <a> and no base IRI to resolve it against: add @base <…> . or give a base")
	d, err := ParseTurtle(t.Context(), strings.NewReader("<a> <b> <c> ."), "d.ttl", Options{Base: "file:///data/d.ttl"})
	require.NoError(t, err)
	assert.Equal(t, "file:///data/a", d.nodes[0].iri)
	_, err = ParseTurtle(t.Context(), strings.NewReader(""), "d.ttl", Options{Base: "data/"})
	require.ErrorIs(t, err, turtle.ErrBase)
}

func TestNQuadsDropGraphNames(t *testing.T) {
	var notes []string
	opts := Options{Quads: true, Warn: func(m string) { notes = append(notes, m) }}
	d, err := ParseNTriples(t.Context(), strings.NewReader(sameNQ), "d.nq", opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"d.nq: graph names dropped: 3 quads in 2 named graphs (<http://ex.org/g1>, _:g2) read into the store's one graph"}, notes)
	assert.True(t, ntriples.Isomorphic(rdftest.Triples(t, applyDoc(t, d)), rdftest.Triples(t, sameNT)))

	notes = nil
	_, err = ParseNTriples(t.Context(), strings.NewReader(sameNT), "d.nq", opts)
	require.NoError(t, err)
	assert.Empty(t, notes, "no note when no quad names a graph")

	_, err = ParseNTriples(t.Context(), strings.NewReader(sameNQ), "d.nt", Options{})
	assert.ErrorContains(t, err, "d.nt:1:")
	assert.ErrorContains(t, err, "is this N-Quads?")
}

func TestNamedGraphsBounded(t *testing.T) {
	var g namedGraphs
	for i := range maxGraphNames + 10 {
		g.add(ntriples.NewBlankNode("g" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)))
		g.add(ntriples.Term{})
	}
	assert.Len(t, g.names, maxGraphNames)
	assert.Contains(t, g.describe(), "1010 quads in more than 1000 named graphs (_:ga, _:gax, ")
}

func TestDecompress(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write([]byte(sameNT))
	require.NoError(t, zw.Close())
	// A second member: concatenated gzip files read as one stream.
	zw = gzip.NewWriter(&z)
	_, _ = zw.Write([]byte("# end\n"))
	require.NoError(t, zw.Close())

	r, gz, err := Decompress(bytes.NewReader(z.Bytes()))
	require.NoError(t, err)
	assert.True(t, gz)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, sameNT+"# end\n", string(got))

	for _, plain := range []string{"", "<", sameNT, "\x1f"} {
		r, gz, err := Decompress(strings.NewReader(plain))
		require.NoError(t, err)
		assert.False(t, gz)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, plain, string(got))
	}

	r, _, err = Decompress(bytes.NewReader(z.Bytes()[:z.Len()/2]))
	require.NoError(t, err)
	_, err = io.ReadAll(r)
	assert.ErrorContains(t, err, "gzip stream cut short")

	damaged := bytes.Clone(z.Bytes())
	damaged[30] ^= 0xff
	r, _, err = Decompress(bytes.NewReader(damaged))
	if err == nil {
		_, err = io.ReadAll(r)
	}
	assert.ErrorContains(t, err, "damaged gzip stream")

	_, _, err = Decompress(strings.NewReader("\x1f\x8b"))
	assert.ErrorContains(t, err, "gzip stream cut short")
}

// TestTurtleSuiteRoundTrip imports every document of the W3C RDF 1.1 Turtle suite that
// parses into a fresh store and checks that the store exports the same graph. The suite is
// an external input: the test runs only with TURTLE_SUITE=DIR (rdf/rdf11/rdf-turtle of
// w3c/rdf-tests), as internal/turtle's TestW3CSuite does.
func TestTurtleSuiteRoundTrip(t *testing.T) {
	dir := os.Getenv("TURTLE_SUITE")
	if dir == "" {
		t.Log("W3C Turtle suite round trip not run: give TURTLE_SUITE=DIR (rdf/rdf11/rdf-turtle of w3c/rdf-tests)")
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.ttl"))
	require.NoError(t, err)
	tried := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		base := "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-turtle/" + filepath.Base(f)
		var want []ntriples.Triple
		err = turtle.Parse(bytes.NewReader(data), turtle.Options{Base: base}, func(_ int, tr ntriples.Triple) error {
			want = append(want, tr)
			return nil
		})
		if err != nil {
			continue // a negative test
		}
		tried++
		t.Run(filepath.Base(f), func(t *testing.T) {
			d, err := ParseTurtle(t.Context(), bytes.NewReader(data), filepath.Base(f), Options{Base: base})
			require.NoError(t, err)
			got := applyDoc(t, d)
			assert.True(t, ntriples.Isomorphic(rdftest.Triples(t, got), want), "exported:\n%s", got)
		})
	}
	require.NotZero(t, tried, "no Turtle documents in %s", dir)
	t.Logf("%d documents of the suite imported and exported", tried)
}
