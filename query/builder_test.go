package query

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/testutil"
)

func TestBuilderMatchesParser(t *testing.T) {
	tests := []struct {
		q   *Query
		src string
	}{
		{
			Find("player").
				Where(And(Lt("health", 10), Out("member_of", Entity("guild/7")))).
				Select("name", "health").
				OrderBy("health", false).
				Limit(20).
				Query(),
			`FIND player WHERE health < 10 AND member_of -> guild/7 SELECT name, health ORDER BY health LIMIT 20`,
		},
		{
			Find("player").Where(In("friend", Sub(Find("player").Where(Eq("name", "alice"))))).Count().Query(),
			`FIND player WHERE friend <- (FIND player WHERE name = "alice") COUNT`,
		},
		{
			Find("Synset").Where(OutTransitive("hypernym", Entity("<http://example.org/id/dog>"))).Count().Query(),
			`FIND Synset WHERE hypernym ->+ <http://example.org/id/dog> COUNT`,
		},
		{
			Find("player").Explain().Where(Or(Not(Has("health")), Between("x", 1, 5))).Budget(100).Query(),
			`explain find player where not has health or x between 1 and 5 budget 100`,
		},
		{
			Find("item").Where(In("owns", Any())).Query(),
			`FIND item WHERE owns <- ANY`,
		},
		{
			Find("player").Where(Out("member_of", Entity("ic://rrkah-fqaaa-aaaaa-aaaaq-cai/guild/7"))).Query(),
			`FIND player WHERE member_of -> ic://rrkah-fqaaa-aaaaa-aaaaq-cai/guild/7`,
		},
		{
			Find("order").Where(InTransitive("parent", Entity("#3"))).Select("select").OrderBy("by", true).Query(),
			"FIND `order` WHERE parent <-+ #3 SELECT `select` ORDER BY `by` DESC",
		},
	}
	for _, tt := range tests {
		assert.Equal(t, parseNoPos(t, tt.src), tt.q, tt.src)
		assert.NoError(t, tt.q.Validate())
	}
}

func TestBuilderZeroPositions(t *testing.T) {
	q := Find("p").Where(And(Eq("a", 1), Out("f", Entity("k/1")))).Select("a").OrderBy("a", false).Limit(1).Query()
	withPos := *q
	stripPos(q)
	assert.Equal(t, &withPos, q, "builder nodes carry no positions")
}

func TestBuilderQueryIsACopy(t *testing.T) {
	b := Find("p").Select("a", "b").OrderBy("a", false)
	q := b.Query()
	b.Select("c").OrderBy("c", true).Limit(3).Where(Has("x"))
	assert.Equal(t, Find("p").Select("a", "b").OrderBy("a", false).Query(), q)
}

func TestBuilderReplaces(t *testing.T) {
	q := Find("p").Where(Has("a")).Where(Has("b")).Select("x").Select("y", "z").Query()
	assert.Equal(t, `FIND p WHERE HAS b SELECT y, z`, q.String())
	assert.Nil(t, Find("p").Select().Query().Select)
}

func TestAndOr(t *testing.T) {
	assert.Nil(t, And())
	assert.Nil(t, Or(nil, nil))
	assert.Equal(t, Has("a"), And(Has("a")))
	assert.Equal(t, Has("a"), Or(nil, Has("a"), nil))
	assert.Equal(t, &AndCond{L: &AndCond{L: Has("a"), R: Has("b")}, R: Has("c")}, And(Has("a"), nil, Has("b"), Has("c")))
	assert.Equal(t, &OrCond{L: &OrCond{L: Has("a"), R: Has("b")}, R: Has("c")}, Or(Has("a"), Has("b"), Has("c")))
}

func TestLit(t *testing.T) {
	type health int16
	type label string
	type flag bool
	assert.Equal(t, Literal{Kind: LitInt, Int: -3}, Lit(health(-3)))
	assert.Equal(t, Literal{Kind: LitInt, Int: math.MaxUint32}, Lit(uint32(math.MaxUint32)))
	assert.Equal(t, Literal{Kind: LitInt, Int: 200}, Lit(uint8(200)))
	assert.Equal(t, Literal{Kind: LitInt, Int: math.MinInt64}, Lit(int64(math.MinInt64)))
	assert.Equal(t, Literal{Kind: LitFloat, Float: 0.25}, Lit(float32(0.25)))
	assert.Equal(t, Literal{Kind: LitString, Str: "x"}, Lit(label("x")))
	assert.Equal(t, Literal{Kind: LitBool, Bool: true}, Lit(flag(true)))
}

func TestEntity(t *testing.T) {
	assert.Equal(t, &EntityTarget{Ref: EntityRef{Form: RefKindID, Raw: "guild/7", Kind: "guild", ID: 7}}, Entity("guild/7"))
	assert.Equal(t, &EntityTarget{Ref: EntityRef{Raw: "guild"}}, Entity("guild"), "kept for Validate to report")
}

