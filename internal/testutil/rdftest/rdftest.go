// Package rdftest holds the N-Triples fixtures that the tests of graphctl and of
// internal/interchange share: a document with every case of the RDF mapping, generated
// documents of any size, and a canonical form to compare documents by their triples. It
// is apart from testutil because it imports internal/ntriples, whose tests use testutil.
package rdftest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/ntriples"
)

const (
	rdfT = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
	xsd  = "http://www.w3.org/2001/XMLSchema#"
)

// EveryCase is an N-Triples document with every case the RDF mapping handles. Each blank node
// has an "id" literal, so that tests can match blank nodes across documents.
var EveryCase = strings.Join([]string{
	"# a comment, then an empty line",
	"",
	"<http://ex.org/alice> " + rdfT + " <http://ex.org/Person> .",
	`<http://ex.org/alice> <http://xmlns.com/foaf/0.1/name> "Alice" .`,
	`<http://ex.org/alice> <http://xmlns.com/foaf/0.1/name> "Alicia"@es .`,
	`<http://ex.org/alice> <http://ex.org/age> "42"^^<` + xsd + `integer> .`,
	`<http://ex.org/alice> <http://ex.org/age> "042"^^<` + xsd + `integer> .`,
	`<http://ex.org/alice> <http://ex.org/height> "1.75"^^<` + xsd + `double> .`,
	`<http://ex.org/alice> <http://ex.org/weight> "60.5"^^<` + xsd + `decimal> .`,
	`<http://ex.org/alice> <http://ex.org/ratio> "0.25"^^<` + xsd + `float> .`,
	`<http://ex.org/alice> <http://ex.org/count> "7"^^<` + xsd + `int> .`,
	`<http://ex.org/alice> <http://ex.org/count> "8"^^<` + xsd + `long> .`,
	`<http://ex.org/alice> <http://ex.org/admin> "false"^^<` + xsd + `boolean> .`,
	`<http://ex.org/alice> <http://ex.org/admin> "1"^^<` + xsd + `boolean> .`,
	`<http://ex.org/alice> <http://ex.org/when> "2020-01-01"^^<` + xsd + `date> .`,
	`<http://ex.org/alice> <http://ex.org/plain> "explicit"^^<` + xsd + `string> .`,
	`<http://ex.org/alice> <http://xmlns.com/foaf/0.1/knows> <http://ex.org/bob> .`,
	`<http://ex.org/alice> <http://xmlns.com/foaf/0.1/knows> _:b1 .`,
	`<http://ex.org/alice> <http://xmlns.com/foaf/0.1/knows> "nobody" .`,
	`<http://ex.org/alice> <http://xmlns.com/foaf/0.1/knows> <http://ex.org/bob> .`, // a duplicate
	"<http://ex.org/bob> " + rdfT + " <http://ex.org/Person> .",
	"<http://ex.org/bob> " + rdfT + " <http://other.org/vocab#Agent> .",
	`<http://ex.org/bob> <http://other.org/vocab#name> "B\u00F6b \U0001F600" .`,
	`<http://ex.org/bob> <http://ex.org/nick> "tab\there \"q\" back\\slash\nnew\rcr\b\f\'" .`,
	"<http://ex.org/b\\u00F6b2>\t<http://ex.org/nick>\t\"x\" .\r",
	`_:b1 <http://ex.org/id> "b1" .`,
	`_:b1 <http://xmlns.com/foaf/0.1/knows> _:b2 .`,
	`_:b2 <http://ex.org/id> "b2" .`,
	"_:b2 " + rdfT + " <http://ex.org/Person> .",
	`<http://ex.org/carol> <http://ex.org/nick> "c1" .`,
	`<http://ex.org/carol> <http://ex.org/nick> "c2" .`,
	`<http://ex.org/carol> <http://ex.org/nick> "c3" .`,
	`<http://ex.org/carol> <http://ex.org/type> "not rdf:type" .`,
	`<http://ex.org/Person> <http://www.w3.org/2000/01/rdf-schema#label> "Person, the class" .`,
	`<http://ex.org/x> <http://ex.org/p> "with ^^ and @ inside"@en-GB .`,
	`<http://ex.org/x> <http://ex.org/p> "ünïcödé"@de .`,
}, "\n") + "\n"

// Triples parses an N-Triples document, failing the test on an error.
func Triples(t testing.TB, doc string) []ntriples.Triple {
	t.Helper()
	var ts []ntriples.Triple
	for tr, err := range ntriples.NewReader(strings.NewReader(doc)).All() {
		require.NoError(t, err)
		ts = append(ts, tr)
	}
	return ts
}

// Canonical parses an N-Triples document into a sorted list of canonical lines,
// each blank node renamed after its "id" literal (as EveryCase and Things give every
// blank node), so that documents with the same triples compare equal.
func Canonical(t testing.TB, doc string) []string {
	t.Helper()
	var triples []ntriples.Triple
	ids := map[string]string{}
	for tr, err := range ntriples.NewReader(strings.NewReader(doc)).All() {
		require.NoError(t, err)
		triples = append(triples, tr)
		if tr.Subject.Kind == ntriples.BlankNode && tr.Predicate.Value == "http://ex.org/id" {
			ids[tr.Subject.Value] = tr.Object.Value
		}
	}
	rename := func(term ntriples.Term) ntriples.Term {
		if term.Kind == ntriples.BlankNode {
			id, ok := ids[term.Value]
			require.True(t, ok, "blank node _:%s has no id", term.Value)
			return ntriples.NewBlankNode("id_" + id)
		}
		return term
	}
	var lines []string
	for _, tr := range triples {
		tr.Subject, tr.Object = rename(tr.Subject), rename(tr.Object)
		b, err := ntriples.AppendTriple(nil, tr)
		require.NoError(t, err)
		lines = append(lines, string(b))
	}
	slices.Sort(lines)
	return slices.Compact(lines)
}

// Things returns a document of n subjects of kind Thing, each with a name, a score, a
// flag and two edges, and one blank node with an "id"; it is 7n triples, one per line.
func Things(n int) string {
	var b strings.Builder
	for i := range n {
		s := fmt.Sprintf("<http://gen.org/t/%d>", i)
		fmt.Fprintf(&b, "%s %s <http://gen.org/Thing> .\n", s, rdfT)
		fmt.Fprintf(&b, "%s <http://gen.org/name> \"thing %d\" .\n", s, i)
		fmt.Fprintf(&b, "%s <http://gen.org/score> \"%d.5\"^^<%sdouble> .\n", s, i%5, xsd)
		fmt.Fprintf(&b, "%s <http://gen.org/even> \"%t\"^^<%sboolean> .\n", s, i%2 == 0, xsd)
		fmt.Fprintf(&b, "%s <http://gen.org/next> <http://gen.org/t/%d> .\n", s, (i+1)%n)
		fmt.Fprintf(&b, "%s <http://gen.org/tag> _:g%d .\n", s, i)
		fmt.Fprintf(&b, "_:g%d <http://ex.org/id> \"g%d\" .\n", i, i)
	}
	return b.String()
}
