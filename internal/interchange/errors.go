package interchange

import "errors"

// Errors of the package, returned wrapped with the file, line and value they concern.
var (
	// ErrBadInput reports input that cannot be imported: a malformed line, record or
	// value, an IRI too long to be an entity's.
	ErrBadInput = errors.New("bad input")
	// ErrNotFound reports an entity reference that names no entity.
	ErrNotFound = errors.New("not found")
	// ErrUnknownFormat reports an import format Parse does not read.
	ErrUnknownFormat = errors.New("unknown import format")
)
