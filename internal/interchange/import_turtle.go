package interchange

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/internal/turtle"
)

// ParseTurtle reads a Turtle document, named name in messages, into the same NTriples an
// N-Triples import makes, so that the two map onto the store alike. Relative IRIs resolve
// against opts.Base until the document sets its own base. Turtle cannot be cut into
// independent chunks, so it is parsed on one core, as it streams in.
//
// The first syntax error is the error ("name:line:col: …"), also with opts.SkipBad: a
// Turtle parser cannot tell where a statement after a bad one begins. opts.SkipBad still
// skips the triples the store cannot take when the document is applied.
func ParseTurtle(ctx context.Context, r io.Reader, name string, opts Options) (*NTriples, error) {
	doc := newNTriples(name, opts.SkipBad)
	const every = 4096 // triples between progress reports and checks of ctx
	var n int64
	err := turtle.Parse(&countingReader{r: r, opts: opts}, turtle.Options{Base: opts.Base}, func(line int, t ntriples.Triple) error {
		doc.add(line, t)
		if n++; n%every == 0 {
			opts.progress(0, every)
			return ctx.Err()
		}
		return nil
	})
	opts.progress(0, n%every)
	var se *turtle.SyntaxError
	switch {
	case errors.As(err, &se):
		return nil, fmt.Errorf("%s:%w", name, err)
	case errors.Is(err, turtle.ErrBase):
		return nil, fmt.Errorf("%s: %w", name, err)
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return doc, nil
}
