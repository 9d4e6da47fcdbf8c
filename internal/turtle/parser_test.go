package turtle

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
)

const base = "http://example.org/dir/doc.ttl"

func parseString(t *testing.T, doc string) ([]ntriples.Triple, error) {
	t.Helper()
	var got []ntriples.Triple
	err := Parse(strings.NewReader(doc), Options{Base: base}, func(_ int, tr ntriples.Triple) error {
		require.NoError(t, tr.Validate(), "the parser yields only triples N-Triples can write")
		got = append(got, tr)
		return nil
	})
	return got, err
}

// Each case is a Turtle document and the N-Triples it denotes, written by
// hand from the Recommendation.
var positive = []struct{ name, ttl, nt string }{
	{"empty", "", ""},
	{"comments and blank lines", "# only\r\n\n  # comments\r", ""},
	{"a byte order mark first", "\uFEFF<http://a/s> <http://a/p> 1 .", `<http://a/s> <http://a/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .`},
	{"N-Triples is Turtle", `<http://a/s> <http://a/p> "x"@en-GB . _:b <http://a/p> "1"^^<http://a/dt> .`,
		`<http://a/s> <http://a/p> "x"@en-GB .
_:b <http://a/p> "1"^^<http://a/dt> .`},
	{"prefixes, both forms, redefined", `@prefix ex: <http://ex.org/> .
PREFIX e2: <http://two.org/>
prefix : <http://empty.org/#>
ex:s e2:p :o .
@prefix ex: <http://other.org/> .
ex:s :p ex: .`,
		`<http://ex.org/s> <http://two.org/p> <http://empty.org/#o> .
<http://other.org/s> <http://empty.org/#p> <http://other.org/> .`},
	{"relative IRIs against the base and @base", `<a> <#p> <../up?q=1> .
@base <http://b.org/x/y/> .
<z> <//host/p> <?only> .
BASE <sub/>
<.> <http://abs/p> <> .
@prefix r: <rel/> .
r:n r:p r: .`,
		`<http://example.org/dir/a> <http://example.org/dir/doc.ttl#p> <http://example.org/up?q=1> .
<http://b.org/x/y/z> <http://host/p> <http://b.org/x/y/?only> .
<http://b.org/x/y/sub/> <http://abs/p> <http://b.org/x/y/sub/> .
<http://b.org/x/y/sub/rel/n> <http://b.org/x/y/sub/rel/p> <http://b.org/x/y/sub/rel/> .`},
	{"a, predicate and object lists, stray semicolons", `@prefix : <http://e/> .
:s a :T , :U ; :p :o1,:o2 ;; :q :o3 ; .`,
		`<http://e/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/T> .
<http://e/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/U> .
<http://e/s> <http://e/p> <http://e/o1> .
<http://e/s> <http://e/p> <http://e/o2> .
<http://e/s> <http://e/q> <http://e/o3> .`},
	{"blank node property lists, nested and sole", `@prefix : <http://e/> .
:s :p [ :q [ :r "deep" ] ; :q2 [] ] .
[ :only :this ] .
[] :anon 1 .
[ :x 2 ] :y 3 .`,
		`<http://e/s> <http://e/p> _:a .
_:a <http://e/q> _:b .
_:b <http://e/r> "deep" .
_:a <http://e/q2> _:c .
_:d <http://e/only> <http://e/this> .
_:e <http://e/anon> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
_:f <http://e/x> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .
_:f <http://e/y> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .`},
	{"collections: empty, nested, as subject", `@prefix : <http://e/> .
:s :p () , ( :a ( "b" ) ) .
( 1 ) :q :r .`,
		`<http://e/s> <http://e/p> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
<http://e/s> <http://e/p> _:l1 .
_:l1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> <http://e/a> .
_:l1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:l2 .
_:l2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> _:m1 .
_:l2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
_:m1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "b" .
_:m1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
_:n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
_:n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
_:n1 <http://e/q> <http://e/r> .`},
	{"numbers and booleans as written", `@prefix : <http://e/> .
:s :p -5, +07, 1.50, .5, -2.e3, 4E-1, 1.0e+2, true, false .
:s :q 3.`,
		`<http://e/s> <http://e/p> "-5"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://e/s> <http://e/p> "+07"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://e/s> <http://e/p> "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://e/s> <http://e/p> ".5"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://e/s> <http://e/p> "-2.e3"^^<http://www.w3.org/2001/XMLSchema#double> .
<http://e/s> <http://e/p> "4E-1"^^<http://www.w3.org/2001/XMLSchema#double> .
<http://e/s> <http://e/p> "1.0e+2"^^<http://www.w3.org/2001/XMLSchema#double> .
<http://e/s> <http://e/p> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<http://e/s> <http://e/p> "false"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<http://e/s> <http://e/q> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .`},
	{"strings: quotings, long ones over lines, escapes", "@prefix : <http://e/> .\n" +
		`:s :p 'single "q"', "tab\there", """two` + "\r\n" + `lines "quoted" ""x""", '''it''s''',
  "\u00e9\U0001F600\\\"" , "" .`,
		`<http://e/s> <http://e/p> "single \"q\"" .
<http://e/s> <http://e/p> "tab\there" .
<http://e/s> <http://e/p> "two\r\nlines \"quoted\" \"\"x" .
<http://e/s> <http://e/p> "it''s" .
<http://e/s> <http://e/p> "é😀\\\"" .
<http://e/s> <http://e/p> "" .`},
	{"language tags and datatypes, spaced and prefixed", `@prefix : <http://e/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
:s :p "chat" @fr-CA , "5" ^^ xsd:byte , "plain"^^xsd:string , "d"^^<dt> .`,
		`<http://e/s> <http://e/p> "chat"@fr-CA .
<http://e/s> <http://e/p> "5"^^<http://www.w3.org/2001/XMLSchema#byte> .
<http://e/s> <http://e/p> "plain" .
<http://e/s> <http://e/p> "d"^^<http://example.org/dir/dt> .`},
	{"local names: dots, colons, escapes, percent, digits", `@prefix : <http://e/> .
:a.b :c:d :e\,f\.g%20h . :1x :p :_y.`,
		`<http://e/a.b> <http://e/c:d> <http://e/e,f.g%20h> .
<http://e/1x> <http://e/p> <http://e/_y> .`},
	{"blank node labels: trailing dot, clash with generated ones", `@prefix : <http://e/> .
_:x.y :p _:genid1. [] :p _:x.y .`,
		`_:x.y <http://e/p> _:genid-genid1 .
_:g <http://e/p> _:x.y .`},
	{"keywords are names when followed by ':'", `@prefix a: <http://a/> . @prefix true: <http://t/> . @prefix PREFIX: <http://k/> .
a:a a true:false . PREFIX:x a:p a:.`,
		`<http://a/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://t/false> .
<http://k/x> <http://a/p> <http://a/> .`},
}

