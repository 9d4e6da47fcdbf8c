package query

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

var (
	// ErrSyntax is wrapped by every error that Parse returns.
	ErrSyntax = errors.New("query syntax error")

	// ErrInvalidQuery is wrapped by the errors of Query.Validate: the syntax
	// tree, typically built in Go, cannot be written as query text.
	ErrInvalidQuery = errors.New("invalid query")

	// ErrUnknownName is wrapped by the errors of Prepare for a kind, column or verb that
	// the store's catalog does not hold, or holds in another role.
	ErrUnknownName = errors.New("unknown name")

	// ErrType is wrapped by the errors of Prepare for a literal that cannot be compared
	// with its column, or a column that cannot be ordered.
	ErrType = errors.New("type mismatch")

	// ErrBadRef is wrapped by the errors of Prepare for an entity reference that is not
	// well formed.
	ErrBadRef = errors.New("malformed entity reference")

	// ErrOverBudget is wrapped by the *EstimateError of a query refused before it ran
	// because its plan's estimate exceeds its page budget.
	ErrOverBudget = errors.New("estimated pages exceed the page budget")
)

// Error is an error at a position in query text.
type Error struct {
	Pos Pos    // where the error is; zero if it has no position
	Msg string // what is wrong: what was expected and what was found
	Err error  // the sentinel error that Unwrap returns, such as ErrSyntax; may be nil
}

// Error returns "line:col: msg", or only msg if the error has no position.
func (e *Error) Error() string {
	if !e.Pos.IsValid() {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// Unwrap returns e.Err, so that errors.Is(err, ErrSyntax) reports a syntax error.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is a list of errors in one query, sorted by position when
// returned by Parse.
type ErrorList []*Error

// Sort sorts the list by position, keeping errors at the same position in
// the order they were added.
func (l ErrorList) Sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}

// Error returns the first error and how many more there are.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Err returns l as an error, or nil if l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Unwrap returns the errors in the list, so that errors.Is and errors.As
// look at each of them.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}
