package uri_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stablegraph/stablegraph/uri"
)

func TestValidateKind(t *testing.T) {
	for _, kind := range []string{
		"player", "Synset", "guild", "Resource", "foo.bar-baz_2",
		"a", "Z", "_", "_private", "x1", "a-", "a.", "a..b", "UPPER",
		strings.Repeat("k", uri.MaxKindLen),
	} {
		assert.NoError(t, uri.ValidateKind(kind), "%q", kind)
	}
}

func TestValidateKindErrors(t *testing.T) {
	for _, tc := range []errorCase{
		{"", uri.ErrMissing, 0},
		{"2d", uri.ErrBadChar, 0},
		{"-a", uri.ErrBadChar, 0},
		{".a", uri.ErrBadChar, 0},
		{".", uri.ErrBadChar, 0},
		{"..", uri.ErrBadChar, 0},
		{"a b", uri.ErrBadChar, 1},
		{"a/b", uri.ErrBadChar, 1},
		{"a:b", uri.ErrBadChar, 1},
		{"a%20b", uri.ErrBadChar, 1},
		{"a+b", uri.ErrBadChar, 1},
		{"a#1", uri.ErrBadChar, 1},
		{"é", uri.ErrBadChar, 0},
		{"caf\u00e9", uri.ErrBadChar, 3},
		{"a\x00", uri.ErrBadChar, 1},
		{"a\xff", uri.ErrBadChar, 1},
		{"player\n", uri.ErrBadChar, 6},
		{strings.Repeat("k", uri.MaxKindLen+1), uri.ErrTooLong, uri.MaxKindLen},
		{strings.Repeat("k", 1000), uri.ErrTooLong, uri.MaxKindLen},
		// The first problem in the text is the one reported.
		{strings.Repeat("k", 10) + " " + strings.Repeat("k", 100), uri.ErrBadChar, 10},
	} {
		t.Run(tc.in[:min(len(tc.in), 20)], func(t *testing.T) {
			requireSyntaxError(t, uri.ValidateKind(tc.in), tc)
		})
	}
}

func TestValidateKindMessages(t *testing.T) {
	assert.EqualError(t, uri.ValidateKind("2d"),
		`uri: parse "2d": offset 0: bad character: kind starts with '2', want a letter or '_'`)
	assert.EqualError(t, uri.ValidateKind("café"),
		`uri: parse "café": offset 3: bad character: 'é' is not allowed in a kind (ASCII letters, digits, '_', '-', '.')`)
}
