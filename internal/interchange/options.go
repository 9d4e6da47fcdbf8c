package interchange

import (
	"context"
	"fmt"
	"io"

	"github.com/stablegraph/stablegraph/entity"
)

// Options configures the parse of an input.
type Options struct {
	// SkipBad skips and counts malformed lines, and the triples, values and edges the
	// store cannot take, instead of failing on the first.
	SkipBad bool
	// Progress, if not nil, is told of the bytes and rows read, from several goroutines.
	Progress Progress
	// Quads makes ParseNTriples read N-Quads. The store holds one graph: a quad's graph
	// name is dropped, its triple imported, and Warn told how many quads named a graph.
	Quads bool
	// Turtle makes ScanKinds and ParseNTriplesBatches read Turtle (Base as for
	// ParseTurtle), parsed on one core as it streams in.
	Turtle bool
	// Base is the IRI that relative IRIs of a Turtle document resolve against until it
	// sets its own with @base; empty, such an IRI is an error.
	Base string
	// Warn, if not nil, is told in words of what the import drops or changes, once the
	// input is read.
	Warn func(msg string)
	// FromLine, in a batched import (ParseNTriplesBatches), is the first line to write: a
	// stopped import goes on from the line after its last committed batch.
	FromLine int
}

// Progress follows how far a parse has got.
type Progress interface {
	// Add records n more bytes read and rows parsed.
	Add(bytes, rows int64)
}

func (o Options) warn(format string, args ...any) {
	if o.Warn != nil {
		o.Warn(fmt.Sprintf(format, args...))
	}
}

func (o Options) progress(bytes, rows int64) {
	if o.Progress != nil {
		o.Progress.Add(bytes, rows)
	}
}

// Import is a parsed input, ready to be written into a store in one message.
type Import interface {
	// Apply writes the input in tx, which must be the message of an Update, so that an
	// error leaves the store as it was, and adds what it did to sum.
	Apply(tx *entity.Tx, sum *Summary) error
	// Read returns the number of triples, records or rows read, the skipped ones included.
	Read() int64
	// Skipped returns the errors of the lines that Options.SkipBad skipped, in file order.
	Skipped() []error
}

// Summary is what an import did: what it skipped, created and wrote.
type Summary struct {
	Skipped  int64 // bad lines, triples and edges skipped with Options.SkipBad
	Entities int64 // entities created
	Values   int64 // column values written
	Edges    int64 // edges written
	Kinds    []string
	Columns  []string
	Verbs    []string

	// Wrote, if not nil, is called by Apply, on its goroutine, with the summary so far,
	// each time it writes an entity, a value or an edge, or a run of values or edges it
	// writes at once (an N-Triples import writes a column's values, and a verb's edges, in
	// bulk), so that a caller can show how far the write has got. It must be quick.
	Wrote func(Summary)
}

// wrote tells Wrote of another entity, value or edge written.
func (s *Summary) wrote() {
	if s.Wrote != nil {
		s.Wrote(*s)
	}
}

// Parse reads a whole input of the given format ("ntriples", "nquads", "turtle", "jsonl"
// or "csv"; kind is the entities' kind, for csv only), ready to be written in one message.
// A format it does not read is ErrUnknownFormat.
func Parse(ctx context.Context, r io.Reader, format, name, kind string, opts Options) (Import, error) {
	var imp Import
	var err error
	switch format {
	case "ntriples", "nquads":
		opts.Quads = format == "nquads"
		var nt *NTriples
		if nt, err = ParseNTriples(ctx, r, name, opts); err == nil {
			imp = nt
		}
	case "turtle":
		var nt *NTriples
		if nt, err = ParseTurtle(ctx, r, name, opts); err == nil {
			imp = nt
		}
	case "jsonl", "csv":
		var rec *Records
		if format == "jsonl" {
			rec, err = ParseJSONL(r, name, opts)
		} else {
			rec, err = ParseCSV(r, name, kind, opts)
		}
		if err == nil {
			imp = rec
		}
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownFormat, format)
	}
	return imp, err
}
