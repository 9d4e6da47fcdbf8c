package entity

import "errors"

// Errors of the entity layer. They are returned wrapped with the entity, kind or IRI they
// concern; test for them with errors.Is.
var (
	// ErrNoEntity reports an entity ID that was never allocated or whose entity was deleted.
	ErrNoEntity = errors.New("no such entity")
	// ErrNoKind reports a kind name that is not registered.
	ErrNoKind = errors.New("no such kind")
	// ErrWrongKind reports an entity that exists but is of another kind than the one named.
	ErrWrongKind = errors.New("entity is of another kind")
	// ErrScope reports a URI of another store, a store without a scope asked for a URI, or
	// a scope given to Open that differs from the one the store was created with.
	ErrScope = errors.New("scope mismatch")
	// ErrIRI reports an IRI that is empty or longer than MaxIRI bytes.
	ErrIRI = errors.New("invalid IRI")
	// ErrIRITaken reports an IRI that another entity already carries.
	ErrIRITaken = errors.New("IRI belongs to another entity")
	// ErrSchema reports a definition that cannot be part of a schema: a bad or duplicate
	// name, an unsupported type, a missing option.
	ErrSchema = errors.New("invalid schema definition")
	// ErrNilAbort is the error of a message that Tx.Abort ended with a nil error.
	ErrNilAbort = errors.New("message aborted with a nil error")
	// ErrNoDeleter reports a column or verb in the catalog that no registered deleter
	// handles, so Delete cannot remove an entity from it (import the column or verb package).
	ErrNoDeleter = errors.New("no deleter registered for role")
)
