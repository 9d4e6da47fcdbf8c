package interchange

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/ntriples"
)

// An N-Triples import runs in two steps. First the document is parsed, on every core in
// chunks, and folded in file order into an NTriples: terms interned, each subject's kind
// noted. A syntax error stops the import there, before the store is even opened. Then
// NTriples.Apply maps the document onto the store (see rdfmap.go) in one message.

// ntNode is an IRI or blank node of the document.
type ntNode struct {
	iri   string // the IRI, or "" for a blank node
	label string // the blank node label, or ""
	// kind is the node of the least (in code-point order) of the IRIs that the subject's
	// rdf:type triples name, or -1: the entity's own kind, whatever the order of lines.
	kind int32
	line int // the first line the node appears on
}

// ntTriple is one triple of the document, its terms interned.
type ntTriple struct {
	line int
	s, p int32
	// o is the object's node, or, if negative, -1 - the index of the literal in lits.
	o int32
}

// NTriples is a parsed N-Triples document, ready to be applied to a store.
type NTriples struct {
	name     string // the file name, for messages
	skipBad  bool   // Options.SkipBad
	nodes    []ntNode
	iris     map[string]int32
	blanks   map[string]int32
	preds    []string
	predIdx  map[string]int32
	lits     []ntriples.Term
	triples  []ntTriple
	typePred int32   // the index of rdf:type in preds, or -1
	skipped  []error // lines skipped with Options.SkipBad, in file order
	// blankIDs, in a batched import, holds the entities made for the blank nodes of the
	// batches before, by label; nil otherwise (import_batches.go).
	blankIDs map[string]entity.ID
}

func newNTriples(name string, skipBad bool) *NTriples {
	return &NTriples{
		name:     name,
		skipBad:  skipBad,
		iris:     map[string]int32{},
		blanks:   map[string]int32{},
		predIdx:  map[string]int32{},
		typePred: -1,
	}
}

// parsedChunk is what one parser goroutine hands to the folder: the triples of one chunk
// with their lines, the syntax errors it skipped, and the error that stopped it.
type parsedChunk struct {
	triples []ntriples.Triple
	lines   []int
	bad     []error
	err     error
	bytes   int
	graphs  namedGraphs // N-Quads: the quads that named a graph
}

