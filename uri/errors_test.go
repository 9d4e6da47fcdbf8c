package uri_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/uri"
)

var sentinels = []error{
	uri.ErrBadChar, uri.ErrUppercase, uri.ErrBadGrouping, uri.ErrBadLength, uri.ErrTooLong,
	uri.ErrNonCanonical, uri.ErrBadChecksum, uri.ErrBadScheme, uri.ErrMissing, uri.ErrZeroID,
	uri.ErrLeadingZero, uri.ErrOverflow,
}

// errorCase is one row of an error table: parsing in must fail with want at
// byte offset off.
type errorCase struct {
	in   string
	want error
	off  int
}

// requireSyntaxError checks that err is a *SyntaxError about in, wrapping
// want, at offset off.
func requireSyntaxError(t *testing.T, err error, tc errorCase) {
	t.Helper()
	var se *uri.SyntaxError
	require.ErrorAs(t, err, &se, "input %q", tc.in)
	assert.ErrorIs(t, err, tc.want, "input %q: %v", tc.in, err)
	assert.Equal(t, tc.in, se.Input)
	assert.Equal(t, tc.off, se.Offset, "input %q: %v", tc.in, err)
	assert.NotEmpty(t, se.Msg)
}

// checkParseError holds any parse error to the package's contract: a
// *SyntaxError about the whole input, at an offset inside it or at its end,
// wrapping exactly one sentinel.
func checkParseError(t *testing.T, in string, err error) {
	t.Helper()
	var se *uri.SyntaxError
	require.ErrorAs(t, err, &se)
	require.Equal(t, in, se.Input)
	require.GreaterOrEqual(t, se.Offset, 0)
	require.LessOrEqual(t, se.Offset, len(in))
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	require.Equal(t, 1, n, "wraps %d sentinels: %v", n, err)
	require.NotEmpty(t, se.Msg)
	// The input is quoted up to maxQuoted (80) bytes, at most 4 characters
	// each; nothing else in a message grows with the input.
	require.LessOrEqual(t, len(se.Error()), 4*80+200, "message grows with the input")
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := uri.ParseEntityURI("ic://aaaaa-aa/player/01")
	require.Error(t, err)
	assert.Equal(t, `uri: parse "ic://aaaaa-aa/player/01": offset 21: leading zero: id has leading zeros`, err.Error())

	var se *uri.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 21, se.Offset)
	assert.Equal(t, uri.ErrLeadingZero, errors.Unwrap(err))
}

func TestSyntaxErrorMessageTruncatesInput(t *testing.T) {
	// 15 ASCII bytes, then 2-byte runes: byte 80 is in the middle of one.
	in := "ic://aaaaa-aa/x" + strings.Repeat("é", 100) + "/1"
	_, err := uri.ParseEntityURI(in)
	requireSyntaxError(t, err, errorCase{in, uri.ErrBadChar, 15})
	msg := err.Error()
	assert.Contains(t, msg, `"ic://aaaaa-aa/xéé`)
	assert.Contains(t, msg, `é"...: offset 15`, "cut at a rune boundary")
	assert.True(t, utf8.ValidString(msg))
	assert.Contains(t, msg, `'é' is not allowed in a kind`)
	assert.Less(t, len(msg), 250)
}

func TestSyntaxErrorNamesInvalidBytes(t *testing.T) {
	_, err := uri.ParsePrincipal("aaaaa-a\xff")
	requireSyntaxError(t, err, errorCase{"aaaaa-a\xff", uri.ErrBadChar, 7})
	assert.Contains(t, err.Error(), "byte 0xff is not a base32 character")
}

func TestSentinelsAreDistinct(t *testing.T) {
	for i, a := range sentinels {
		for j, b := range sentinels {
			assert.Equal(t, i == j, errors.Is(a, b), "%v vs %v", a, b)
		}
	}
}
