package uri_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/uri"
)

const ledger = "ryjl3-tyaaa-aaaaa-aaaba-cai"

func principalScope(t testing.TB, s string) uri.Scope {
	t.Helper()
	p, err := uri.ParsePrincipal(s)
	require.NoError(t, err)
	return uri.PrincipalScope(p)
}

func TestParseEntityURI(t *testing.T) {
	longest := "ic://" + knownPrincipals[len(knownPrincipals)-1].text + "/" +
		strings.Repeat("k", uri.MaxKindLen) + "/18446744073709551615"
	for _, tc := range []struct {
		in   string
		want uri.EntityURI
	}{
		{"ic://" + ledger + "/player/42", uri.EntityURI{Scope: principalScope(t, ledger), Kind: "player", ID: 42}},
		{"ic://aaaaa-aa/Synset/1", uri.EntityURI{Scope: principalScope(t, "aaaaa-aa"), Kind: "Synset", ID: 1}},
		{"ic://2vxsx-fae/foo.bar-baz_2/7", uri.EntityURI{Scope: principalScope(t, "2vxsx-fae"), Kind: "foo.bar-baz_2", ID: 7}},
		{"ic://" + exampleUUID + "/guild/18446744073709551615",
			uri.EntityURI{Scope: uri.UUIDScope(uuid.MustParse(exampleUUID)), Kind: "guild", ID: 18446744073709551615}},
		{"ic://00000000-0000-0000-0000-000000000000/Resource/10",
			uri.EntityURI{Scope: uri.UUIDScope(uuid.Nil), Kind: "Resource", ID: 10}},
		{longest, uri.EntityURI{Scope: principalScope(t, knownPrincipals[len(knownPrincipals)-1].text),
			Kind: strings.Repeat("k", uri.MaxKindLen), ID: 18446744073709551615}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			u, err := uri.ParseEntityURI(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, u)
			assert.NoError(t, u.Validate())
			assert.Equal(t, tc.in, u.String())
			assert.Equal(t, tc.in, tc.want.String())
		})
	}
}

func TestParseEntityURIErrors(t *testing.T) {
	for _, tc := range []errorCase{
		{"", uri.ErrBadScheme, 0},
		{"http://aaaaa-aa/p/1", uri.ErrBadScheme, 0},
		{"IC://aaaaa-aa/p/1", uri.ErrBadScheme, 0},
		{"ic:/aaaaa-aa/p/1", uri.ErrBadScheme, 0},
		{"ic:aaaaa-aa/p/1", uri.ErrBadScheme, 0},
		{"aaaaa-aa/p/1", uri.ErrBadScheme, 0},
		{"p/1", uri.ErrBadScheme, 0},
		{"#1", uri.ErrBadScheme, 0},
		{" ic://aaaaa-aa/p/1", uri.ErrBadScheme, 0},

		{"ic://", uri.ErrMissing, 5},
		{"ic:///p/1", uri.ErrMissing, 5},
		{"ic://aaaaa-aa", uri.ErrMissing, 13},
		{"ic://aaaaa-aa/", uri.ErrMissing, 14},
		{"ic://aaaaa-aa//1", uri.ErrMissing, 14},
		{"ic://aaaaa-aa/p", uri.ErrMissing, 15},
		{"ic://aaaaa-aa/p/", uri.ErrMissing, 16},

		{"ic://AAAAA-AA/p/1", uri.ErrUppercase, 5},
		{"ic://aaaaa-ab/p/1", uri.ErrNonCanonical, 12},
		{"ic://aaaaa-ai/p/1", uri.ErrBadChecksum, 5},
		{"ic://aaaaa-aa-/p/1", uri.ErrBadGrouping, 13},
		{"ic://aaaa-aaa/p/1", uri.ErrBadGrouping, 9},
		{"ic://aaaa/p/1", uri.ErrBadLength, 5},
		{"ic://" + strings.Repeat("aaaaa-", 11) + "/p/1", uri.ErrTooLong, 5},
		{"ic://" + ledger + ":8080/p/1", uri.ErrBadChar, 32},
		{"ic://user@aaaaa-aa/p/1", uri.ErrBadChar, 9},
		{"ic://aaaaa-aa?x/p/1", uri.ErrBadChar, 13},
		{"ic://6ba7b810-9dad-11d1-80b4-00c04fd430C8/p/1", uri.ErrUppercase, 39},
		{"ic://6ba7b810-9dad-11d1-80b4-00c04fd430c/p/1", uri.ErrBadLength, 40},
		{"ic://6ba7b810-9dad-11d1-80b4-00c04fd430c8a/p/1", uri.ErrBadLength, 41},
		{"ic://6ba7b810-9dad11d1-80b4-00c04fd430c8/p/1", uri.ErrBadGrouping, 18},

		{"ic://aaaaa-aa/2d/1", uri.ErrBadChar, 14},
		{"ic://aaaaa-aa/./1", uri.ErrBadChar, 14},
		{"ic://aaaaa-aa/../1", uri.ErrBadChar, 14},
		{"ic://aaaaa-aa/p%20q/1", uri.ErrBadChar, 15},
		{"ic://aaaaa-aa/pl ayer/1", uri.ErrBadChar, 16},
		{"ic://aaaaa-aa/" + strings.Repeat("k", uri.MaxKindLen+1) + "/1", uri.ErrTooLong, 14 + uri.MaxKindLen},

		{"ic://aaaaa-aa/p/0", uri.ErrZeroID, 16},
		{"ic://aaaaa-aa/p/00", uri.ErrLeadingZero, 16},
		{"ic://aaaaa-aa/p/01", uri.ErrLeadingZero, 16},
		{"ic://aaaaa-aa/p/18446744073709551616", uri.ErrOverflow, 16},
		{"ic://aaaaa-aa/p/99999999999999999999999", uri.ErrOverflow, 16},
		{"ic://aaaaa-aa/p/-1", uri.ErrBadChar, 16},
		{"ic://aaaaa-aa/p/+1", uri.ErrBadChar, 16},
		{"ic://aaaaa-aa/p/0x10", uri.ErrBadChar, 17},
		{"ic://aaaaa-aa/p/1e3", uri.ErrBadChar, 17},
		{"ic://aaaaa-aa/p/1.0", uri.ErrBadChar, 17},
		{"ic://aaaaa-aa/p/ 1", uri.ErrBadChar, 16},
		{"ic://aaaaa-aa/p/\u0661", uri.ErrBadChar, 16}, // ARABIC-INDIC DIGIT ONE
		{"ic://aaaaa-aa/p/1/", uri.ErrBadChar, 17},
		{"ic://aaaaa-aa/p/1/2", uri.ErrBadChar, 17},
		{"ic://aaaaa-aa/p/1?x=1", uri.ErrBadChar, 17},
		{"ic://aaaaa-aa/p/1#frag", uri.ErrBadChar, 17},
		{"ic://aaaaa-aa/p/1\n", uri.ErrBadChar, 17},
	} {
		t.Run(tc.in[:min(len(tc.in), 50)], func(t *testing.T) {
			_, err := uri.ParseEntityURI(tc.in)
			requireSyntaxError(t, err, tc)
		})
	}
}

