package ntriples

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/testutil"
)

// TestAppendTripleCanonical pins the canonical form the writer produces.
func TestAppendTripleCanonical(t *testing.T) {
	tests := []struct {
		name string
		t    Triple
		want string
	}{
		{"IRIs", triple(exS, exP, exO), "<http://example/s> <http://example/p> <http://example/o> .\n"},
		{"blank nodes", triple(NewBlankNode("a.b"), exP, NewBlankNode("c")), "_:a.b <http://example/p> _:c .\n"},
		{"simple literal", triple(exS, exP, NewLiteral("x", "")), `<http://example/s> <http://example/p> "x" .` + "\n"},
		{"xsd:string is not written", triple(exS, exP, NewLiteral("x", XSDString)), `<http://example/s> <http://example/p> "x" .` + "\n"},
		{"language tag", triple(exS, exP, NewLangLiteral("x", "en-US")), `<http://example/s> <http://example/p> "x"@en-US .` + "\n"},
		{"datatype", triple(exS, exP, NewLiteral("1", "http://www.w3.org/2001/XMLSchema#integer")),
			`<http://example/s> <http://example/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .` + "\n"},
		{"literal escapes only \" \\ LF CR", triple(exS, exP, NewLiteral("a\"b\\c\nd\re\tf\bg\fh'i\x00j\x7fk\u00e9\U0001F600", "")),
			"<http://example/s> <http://example/p> \"a\\\"b\\\\c\\nd\\re\tf\bg\fh'i\x00j\x7fk\u00e9\U0001F600\" .\n"},
		{"IRI escapes what IRIREF forbids", triple(exS, exP, NewIRI("urn:a b<c>d\"e{f}g|h^i`j\\k\x00l\x1fm\u00e9\U0001F600")),
			"<http://example/s> <http://example/p> <urn:a\\u0020b\\u003Cc\\u003Ed\\u0022e\\u007Bf\\u007Dg\\u007Ch\\u005Ei\\u0060j\\u005Ck\\u0000l\\u001Fm\u00e9\U0001F600> .\n"},
		{"datatype IRI escaped", triple(exS, exP, NewLiteral("1", "urn:a b")), `<http://example/s> <http://example/p> "1"^^<urn:a\u0020b> .` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendTriple([]byte("prefix "), tc.t)
			require.NoError(t, err)
			assert.Equal(t, "prefix "+tc.want, string(got))
		})
	}
}

// TestValidate lists the triples the writer refuses.
func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		t    Triple
		msg  string
	}{
		{"literal subject", triple(NewLiteral("s", ""), exP, exO), "subject: literal not allowed"},
		{"missing subject", triple(Term{}, exP, exO), "subject: missing"},
		{"blank node predicate", triple(exS, NewBlankNode("p"), exO), "predicate: BlankNode not allowed"},
		{"literal predicate", triple(exS, NewLiteral("p", ""), exO), "predicate: Literal not allowed"},
		{"missing predicate", triple(exS, Term{}, exO), "predicate: missing"},
		{"missing object", triple(exS, exP, Term{}), "object: missing"},
		{"unknown kind", triple(exS, exP, Term{Kind: 9}), "object: unknown Kind(9)"},
		{"relative subject IRI", triple(NewIRI("s"), exP, exO), `subject: IRI "s" is relative`},
		{"empty predicate IRI", triple(exS, NewIRI(""), exO), `predicate: IRI "" is relative`},
		{"IRI with invalid UTF-8", triple(exS, exP, NewIRI("urn:\xff")), "not valid UTF-8"},
		{"IRI with a language tag", triple(exS, exP, Term{Kind: IRI, Value: "urn:x", Lang: "en"}), "IRI with a datatype or language tag"},
		{"blank node with a datatype", triple(NewBlankNode("b"), exP, exO.withDatatype("urn:x")), "IRI with a datatype or language tag"},
		{"empty blank node label", triple(NewBlankNode(""), exP, exO), "is not a BLANK_NODE_LABEL"},
		{"blank node label ending in '.'", triple(exS, exP, NewBlankNode("a.")), "is not a BLANK_NODE_LABEL"},
		{"blank node label with ':'", triple(exS, exP, NewBlankNode("a:b")), "is not a BLANK_NODE_LABEL"},
		{"blank node label with space", triple(exS, exP, NewBlankNode("a b")), "is not a BLANK_NODE_LABEL"},
		{"blank node label starting with '-'", triple(exS, exP, NewBlankNode("-a")), "is not a BLANK_NODE_LABEL"},
		{"blank node label with invalid UTF-8", triple(exS, exP, NewBlankNode("a\xff")), "is not a BLANK_NODE_LABEL"},
		{"literal with invalid UTF-8", triple(exS, exP, NewLiteral("\xed\xa0\x80", "")), "is not valid UTF-8"},
		{"language tag and datatype", triple(exS, exP, Term{Kind: Literal, Value: "x", Lang: "en", Datatype: RDFLangString}), "language-tagged literal with datatype"},
		{"bad language tag", triple(exS, exP, NewLangLiteral("x", "en-")), `language tag "en-" is not a LANGTAG`},
		{"numeric language tag", triple(exS, exP, NewLangLiteral("x", "1")), "is not a LANGTAG"},
		{"xsd:string spelled out", triple(exS, exP, Term{Kind: Literal, Value: "x", Datatype: XSDString}), "datatype xsd:string spelled out"},
		{"rdf:langString without tag", triple(exS, exP, NewLiteral("x", RDFLangString)), "datatype rdf:langString without a language tag"},
		{"relative datatype", triple(exS, exP, NewLiteral("x", "dt")), `object datatype: IRI "dt" is relative`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.t.Validate()
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidTerm)
			assert.Contains(t, err.Error(), tc.msg)
			out, err := AppendTriple([]byte("x"), tc.t)
			assert.ErrorIs(t, err, ErrInvalidTerm)
			assert.Equal(t, "x", string(out), "nothing appended")
		})
	}
}

