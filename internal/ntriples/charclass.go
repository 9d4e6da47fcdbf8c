package ntriples

import (
	"fmt"
	"unicode/utf8"
)

// Character classes of the N-Triples 1.1 grammar (W3C Recommendation,
// 25 February 2014, section 7), shared by the parser and the writer.
//
// One deliberate difference from the printed grammar: PN_CHARS_U there
// includes ':', but the W3C test suite (nt-syntax-bad-bnode-01 and -02),
// Turtle, of which N-Triples is a subset, and RDF 1.2 N-Triples all reject
// ':' in blank node labels, so this package does too.

// iriRaw[b] reports whether the ASCII byte b may appear unescaped in an
// IRIREF: [^#x00-#x20<>"{}|^`\].
var iriRaw = func() (t [utf8.RuneSelf]bool) {
	for b := 0x21; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range []byte("<>\"{}|^`\\") {
		t[b] = false
	}
	return t
}()

// stringRaw[b] reports whether the ASCII byte b may appear unescaped in a
// STRING_LITERAL_QUOTE: [^#x22#x5C#xA#xD].
var stringRaw = func() (t [utf8.RuneSelf]bool) {
	for b := 0; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range []byte("\"\\\n\r") {
		t[b] = false
	}
	return t
}()

// labelASCII[b] reports whether the ASCII byte b is a PN_CHARS character:
// a letter, a digit, '_' or '-'.
var labelASCII = func() (t [utf8.RuneSelf]bool) {
	for b := 0; b < utf8.RuneSelf; b++ {
		t[b] = isLetter(byte(b)) || isDigit(byte(b)) || b == '_' || b == '-'
	}
	return t
}()

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
func isDigit(b byte) bool  { return '0' <= b && b <= '9' }

// isPNCharsBase reports whether r is a PN_CHARS_BASE character.
func isPNCharsBase(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return isLetter(byte(r))
	case r < 0xC0:
		return false
	case r <= 0xD6,
		0xD8 <= r && r <= 0xF6,
		0xF8 <= r && r <= 0x2FF,
		0x370 <= r && r <= 0x37D,
		0x37F <= r && r <= 0x1FFF,
		0x200C <= r && r <= 0x200D,
		0x2070 <= r && r <= 0x218F,
		0x2C00 <= r && r <= 0x2FEF,
		0x3001 <= r && r <= 0xD7FF,
		0xF900 <= r && r <= 0xFDCF,
		0xFDF0 <= r && r <= 0xFFFD,
		0x10000 <= r && r <= 0xEFFFF:
		return true
	}
	return false
}

// isLabelStart reports whether r may start a blank node label:
// PN_CHARS_U | [0-9], where PN_CHARS_U is PN_CHARS_BASE | '_'.
func isLabelStart(r rune) bool {
	return r == '_' || '0' <= r && r <= '9' || isPNCharsBase(r)
}

// isPNChars reports whether r is a PN_CHARS character, which may continue
// a blank node label.
func isPNChars(r rune) bool {
	if r < utf8.RuneSelf {
		return labelASCII[r]
	}
	return r == 0xB7 || 0x300 <= r && r <= 0x36F || 0x203F <= r && r <= 0x2040 || isPNCharsBase(r)
}

// validLabel reports whether s is a BLANK_NODE_LABEL without its "_:".
func validLabel(s string) bool {
	if s == "" || s[len(s)-1] == '.' || !utf8.ValidString(s) {
		return false
	}
	for i, r := range s {
		switch {
		case i == 0:
			if !isLabelStart(r) {
				return false
			}
		case r != '.' && !isPNChars(r):
			return false
		}
	}
	return true
}

// validLang reports whether s is a LANGTAG without its "@":
// [a-zA-Z]+ ('-' [a-zA-Z0-9]+)*.
func validLang(s string) bool {
	i := 0
	for i < len(s) && isLetter(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) {
		if s[i] != '-' {
			return false
		}
		i++
		j := i
		for i < len(s) && (isLetter(s[i]) || isDigit(s[i])) {
			i++
		}
		if i == j {
			return false
		}
	}
	return true
}

// hasScheme reports whether the IRI s is absolute, that is begins with a
// scheme and ':' (RFC 3987: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":").
// N-Triples allows no relative IRIs. The rest of the IRI is checked only
// against the IRIREF production, as the N-Triples grammar does.
func hasScheme[S ~string | ~[]byte](s S) bool {
	if len(s) == 0 || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':':
			return true
		case isLetter(c) || isDigit(c) || c == '+' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return false
}

// hexVal returns the value of the hexadecimal digit b, or -1.
func hexVal(b byte) rune {
	switch {
	case '0' <= b && b <= '9':
		return rune(b - '0')
	case 'a' <= b && b <= 'f':
		return rune(b-'a') + 10
	case 'A' <= b && b <= 'F':
		return rune(b-'A') + 10
	}
	return -1
}

// The Turtle parser (internal/turtle) shares these classes: Turtle's blank
// node labels, prefixed names and language tags are built from the same
// productions.

// IsPNCharsBase reports whether r is a PN_CHARS_BASE character, which may
// start a prefix name.
func IsPNCharsBase(r rune) bool { return isPNCharsBase(r) }

// IsPNChars reports whether r is a PN_CHARS character, which may continue a
// blank node label or a prefixed name.
func IsPNChars(r rune) bool { return r >= 0 && isPNChars(r) }

// IsLabelStart reports whether r may start a blank node label: PN_CHARS_U
// or a digit.
func IsLabelStart(r rune) bool { return isLabelStart(r) }

// UnescapeECHAR returns the character that the string escape '\\' c stands
// for (ECHAR: \\t \\b \\n \\r \\f \\" \\' \\\\), and whether c makes one.
func UnescapeECHAR(c byte) (byte, bool) {
	switch c {
	case 't':
		return '\t', true
	case 'b':
		return '\b', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 'f':
		return '\f', true
	case '"', '\'', '\\':
		return c, true
	}
	return 0, false
}

// DescribeFirst describes the first character of b for an error message:
// "end of input", "end of line", "space", "control character U+0001",
// "'x'", "'é' (U+00E9)" or "invalid UTF-8 byte 0xFF".
func DescribeFirst(b []byte) string {
	if len(b) == 0 {
		return "end of input"
	}
	switch c := b[0]; {
	case c == '\n' || c == '\r':
		return "end of line"
	case c == ' ':
		return "space"
	case c == '\t':
		return "tab"
	case c < 0x20 || c == 0x7F:
		return fmt.Sprintf("control character U+%04X", c)
	case c < utf8.RuneSelf:
		return fmt.Sprintf("%q", c)
	}
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf("invalid UTF-8 byte 0x%02X", b[0])
	}
	return fmt.Sprintf("%q (U+%04X)", r, r)
}

// HasScheme reports whether the IRI s is absolute: it begins with a scheme
// and ':'.
func HasScheme(s string) bool { return hasScheme(s) }
