package uri

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Textual form of a principal, as the Internet Computer interface
// specification defines it:
//
//	+---------------------------+------------------------------+
//	| CRC-32 (IEEE), big-endian | principal bytes              |
//	| 4 bytes                   | 0 to 29 bytes                |
//	+---------------------------+------------------------------+
//	  -> base32 (RFC 4648 alphabet, lowercase, no padding)
//	  -> groups of 5 characters joined by '-', the last group 1 to 5 long
//
// The anonymous principal, the one byte 04:
//
//	crc32(04) = 0xd56f2b94; d5 6f 2b 94 04 -> "2vxsxfae" -> "2vxsx-fae"
//
// The checksum turns most typing mistakes into ErrBadChecksum instead of a
// different, valid principal.

// MaxPrincipalLen is the length in bytes of the longest principal.
const MaxPrincipalLen = 29

const (
	checksumLen = 4
	// maxDigits is the number of base32 characters encoding checksum and the
	// longest principal: ceil((4+29)*8/5).
	maxDigits = ((checksumLen+MaxPrincipalLen)*8 + 4) / 5
	// maxPrincipalText adds the '-' after every group of 5 but the last.
	maxPrincipalText = maxDigits + (maxDigits-1)/5
	// minDigits is the number of base32 characters encoding the checksum of
	// the empty principal: ceil(4*8/5).
	minDigits = (checksumLen*8 + 4) / 5
)

const base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567"

// base32Value maps a byte to its base32 digit value, or to invalidDigit.
var base32Value = func() (t [256]byte) {
	for i := range t {
		t[i] = invalidDigit
	}
	for i := range len(base32Alphabet) {
		t[base32Alphabet[i]] = byte(i)
	}
	return t
}()

const invalidDigit = 0xff

// Principal is an Internet Computer principal: an opaque identifier of at most
// MaxPrincipalLen bytes naming a canister or a user. Principals are
// comparable with == and usable as map keys.
//
// The zero Principal is the empty principal, which names the management
// canister "aaaaa-aa".
type Principal struct {
	n uint8
	// b[n:] is always zero, so that == compares only the principal's bytes.
	b [MaxPrincipalLen]byte
}

// PrincipalFromBytes returns the principal with the given raw bytes. It
// returns an error wrapping ErrTooLong if b is longer than MaxPrincipalLen.
func PrincipalFromBytes(b []byte) (Principal, error) {
	if len(b) > MaxPrincipalLen {
		return Principal{}, fmt.Errorf("uri: %w: principal of %d bytes, longest is %d", ErrTooLong, len(b), MaxPrincipalLen)
	}
	var p Principal
	p.n = uint8(len(b))
	copy(p.b[:], b)
	return p, nil
}

// ParsePrincipal parses the textual form of a principal, such as
// "ryjl3-tyaaa-aaaaa-aaaba-cai". Only the canonical form is accepted: lowercase,
// grouped exactly as String formats it, with a matching checksum. The error is
// a *SyntaxError wrapping ErrBadChar, ErrUppercase, ErrBadGrouping,
// ErrBadLength, ErrTooLong, ErrNonCanonical or ErrBadChecksum.
func ParsePrincipal(s string) (Principal, error) {
	p, err := parsePrincipal(s, 0, len(s))
	if err != nil {
		return Principal{}, err
	}
	return p, nil
}

