package turtle

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
)

// The W3C RDF 1.1 Turtle test suite (https://github.com/w3c/rdf-tests,
// rdf/rdf11/rdf-turtle) is an external input, not part of the repository:
// TestW3CSuite runs it when given the directory that holds its manifest.ttl,
// by flag or environment variable:
//
//	go test ./internal/turtle -run W3C -turtle-suite DIR
//	TURTLE_SUITE=DIR go test ./internal/turtle -run W3C
var suiteDir = flag.String("turtle-suite", os.Getenv("TURTLE_SUITE"),
	"directory of the W3C RDF 1.1 Turtle test suite (its manifest.ttl); TestW3CSuite runs only with it")

// TestW3CNQuads runs the W3C RDF 1.1 N-Quads suite (rdf/rdf11/rdf-n-quads)
// against ntriples.ParseQuadLines. It lives here because its manifest is
// Turtle.
var nquadsDir = flag.String("nquads-suite", os.Getenv("NQUADS_SUITE"),
	"directory of the W3C RDF 1.1 N-Quads test suite (its manifest.ttl); TestW3CNQuads runs only with it")

const (
	mf   = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
	rdft = "http://www.w3.org/ns/rdftest#"
	// suiteBase is the manifest's mf:assumedTestBase: the IRI each test
	// document is read at.
	suiteBase = "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-turtle/"
)

type suiteTest struct {
	name, kind, action, result string
}

func TestW3CSuite(t *testing.T) {
	if *suiteDir == "" {
		t.Log("W3C Turtle suite not run: give -turtle-suite DIR or TURTLE_SUITE=DIR (rdf/rdf11/rdf-turtle of w3c/rdf-tests)")
		return
	}
	tests := readManifest(t, *suiteDir, suiteBase)
	require.NotEmpty(t, tests, "no tests in the manifest")
	passed := 0
	for _, tc := range tests {
		ok := t.Run(tc.name, func(t *testing.T) {
			var got []ntriples.Triple
			err := parseFile(filepath.Join(*suiteDir, tc.action), suiteBase+tc.action, func(_ int, tr ntriples.Triple) error {
				got = append(got, tr)
				return nil
			})
			switch tc.kind {
			case "TestTurtleNegativeSyntax", "TestTurtleNegativeEval":
				require.Error(t, err, "a negative test must not parse")
				require.ErrorIs(t, err, ErrSyntax)
			case "TestTurtlePositiveSyntax":
				require.NoError(t, err)
			case "TestTurtleEval":
				require.NoError(t, err)
				want := readNTriples(t, filepath.Join(*suiteDir, tc.result))
				require.True(t, ntriples.Isomorphic(got, want), "graph not isomorphic to %s:\ngot:\n%s\nwant:\n%s", tc.result, dump(got), dump(want))
			default:
				t.Fatalf("unknown test type %s", tc.kind)
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("W3C Turtle suite: %d of %d tests passed", passed, len(tests))
}

// readManifest reads the tests of the suite's manifest.ttl, with this
// package's parser.
func readManifest(t *testing.T, dir, testBase string) []suiteTest {
	byNode := map[ntriples.Term]*suiteTest{}
	var order []ntriples.Term
	get := func(n ntriples.Term) *suiteTest {
		if byNode[n] == nil {
			byNode[n] = &suiteTest{}
			order = append(order, n)
		}
		return byNode[n]
	}
	file := func(iri string) string {
		require.True(t, strings.HasPrefix(iri, testBase), "test file %s outside the suite", iri)
		return strings.TrimPrefix(iri, testBase)
	}
	err := parseFile(filepath.Join(dir, "manifest.ttl"), testBase+"manifest.ttl", func(_ int, tr ntriples.Triple) error {
		switch tr.Predicate.Value {
		case rdfType:
			if k, ok := strings.CutPrefix(tr.Object.Value, rdft); ok {
				get(tr.Subject).kind = k
			}
		case mf + "name":
			get(tr.Subject).name = tr.Object.Value
		case mf + "action":
			get(tr.Subject).action = file(tr.Object.Value)
		case mf + "result":
			get(tr.Subject).result = file(tr.Object.Value)
		}
		return nil
	})
	require.NoError(t, err, "reading the manifest")
	var tests []suiteTest
	for _, n := range order {
		if tc := byNode[n]; tc.kind != "" && tc.action != "" {
			tests = append(tests, *tc)
		}
	}
	return tests
}

func parseFile(path, base string, fn func(int, ntriples.Triple) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return Parse(f, Options{Base: base}, fn)
}

func readNTriples(t *testing.T, path string) []ntriples.Triple {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return rdftest.Triples(t, string(data))
}

func dump(ts []ntriples.Triple) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestW3CNQuads(t *testing.T) {
	if *nquadsDir == "" {
		t.Log("W3C N-Quads suite not run: give -nquads-suite DIR or NQUADS_SUITE=DIR (rdf/rdf11/rdf-n-quads of w3c/rdf-tests)")
		return
	}
	tests := readManifest(t, *nquadsDir, "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-n-quads/")
	require.NotEmpty(t, tests, "no tests in the manifest")
	passed := 0
	for _, tc := range tests {
		ok := t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(*nquadsDir, tc.action))
			require.NoError(t, err)
			err = ntriples.ParseQuadLines(data, 1, func(int, ntriples.Triple, ntriples.Term) error { return nil })
			switch tc.kind {
			case "TestNQuadsPositiveSyntax", "TestNTriplesPositiveSyntax":
				require.NoError(t, err)
			case "TestNQuadsNegativeSyntax", "TestNTriplesNegativeSyntax":
				require.ErrorIs(t, err, ntriples.ErrSyntax)
			default:
				t.Fatalf("unknown test type %s", tc.kind)
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("W3C N-Quads suite: %d of %d tests passed", passed, len(tests))
}
