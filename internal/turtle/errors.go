package turtle

import (
	"errors"
	"fmt"
)

// ErrSyntax is matched by errors.Is for every *SyntaxError.
var ErrSyntax = errors.New("turtle: syntax error")

// SyntaxError reports input that is not Turtle 1.1, or that does not denote
// RDF triples, and where.
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

func errorAt(m mark, format string, args ...any) error {
	return &SyntaxError{Line: m.line, Column: m.col, Msg: fmt.Sprintf(format, args...)}
}