// parsePrincipal parses src[lo:hi], reporting offsets into src.
func parsePrincipal(src string, lo, hi int) (Principal, *SyntaxError) {
	s := src[lo:hi]
	if len(s) == 0 {
		return Principal{}, syntaxError(src, lo, ErrBadLength, "empty principal")
	}
	if len(s) > maxPrincipalText {
		return Principal{}, syntaxError(src, lo, ErrTooLong,
			"principal text is %d bytes, the longest (%d-byte principal) is %d", len(s), MaxPrincipalLen, maxPrincipalText)
	}

	var digits [maxDigits]byte
	nd := 0
	for i := range len(s) {
		c := s[i]
		if i%6 == 5 {
			if c != '-' {
				return Principal{}, syntaxError(src, lo+i, ErrBadGrouping,
					"want '-' after each group of 5 characters, found %s", charAt(s, i))
			}
			continue
		}
		switch v := base32Value[c]; {
		case v != invalidDigit:
			digits[nd] = v
			nd++
		case c == '-':
			return Principal{}, syntaxError(src, lo+i, ErrBadGrouping,
				"'-' after a group of %d characters, groups have 5 (the last may be shorter)", i%6)
		case 'A' <= c && c <= 'Z':
			return Principal{}, syntaxError(src, lo+i, ErrUppercase,
				"%q: principal text is lowercase", c)
		default:
			return Principal{}, syntaxError(src, lo+i, ErrBadChar,
				"%s is not a base32 character (a-z, 2-7)", charAt(s, i))
		}
	}
	if len(s)%6 == 0 {
		return Principal{}, syntaxError(src, hi-1, ErrBadGrouping, "empty group after the last '-'")
	}

	if nd < minDigits {
		return Principal{}, syntaxError(src, lo, ErrBadLength,
			"%d base32 characters, too short for the %d-byte checksum (the shortest principal is %d)", nd, checksumLen, minDigits)
	}
	// An encoder emits 0, 2, 4, 5 or 7 characters for the last 0 to 4 bytes
	// of each 5; other counts leave 5 bits or more that form no whole byte.
	switch nd % 8 {
	case 1, 3, 6:
		return Principal{}, syntaxError(src, lo, ErrBadLength,
			"%d base32 characters do not encode a whole number of bytes", nd)
	}

	var raw [checksumLen + MaxPrincipalLen]byte
	n := decodeBase32(raw[:], digits[:nd])
	if spare := nd*5 - n*8; spare > 0 {
		last := digits[nd-1]
		if mask := byte(1)<<spare - 1; last&mask != 0 {
			pos := nd - 1 + (nd-1)/5 // back from digit index to text offset
			return Principal{}, syntaxError(src, lo+pos, ErrNonCanonical,
				"last character %q sets bits past the end of the data, canonical text has %q",
				base32Alphabet[last], base32Alphabet[last&^mask])
		}
	}

	var p Principal
	p.n = uint8(n - checksumLen)
	copy(p.b[:], raw[checksumLen:n])
	if got, want := binary.BigEndian.Uint32(raw[:checksumLen]), crc32.ChecksumIEEE(p.b[:p.n]); got != want {
		return Principal{}, syntaxError(src, lo, ErrBadChecksum,
			"checksum %08x does not match %08x computed from the %d bytes it precedes", got, want, p.n)
	}
	return p, nil
}

// Bytes returns a copy of the principal's raw bytes; it is empty for the
// management canister.
func (p Principal) Bytes() []byte {
	return append([]byte(nil), p.b[:p.n]...)
}

// String returns the textual form of the principal, such as
// "ryjl3-tyaaa-aaaaa-aaaba-cai".
func (p Principal) String() string {
	var buf [maxPrincipalText]byte
	return string(p.appendText(buf[:0]))
}

// MarshalText implements encoding.TextMarshaler; the text is that of String.
func (p Principal) MarshalText() ([]byte, error) {
	return p.appendText(make([]byte, 0, maxPrincipalText)), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, accepting what
// ParsePrincipal accepts.
func (p *Principal) UnmarshalText(text []byte) error {
	q, err := ParsePrincipal(string(text))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

func (p Principal) appendText(dst []byte) []byte {
	var raw [checksumLen + MaxPrincipalLen]byte
	binary.BigEndian.PutUint32(raw[:checksumLen], crc32.ChecksumIEEE(p.b[:p.n]))
	copy(raw[checksumLen:], p.b[:p.n])
	var digits [maxDigits]byte
	nd := encodeBase32(digits[:], raw[:checksumLen+int(p.n)])
	for i, d := range digits[:nd] {
		if i > 0 && i%5 == 0 {
			dst = append(dst, '-')
		}
		dst = append(dst, base32Alphabet[d])
	}
	return dst
}

// encodeBase32 writes the base32 digit values (0-31, not characters) of src to
// dst, the last digit padded with zero bits, and returns how many it wrote.
func encodeBase32(dst, src []byte) int {
	var acc uint32
	bits, n := 0, 0
	for _, c := range src {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			dst[n] = byte(acc>>bits) & 31
			n++
		}
	}
	if bits > 0 {
		dst[n] = byte(acc<<(5-bits)) & 31
		n++
	}
	return n
}

// decodeBase32 writes the whole bytes encoded by the digit values in src to
// dst and returns how many it wrote; leftover bits are the caller's to check.
func decodeBase32(dst, digits []byte) int {
	var acc uint32
	bits, n := 0, 0
	for _, d := range digits {
		acc = acc<<5 | uint32(d)
		bits += 5
		if bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> bits)
			n++
		}
	}
	return n
}
