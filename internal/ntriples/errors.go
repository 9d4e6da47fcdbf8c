package ntriples

import (
	"errors"
	"fmt"
)

// ErrSyntax is matched by errors.Is for every *SyntaxError.
var ErrSyntax = errors.New("syntax error")

// ErrInvalidTerm is matched by errors.Is for every error that
// Triple.Validate, a Writer or AppendTriple returns for a triple that
// N-Triples cannot represent exactly.
var ErrInvalidTerm = errors.New("ntriples: invalid term")

// SyntaxError reports input that is not N-Triples 1.1, or that does not
// denote an RDF triple, and where. Package turtle reports Turtle syntax
// errors with it too.
type SyntaxError struct {
	Line   int    // 1-based line number
	Column int    // 1-based column, counted in bytes from the start of the line
	Msg    string // what was wrong, and what was expected there
}

// Error returns "LINE:COL: message", ready for a caller to prefix "FILE:".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// invalidTerm returns an error wrapping ErrInvalidTerm for the term in the
// given role (subject, predicate, object).
func invalidTerm(role, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidTerm, role, fmt.Sprintf(format, args...))
}