func TestParseEntityURIMessages(t *testing.T) {
	for in, want := range map[string]string{
		"http://aaaaa-aa/p/1": `uri: parse "http://aaaaa-aa/p/1": offset 0: bad scheme: want the prefix "ic://"`,
		"IC://aaaaa-aa/p/1":   `uri: parse "IC://aaaaa-aa/p/1": offset 0: bad scheme: want the prefix "ic://" in lowercase`,
		"ic://aaaaa-aa/p":     `uri: parse "ic://aaaaa-aa/p": offset 15: missing part: no /<id> after the kind`,
		"ic://aaaaa-ai/p/1":   `uri: parse "ic://aaaaa-ai/p/1": offset 5: bad checksum: checksum 00000001 does not match 00000000 computed from the 0 bytes it precedes`,
		"ic://aaaaa-ab/p/1":   `uri: parse "ic://aaaaa-ab/p/1": offset 12: non-canonical encoding: last character 'b' sets bits past the end of the data, canonical text has 'a'`,
		"ic://aaaaa-aa/p/0":   `uri: parse "ic://aaaaa-aa/p/0": offset 16: zero id: id 0, ids start at 1`,
	} {
		_, err := uri.ParseEntityURI(in)
		assert.EqualError(t, err, want)
	}
}

func TestEntityURIValidate(t *testing.T) {
	scope := principalScope(t, ledger)
	assert.NoError(t, uri.EntityURI{Scope: scope, Kind: "player", ID: 1}.Validate())

	for _, tc := range []struct {
		name string
		u    uri.EntityURI
		want error
	}{
		{"zero", uri.EntityURI{}, uri.ErrMissing},
		{"no scope", uri.EntityURI{Kind: "player", ID: 1}, uri.ErrMissing},
		{"no kind", uri.EntityURI{Scope: scope, ID: 1}, uri.ErrMissing},
		{"bad kind", uri.EntityURI{Scope: scope, Kind: "pl/ayer", ID: 1}, uri.ErrBadChar},
		{"long kind", uri.EntityURI{Scope: scope, Kind: strings.Repeat("k", 65), ID: 1}, uri.ErrTooLong},
		{"zero id", uri.EntityURI{Scope: scope, Kind: "player"}, uri.ErrZeroID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.u.Validate()
			assert.ErrorIs(t, err, tc.want)
			// What Validate rejects, the parser rejects too.
			_, err = uri.ParseEntityURI(tc.u.String())
			assert.Error(t, err)
			_, err = tc.u.MarshalText()
			if tc.u != (uri.EntityURI{}) {
				assert.ErrorIs(t, err, tc.want)
			}
		})
	}
}

