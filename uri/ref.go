package uri

import (
	"fmt"
	"strconv"
	"strings"
)

// A reference is how the query language writes an entity. It takes one of
// three forms:
//
//	ref = entity-uri      ; ic://<scope>/<kind>/<id>: absolute
//	    / kind "/" id     ; <kind>/<id>: in the store being queried
//	    / "#" id          ; #<id>: in the store being queried, whatever its kind
//
// The form is chosen before any part is parsed: a leading '#' makes a bare ID;
// a leading "ic:", or "://" anywhere, makes a URI (so that "http://..." is
// reported as a bad scheme, not a bad kind); anything else is kind/id.

// Ref is an entity reference in one of the three forms the query language
// writes, which its fields tell apart:
//
//   - absolute, ic://<scope>/<kind>/<id>: Scope, Kind and ID are set;
//   - kind-relative, <kind>/<id>: Kind and ID are set, Scope is zero;
//   - bare, #<id>: only ID is set.
//
// Resolving a relative Ref, which needs the store being queried, is left to
// the caller. Refs are comparable with == and usable as map keys.
type Ref struct {
	// Scope is the store holding the entity, or zero if the Ref is relative.
	Scope Scope
	// Kind is the entity's kind, or empty for a bare ID.
	Kind string
	// ID is the entity's ID within the store; it must not be zero.
	ID uint64
}

// ParseRef parses an entity reference in any of its three forms:
// ic://<scope>/<kind>/<id>, <kind>/<id>, or #<id>. Each part is held to the
// rules of ParseEntityURI. The error is a *SyntaxError whose Offset is a byte
// offset into s.
func ParseRef(s string) (Ref, error) {
	r, err := parseRef(s)
	if err != nil {
		return Ref{}, err
	}
	return r, nil
}

func parseRef(s string) (Ref, *SyntaxError) {
	switch {
	case s == "":
		return Ref{}, syntaxError(s, 0, ErrMissing, "empty reference")
	case s[0] == '#':
		id, err := parseID(s, 1, len(s))
		if err != nil {
			return Ref{}, err
		}
		return Ref{ID: id}, nil
	case strings.HasPrefix(s, "ic:") || strings.Contains(s, "://"):
		u, err := parseEntityURI(s)
		if err != nil {
			return Ref{}, err
		}
		return u.Ref(), nil
	}
	slash := indexFrom(s, 0, '/')
	if slash == len(s) && isDigits(s) {
		return Ref{}, syntaxError(s, 0, ErrMissing, "no kind; a bare id is written with '#', as in #%s", s[:min(len(s), 20)])
	}
	if err := checkKind(s, 0, slash); err != nil {
		return Ref{}, err
	}
	if slash == len(s) {
		return Ref{}, syntaxError(s, slash, ErrMissing, "no /<id> after the kind")
	}
	id, err := parseID(s, slash+1, len(s))
	if err != nil {
		return Ref{}, err
	}
	return Ref{Kind: s[:slash], ID: id}, nil
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsAbsolute reports whether r names its store, that is, whether its Scope
// is set.
func (r Ref) IsAbsolute() bool { return !r.Scope.IsZero() }

// URI returns r as an EntityURI, and whether r is absolute; for a relative r
// it returns the zero EntityURI and false.
func (r Ref) URI() (EntityURI, bool) {
	if !r.IsAbsolute() {
		return EntityURI{}, false
	}
	return EntityURI(r), true
}

// Validate reports whether r is a valid reference in one of the three forms:
// a non-zero ID; a Kind, if set, that ValidateKind accepts; and a Kind
// whenever the Scope is set. The error wraps ErrMissing, ErrZeroID, or the
// error of ValidateKind.
func (r Ref) Validate() error {
	if u, ok := r.URI(); ok {
		return u.Validate()
	}
	if r.Kind != "" {
		if err := ValidateKind(r.Kind); err != nil {
			return err
		}
	}
	if r.ID == 0 {
		return fmt.Errorf("uri: %w: reference with id 0, ids start at 1", ErrZeroID)
	}
	return nil
}

// String returns the text of r in its form: "ic://<scope>/<kind>/<id>",
// "<kind>/<id>" or "#<id>". For an invalid r it returns text that ParseRef
// rejects.
func (r Ref) String() string {
	if u, ok := r.URI(); ok {
		return u.String()
	}
	if r.Kind != "" {
		return r.Kind + "/" + strconv.FormatUint(r.ID, 10)
	}
	return "#" + strconv.FormatUint(r.ID, 10)
}
