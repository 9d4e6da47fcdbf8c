package query

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseEntityRef(t *testing.T) {
	at1 := Pos{Offset: 0, Line: 1, Col: 1}
	tests := []struct {
		in   string
		want EntityRef
	}{
		{"ic://rrkah-fqaaa-aaaaa-aaaaq-cai/guild/7", EntityRef{Pos: at1, Form: RefURI,
			Raw: "ic://rrkah-fqaaa-aaaaa-aaaaq-cai/guild/7", Canister: "rrkah-fqaaa-aaaaa-aaaaq-cai", Kind: "guild", ID: 7}},
		{"IC://c/k/1", EntityRef{Pos: at1, Form: RefURI, Raw: "IC://c/k/1", Canister: "c", Kind: "k", ID: 1}},
		{"guild/7", EntityRef{Pos: at1, Form: RefKindID, Raw: "guild/7", Kind: "guild", ID: 7}},
		{"my-kind.v2/18446744073709551615", EntityRef{Pos: at1, Form: RefKindID,
			Raw: "my-kind.v2/18446744073709551615", Kind: "my-kind.v2", ID: 18446744073709551615}},
		{"any/0", EntityRef{Pos: at1, Form: RefKindID, Raw: "any/0", Kind: "any", ID: 0}},
		{"#12", EntityRef{Pos: at1, Form: RefHashID, Raw: "#12", ID: 12}},
		{"<http://example.org/id/dog>", EntityRef{Pos: at1, Form: RefIRI,
			Raw: "<http://example.org/id/dog>", IRI: "http://example.org/id/dog"}},
	}
	for _, tt := range tests {
		got, err := ParseEntityRef(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.in, got.String())
	}
}

func TestParseEntityRefErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "1:1: expected entity reference, found end of query"},
		{"ANY", "1:1: expected entity reference, found keyword ANY"},
		{"guild", `1:1: expected entity reference, found "guild"`},
		{" guild/7", `1:2: entity reference " guild/7" has text around it`},
		{"guild/7 x", `1:1: entity reference "guild/7 x" has text around it`},
		{"guild/7 -- c", `1:1: entity reference "guild/7 -- c" has text around it`},
		{"guild/x", `1:7: invalid entity ID "x" in "guild/x": expected a decimal number`},
		{"#", "1:1: expected entity ID after '#'"},
		{"<a b>", "1:1: IRI not terminated: expected '>' before white space or the end of the query"},
		{"ic://c/k", `1:1: malformed entity URI "ic://c/k": expected ic://<canister>/<kind>/<id>`},
		{"ic://c/k/1/2", `1:1: malformed entity URI "ic://c/k/1/2": expected ic://<canister>/<kind>/<id>`},
		{"urn://x", "1:1: entity URIs start with ic://; write any other IRI in angle brackets: <urn://x>"},
	}
	for _, tt := range tests {
		_, err := ParseEntityRef(tt.in)
		assert.EqualError(t, err, tt.want, tt.in)
		assert.ErrorIs(t, err, ErrSyntax, tt.in)
	}
}

func TestLookupKeyword(t *testing.T) {
	assert.Equal(t, tSelect, lookupKeyword("select"))
	assert.Equal(t, tSelect, lookupKeyword("SeLeCt"))
	assert.Equal(t, tExplain, lookupKeyword("explain"))
	assert.Equal(t, tIdent, lookupKeyword("ſelect"), "no Unicode case folding")
	assert.Equal(t, tIdent, lookupKeyword("selects"))
	assert.Equal(t, tIdent, lookupKeyword("s"))
	assert.Equal(t, tIdent, lookupKeyword("explains"))
	for kw, k := range keywords {
		assert.Equal(t, k, lookupKeyword(kw))
		assert.True(t, k.isKeyword())
	}
}

func TestIsIdent(t *testing.T) {
	for _, s := range []string{"a", "_", "player", "member_of", "a.b.", "Straße", "x1", "日本"} {
		assert.True(t, isIdent(s), s)
	}
	for _, s := range []string{"", "1a", ".a", "a-b", "a b", "order", "AnY", "a\xff", "é\u0301"} {
		assert.False(t, isIdent(s), s)
	}
}