func TestEntityURIIsComparable(t *testing.T) {
	a, err := uri.ParseEntityURI("ic://" + ledger + "/player/42")
	require.NoError(t, err)
	b, err := uri.ParseEntityURI("ic://" + ledger + "/player/42")
	require.NoError(t, err)
	c, err := uri.ParseEntityURI("ic://" + ledger + "/Player/42")
	require.NoError(t, err)
	assert.True(t, a == b)
	assert.False(t, a == c, "kinds are case-sensitive")
	seen := map[uri.EntityURI]bool{a: true}
	assert.True(t, seen[b])
}

func TestEntityURIText(t *testing.T) {
	type row struct {
		Owner  uri.EntityURI
		Parent uri.EntityURI
	}
	in := row{Owner: uri.EntityURI{Scope: principalScope(t, ledger), Kind: "player", ID: 42}}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Owner":"ic://`+ledger+`/player/42","Parent":""}`, string(b))

	var out row
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)

	_, err = json.Marshal(row{Owner: uri.EntityURI{Kind: "player", ID: 1}})
	assert.ErrorIs(t, err, uri.ErrMissing)
	err = json.Unmarshal([]byte(`{"Owner":"ic://aaaaa-aa/player/0"}`), &out)
	assert.ErrorIs(t, err, uri.ErrZeroID)
}

func TestEntityURIRef(t *testing.T) {
	u := uri.EntityURI{Scope: principalScope(t, ledger), Kind: "player", ID: 42}
	r := u.Ref()
	assert.True(t, r.IsAbsolute())
	back, ok := r.URI()
	assert.True(t, ok)
	assert.Equal(t, u, back)
	assert.Equal(t, u.String(), r.String())
}

func FuzzParseEntityURI(f *testing.F) {
	for _, s := range []string{
		"ic://" + ledger + "/player/42",
		"ic://aaaaa-aa/Synset/1",
		"ic://2vxsx-fae/foo.bar-baz_2/7",
		"ic://" + exampleUUID + "/guild/18446744073709551615",
		"ic://aaaaa-aa/p/18446744073709551616",
		"ic://aaaaa-aa/p/01",
		"ic://aaaaa-aa/p/1/2",
		"ic://aaaaa-ab/p/1",
		"ic://AAAAA-AA/p/1",
		"ic://aaaaa-aa/2d/1",
		"ic:///p/1",
		"IC://aaaaa-aa/p/1",
		"http://x/y/1",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := uri.ParseEntityURI(s)
		if err != nil {
			checkParseError(t, s, err)
			return
		}
		require.NoError(t, u.Validate())
		require.Equal(t, s, u.String(), "only canonical text parses")
		v, err := uri.ParseEntityURI(u.String())
		require.NoError(t, err)
		require.Equal(t, u, v)
		r, err := uri.ParseRef(s)
		require.NoError(t, err)
		require.Equal(t, u.Ref(), r)
	})
}

// FuzzEntityURIFromParts builds URIs from arbitrary parts: whatever Validate
// accepts must survive formatting and parsing, and whatever it rejects must
// not format to text that parses.
func FuzzEntityURIFromParts(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 2, 1, 1}, false, "player", uint64(42))
	f.Add([]byte{}, false, "Synset", uint64(1))
	example := uuid.MustParse(exampleUUID)
	f.Add(example[:], true, "foo.bar-baz_2", uint64(1<<63))
	f.Add([]byte{4}, false, "", uint64(1))
	f.Add([]byte{4}, false, "a/1", uint64(2))
	f.Add([]byte{4}, false, "player", uint64(0))
	f.Fuzz(func(t *testing.T, scope []byte, isUUID bool, kind string, id uint64) {
		var u uri.EntityURI
		switch {
		case isUUID && len(scope) == 16:
			u.Scope = uri.UUIDScope(uuid.UUID(scope))
		case !isUUID:
			p, err := uri.PrincipalFromBytes(scope)
			if err != nil {
				return
			}
			u.Scope = uri.PrincipalScope(p)
		}
		u.Kind, u.ID = kind, id

		v, parseErr := uri.ParseEntityURI(u.String())
		if err := u.Validate(); err != nil {
			require.Error(t, parseErr, "Validate rejects %#v: %v, but its text %q parses", u, err, u.String())
			return
		}
		require.NoError(t, parseErr)
		require.Equal(t, u, v)
		text, err := u.MarshalText()
		require.NoError(t, err)
		require.Equal(t, u.String(), string(text))
	})
}
