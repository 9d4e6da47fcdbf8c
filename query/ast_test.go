package query

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPos(t *testing.T) {
	assert.Equal(t, "3:14", Pos{Offset: 40, Line: 3, Col: 14}.String())
	assert.Equal(t, "-", Pos{}.String())
	assert.False(t, Pos{}.IsValid())
	assert.True(t, Pos{Line: 1, Col: 1}.IsValid())
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, []string{"=", "!=", "<", "<=", ">", ">="},
		[]string{OpEq.String(), OpNe.String(), OpLt.String(), OpLe.String(), OpGt.String(), OpGe.String()})
	assert.Equal(t, "Op(0)", Op(0).String())
	assert.Equal(t, "->", DirOut.String())
	assert.Equal(t, "<-", DirIn.String())
	assert.Equal(t, "Dir(7)", Dir(7).String())
	assert.Equal(t, []string{"URI", "KindID", "HashID", "IRI", "RefForm(0)"},
		[]string{RefURI.String(), RefKindID.String(), RefHashID.String(), RefIRI.String(), RefForm(0).String()})
	assert.Equal(t, []string{"int", "float", "string", "bool", "LitKind(9)"},
		[]string{LitInt.String(), LitFloat.String(), LitString.String(), LitBool.String(), LitKind(9).String()})
}

func TestLiteral(t *testing.T) {
	tests := []struct {
		lit   Literal
		text  string
		value any
	}{
		{Lit(42), "42", int64(42)},
		{Lit(-7), "-7", int64(-7)},
		{Lit(1.0), "1.0", 1.0},
		{Lit(-0.25), "-0.25", -0.25},
		{Lit(1e100), "1e+100", 1e100},
		{Lit(123456789.0), "1.23456789e+08", 123456789.0},
		{Lit(float32(0.5)), "0.5", 0.5},
		{Lit("a\"b\n"), `"a\"b\n"`, "a\"b\n"},
		{Lit(true), "true", true},
		{Lit(false), "false", false},
		{Literal{}, "<invalid literal>", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.text, tt.lit.String())
		assert.Equal(t, tt.value, tt.lit.Value())
	}
}

func TestNameString(t *testing.T) {
	tests := map[string]string{
		"health":    "health",
		"_x.y":      "_x.y",
		"Straße":    "Straße",
		"order":     "`order`",
		"Count":     "`Count`",
		"my-kind":   "`my-kind`",
		"two words": "`two words`",
		"1st":       "`1st`",
		"":          "``",
	}
	for name, want := range tests {
		assert.Equal(t, want, Name{Name: name}.String())
	}
}

func TestCondStrings(t *testing.T) {
	c := And(Or(Eq("a", 1), Has("b")), Not(In("f", Sub(Find("q").Where(Between("x", 1, 2.5))))))
	assert.Equal(t, `(a = 1 OR HAS b) AND NOT f <- (FIND q WHERE x BETWEEN 1 AND 2.5)`, c.String())
	assert.Equal(t, `a = 1 OR HAS b`, c.(*AndCond).L.String())
	assert.Equal(t, `x BETWEEN 1 AND 2.5`, Between("x", 1, 2.5).String())
	assert.Equal(t, `f ->+ ANY`, OutTransitive("f", Any()).String())
	assert.Equal(t, `ANY`, Any().String())
	assert.Equal(t, `k/1`, Entity("k/1").String())
	assert.Equal(t, `(FIND q)`, Sub(Find("q")).String())
	assert.Equal(t, `<nil> AND <nil>`, (&AndCond{}).String(), "printing an invalid tree does not panic")
	assert.Equal(t, `f -> <nil>`, Out("f", nil).String())
	assert.Equal(t, `(<nil>)`, (&SubQuery{}).String())
}

