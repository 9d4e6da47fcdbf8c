package turtle

import (
	"fmt"

	"github.com/stablegraph/stablegraph/internal/ntriples"
)

// ErrSyntax is matched by errors.Is for every *SyntaxError. It is ntriples.ErrSyntax: a
// caller handles a syntax error of either format alike.
var ErrSyntax = ntriples.ErrSyntax

// SyntaxError reports input that is not Turtle 1.1, or that does not denote RDF triples,
// and where: LINE:COL, the column counted in bytes. It is the N-Triples parser's type.
type SyntaxError = ntriples.SyntaxError

func errorAt(m mark, format string, args ...any) error {
	return &SyntaxError{Line: m.line, Column: m.col, Msg: fmt.Sprintf(format, args...)}
}
