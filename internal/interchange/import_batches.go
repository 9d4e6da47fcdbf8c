package interchange

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/maphash"
	"io"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/ntriples"
)

// A batched N-Triples import writes a document too large for one message in steps, each
// its own message: batch k holds the triples of a run of whole lines, at least n of them
// (cut where a parse chunk ends), and is applied as an import into the store that the
// batches before it left. So that the steps add up to what one message would have written:
//
//   - a first pass (ScanKinds) notes the own kind of every subject in the whole document,
//     the least (in code-point order) of the IRIs its rdf:type triples name, and every
//     batch makes a node an entity of that kind, even one it meets before its type lines
//     (an edge's object, say) or without them; every other type is a membership the batch
//     that holds its line adds (Kind.Add), as one message would;
//   - a blank node is the same entity in every batch (the labels of those made so far are
//     kept in the heap);
//   - IRIs find the entities, kinds, verbs and columns of earlier batches, as any import
//     into a store that has them does.
//
// What one message would place differently: values of one subject and predicate split
// over two batches, where a later one finds its single-valued column taken (see place).
//
// Each batch reports the last line it holds once it commits; an import stopped by an
// error, a crash or a signal goes on from the line after the last committed batch
// (Options.FromLine), and re-applying an IRI subject's triples changes nothing. Each batch
// notes the entities it made for blank nodes in the store's metadata, in its own message,
// so that the resumed import finds them (BeginBatches, EndBatches).

// The notes of a batched import in the store's metadata (entity.Tx.Meta): the source it
// reads, and the entity of each blank node by label.
const (
	metaImport = "import."
	metaSource = metaImport + "source"
	metaBlank  = metaImport + "blank."
)

// ErrOtherSource reports a resumed batched import of another source than the one that
// was stopped.
var ErrOtherSource = errors.New("the store holds the steps of another import")

// blankKey is the metadata key of the blank node label: the label, or its SHA-256 if it is
// too long for a key.
func blankKey(label string) []byte {
	if len(metaBlank)+len(label) <= entity.MaxMetaKey {
		return []byte(metaBlank + label)
	}
	h := sha256.Sum256([]byte(label))
	return append([]byte(metaImport+"blank#"), h[:]...)
}

// BeginBatches starts, in the message tx, a batched import of source (a text that names
// the input, such as its file name and size): it forgets the notes of an earlier one. With
// resume, it goes on with the import stopped before instead, which must be of the same
// source (ErrOtherSource); if the store notes none (that import finished), the blank nodes
// of the lines before the resumed ones are not known, and become new entities if met again.
func BeginBatches(tx *entity.Tx, source string, resume bool) error {
	if resume {
		if had, ok := tx.Meta([]byte(metaSource)); ok && string(had) != source {
			return fmt.Errorf("%w: the stopped one reads %s, not %s", ErrOtherSource, had, source)
		}
		return nil
	}
	if _, err := tx.DeleteMeta([]byte(metaImport)); err != nil {
		return err
	}
	return tx.SetMeta([]byte(metaSource), []byte(source))
}

// EndBatches forgets, in the message tx, the notes of a batched import whose last step
// has committed.
func EndBatches(tx *entity.Tx) error {
	_, err := tx.DeleteMeta([]byte(metaImport))
	return err
}

// Kinds is the own kind of every typed subject of a document, from ScanKinds. A subject
// is known by a 128-bit hash of its IRI or label, not the string: the map of a document of
// 10^7 subjects stays a few hundred MB smaller, and holds no pointer for the collector to
// follow. Two of 10^9 subjects share a hash with a chance below 10^-20.
type Kinds struct {
	classes []string // class IRIs
	seeds   [2]maphash.Seed
	iris    map[nodeHash]int32 // subject IRI → index in classes
	blanks  map[nodeHash]int32 // subject blank label → index in classes
	// Triples and Bytes are the triples (or quads) and bytes of the document it read.
	Triples, Bytes int64
}

// nodeHash is the hash by which Kinds knows a subject.
type nodeHash [2]uint64

func (k *Kinds) hash(s string) nodeHash {
	return nodeHash{maphash.String(k.seeds[0], s), maphash.String(k.seeds[1], s)}
}

// kindOf returns the index in classes of the own kind of the subject with the given IRI
// or, if iri is "", blank node label.
func (k *Kinds) kindOf(iri, label string) (int32, bool) {
	if k.iris == nil {
		return 0, false
	}
	if iri == "" {
		c, ok := k.blanks[k.hash(label)]
		return c, ok
	}
	c, ok := k.iris[k.hash(iri)]
	return c, ok
}

// Subjects returns the number of typed subjects k knows.
func (k *Kinds) Subjects() int { return len(k.iris) + len(k.blanks) }

