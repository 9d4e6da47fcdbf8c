package interchange

import (
	"errors"
	"fmt"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/verb"
)

// LookupColumn returns the column called name, or an error (wrapping column.ErrNoColumn)
// that suggests a close name.
func LookupColumn(tx *entity.Tx, name string) (*column.Dyn, error) {
	c, err := column.Lookup(tx, name)
	if errors.Is(err, column.ErrNoColumn) {
		return nil, fmt.Errorf("%w%s", err, hint(name, column.Columns(tx)))
	}
	return c, err
}

// LookupVerb returns the verb called name, or an error (wrapping verb.ErrNoVerb) that
// suggests a close name.
func LookupVerb(tx *entity.Tx, name string) (*verb.Verb, error) {
	v, err := verb.Lookup(tx, name)
	if errors.Is(err, verb.ErrNoVerb) {
		return nil, fmt.Errorf("%w%s", err, hint(name, verb.Verbs(tx)))
	}
	return v, err
}

// SuggestKind returns `; did you mean "k"?` for the kind k whose name is closest to name,
// or "".
func SuggestKind(tx *entity.Tx, name string) string { return hint(name, tx.Kinds()) }

// hint returns `; did you mean "x"?` for the candidate whose name is closest to name, or "".
func hint[N interface{ Name() string }](name string, candidates []N) string {
	names := make([]string, len(candidates))
	for i, c := range candidates {
		names[i] = c.Name()
	}
	if s, ok := query.Suggest(name, names); ok {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}
