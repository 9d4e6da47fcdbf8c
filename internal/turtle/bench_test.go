package turtle

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
)

// thingsTTL is rdftest.Things(n) written as idiomatic Turtle: prefixes, 'a', ';' lists,
// bare numbers and booleans, and a blank node property list.
func thingsTTL(n int) []byte {
	var b bytes.Buffer
	b.WriteString("@prefix g: <http://gen.org/> .\n@prefix t: <http://gen.org/t/> .\n@prefix ex: <http://ex.org/> .\n")
	for i := range n {
		fmt.Fprintf(&b, "t:%d a g:Thing ;\n  g:name \"thing %d\" ;\n  g:score %d.5e0 ;\n  g:even %t ;\n  g:next t:%d ;\n  g:tag [ ex:id \"g%d\" ] .\n",
			i, i, i%5, i%2 == 0, (i+1)%n, i)
	}
	return b.Bytes()
}

// BenchmarkParse measures the parser on 7×10^4 triples, as Turtle and, for
// comparison, the same triples as N-Triples (a Turtle document too).
func BenchmarkParse(b *testing.B) {
	const n = 10000
	for _, doc := range []struct {
		name string
		data []byte
	}{{"turtle", thingsTTL(n)}, {"ntriples", []byte(rdftest.Things(n))}} {
		b.Run(doc.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc.data)))
			b.ReportAllocs()
			for b.Loop() {
				count := 0
				err := Parse(bytes.NewReader(doc.data), Options{}, func(int, ntriples.Triple) error {
					count++
					return nil
				})
				if err != nil || count != 7*n {
					b.Fatalf("%d triples, %v", count, err)
				}
			}
			b.ReportMetric(float64(7*n)*float64(b.N)/b.Elapsed().Seconds(), "triples/s")
		})
	}
}
