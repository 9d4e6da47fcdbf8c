package uri

// A kind names a type of entity, such as "player" or "Synset". Its grammar:
//
//	kind  = first *( first / DIGIT / "-" / "." )   ; at most MaxKindLen bytes
//	first = ALPHA / "_"                            ; ASCII letters only
//
// Kinds are case-sensitive: "Synset" and "synset" are different kinds.
//
// The first character may not be a digit, '-' or '.' so that kind/id in the
// query language is never a number divided by a number or a negated name, and
// so that no kind is the URI path segment "." or "..", which URI resolvers
// remove. All the allowed characters are unreserved in RFC 3986, so a kind
// never needs escaping in a URI.

// MaxKindLen is the length in bytes of the longest kind name.
const MaxKindLen = 64

// ValidateKind reports whether kind is a valid kind name: 1 to MaxKindLen
// ASCII letters, digits, '_', '-' and '.', starting with a letter or '_'. The
// error is a *SyntaxError wrapping ErrMissing, ErrBadChar or ErrTooLong.
func ValidateKind(kind string) error {
	if err := checkKind(kind, 0, len(kind)); err != nil {
		return err
	}
	return nil
}

// checkKind validates src[lo:hi] as a kind, reporting offsets into src.
func checkKind(src string, lo, hi int) *SyntaxError {
	s := src[lo:hi]
	if len(s) == 0 {
		return syntaxError(src, lo, ErrMissing, "empty kind")
	}
	for i := range len(s) {
		if i == MaxKindLen {
			return syntaxError(src, lo+i, ErrTooLong, "kind of %d bytes, the longest is %d", len(s), MaxKindLen)
		}
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
		case i == 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
			return syntaxError(src, lo, ErrBadChar, "kind starts with %q, want a letter or '_'", c)
		default:
			return syntaxError(src, lo+i, ErrBadChar,
				"%s is not allowed in a kind (ASCII letters, digits, '_', '-', '.')", charAt(s, i))
		}
	}
	return nil
}
