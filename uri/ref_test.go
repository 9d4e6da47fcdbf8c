package uri_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/uri"
)

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uri.Ref
	}{
		{"#1", uri.Ref{ID: 1}},
		{"#18446744073709551615", uri.Ref{ID: 18446744073709551615}},
		{"player/42", uri.Ref{Kind: "player", ID: 42}},
		{"foo.bar-baz_2/7", uri.Ref{Kind: "foo.bar-baz_2", ID: 7}},
		{"_/1", uri.Ref{Kind: "_", ID: 1}},
		{"ic://" + ledger + "/player/42", uri.Ref{Scope: principalScope(t, ledger), Kind: "player", ID: 42}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			r, err := uri.ParseRef(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, r)
			assert.NoError(t, r.Validate())
			assert.Equal(t, tc.in, r.String())
			u, ok := r.URI()
			assert.Equal(t, r.IsAbsolute(), ok)
			if ok {
				assert.Equal(t, tc.in, u.String())
			} else {
				assert.Equal(t, uri.EntityURI{}, u)
			}
		})
	}
}

func TestParseRefErrors(t *testing.T) {
	for _, tc := range []errorCase{
		{"", uri.ErrMissing, 0},
		{"#", uri.ErrMissing, 1},
		{"#0", uri.ErrZeroID, 1},
		{"#00", uri.ErrLeadingZero, 1},
		{"#007", uri.ErrLeadingZero, 1},
		{"#18446744073709551616", uri.ErrOverflow, 1},
		{"#+1", uri.ErrBadChar, 1},
		{"#-1", uri.ErrBadChar, 1},
		{"# 1", uri.ErrBadChar, 1},
		{"#1 ", uri.ErrBadChar, 2},
		{"##1", uri.ErrBadChar, 1},
		{"#player/1", uri.ErrBadChar, 1},
		{"#1/2", uri.ErrBadChar, 2},

		{"42", uri.ErrMissing, 0},
		{"player", uri.ErrMissing, 6},
		{"player/", uri.ErrMissing, 7},
		{"/1", uri.ErrMissing, 0},
		{"player/0", uri.ErrZeroID, 7},
		{"player/01", uri.ErrLeadingZero, 7},
		{"player/1/2", uri.ErrBadChar, 8},
		{"player/x", uri.ErrBadChar, 7},
		{"player:1", uri.ErrBadChar, 6},
		{"2d/1", uri.ErrBadChar, 0},
		{" player/1", uri.ErrBadChar, 0},
		{"player /1", uri.ErrBadChar, 6},
		{"pl#ayer/1", uri.ErrBadChar, 2},

		{"http://aaaaa-aa/p/1", uri.ErrBadScheme, 0},
		{"ic:aaaaa-aa/p/1", uri.ErrBadScheme, 0},
		{"ic://aaaaa-aa/p", uri.ErrMissing, 15},
		{"ic://aaaaa-ai/p/1", uri.ErrBadChecksum, 5},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := uri.ParseRef(tc.in)
			requireSyntaxError(t, err, tc)
		})
	}
}

func TestParseRefSuggestsHash(t *testing.T) {
	_, err := uri.ParseRef("42")
	assert.EqualError(t, err, `uri: parse "42": offset 0: missing part: no kind; a bare id is written with '#', as in #42`)
}

func TestRefValidate(t *testing.T) {
	scope := principalScope(t, ledger)
	for _, tc := range []struct {
		name string
		r    uri.Ref
		want error
	}{
		{"bare", uri.Ref{ID: 1}, nil},
		{"kind-relative", uri.Ref{Kind: "player", ID: 1}, nil},
		{"absolute", uri.Ref{Scope: scope, Kind: "player", ID: 1}, nil},
		{"zero", uri.Ref{}, uri.ErrZeroID},
		{"bare zero id", uri.Ref{ID: 0}, uri.ErrZeroID},
		{"kind zero id", uri.Ref{Kind: "player"}, uri.ErrZeroID},
		{"bad kind", uri.Ref{Kind: "2d", ID: 1}, uri.ErrBadChar},
		{"scope without kind", uri.Ref{Scope: scope, ID: 1}, uri.ErrMissing},
		{"absolute zero id", uri.Ref{Scope: scope, Kind: "player"}, uri.ErrZeroID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate()
			if tc.want == nil {
				require.NoError(t, err)
				r, err := uri.ParseRef(tc.r.String())
				require.NoError(t, err)
				assert.Equal(t, tc.r, r)
				return
			}
			assert.ErrorIs(t, err, tc.want)
			_, err = uri.ParseRef(tc.r.String())
			assert.Error(t, err, "text %q of an invalid Ref parses", tc.r.String())
		})
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{
		"#1", "#0", "#01", "#18446744073709551616", "player/42", "foo.bar-baz_2/7", "42", "player",
		"ic://" + ledger + "/player/42", "ic://aaaaa-aa/p", "http://x", "/1", "#",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := uri.ParseRef(s)
		if err != nil {
			checkParseError(t, s, err)
			return
		}
		require.NoError(t, r.Validate())
		require.Equal(t, s, r.String(), "only canonical text parses")
		u, ok := r.URI()
		if ok {
			v, err := uri.ParseEntityURI(s)
			require.NoError(t, err)
			require.Equal(t, u, v)
		}
	})
}

// FuzzRefFromParts checks that Validate and ParseRef agree on Refs built from
// arbitrary parts.
func FuzzRefFromParts(f *testing.F) {
	f.Add(false, "player", uint64(42))
	f.Add(false, "", uint64(42))
	f.Add(true, "player", uint64(42))
	f.Add(true, "", uint64(1))
	f.Add(false, "#", uint64(1))
	f.Add(false, "ic:", uint64(1))
	f.Fuzz(func(t *testing.T, scoped bool, kind string, id uint64) {
		r := uri.Ref{Kind: kind, ID: id}
		if scoped {
			r.Scope = principalScope(t, ledger)
		}
		got, parseErr := uri.ParseRef(r.String())
		if err := r.Validate(); err != nil {
			require.Error(t, parseErr, "Validate rejects %#v: %v, but its text %q parses", r, err, r.String())
			return
		}
		require.NoError(t, parseErr)
		require.Equal(t, r, got)
	})
}
