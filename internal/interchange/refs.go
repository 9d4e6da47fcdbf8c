package interchange

import (
	"fmt"
	"strings"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/uri"
)

// Resolve returns the live entity that ref names. A reference is written as in a query:
// ic://<scope>/<kind>/<id>, <kind>/<id>, #<id>, or <iri> for an entity imported from RDF;
// an absolute IRI may also be given without its angle brackets, and an entity without an
// IRI as its blank-node label _:b<id> (entity.BlankLabel). Entities that do not exist are
// ErrNotFound.
func Resolve(tx *entity.Tx, ref string) (entity.ID, error) {
	iri, isIRI, err := ParseRef(ref)
	if err != nil {
		return 0, err
	}
	if id, ok := entity.ParseBlankLabel(ref); ok {
		if iri, has := tx.IRI(id); has {
			return 0, fmt.Errorf("%s: %w: #%d is <%s>", ref, ErrNotFound, id, iri)
		}
		if !tx.Exists(id) {
			return 0, fmt.Errorf("%s: %w: entity #%d: %w", ref, ErrNotFound, id, entity.ErrNoEntity)
		}
		return id, nil
	}
	if isIRI {
		id, ok := tx.ByIRI(iri)
		if !ok {
			return 0, fmt.Errorf("<%s>: no entity has this IRI: %w", iri, ErrNotFound)
		}
		return id, nil
	}
	r, err := uri.ParseRef(ref)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", ref, err)
	}
	id, err := tx.Resolve(r)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return id, nil
}

// ParseRef tells an IRI reference from the entity-URI forms. It returns the IRI, without
// angle brackets, if ref is one.
func ParseRef(ref string) (iri string, isIRI bool, err error) {
	if strings.HasPrefix(ref, "<") {
		r, err := query.ParseEntityRef(ref)
		if err != nil {
			return "", false, fmt.Errorf("entity reference %q: %w", ref, err)
		}
		return r.IRI, true, nil
	}
	if strings.HasPrefix(ref, "ic://") || strings.HasPrefix(ref, "#") {
		return "", false, nil
	}
	if i := strings.IndexByte(ref, ':'); i > 0 && isScheme(ref[:i]) {
		return ref, true, nil
	}
	return "", false, nil
}

// isScheme reports whether s is an IRI scheme: a letter, then letters, digits, '+', '-'
// and '.'.
func isScheme(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// EntityName returns the URI of entity id, or #id if the store has no scope.
func EntityName(tx *entity.Tx, id entity.ID) string {
	u, err := tx.URI(id)
	if err != nil {
		return fmt.Sprintf("#%d", id)
	}
	return u.String()
}

// RefText returns how a document names entity id so that another store can find it:
// <iri> if it has an external IRI, else its URI.
func RefText(tx *entity.Tx, id entity.ID) string {
	if iri, ok := tx.IRI(id); ok {
		return "<" + iri + ">"
	}
	return EntityName(tx, id)
}