// The tokens of a line, to check what the lexer splits where.
func TestLexerTokens(t *testing.T) {
	lex := func(src string) []string {
		var errs ErrorList
		var lx lexer
		lx.init(src, &errs)
		var out []string
		target := false
		for {
			tok := lx.next(target)
			require.Empty(t, errs, src)
			if tok.kind == tEOF {
				return out
			}
			out = append(out, tok.text)
			target = tok.kind == tOut || tok.kind == tIn || tok.kind == tOutPlus || tok.kind == tInPlus
		}
	}
	assert.Equal(t, []string{"a", "<", "-5"}, lex("a<-5"))
	assert.Equal(t, []string{"a", "<-", "#5"}, lex("a<-#5"))
	assert.Equal(t, []string{"a", "<-+", "b/1"}, lex("a<-+b/1"))
	assert.Equal(t, []string{"a", "->", "<x>"}, lex("a-><x>"))
	assert.Equal(t, []string{"a", "->+", "ANY"}, lex("a->+ANY"))
	assert.Equal(t, []string{"a", "<", "b"}, lex("a<b"), "less-than outside a target")
	assert.Equal(t, []string{"a", "<=", "-1.5e-3", ">=", ">", "!=", "="}, lex("a<=-1.5e-3>=>!==--x"))
	assert.Equal(t, []string{"f", "->", "(", "FIND", "q", ")", ";"}, lex("f->(FIND q);"))
	assert.Equal(t, []string{"f", "->", "ic://c/k/1", ")"}, lex("f->ic://c/k/1)"))
	assert.Equal(t, []string{"`a b`", `"x\"y"`, ","}, lex("`a b`\"x\\\"y\","))
}

// TestLexerEdges checks the lexer at the ends of its input and of its escapes: what each
// text gives, every error, and no panic.
func TestLexerEdges(t *testing.T) {
	all := func(src string) []string {
		_, err := Parse(src)
		var list ErrorList
		if !errors.As(err, &list) {
			return nil
		}
		var out []string
		for _, e := range list {
			out = append(out, e.Error())
		}
		return out
	}
	for _, tc := range []struct {
		src  string
		errs []string
	}{
		{"FIND p WHERE x = 1e", []string{`1:18: invalid number "1e"`}},
		{"FIND p WHERE x = 1e+", []string{`1:18: invalid number "1e+"`}},
		{"FIND p WHERE x = 12abc", []string{`1:18: invalid number "12abc"`}},
		{`FIND p WHERE x = "ab\`, []string{`1:21: invalid escape sequence in string literal`, `1:18: string literal not terminated`}},
		{"FIND p WHERE x = \"ab\\\n\" OR y = 2", []string{`1:21: invalid escape sequence in string literal`, `1:18: string literal not terminated`}},
		{`FIND p WHERE x = "a\qb"`, []string{`1:20: invalid escape sequence in string literal`}},
	} {
		got := all(tc.src)
		slices.Sort(got)
		want := slices.Clone(tc.errs)
		slices.Sort(want)
		assert.Equal(t, want, got, "%q", tc.src)
	}

	q, err := Parse(`FIND p WHERE x = "\u0080\x80é"`)
	require.NoError(t, err)
	assert.Equal(t, "\u0080\x80é", q.Where.(*CompareCond).Value.Str, `\u writes a rune in UTF-8, \x a byte`)
	q, err = Parse("FIND p -- a comment at the end, without a line end")
	require.NoError(t, err)
	assert.Equal(t, "FIND p", q.String())
}

func TestClip(t *testing.T) {
	s40 := strings.Repeat("x", 40)
	assert.Equal(t, s40, clip(s40), "40 bytes are kept whole")
	assert.Equal(t, s40+"…", clip(s40+"y"))
	// A two-byte rune across the 40th byte is cut before it, not in its middle.
	assert.Equal(t, strings.Repeat("x", 39)+"…", clip(strings.Repeat("x", 39)+"é"+"yz"))
	assert.Equal(t, "…", clip(strings.Repeat("\x80", 50)), "no rune start: nothing is kept")
}