// HeapBytes estimates the heap k takes: its maps' slots (hash, index and control byte at
// a load of 7/8) and its class IRIs.
func (k *Kinds) HeapBytes() int64 {
	n := int64(k.Subjects())*(16+4+1)*8/7 + 256
	for _, c := range k.classes {
		n += int64(len(c)) + 16
	}
	return n
}

// ScanKinds reads a whole N-Triples (or, with opts.Quads, N-Quads; with opts.Turtle,
// Turtle) document and returns,
// for every subject with an rdf:type triple, the least (in code-point order) of the IRIs
// those name: its own kind, whatever the order of lines. Syntax errors are as
// ParseNTriples reports them.
func ScanKinds(ctx context.Context, r io.Reader, name string, opts Options) (*Kinds, error) {
	k := &Kinds{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		iris: map[nodeHash]int32{}, blanks: map[nodeHash]int32{}}
	classIdx := map[string]int32{}
	opts.Progress, opts.Warn = nil, nil // the batches' pass reports both
	err := documentChunks(ctx, r, name, opts, func(pc parsedChunk) error {
		k.Triples += int64(len(pc.triples))
		k.Bytes += int64(pc.bytes)
		for _, t := range pc.triples {
			if t.Predicate.Value != rdfType || t.Object.Kind != ntriples.IRI {
				continue
			}
			m := k.iris
			if t.Subject.Kind == ntriples.BlankNode {
				m = k.blanks
			}
			h := k.hash(t.Subject.Value)
			if c, ok := m[h]; ok && k.classes[c] <= t.Object.Value {
				continue
			}
			c, ok := classIdx[t.Object.Value]
			if !ok {
				c = int32(len(k.classes))
				k.classes = append(k.classes, t.Object.Value)
				classIdx[t.Object.Value] = c
			}
			m[h] = c
		}
		return pc.err
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// documentChunks hands fold the triples of an N-Triples or N-Quads document (parseChunks)
// or, with opts.Turtle, a Turtle one (turtleChunks), chunk by chunk in file order.
func documentChunks(ctx context.Context, r io.Reader, name string, opts Options, fold func(parsedChunk) error) error {
	if opts.Turtle {
		return turtleChunks(ctx, r, name, opts, fold)
	}
	return parseChunks(ctx, r, name, opts, fold)
}

// Batch is one step of a batched import: a document, and the lines of the input it holds.
type Batch struct {
	*NTriples
	First, Last int // the first and last line of the input it holds
}

// ParseNTriplesBatches reads an N-Triples document as ParseNTriples does (or, with
// opts.Turtle, a Turtle one as ParseTurtle does), and hands it to
// apply in batches of at least n triples (the last may hold fewer), in file order: apply
// writes each in its own message. kinds, from ScanKinds over the same document, gives the
// nodes their kinds. Lines before opts.FromLine are parsed but not handed over. The first
// error of a parse or of apply stops the import: the batches before it stay committed.
func ParseNTriplesBatches(ctx context.Context, r io.Reader, name string, opts Options, n int, kinds *Kinds, apply func(Batch) error) error {
	if n <= 0 {
		return fmt.Errorf("%w: a batch must hold at least one triple, not %d", ErrBadInput, n)
	}
	blankIDs := map[string]entity.ID{}
	newBatch := func() Batch {
		d := newNTriples(name, opts.SkipBad)
		d.blankIDs = blankIDs
		return Batch{NTriples: d}
	}
	b := newBatch()
	flush := func() error {
		if len(b.triples) == 0 && len(b.skipped) == 0 {
			return nil
		}
		b.giveKinds(kinds)
		if err := apply(b); err != nil {
			return err
		}
		b = newBatch()
		return nil
	}
	err := documentChunks(ctx, r, name, opts, func(pc parsedChunk) error {
		for _, err := range pc.bad {
			var se *ntriples.SyntaxError
			if !errors.As(err, &se) || se.Line >= opts.FromLine {
				b.skipped = append(b.skipped, err)
			}
		}
		for i, t := range pc.triples {
			line := pc.lines[i]
			if line < opts.FromLine {
				continue
			}
			if b.First == 0 {
				b.First = line
			}
			b.Last = line
			b.add(line, t)
		}
		opts.progress(int64(pc.bytes), int64(len(pc.triples)))
		if pc.err != nil {
			return pc.err
		}
		if len(b.triples) >= n {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// giveKinds gives every node of the batch the own kind ScanKinds found for it in the whole
// document, so that the batch makes it an entity of that kind whatever lines of it the
// batch holds.
func (d *NTriples) giveKinds(k *Kinds) {
	for i := range len(d.nodes) { // not the class nodes it adds
		nd := d.nodes[i]
		c, ok := k.kindOf(nd.iri, nd.label)
		if !ok {
			continue
		}
		// The class may be a node of the batch already, or become one; it is an entity
		// only if a triple needs it (markTypes).
		kind := d.node(ntriples.Term{Kind: ntriples.IRI, Value: k.classes[c]}, nd.line)
		d.nodes[i].kind = kind
	}
}
