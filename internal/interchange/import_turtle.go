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
	err := turtleChunks(ctx, r, name, opts, func(pc parsedChunk) error {
		for i, t := range pc.triples {
			doc.add(pc.lines[i], t)
		}
		opts.progress(int64(pc.bytes), int64(len(pc.triples)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// turtleChunk is the triples turtleChunks hands over at a time, at least.
const turtleChunk = 4096

// turtleChunks parses a Turtle document as it streams in and hands fold its triples in
// file order, in chunks of at least turtleChunk triples (the last may hold fewer) cut where
// a line ends, so that a batched import commits whole lines, as it does for N-Triples
// (see parseChunks). An error of fold is returned as it is.
func turtleChunks(ctx context.Context, r io.Reader, name string, opts Options, fold func(parsedChunk) error) error {
	var pc parsedChunk
	var foldErr error
	last := 0
	// A chunk's bytes are those read while its triples were parsed (give or take the
	// parser's buffer); they add up to the document's.
	in := &byteCount{r: r}
	handed := 0
	err := turtle.Parse(in, turtle.Options{Base: opts.Base}, func(line int, t ntriples.Triple) error {
		if len(pc.triples) >= turtleChunk && line != last {
			pc.bytes, handed = in.n-handed, in.n
			if foldErr = fold(pc); foldErr != nil {
				return foldErr
			}
			pc = parsedChunk{}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pc.triples, pc.lines = append(pc.triples, t), append(pc.lines, line)
		last = line
		return nil
	})
	var se *turtle.SyntaxError
	switch {
	case err == nil:
		pc.bytes = in.n - handed
		return fold(pc)
	case foldErr != nil:
		return foldErr
	case errors.As(err, &se):
		return fmt.Errorf("%s:%w", name, err)
	case errors.Is(err, turtle.ErrBase):
		return fmt.Errorf("%s: %w", name, err)
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// byteCount counts the bytes read from r.
type byteCount struct {
	r io.Reader
	n int
}

func (c *byteCount) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += n
	return n, err
}
