package uri_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/uri"
)

const exampleUUID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

func mustPrincipal(t testing.TB, s string) uri.Principal {
	t.Helper()
	p, err := uri.ParsePrincipal(s)
	require.NoError(t, err)
	return p
}

func TestParseScopePrincipal(t *testing.T) {
	for _, tc := range knownPrincipals {
		s, err := uri.ParseScope(tc.text)
		require.NoError(t, err, tc.text)
		p, ok := s.Principal()
		assert.True(t, ok)
		assert.Equal(t, mustPrincipal(t, tc.text), p)
		_, ok = s.UUID()
		assert.False(t, ok)
		assert.False(t, s.IsZero())
		assert.Equal(t, tc.text, s.String())
		assert.Equal(t, uri.PrincipalScope(p), s)
	}
}

func TestParseScopeUUID(t *testing.T) {
	for _, text := range []string{
		exampleUUID,
		"00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff",
		"01890a5d-ac96-774b-bcce-b302099a8057", // version 7
	} {
		s, err := uri.ParseScope(text)
		require.NoError(t, err, text)
		u, ok := s.UUID()
		assert.True(t, ok)
		assert.Equal(t, uuid.MustParse(text), u)
		_, ok = s.Principal()
		assert.False(t, ok)
		assert.Equal(t, text, s.String())
		assert.Equal(t, uri.UUIDScope(u), s)
	}
}

func TestScopeZero(t *testing.T) {
	var s uri.Scope
	assert.True(t, s.IsZero())
	assert.Equal(t, "", s.String())
	_, ok := s.Principal()
	assert.False(t, ok)
	_, ok = s.UUID()
	assert.False(t, ok)

	// The management canister's scope has the zero Principal but is not the
	// zero Scope; neither is the nil UUID's.
	assert.NotEqual(t, s, uri.PrincipalScope(uri.Principal{}))
	assert.NotEqual(t, s, uri.UUIDScope(uuid.Nil))
	assert.NotEqual(t, uri.PrincipalScope(uri.Principal{}), uri.UUIDScope(uuid.Nil))
}

func TestParseScopeErrors(t *testing.T) {
	for _, tc := range []errorCase{
		{"", uri.ErrMissing, 0},

		{"6BA7B810-9DAD-11D1-80B4-00C04FD430C8", uri.ErrUppercase, 1},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430C8", uri.ErrUppercase, 34},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430cg", uri.ErrBadChar, 35},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c ", uri.ErrBadChar, 35},
		{"6ba7b810-9dad11d1-80b4-00c04fd430c8", uri.ErrBadGrouping, 13},
		{"6ba7b810-9dad-11d1-80b400c04fd430c8", uri.ErrBadGrouping, 23},
		{"6ba7b810-9d-d-11d1-80b4-00c04fd430c8", uri.ErrBadGrouping, 11},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c", uri.ErrBadLength, 35},
		{"6ba7b810-", uri.ErrBadLength, 9},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c8a", uri.ErrBadLength, 36},
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c8-", uri.ErrBadLength, 36},

		// Other spellings uuid.Parse accepts are not canonical.
		{"{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", uri.ErrBadChar, 0},
		{"urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8", uri.ErrBadChar, 3},
		{"6ba7b8109dad11d180b400c04fd430c8", uri.ErrBadGrouping, 5},

		// Unless its first '-' is at offset 8, the text is a principal.
		{"aaaaa-aa-", uri.ErrBadGrouping, 8},
		{"aaaaa-aa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", uri.ErrBadGrouping, 8},
		{"6ba7b81-09dad-11d1-80b4-00c04fd430c8", uri.ErrBadGrouping, 5},
		{"6ba7b810", uri.ErrBadGrouping, 5},
		{"aaaaa-ai", uri.ErrBadChecksum, 0},
		{"AAAAA-AA", uri.ErrUppercase, 0},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := uri.ParseScope(tc.in)
			requireSyntaxError(t, err, tc)
		})
	}
}

func TestScopeText(t *testing.T) {
	type doc struct {
		A, B, C uri.Scope
	}
	in := doc{
		A: uri.PrincipalScope(mustPrincipal(t, "ryjl3-tyaaa-aaaaa-aaaba-cai")),
		B: uri.UUIDScope(uuid.MustParse(exampleUUID)),
	}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"A":"ryjl3-tyaaa-aaaaa-aaaba-cai","B":"`+exampleUUID+`","C":""}`, string(b))

	var out doc
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)

	err = json.Unmarshal([]byte(`{"A":"RYJL3-TYAAA-AAAAA-AAABA-CAI"}`), &out)
	assert.ErrorIs(t, err, uri.ErrUppercase)
}

func FuzzParseScope(f *testing.F) {
	for _, tc := range knownPrincipals {
		f.Add(tc.text)
	}
	f.Add(exampleUUID)
	f.Add("6BA7B810-9DAD-11D1-80B4-00C04FD430C8")
	f.Add("6ba7b810-9dad-11d1-80b4-00c04fd430c")
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := uri.ParseScope(s)
		if err != nil {
			checkParseError(t, s, err)
			return
		}
		require.Equal(t, s, sc.String())
		if u, ok := sc.UUID(); ok {
			v, err := uuid.Parse(s)
			require.NoError(t, err, "uuid.Parse rejects what ParseScope accepts")
			require.Equal(t, v, u)
		}
	})
}
