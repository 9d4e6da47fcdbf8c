package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store"
)

// The exit codes of graphctl.
const (
	exitOK      = 0
	exitUser    = 1 // bad query, bad input, not found
	exitUsage   = 2 // unknown command or flag, missing or extra argument
	exitDamaged = 3 // the store fails its integrity check
)

// exitCode is the one place that maps errors to exit codes.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.Is(err, server.ErrInvalid):
		return exitUsage
	case errors.Is(err, store.ErrCorrupt), errors.Is(err, errDamaged):
		return exitDamaged
	default:
		// Everything else is the user's to fix: query.ErrSyntax, ntriples.ErrSyntax,
		// errNotFound, store.ErrIncompatibleSchema, store.ErrPageBudgetExceeded, a file
		// that is not a store, an I/O error.
		return exitUser
	}
}

// Errors of graphctl itself; the packages it wires together have their own.
var (
	// errNotFound reports an entity, variable or file that does not exist: the error
	// interchange.Resolve gives for an entity, so that one errors.Is finds both.
	errNotFound = interchange.ErrNotFound
	// errDamaged reports a store that fails verify.
	errDamaged = server.ErrDamaged
	// errBadInput reports input that graphctl cannot take: the error of a bad line in an
	// import (interchange.ErrBadInput), of a bad value, of a bad schema or workload file.
	errBadInput = interchange.ErrBadInput
)

// usageError is an error in how graphctl was called rather than in what it was asked to do.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// usageArgs wraps a cobra argument check so that its errors are usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}
