package column

import (
	"errors"

	"github.com/stablegraph/stablegraph/store"
)

// Errors of the column layer, returned wrapped with the column, entity and values they
// concern. A write that fails with any of them changes nothing.
var (
	// ErrType reports a value of the wrong type for its column, or a type that a column
	// cannot hold.
	ErrType = errors.New("wrong type")
	// ErrTooLong reports a string or byte slice longer than its column's MaxLen.
	ErrTooLong = errors.New("value too long")
	// ErrRange reports a number that does not fit its column's type.
	ErrRange = errors.New("value out of range")
	// ErrNaN reports a NaN float, which has no place in a value order. It is store.ErrNaN,
	// so errors.Is matches either name.
	ErrNaN = store.ErrNaN
	// ErrNotIndexed reports a value lookup on a column without Indexed.
	ErrNotIndexed = errors.New("column is not indexed")
	// ErrMulti reports a single-value operation on a Multi column, or the reverse.
	ErrMulti = errors.New("wrong operation for the column's multiplicity")
	// ErrRunFuncWrote reports a function given to ApplyRuns2 that wrote to one of the
	// columns it runs over.
	ErrRunFuncWrote = errors.New("the function of a run wrote to a column it runs over")
	// ErrNoColumn reports a name that is not a column of the store.
	ErrNoColumn = errors.New("no such column")
)