// ParseNTriples reads an N-Triples document, named name in messages: chunks are parsed in
// parallel, on every core, and folded into the document in file order. Without
// opts.SkipBad the first syntax error, in file order, is the error ("name:line:col: …");
// with it, bad lines are skipped and recorded.
func ParseNTriples(ctx context.Context, r io.Reader, name string, opts Options) (*NTriples, error) {
	doc := newNTriples(name, opts.SkipBad)
	err := parseChunks(ctx, r, name, opts, func(pc parsedChunk) error {
		doc.skipped = append(doc.skipped, pc.bad...)
		doc.triples = grow(doc.triples, len(pc.triples))
		for i, t := range pc.triples {
			doc.add(pc.lines[i], t)
		}
		opts.progress(int64(pc.bytes), int64(len(pc.triples)))
		return pc.err
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// chunkSize is the size of the chunks parseChunks parses on their own; tests make it
// small, for batches of a few lines.
var chunkSize = 1 << 20

// parseChunks reads r in chunks of chunkSize bytes, parses them on every core, and hands
// them to fold in file order. At most 2 × GOMAXPROCS chunks are in memory at a time.
func parseChunks(ctx context.Context, r io.Reader, name string, opts Options, fold func(parsedChunk) error) error {
	g, ctx := errgroup.WithContext(ctx)
	workers := runtime.GOMAXPROCS(0)
	// The queue holds one result channel per chunk, in file order; its capacity bounds the
	// chunks in memory.
	queue := make(chan chan parsedChunk, 2*workers)
	sem := make(chan struct{}, workers)
	g.Go(func() error {
		defer close(queue)
		for c, err := range ntriples.Chunks(r, chunkSize) {
			if err != nil {
				res := make(chan parsedChunk, 1)
				res <- parsedChunk{err: fmt.Errorf("%s: %w", name, err)}
				select {
				case queue <- res:
				case <-ctx.Done():
				}
				return nil
			}
			res := make(chan parsedChunk, 1)
			select {
			case queue <- res:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			g.Go(func() error {
				defer func() { <-sem }()
				res <- parseChunk(c, name, opts.SkipBad, opts.Quads)
				return nil
			})
		}
		return nil
	})
	var graphs namedGraphs
	g.Go(func() error {
		for res := range queue {
			var pc parsedChunk
			select {
			case pc = <-res:
			case <-ctx.Done():
				return ctx.Err()
			}
			graphs.merge(pc.graphs)
			if err := fold(pc); err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return err
	}
	if graphs.quads > 0 {
		opts.warn("%s: graph names dropped: %s", name, graphs.describe())
	}
	return nil
}

// parseChunk parses one chunk. With skipBad, a line with a syntax error is recorded and
// parsing goes on with the next line.
func parseChunk(c ntriples.Chunk, name string, skipBad, quads bool) parsedChunk {
	pc := parsedChunk{bytes: len(c.Data)}
	data, first := c.Data, c.Line
	// A line holds a triple at most: room for them all saves growing the slices.
	lines := bytes.Count(data, []byte{'\n'}) + 1
	pc.triples, pc.lines = make([]ntriples.Triple, 0, lines), make([]int, 0, lines)
	for {
		add := func(line int, t ntriples.Triple, g ntriples.Term) error {
			pc.triples = append(pc.triples, t)
			pc.lines = append(pc.lines, line)
			pc.graphs.add(g)
			return nil
		}
		var err error
		if quads {
			err = ntriples.ParseQuadLines(data, first, add)
		} else {
			err = ntriples.ParseLines(data, first, func(line int, t ntriples.Triple) error { return add(line, t, ntriples.Term{}) })
		}
		var se *ntriples.SyntaxError
		switch {
		case err == nil:
			return pc
		case !errors.As(err, &se):
			pc.err = fmt.Errorf("%s: %w", name, err)
			return pc
		case !skipBad:
			pc.err = fmt.Errorf("%s:%w", name, err)
			return pc
		}
		pc.bad = append(pc.bad, fmt.Errorf("%s:%w", name, err))
		// Go on after the bad line: skip the lines up to and including it.
		off := skipLines(data, se.Line-first+1)
		data, first = data[off:], se.Line+1
	}
}

// skipLines returns the offset in data just past its first n line ends ("\n", "\r" or
// "\r\n"), or len(data).
func skipLines(data []byte, n int) int {
	i := 0
	for ; n > 0 && i < len(data); i++ {
		switch data[i] {
		case '\n':
			n--
		case '\r':
			n--
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
		}
	}
	return i
}

// grow returns s with room for n more elements, doubling its capacity when it must grow:
// append grows a large slice by a quarter, which for a document of millions of triples
// copies it over and over.
func grow[T any](s []T, n int) []T {
	if len(s)+n <= cap(s) {
		return s
	}
	return append(make([]T, 0, max(2*cap(s), len(s)+n)), s...)
}

// node interns an IRI or blank node term.
func (d *NTriples) node(t ntriples.Term, line int) int32 {
	m, key := d.iris, t.Value
	if t.Kind == ntriples.BlankNode {
		m = d.blanks
	}
	if i, ok := m[key]; ok {
		return i
	}
	i := int32(len(d.nodes))
	n := ntNode{kind: -1, line: line}
	if t.Kind == ntriples.BlankNode {
		n.label = key
	} else {
		n.iri = key
	}
	d.nodes = append(grow(d.nodes, 1), n)
	m[key] = i
	return i
}

// add folds one triple into the document.
func (d *NTriples) add(line int, t ntriples.Triple) {
	s := d.node(t.Subject, line)
	p, ok := d.predIdx[t.Predicate.Value]
	if !ok {
		p = int32(len(d.preds))
		d.preds = append(d.preds, t.Predicate.Value)
		d.predIdx[t.Predicate.Value] = p
		if t.Predicate.Value == rdfType {
			d.typePred = p
		}
	}
	var o int32
	if t.Object.Kind == ntriples.Literal {
		o = -1 - int32(len(d.lits))
		d.lits = append(grow(d.lits, 1), t.Object)
	} else {
		o = d.node(t.Object, line)
		if p == d.typePred && t.Object.Kind == ntriples.IRI {
			if k := d.nodes[s].kind; k < 0 || t.Object.Value < d.nodes[k].iri {
				d.nodes[s].kind = o
			}
		}
	}
	d.triples = append(d.triples, ntTriple{line: line, s: s, p: p, o: o})
}

// sortedPreds returns the indexes of the predicates in IRI order.
func (d *NTriples) sortedPreds() []int32 {
	idx := make([]int32, len(d.preds))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return cmp.Compare(d.preds[a], d.preds[b]) })
	return idx
}

// Read returns the number of triples read, the skipped lines included.
func (d *NTriples) Read() int64 { return int64(len(d.triples) + len(d.skipped)) }

// Skipped returns the errors of the lines skipped with Options.SkipBad, in file order.
func (d *NTriples) Skipped() []error { return d.skipped }