func TestValidate(t *testing.T) {
	tooDeep := Has("x")
	for range maxNesting + 1 {
		tooDeep = Not(tooDeep)
	}
	deepButFlat := Has("x")
	for range 3 * maxNesting {
		deepButFlat = And(deepButFlat, Has("y"))
	}
	// n right-nested ANDs print with n-1 nested parentheses.
	rightNested := func(n int) Cond {
		c := Has("x")
		for range n {
			c = &AndCond{L: Has("y"), R: c}
		}
		return c
	}
	// n sub-queries, each in the WHERE of the one around it.
	subNested := func(n int) *Query {
		q := Find("q").Query()
		for range n {
			q = Find("p").Where(Out("f", &SubQuery{Query: q})).Query()
		}
		return q
	}
	var nilAnd *AndCond
	type wrapped struct{ *HasCond }

	tests := []struct {
		name string
		q    *Query
		want string // "" for valid
	}{
		{"valid", Find("p").Where(And(Eq("a", 1), Out("f", Entity("k/1")))).Query(), ""},
		{"long flat chain", Find("p").Where(deepButFlat).Query(), ""},
		{"nil query", nil, "nil query"},
		{"empty kind", Find("").Query(), "empty kind"},
		{"backquote in kind", Find("a`b").Query(), "kind \"a`b\" contains a backquote or a newline"},
		{"newline in column", Find("p").Select("a\nb").Query(), `column "a\nb" contains a backquote or a newline`},
		{"invalid UTF-8 in order", Find("p").OrderBy("\xff", false).Query(), `column "\xff" is not valid UTF-8`},
		{"select and count", Find("p").Select("a").Count().Query(), "SELECT and COUNT cannot be combined"},
		{"nil condition", Find("p").Where(&AndCond{L: Has("a")}).Query(), "nil condition"},
		{"typed nil condition", Find("p").Where(nilAnd).Query(), "nil condition"},
		{"foreign condition type", Find("p").Where(wrapped{&HasCond{Col: Name{Name: "a"}}}).Query(),
			"unknown condition type query.wrapped"},
		{"bad op", Find("p").Where(&CompareCond{Col: Name{Name: "a"}, Value: Lit(1)}).Query(), "invalid comparison operator Op(0)"},
		{"bad literal", Find("p").Where(&CompareCond{Col: Name{Name: "a"}, Op: OpEq}).Query(), "invalid literal kind LitKind(0)"},
		{"infinite", Find("p").Where(Gt("a", math.Inf(1))).Query(), "float literal +Inf is not finite"},
		{"NaN", Find("p").Where(Between("a", 0, math.NaN())).Query(), "float literal NaN is not finite"},
		{"empty verb", Find("p").Where(Out("", Any())).Query(), "empty verb"},
		{"bad direction", Find("p").Where(&FollowCond{Verb: Name{Name: "f"}, Target: Any()}).Query(), "invalid direction Dir(0)"},
		{"nil target", Find("p").Where(Out("f", nil)).Query(), "nil target"},
		{"bad reference", Find("p").Where(Out("f", Entity("guild"))).Query(),
			`entity reference "guild" is malformed or does not match its fields; build it with ParseEntityRef`},
		{"reference fields differ", Find("p").Where(Out("f", &EntityTarget{Ref: EntityRef{Form: RefKindID, Raw: "k/1", Kind: "k", ID: 2}})).Query(),
			`entity reference "k/1" is malformed or does not match its fields; build it with ParseEntityRef`},
		{"nil sub-query", Find("p").Where(Out("f", &SubQuery{})).Query(), "nil query"},
		{"explain in sub-query", Find("p").Where(Out("f", Sub(Find("q").Explain()))).Query(), "EXPLAIN is not allowed in a sub-query"},
		{"select in sub-query", Find("p").Where(Out("f", Sub(Find("q").Select("a")))).Query(), "SELECT is not allowed in a sub-query"},
		{"count in sub-query", Find("p").Where(Out("f", Sub(Find("q").Count()))).Query(), "COUNT is not allowed in a sub-query"},
		{"budget in sub-query", Find("p").Where(Out("f", Sub(Find("q").Budget(1)))).Query(), "BUDGET is not allowed in a sub-query"},
		{"bad column in sub-query", Find("p").Where(Out("f", Sub(Find("q").Where(Has(""))))).Query(), "empty column"},
		{"too many NOTs", Find("p").Where(tooDeep).Query(), "conditions nested more than 1000 deep"},
		{"most parentheses", Find("p").Where(rightNested(maxNesting + 1)).Query(), ""},
		{"too many parentheses", Find("p").Where(rightNested(maxNesting + 2)).Query(), "conditions nested more than 1000 deep"},
		{"most sub-queries", subNested(maxNesting), ""},
		{"too many sub-queries", subNested(maxNesting + 1), "conditions nested more than 1000 deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				checkRoundTrip(t, tt.q)
				return
			}
			assert.EqualError(t, err, tt.want)
			assert.ErrorIs(t, err, ErrInvalidQuery)
			assert.NotErrorIs(t, err, ErrSyntax)
		})
	}
}

func TestValidatePosition(t *testing.T) {
	q, err := Parse("FIND p WHERE a = 1")
	require.NoError(t, err)
	q.Where.(*CompareCond).Value.Float = math.Inf(-1)
	q.Where.(*CompareCond).Value.Kind = LitFloat
	assert.EqualError(t, q.Validate(), "1:18: float literal -Inf is not finite")
}