func TestParse(t *testing.T) {
	for _, tc := range positive {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseString(t, tc.ttl)
			require.NoError(t, err)
			want := rdftest.Triples(t, tc.nt)
			assert.True(t, ntriples.Isomorphic(got, want), "got:\n%s\nwant:\n%s", dump(got), dump(want))
		})
	}
}

// Each case is a document and the exact error, LINE:COL: message.
var negative = []struct{ name, ttl, err string }{
	{"undeclared prefix", "ex:s ex:p ex:o .", `1:1: prefix "ex:" not declared: add @prefix ex: <…> .`},
	{"missing dot at line end", "<http://a/s> <http://a/p> <http://a/o>\n<http://a/s> <http://a/p> <http://a/o> .",
		"2:1: expected '.' to end the statement, found '<' (is the '.' missing at the end of line 1?)"},
	{"N-Quads graph name", "<http://a/s> <http://a/p> <http://a/o> <http://a/g> .", "1:40: expected '.' to end the statement, found '<'"},
	{"unterminated short string points at its quote", "<http://a/s> <http://a/p> \"abc\n\" .",
		`1:27: string not terminated: expected '"' before the end of the line (use """ for a string of several lines)`},
	{"unterminated long string", "<http://a/s> <http://a/p> '''abc\n\n", "1:27: string not terminated: expected '''"},
	{"literal subject", `"s" <http://a/p> <http://a/o> .`, "1:1: literal not allowed as subject: expected IRI or blank node"},
	{"langString without tag", `<http://a/s> <http://a/p> "x"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString> .`,
		`1:32: datatype rdf:langString not allowed without a language tag: expected "…"@lang`},
	{"bad UTF-8 in a string", "<http://a/s> <http://a/p> \"a\xffb\" .", "1:29: invalid UTF-8 in string"},
	{"column counts bytes, CRLF one line end", "\r\n\r\n<http://a/s> <http://é/p> <http://a/o> ;; ,",
		"3:44: expected predicate (IRI or 'a'), found ','"},
	{"directive without its dot", "@prefix ex: <http://e/>\nex:a ex:b ex:c .", "2:1: expected '.' to end the directive begun at 1:1, found 'e'"},
	{"unclosed bracket", "[ <http://a/p> <http://a/o> .", "1:29: expected ']' to close the '[' at 1:1, found '.'"},
	{"unclosed collection", "( <http://a/o>", "1:15: expected ')' to close the '(' at 1:1, found end of input"},
	{"number without digits", "<http://a/s> <http://a/p> - .", "1:27: expected a number after '-', found space"},
	{"control character in IRI", "<http://a/\x01> <http://a/p> 1 .", "1:11: control character U+0001 not allowed in IRI (escape it as \\u0001)"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range negative {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseString(t, tc.ttl)
			require.ErrorIs(t, err, ErrSyntax)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.err, err.Error())
		})
	}
}

