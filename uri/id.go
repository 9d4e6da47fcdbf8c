package uri

import "math"

// An entity ID is a uint64 greater than zero, written in decimal:
//
//	id = %x31-39 *DIGIT   ; no sign, no leading zeros, at most 18446744073709551615
//
// Zero is not an ID so that the zero value of an ID field means "none".

// parseID parses src[lo:hi] as an entity ID, reporting offsets into src.
func parseID(src string, lo, hi int) (uint64, *SyntaxError) {
	s := src[lo:hi]
	if len(s) == 0 {
		return 0, syntaxError(src, lo, ErrMissing, "empty id")
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
		case i == 0 && (c == '+' || c == '-'):
			return 0, syntaxError(src, lo, ErrBadChar, "id with a sign %q, ids are unsigned decimal", c)
		case c == '/':
			return 0, syntaxError(src, lo+i, ErrBadChar, "'/' in the id, which is the last part")
		default:
			return 0, syntaxError(src, lo+i, ErrBadChar, "%s in the id, want a decimal digit", charAt(s, i))
		}
	}
	if s == "0" {
		return 0, syntaxError(src, lo, ErrZeroID, "id 0, ids start at 1")
	}
	if s[0] == '0' {
		return 0, syntaxError(src, lo, ErrLeadingZero, "id has leading zeros")
	}
	var v uint64
	for i := range len(s) {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, syntaxError(src, lo, ErrOverflow, "id is greater than %d", uint64(math.MaxUint64))
		}
		v = v*10 + d
	}
	return v, nil
}