// TestRandomTreesRoundTrip builds random trees, including shapes the parser
// never produces (right-nested AND and OR, odd names and literals), and
// checks that each prints as text that parses back to it.
func TestRandomTreesRoundTrip(t *testing.T) {
	seed := testutil.Seed(t, 1)
	g := treeGen{r: rand.New(rand.NewPCG(seed, seed))}
	for range 2000 {
		q := g.query(false, 0)
		require.NoError(t, q.Validate(), "%s", q)
		checkRoundTrip(t, q)
	}
}

type treeGen struct{ r *rand.Rand }

var genNames = []string{
	"a", "health", "member_of", "x.y", "_", "Straße", "日本", "v2",
	"order", "AND", "Any", "true", "explain", // keywords
	"my-kind", "two words", "1st", "a\tb", "\u00a0", "é\u0301", "--", "->", "a;b", `"q"`, "<x>", "#1", // need quoting
}

var genRefs = []string{
	"guild/7", "my-kind.v2/0", "any/3", "#1", "#007", "<http://example.org/x>", "<a;b)c<d>",
	"ic://rrkah-fqaaa-aaaaa-aaaaq-cai/guild/7", "IC://c/k/18446744073709551615",
}

var genFloats = []float64{
	0, math.Copysign(0, -1), 1, -1, 1.5, -0.25, 1e3, 1e21, 1e-7, 5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64,
	0.1, 123456789, 1 << 53,
}

var genInts = []int64{0, 1, -1, 5, -5, math.MaxInt64, math.MinInt64}

func (g treeGen) pick(n int) int { return g.r.IntN(n) }

func (g treeGen) name() string { return genNames[g.pick(len(genNames))] }

func (g treeGen) literal() Literal {
	switch g.pick(4) {
	case 0:
		if g.pick(2) == 0 {
			return Lit(genInts[g.pick(len(genInts))])
		}
		return Lit(g.r.Int64() - g.r.Int64())
	case 1:
		if g.pick(2) == 0 {
			return Lit(genFloats[g.pick(len(genFloats))])
		}
		for {
			f := math.Float64frombits(g.r.Uint64())
			if !math.IsInf(f, 0) && !math.IsNaN(f) {
				return Lit(f)
			}
		}
	case 2:
		const alphabet = "ab \"\\\n\t\x00\x7fé--\xff\u2028"
		var b strings.Builder
		for range g.pick(8) {
			b.WriteByte(alphabet[g.pick(len(alphabet))])
		}
		return Lit(b.String())
	}
	return Lit(g.pick(2) == 0)
}

func (g treeGen) cond(depth int) Cond {
	n := 9
	if depth > 5 {
		n = 4 // leaves only
	}
	switch g.pick(n) {
	case 0:
		return &CompareCond{Col: Name{Name: g.name()}, Op: Op(1 + g.pick(6)), Value: g.literal()}
	case 1:
		return &BetweenCond{Col: Name{Name: g.name()}, Lo: g.literal(), Hi: g.literal()}
	case 2:
		return Has(g.name())
	case 3:
		var target Target
		switch g.pick(3) {
		case 0:
			target = Any()
		case 1:
			target = Entity(genRefs[g.pick(len(genRefs))])
		}
		if target == nil {
			if depth > 5 {
				target = Any()
			} else {
				target = &SubQuery{Query: g.query(true, depth+1)}
			}
		}
		return &FollowCond{Verb: Name{Name: g.name()}, Dir: Dir(1 + g.pick(2)), Transitive: g.pick(2) == 0, Target: target}
	case 4, 5:
		return &AndCond{L: g.cond(depth + 1), R: g.cond(depth + 1)}
	case 6, 7:
		return &OrCond{L: g.cond(depth + 1), R: g.cond(depth + 1)}
	default:
		return Not(g.cond(depth + 1))
	}
}

func (g treeGen) query(sub bool, depth int) *Query {
	b := Find(g.name())
	if g.pick(4) > 0 {
		b.Where(g.cond(depth + 1))
	}
	if !sub {
		if g.pick(3) == 0 {
			b.Explain()
		}
		switch g.pick(3) {
		case 0:
			cols := make([]string, 1+g.pick(3))
			for i := range cols {
				cols[i] = g.name()
			}
			b.Select(cols...)
		case 1:
			b.Count()
		}
		if g.pick(3) == 0 {
			b.Budget(g.r.Uint64() >> g.pick(64))
		}
	}
	if g.pick(3) == 0 {
		b.OrderBy(g.name(), g.pick(2) == 0)
	}
	if g.pick(3) == 0 {
		b.Limit(g.r.Uint64() >> g.pick(64))
	}
	return b.Query()
}
