package uri

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors. Parse errors are *SyntaxError values that wrap exactly one
// of these; test for them with errors.Is.
var (
	// ErrBadChar reports a byte that is not allowed where it appears: a
	// character outside the base32 alphabet in a principal, a non-hex digit in
	// a UUID, a character outside [A-Za-z0-9_.-] in a kind, a non-digit or a
	// sign in an entity ID.
	ErrBadChar = errors.New("bad character")

	// ErrUppercase reports an uppercase letter in a principal or UUID. Their
	// canonical text is lowercase, and only canonical text is accepted so that
	// two equal values always have the same text.
	ErrUppercase = errors.New("uppercase character")

	// ErrBadGrouping reports a '-' out of place: in a principal, every group
	// but the last must have exactly 5 characters and no group may be empty; in
	// a UUID, the groups are 8-4-4-4-12.
	ErrBadGrouping = errors.New("bad grouping")

	// ErrBadLength reports principal or UUID text whose length no value has:
	// principal text too short to hold the 4-byte checksum, a count of base32
	// characters that is not a whole number of bytes, or a UUID that is not 36
	// bytes long.
	ErrBadLength = errors.New("bad length")

	// ErrTooLong reports a principal longer than MaxPrincipalLen bytes (or its
	// text longer than any such principal's) or a kind longer than MaxKindLen
	// bytes.
	ErrTooLong = errors.New("too long")

	// ErrNonCanonical reports principal text whose last character carries
	// bits beyond the end of the data: it decodes, but is not what encoding
	// the same bytes produces.
	ErrNonCanonical = errors.New("non-canonical encoding")

	// ErrBadChecksum reports principal text whose CRC-32 does not match the
	// bytes it encodes, as a mistyped character would cause.
	ErrBadChecksum = errors.New("bad checksum")

	// ErrBadScheme reports an entity URI that does not start with "ic://".
	ErrBadScheme = errors.New("bad scheme")

	// ErrMissing reports an empty or absent part: the scope, kind or ID of an
	// entity URI or reference.
	ErrMissing = errors.New("missing part")

	// ErrZeroID reports the entity ID 0, which no entity has: IDs start at 1.
	ErrZeroID = errors.New("zero id")

	// ErrLeadingZero reports an entity ID written with leading zeros; the
	// canonical form has none.
	ErrLeadingZero = errors.New("leading zero")

	// ErrOverflow reports an entity ID greater than the largest uint64.
	ErrOverflow = errors.New("id out of range")
)

// SyntaxError describes text that does not parse: which rule it breaks (Err,
// one of the sentinel errors above), where (Offset), and a detail for people.
type SyntaxError struct {
	// Input is the whole text that was being parsed.
	Input string
	// Offset is the byte offset into Input of the first offending byte, or of
	// the start of the offending part when the part as a whole is wrong (a
	// principal's checksum, an ID out of range). It is len(Input) when the
	// text ends too early.
	Offset int
	// Err is the sentinel error saying which rule was broken.
	Err error
	// Msg says what was found and what was wanted.
	Msg string
}

// maxQuoted bounds how much of the input an error message repeats, so that a
// megabyte of garbage does not make a megabyte of log.
const maxQuoted = 80

// Error returns the error as one line:
//
//	uri: parse "ic://aaaaa-ab/player/1": offset 5: bad checksum: ...
func (e *SyntaxError) Error() string {
	in := e.Input
	quoted := ""
	if len(in) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !utf8.RuneStart(in[cut]) {
			cut--
		}
		quoted = strconv.Quote(in[:cut]) + "..."
	} else {
		quoted = strconv.Quote(in)
	}
	return fmt.Sprintf("uri: parse %s: offset %d: %v: %s", quoted, e.Offset, e.Err, e.Msg)
}

// Unwrap returns the sentinel error, so that errors.Is(err, ErrBadChecksum)
// and the like work.
func (e *SyntaxError) Unwrap() error { return e.Err }

func syntaxError(input string, offset int, err error, format string, args ...any) *SyntaxError {
	return &SyntaxError{Input: input, Offset: offset, Err: err, Msg: fmt.Sprintf(format, args...)}
}

// charAt describes the character starting at s[i] for an error message: the
// quoted rune, or the byte in hex when it is not valid UTF-8.
func charAt(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02x", s[i])
	}
	return strconv.QuoteRune(r)
}