func (t Term) withDatatype(dt string) Term { t.Datatype = dt; return t }

// TestRoundTrip writes random triples and requires them to read back equal.
func TestRoundTrip(t *testing.T) {
	seed := testutil.Seed(t, 1)
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := range 20_000 {
		tr := randTriple(rng)
		line, err := AppendTriple(nil, tr)
		require.NoError(t, err, "seed %d, triple %d: %#v", seed, i, tr)
		var got []Triple
		err = ParseLines(line, 1, func(_ int, tr Triple) error { got = append(got, tr); return nil })
		require.NoError(t, err, "seed %d, triple %d: %q", seed, i, line)
		require.Equal(t, []Triple{tr}, got, "seed %d, triple %d: %q", seed, i, line)
		require.Equal(t, string(line[:len(line)-1]), tr.String(), "String() of a valid triple is its line")
	}
}

// TestWriter writes a document and reads it back.
func TestWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var want []Triple
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for range 5000 {
		tr := randTriple(rng)
		require.NoError(t, w.Write(tr))
		want = append(want, tr)
	}
	err := w.Write(triple(NewLiteral("s", ""), exP, exO))
	require.ErrorIs(t, err, ErrInvalidTerm, "an invalid triple is refused")
	require.NoError(t, w.Flush())
	assert.Equal(t, 5000, bytes.Count(buf.Bytes(), []byte{'\n'}), "one line per triple, nothing for the invalid one")

	var got []Triple
	for tr, err := range NewReader(&buf).All() {
		require.NoError(t, err)
		got = append(got, tr)
	}
	assert.Equal(t, want, got)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestWriterError checks that a write error is returned and sticks.
func TestWriterError(t *testing.T) {
	boom := errors.New("disk full")
	w := NewWriter(failingWriter{boom})
	long := triple(exS, exP, NewLiteral(strings.Repeat("x", 100<<10), ""))
	assert.ErrorIs(t, w.Write(long), boom)
	assert.ErrorIs(t, w.Write(triple(exS, exP, exO)), boom)
	assert.ErrorIs(t, w.Flush(), boom)
}

// TestTermModel checks the constructors, kinds and datatypes.
func TestTermModel(t *testing.T) {
	assert.Equal(t, Term{Kind: Literal, Value: "x"}, NewLiteral("x", XSDString), "xsd:string is left out")
	assert.Equal(t, NewLiteral("x", ""), NewLiteral("x", XSDString))
	assert.Equal(t, XSDString, NewLiteral("x", "").DatatypeIRI())
	assert.Equal(t, RDFLangString, NewLangLiteral("x", "en").DatatypeIRI())
	assert.Equal(t, "urn:dt", NewLiteral("x", "urn:dt").DatatypeIRI())
	assert.Empty(t, exS.DatatypeIRI())
	assert.Empty(t, NewBlankNode("b").DatatypeIRI())

	assert.Equal(t, "IRI", IRI.String())
	assert.Equal(t, "BlankNode", BlankNode.String())
	assert.Equal(t, "Literal", Literal.String())
	assert.Equal(t, "Kind(0)", Kind(0).String())

	assert.Equal(t, "<urn:a\\u0020b>", NewIRI("urn:a b").String())
	assert.Equal(t, "_:b1", NewBlankNode("b1").String())
	assert.Equal(t, `"a\"b"@en`, NewLangLiteral(`a"b`, "en").String())
	assert.Equal(t, `"1"^^<urn:int>`, NewLiteral("1", "urn:int").String())
	assert.Equal(t, "<invalid Kind(0)>", Term{}.String())
	assert.Equal(t, `_:s <http://example/p> "o" .`, triple(NewBlankNode("s"), exP, NewLiteral("o", "")).String())
}

func BenchmarkWrite(b *testing.B) {
	doc := genDocument(100_000)
	var ts []Triple
	require.NoError(b, ParseLines(doc, 1, func(_ int, t Triple) error { ts = append(ts, t); return nil }))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for _, t := range ts {
			var err error
			if buf, err = AppendTriple(buf, t); err != nil {
				b.Fatal(err)
			}
		}
	}
}