func TestRelativeIRIWithoutBase(t *testing.T) {
	err := Parse(strings.NewReader("<s> <http://a/p> <http://a/o> ."), Options{}, func(int, ntriples.Triple) error { return nil })
	require.ErrorIs(t, err, ErrSyntax)
	assert.Equal(t, "1:1: relative IRI <s> and no base IRI to resolve it against: add @base <…> . or give a base", err.Error())

	err = Parse(strings.NewReader(""), Options{Base: "relative/base"}, nil)
	require.ErrorIs(t, err, ErrBase)
}

func TestLines(t *testing.T) {
	doc := "@prefix : <http://e/> .\n:s :p :a ,\n  :b ;\n  :q \"\"\"x\ny\"\"\" .\n\n:t :p ( :c\n:d ) ."
	var lines []int
	err := Parse(strings.NewReader(doc), Options{}, func(line int, _ ntriples.Triple) error {
		lines = append(lines, line)
		return nil
	})
	require.NoError(t, err)
	// The line of a triple is the line on which it is complete.
	assert.Equal(t, []int{2, 3, 5, 7, 8, 8, 8, 8}, lines)
}

// TestStreams checks that triples reach fn as their statement ends, before
// the rest of the input is read, and that a read error, not a syntax error
// about the cut-off text, is what Parse returns.
func TestStreams(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("<http://a/s> <http://a/p> 1 .\n<http://a/s> <http://a/p> \"cut"), iotest.ErrReader(boom))
	var got []ntriples.Triple
	err := Parse(r, Options{}, func(_ int, tr ntriples.Triple) error {
		got = append(got, tr)
		return nil
	})
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "reading line 2")
	assert.Len(t, got, 1)

	stop := errors.New("stop")
	n := 0
	err = Parse(strings.NewReader("<http://a/s> <http://a/p> 1, 2, 3 ."), Options{}, func(int, ntriples.Triple) error {
		n++
		return stop
	})
	require.Equal(t, stop, err, "fn's error is returned unchanged")
	assert.Equal(t, 1, n)
}

// TestSmallReads checks that a document read a byte at a time parses as
// when read whole: the scanner's lookahead crosses its refills.
func TestSmallReads(t *testing.T) {
	for _, tc := range positive {
		whole, err := parseString(t, tc.ttl)
		require.NoError(t, err)
		var bytewise []ntriples.Triple
		err = Parse(iotest.OneByteReader(strings.NewReader(tc.ttl)), Options{Base: base}, func(_ int, tr ntriples.Triple) error {
			bytewise = append(bytewise, tr)
			return nil
		})
		require.NoError(t, err, tc.name)
		assert.Equal(t, whole, bytewise, tc.name)
	}
}

// TestResolve checks IRI resolution against the examples of RFC 3986,
// section 5.4.
func TestResolve(t *testing.T) {
	const b = "http://a/b/c/d;p?q"
	cases := map[string]string{
		"g:h": "g:h", "g": "http://a/b/c/g", "./g": "http://a/b/c/g", "g/": "http://a/b/c/g/",
		"/g": "http://a/g", "//g": "http://g", "?y": "http://a/b/c/d;p?y", "g?y": "http://a/b/c/g?y",
		"#s": "http://a/b/c/d;p?q#s", "g#s": "http://a/b/c/g#s", "g?y#s": "http://a/b/c/g?y#s",
		";x": "http://a/b/c/;x", "g;x": "http://a/b/c/g;x", "g;x?y#s": "http://a/b/c/g;x?y#s",
		"": "http://a/b/c/d;p?q", ".": "http://a/b/c/", "./": "http://a/b/c/", "..": "http://a/b/",
		"../": "http://a/b/", "../g": "http://a/b/g", "../..": "http://a/", "../../": "http://a/",
		"../../g": "http://a/g",
		// Abnormal examples (5.4.2).
		"../../../g": "http://a/g", "../../../../g": "http://a/g", "/./g": "http://a/g",
		"/../g": "http://a/g", "g.": "http://a/b/c/g.", ".g": "http://a/b/c/.g", "g..": "http://a/b/c/g..",
		"..g": "http://a/b/c/..g", "./../g": "http://a/b/g", "./g/.": "http://a/b/c/g/",
		"g/./h": "http://a/b/c/g/h", "g/../h": "http://a/b/c/h", "g;x=1/./y": "http://a/b/c/g;x=1/y",
		"g;x=1/../y": "http://a/b/c/y", "g?y/./x": "http://a/b/c/g?y/./x", "g?y/../x": "http://a/b/c/g?y/../x",
		"g#s/./x": "http://a/b/c/g#s/./x", "g#s/../x": "http://a/b/c/g#s/../x",
	}
	for ref, want := range cases {
		assert.Equal(t, want, resolve(b, ref), "resolving %q", ref)
	}
	assert.Equal(t, "http://a/x", resolve("http://a", "x"), "a base with an authority and no path")
	assert.Equal(t, "urn:x#f", resolve("urn:x", "#f"))
}
