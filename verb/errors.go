package verb

import "errors"

// Errors of the verb layer, returned wrapped with the verb and entities they concern. A
// write that fails with any of them changes nothing.
var (
	// ErrCardinality reports a link that the verb's cardinality forbids; the message names
	// the verb, the entities and the edge that is in the way.
	ErrCardinality = errors.New("cardinality violated")
	// ErrNoVerb reports a name that is not a verb of the store.
	ErrNoVerb = errors.New("no such verb")
)
