package turtle_test

import (
	"fmt"
	"strings"

	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/internal/turtle"
)

// Parse calls a function with each triple as its statement is read; the triples are
// N-Triples' own, ready to write or import.
func ExampleParse() {
	doc := `@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<alice> a foaf:Person ;
    foaf:name "Alice"@en ;
    foaf:age 42 ;
    foaf:knows [ foaf:name "Bob" ] .
`
	err := turtle.Parse(strings.NewReader(doc), turtle.Options{Base: "http://ex.org/people/"},
		func(line int, t ntriples.Triple) error {
			fmt.Println(line, t)
			return nil
		})
	fmt.Println(err)

	err = turtle.Parse(strings.NewReader("<a> <b> \"unterminated ."), turtle.Options{Base: "http://ex.org/"},
		func(int, ntriples.Triple) error { return nil })
	fmt.Println(err)
	// Output:
	// 2 <http://ex.org/people/alice> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .
	// 3 <http://ex.org/people/alice> <http://xmlns.com/foaf/0.1/name> "Alice"@en .
	// 4 <http://ex.org/people/alice> <http://xmlns.com/foaf/0.1/age> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .
	// 5 _:genid1 <http://xmlns.com/foaf/0.1/name> "Bob" .
	// 5 <http://ex.org/people/alice> <http://xmlns.com/foaf/0.1/knows> _:genid1 .
	// <nil>
	// 1:9: string not terminated: expected '"'
}
