package ntriples_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/stablegraph/stablegraph/internal/ntriples"
)

func Example() {
	doc := `# two people
<http://example.org/alice> <http://xmlns.com/foaf/0.1/name> "Alice"@en .
<http://example.org/alice> <http://xmlns.com/foaf/0.1/knows> _:b1 . # a comment
_:b1 <http://xmlns.com/foaf/0.1/age> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .
_:b1 <http://xmlns.com/foaf/0.1/name> "Bob \"the builder\"\u0021" .
`
	r := ntriples.NewReader(strings.NewReader(doc))
	w := ntriples.NewWriter(os.Stdout)
	for t, err := range r.All() {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("line %d: %s %q ", r.Line(), t.Object.Kind, t.Object.Value)
		if err := w.Write(t); err != nil {
			fmt.Println("error:", err)
			return
		}
		w.Flush()
	}

	_, err := ntriples.NewReader(strings.NewReader("<http://a> <http://b> <c> .\n")).Read()
	fmt.Println("data.nt:" + err.Error())
	fmt.Println(errors.Is(err, ntriples.ErrSyntax))
	// Output:
	// line 2: Literal "Alice" <http://example.org/alice> <http://xmlns.com/foaf/0.1/name> "Alice"@en .
	// line 3: BlankNode "b1" <http://example.org/alice> <http://xmlns.com/foaf/0.1/knows> _:b1 .
	// line 4: Literal "42" _:b1 <http://xmlns.com/foaf/0.1/age> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .
	// line 5: Literal "Bob \"the builder\"!" _:b1 <http://xmlns.com/foaf/0.1/name> "Bob \"the builder\"!" .
	// data.nt:1:23: relative IRI <c> not allowed: expected an absolute IRI (scheme:...)
	// true
}

// An import in the shape graphctl uses: one goroutine cuts the file into
// chunks, each chunk is parsed on its own goroutine, and one consumer applies
// the parsed batches strictly in file order.
func ExampleChunks() {
	var doc strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&doc, "<http://example.org/s%d> <http://example.org/p> \"%d\" .\n", i, i)
	}
	doc.WriteString("<http://example.org/s> <http://example.org/p> oops .\n")

	g, ctx := errgroup.WithContext(context.Background())
	batches := make(chan chan []ntriples.Triple, 4) // file order; bounds the chunks in flight
	g.Go(func() error {
		defer close(batches)
		for c, err := range ntriples.Chunks(strings.NewReader(doc.String()), 4096) {
			if err != nil {
				return err
			}
			batch := make(chan []ntriples.Triple, 1)
			select {
			case batches <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			g.Go(func() error {
				var ts []ntriples.Triple
				err := c.Parse(func(_ int, t ntriples.Triple) error {
					ts = append(ts, t)
					return nil
				})
				if err != nil {
					return err
				}
				batch <- ts
				return nil
			})
		}
		return nil
	})
	applied := 0
	g.Go(func() error {
		for batch := range batches {
			select {
			case ts := <-batch:
				applied += len(ts) // the single writer: apply ts to the store here
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	err := g.Wait()
	fmt.Println("data.nt:" + err.Error())
	fmt.Println(applied <= 1000)
	// Output:
	// data.nt:1001:47: expected object (IRI, blank node or literal), found 'o'
	// true
}
