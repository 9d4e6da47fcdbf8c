package ntriples

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type lineQuad struct {
	line  int
	t     Triple
	graph Term
}

func parseQuads(data string) ([]lineQuad, error) {
	var got []lineQuad
	err := ParseQuadLines([]byte(data), 1, func(line int, t Triple, g Term) error {
		got = append(got, lineQuad{line, t, g})
		return nil
	})
	return got, err
}

func TestParseQuads(t *testing.T) {
	s, p, o := NewIRI("http://e/s"), NewIRI("http://e/p"), NewIRI("http://e/o")
	got, err := parseQuads("<http://e/s> <http://e/p> <http://e/o> <http://e/g> .\n" +
		"<http://e/s> <http://e/p> \"x\"@en _:g1.\r\n" +
		"# default graph\n<http://e/s> <http://e/p> <http://e/o> .\n" +
		"_:a<http://e/p>\"1\"^^<http://e/dt><http://e/g>.")
	require.NoError(t, err)
	assert.Equal(t, []lineQuad{
		{1, Triple{s, p, o}, NewIRI("http://e/g")},
		{2, Triple{s, p, NewLangLiteral("x", "en")}, NewBlankNode("g1")},
		{4, Triple{s, p, o}, Term{}},
		{5, Triple{NewBlankNode("a"), p, NewLiteral("1", "http://e/dt")}, NewIRI("http://e/g")},
	}, got)

	for _, tc := range []struct{ doc, err string }{
		{`<http://e/s> <http://e/p> <http://e/o> "g" .`, `1:40: literal not allowed as graph label: expected IRI or blank node`},
		{`<http://e/s> <http://e/p> <http://e/o> <http://e/g> <http://e/h> .`, `1:53: expected graph label or '.' after the object, found '<'`},
		{`<http://e/s> <http://e/p> <http://e/o> <g> .`, `1:40: relative IRI <g> not allowed: expected an absolute IRI (scheme:...)`},
		{`<http://e/s> <http://e/p> <http://e/o> <http://e/g>`, `1:52: expected graph label or '.' after the object, found end of input`},
	} {
		_, err := parseQuads(tc.doc)
		require.ErrorIs(t, err, ErrSyntax, tc.doc)
		assert.Equal(t, tc.err, err.Error())
	}
}

// FuzzParseQuads checks that N-Quads parsing does not panic, fails only
// with a *SyntaxError, and reads every N-Triples document as the same
// triples in the default graph.
func FuzzParseQuads(f *testing.F) {
	f.Add([]byte("<http://e/s> <http://e/p> <http://e/o> <http://e/g> .\n_:a <http://e/p> \"x\" _:g ."))
	f.Add([]byte("<http://e/s> <http://e/p> <http://e/o> .\n"))
	f.Add(genDocument(10))
	f.Fuzz(func(t *testing.T, data []byte) {
		var quads []lineTriple
		var graphs []Term
		qerr := ParseQuadLines(data, 1, func(line int, tr Triple, g Term) error {
			quads = append(quads, lineTriple{line, tr})
			graphs = append(graphs, g)
			return nil
		})
		var se *SyntaxError
		if qerr != nil {
			require.True(t, errors.As(qerr, &se), "not a *SyntaxError: %v", qerr)
		}
		var triples []lineTriple
		if err := ParseLines(data, 1, func(line int, tr Triple) error {
			triples = append(triples, lineTriple{line, tr})
			return nil
		}); err != nil {
			return
		}
		require.NoError(t, qerr, "N-Triples that N-Quads refuses")
		require.Equal(t, triples, quads)
		for _, g := range graphs {
			require.Equal(t, Term{}, g)
		}
	})
}
