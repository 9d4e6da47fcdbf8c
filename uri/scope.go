package uri

import (
	"strings"

	"github.com/google/uuid"
)

// Scope names the store an entity lives in: the Principal of the canister that
// holds it, or, for a store that does not run on the Internet Computer, a
// UUID. Scopes are comparable with == and usable as map keys.
//
// The zero Scope is no scope at all; it is neither a principal nor a UUID,
// and its text is empty.
//
// In text the two are told apart by shape: a UUID is written in its canonical
// 8-4-4-4-12 form, so its first '-' is at byte offset 8, where principal text
// longer than 5 characters has its first '-' at offset 5.
type Scope struct {
	kind      scopeKind
	principal Principal
	uuid      uuid.UUID
}

type scopeKind uint8

const (
	scopeNone scopeKind = iota
	scopePrincipal
	scopeUUID
)

// uuidTextLen is the length of a UUID's canonical text.
const uuidTextLen = 36

// PrincipalScope returns the scope of the store held by canister p.
func PrincipalScope(p Principal) Scope {
	return Scope{kind: scopePrincipal, principal: p}
}

// UUIDScope returns the scope of the store named by u. Any UUID is accepted,
// whatever its version, including the nil UUID.
func UUIDScope(u uuid.UUID) Scope {
	return Scope{kind: scopeUUID, uuid: u}
}

// ParseScope parses a scope: a UUID in its canonical lowercase 8-4-4-4-12
// form, such as "6ba7b810-9dad-11d1-80b4-00c04fd430c8", or else principal text
// as ParsePrincipal accepts it. Text is taken for a UUID when its first '-' is
// at offset 8, and its errors then speak of a UUID. The error is a
// *SyntaxError.
func ParseScope(s string) (Scope, error) {
	sc, err := parseScope(s, 0, len(s))
	if err != nil {
		return Scope{}, err
	}
	return sc, nil
}

// parseScope parses src[lo:hi], reporting offsets into src.
func parseScope(src string, lo, hi int) (Scope, *SyntaxError) {
	if lo == hi {
		return Scope{}, syntaxError(src, lo, ErrMissing, "empty scope")
	}
	if strings.IndexByte(src[lo:hi], '-') == 8 {
		u, err := parseUUID(src, lo, hi)
		if err != nil {
			return Scope{}, err
		}
		return UUIDScope(u), nil
	}
	p, err := parsePrincipal(src, lo, hi)
	if err != nil {
		return Scope{}, err
	}
	return PrincipalScope(p), nil
}

// parseUUID parses the canonical text of a UUID in src[lo:hi]. It is stricter
// than uuid.Parse, which also takes uppercase, braces, a urn:uuid: prefix and
// no hyphens: a scope has one text so that equal URIs are equal strings.
func parseUUID(src string, lo, hi int) (uuid.UUID, *SyntaxError) {
	s := src[lo:hi]
	var u uuid.UUID
	nib := 0 // hex digits read so far
	for i := range min(len(s), uuidTextLen) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return uuid.UUID{}, syntaxError(src, lo+i, ErrBadGrouping,
					"want '-' at offset %d of a UUID (8-4-4-4-12), found %s", i, charAt(s, i))
			}
			continue
		}
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case c == '-':
			return uuid.UUID{}, syntaxError(src, lo+i, ErrBadGrouping,
				"'-' at offset %d of a UUID, want them at 8, 13, 18 and 23 (8-4-4-4-12)", i)
		case 'A' <= c && c <= 'F':
			return uuid.UUID{}, syntaxError(src, lo+i, ErrUppercase, "%q: UUID text is lowercase", c)
		default:
			return uuid.UUID{}, syntaxError(src, lo+i, ErrBadChar, "%s is not a hex digit (0-9, a-f)", charAt(s, i))
		}
		u[nib/2] |= v << (4 * (1 - nib%2))
		nib++
	}
	switch {
	case len(s) < uuidTextLen:
		return uuid.UUID{}, syntaxError(src, hi, ErrBadLength, "UUID ends after %d bytes, want %d", len(s), uuidTextLen)
	case len(s) > uuidTextLen:
		return uuid.UUID{}, syntaxError(src, lo+uuidTextLen, ErrBadLength, "%d bytes after the 36 of a UUID", len(s)-uuidTextLen)
	}
	return u, nil
}

// IsZero reports whether s is the zero Scope, which names no store.
func (s Scope) IsZero() bool { return s.kind == scopeNone }

// Principal returns the canister principal of s, and whether s is one.
func (s Scope) Principal() (Principal, bool) {
	return s.principal, s.kind == scopePrincipal
}

// UUID returns the UUID of s, and whether s is one.
func (s Scope) UUID() (uuid.UUID, bool) {
	return s.uuid, s.kind == scopeUUID
}

// String returns the text of the scope: principal text, the canonical
// lowercase text of a UUID, or "" for the zero Scope.
func (s Scope) String() string {
	return string(s.appendText(nil))
}

// MarshalText implements encoding.TextMarshaler; the text is that of String.
func (s Scope) MarshalText() ([]byte, error) {
	return s.appendText(nil), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, accepting what ParseScope
// accepts and, as the inverse of MarshalText, empty text for the zero Scope.
func (s *Scope) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*s = Scope{}
		return nil
	}
	sc, err := ParseScope(string(text))
	if err != nil {
		return err
	}
	*s = sc
	return nil
}

func (s Scope) appendText(dst []byte) []byte {
	switch s.kind {
	case scopePrincipal:
		return s.principal.appendText(dst)
	case scopeUUID:
		return append(dst, s.uuid.String()...)
	}
	return dst
}
