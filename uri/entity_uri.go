package uri

import (
	"fmt"
	"strconv"
	"strings"
)

// An entity URI names one entity in one store:
//
//	entity-uri = "ic://" scope "/" kind "/" id
//	scope      = principal / uuid
//
// for example ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/42. There is no
// percent-encoding, query, fragment, or trailing '/': only the canonical text
// of each part is accepted, so two URIs name the same entity exactly when
// their strings are equal.

// uriPrefix starts every entity URI. The scheme is "ic" for every store,
// including those whose scope is a UUID.
const uriPrefix = "ic://"

// maxURILen bounds the text of a valid entity URI.
const maxURILen = len(uriPrefix) + maxPrincipalText + 1 + MaxKindLen + 1 + len("18446744073709551615")

// EntityURI names an entity: the store it lives in (Scope), its kind, and its
// ID within the store. Its fields may be set directly; Validate reports
// whether the result is a URI that ParseEntityURI would accept. EntityURIs are
// comparable with == and usable as map keys.
type EntityURI struct {
	// Scope is the store holding the entity; it must not be zero.
	Scope Scope
	// Kind is the entity's kind, as ValidateKind accepts it.
	Kind string
	// ID is the entity's ID within the store; it must not be zero.
	ID uint64
}

// ParseEntityURI parses an entity URI of the form ic://<scope>/<kind>/<id>,
// accepting only the canonical text that String produces. The error is a
// *SyntaxError whose Offset is a byte offset into s.
func ParseEntityURI(s string) (EntityURI, error) {
	u, err := parseEntityURI(s)
	if err != nil {
		return EntityURI{}, err
	}
	return u, nil
}

func parseEntityURI(s string) (EntityURI, *SyntaxError) {
	if !strings.HasPrefix(s, uriPrefix) {
		if len(s) >= len(uriPrefix) && strings.EqualFold(s[:len(uriPrefix)], uriPrefix) {
			return EntityURI{}, syntaxError(s, 0, ErrBadScheme, "want the prefix %q in lowercase", uriPrefix)
		}
		return EntityURI{}, syntaxError(s, 0, ErrBadScheme, "want the prefix %q", uriPrefix)
	}
	scopeLo := len(uriPrefix)
	scopeHi := indexFrom(s, scopeLo, '/')
	scope, err := parseScope(s, scopeLo, scopeHi)
	if err != nil {
		return EntityURI{}, err
	}
	if scopeHi == len(s) {
		return EntityURI{}, syntaxError(s, scopeHi, ErrMissing, "no /<kind>/<id> after the scope")
	}
	kindLo := scopeHi + 1
	kindHi := indexFrom(s, kindLo, '/')
	if err := checkKind(s, kindLo, kindHi); err != nil {
		return EntityURI{}, err
	}
	if kindHi == len(s) {
		return EntityURI{}, syntaxError(s, kindHi, ErrMissing, "no /<id> after the kind")
	}
	id, err := parseID(s, kindHi+1, len(s))
	if err != nil {
		return EntityURI{}, err
	}
	return EntityURI{Scope: scope, Kind: s[kindLo:kindHi], ID: id}, nil
}

// indexFrom returns the index of the first c in s at or after lo, or len(s).
func indexFrom(s string, lo int, c byte) int {
	if i := strings.IndexByte(s[lo:], c); i >= 0 {
		return lo + i
	}
	return len(s)
}

// Validate reports whether u is a valid entity URI: a non-zero Scope, a Kind
// that ValidateKind accepts, and a non-zero ID. The error wraps ErrMissing,
// ErrZeroID, or the error of ValidateKind.
func (u EntityURI) Validate() error {
	if u.Scope.IsZero() {
		return fmt.Errorf("uri: %w: entity URI without a scope", ErrMissing)
	}
	if err := ValidateKind(u.Kind); err != nil {
		return err
	}
	if u.ID == 0 {
		return fmt.Errorf("uri: %w: entity URI with id 0, ids start at 1", ErrZeroID)
	}
	return nil
}

// String returns the text of u, such as
// "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/42". For an invalid u it returns
// text that ParseEntityURI rejects.
func (u EntityURI) String() string {
	return string(u.appendText(make([]byte, 0, maxURILen)))
}

// MarshalText implements encoding.TextMarshaler. The zero EntityURI marshals
// to empty text; any other invalid one is an error, as Validate reports.
func (u EntityURI) MarshalText() ([]byte, error) {
	if u == (EntityURI{}) {
		return []byte{}, nil
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return u.appendText(make([]byte, 0, maxURILen)), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, accepting what
// ParseEntityURI accepts and, as the inverse of MarshalText, empty text for
// the zero EntityURI.
func (u *EntityURI) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*u = EntityURI{}
		return nil
	}
	v, err := ParseEntityURI(string(text))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// Ref returns u as an absolute Ref.
func (u EntityURI) Ref() Ref {
	return Ref(u)
}

func (u EntityURI) appendText(dst []byte) []byte {
	dst = append(dst, uriPrefix...)
	dst = u.Scope.appendText(dst)
	dst = append(dst, '/')
	dst = append(dst, u.Kind...)
	dst = append(dst, '/')
	return strconv.AppendUint(dst, u.ID, 10)
}
