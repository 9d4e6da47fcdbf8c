package query

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stripPos zeroes every Pos in the tree that v points to, so that a parsed
// tree compares equal to one from the builder.
func stripPos(v any) {
	zeroPos(reflect.ValueOf(v))
}

var posType = reflect.TypeFor[Pos]()

func zeroPos(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			zeroPos(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == posType {
			v.SetZero()
			return
		}
		for i := range v.NumField() {
			zeroPos(v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			zeroPos(v.Index(i))
		}
	}
}

// parseNoPos parses src, which must be valid, and strips its positions.
func parseNoPos(t *testing.T, src string) *Query {
	t.Helper()
	q, err := Parse(src)
	require.NoError(t, err, "parse %q", src)
	stripPos(q)
	return q
}

// Every production of the grammar, each with the tree it must give.
var parseTests = []struct {
	name string
	src  string
	want *Query
}{
	// FIND and its clauses.
	{"find", `FIND player`, Find("player").Query()},
	{"explain", `EXPLAIN FIND player`, Find("player").Explain().Query()},
	{"keywords any case", `explain Find player wHeRe x = 1`, Find("player").Explain().Where(Eq("x", 1)).Query()},
	{"quoted kind", "FIND `order`", Find("order").Query()},
	{"quoted odd kind", "FIND `my kind-2`", Find("my kind-2").Query()},
	{"unicode kind", `FIND Straße_1.v2`, Find("Straße_1.v2").Query()},
	{"names are case-sensitive", `FIND Player`, Find("Player").Query()},
	{"select", `FIND player SELECT name, health`, Find("player").Select("name", "health").Query()},
	{"select quoted", "FIND player SELECT `select`, name", Find("player").Select("select", "name").Query()},
	{"count", `FIND player COUNT`, Find("player").Count().Query()},
	{"order by", `FIND player ORDER BY health`, Find("player").OrderBy("health", false).Query()},
	{"order by asc", `FIND player ORDER BY health ASC`, Find("player").OrderBy("health", false).Query()},
	{"order by desc", `FIND player ORDER BY health desc`, Find("player").OrderBy("health", true).Query()},
	{"limit", `FIND player LIMIT 20`, Find("player").Limit(20).Query()},
	{"limit zero", `FIND player LIMIT 0`, Find("player").Limit(0).Query()},
	{"limit max", `FIND player LIMIT 18446744073709551615`, Find("player").Limit(math.MaxUint64).Query()},
	{"budget", `FIND player BUDGET 100`, Find("player").Budget(100).Query()},
	{"every clause",
		`EXPLAIN FIND player WHERE x = 1 SELECT a ORDER BY a DESC LIMIT 5 BUDGET 9`,
		Find("player").Explain().Where(Eq("x", 1)).Select("a").OrderBy("a", true).Limit(5).Budget(9).Query()},
	{"trailing semicolon", `FIND player;`, Find("player").Query()},
	{"semicolon then comment", "FIND player ; -- done", Find("player").Query()},
	{"comments and lines",
		"-- players low on health\nFIND player -- the kind\n  WHERE health < 10 --\n\tLIMIT 3\n",
		Find("player").Where(Lt("health", 10)).Limit(3).Query()},
	{"byte order mark", "\uFEFFFIND player", Find("player").Query()},

	// Comparisons and literals.
	{"eq", `FIND p WHERE x = 1`, Find("p").Where(Eq("x", 1)).Query()},
	{"ne", `FIND p WHERE x != 1`, Find("p").Where(Ne("x", 1)).Query()},
	{"lt", `FIND p WHERE x < 1`, Find("p").Where(Lt("x", 1)).Query()},
	{"le", `FIND p WHERE x <= 1`, Find("p").Where(Le("x", 1)).Query()},
	{"gt", `FIND p WHERE x > 1`, Find("p").Where(Gt("x", 1)).Query()},
	{"ge", `FIND p WHERE x >= 1`, Find("p").Where(Ge("x", 1)).Query()},
	{"no spaces", `FIND p WHERE x>=1 AND y!=2 AND z<3`,
		Find("p").Where(And(Ge("x", 1), Ne("y", 2), Lt("z", 3))).Query()},
	{"less than negative", `FIND p WHERE x<-5`, Find("p").Where(Lt("x", -5)).Query()},
	{"negative int", `FIND p WHERE x = -5`, Find("p").Where(Eq("x", -5)).Query()},
	{"min int", `FIND p WHERE x = -9223372036854775808`, Find("p").Where(Eq("x", int64(math.MinInt64))).Query()},
	{"max int", `FIND p WHERE x = 9223372036854775807`, Find("p").Where(Eq("x", int64(math.MaxInt64))).Query()},
	{"float", `FIND p WHERE x = 1.5`, Find("p").Where(Eq("x", 1.5)).Query()},
	{"negative float", `FIND p WHERE x = -0.25`, Find("p").Where(Eq("x", -0.25)).Query()},
	{"exponent", `FIND p WHERE x = 1e3`, Find("p").Where(Eq("x", 1e3)).Query()},
	{"signed exponent", `FIND p WHERE x = 2.5E-3 OR x = 1e+2`, Find("p").Where(Or(Eq("x", 2.5e-3), Eq("x", 100.0))).Query()},
	{"float with zero fraction", `FIND p WHERE x = 1.0`, Find("p").Where(Eq("x", 1.0)).Query()},
	{"string", `FIND p WHERE name = "alice"`, Find("p").Where(Eq("name", "alice")).Query()},
	{"string escapes", `FIND p WHERE s = "say \"hi\"\n\t\\ \u00e9\x41"`,
		Find("p").Where(Eq("s", "say \"hi\"\n\t\\ éA")).Query()},
	{"string raw unicode", `FIND p WHERE s = "héllo -- not a comment"`, Find("p").Where(Eq("s", "héllo -- not a comment")).Query()},
	{"empty string", `FIND p WHERE s = ""`, Find("p").Where(Eq("s", "")).Query()},
	{"true", `FIND p WHERE ok = true`, Find("p").Where(Eq("ok", true)).Query()},
	{"false", `FIND p WHERE ok = FALSE`, Find("p").Where(Eq("ok", false)).Query()},
	{"between", `FIND p WHERE x BETWEEN 1 AND 5`, Find("p").Where(Between("x", 1, 5)).Query()},
	{"between mixed", `FIND p WHERE x BETWEEN -1.5 AND 5`, Find("p").Where(Between("x", -1.5, 5)).Query()},
	{"between strings", `FIND p WHERE name BETWEEN "a" AND "b"`, Find("p").Where(Between("name", "a", "b")).Query()},
	{"between then and", `FIND p WHERE x BETWEEN 1 AND 5 AND y = 2`,
		Find("p").Where(And(Between("x", 1, 5), Eq("y", 2))).Query()},
	{"has", `FIND p WHERE HAS health`, Find("p").Where(Has("health")).Query()},
	{"quoted column", "FIND p WHERE `order` = 1 AND HAS `has`",
		Find("p").Where(And(Eq("order", 1), Has("has"))).Query()},

	// NOT, AND, OR and parentheses.
	{"not", `FIND p WHERE NOT x = 1`, Find("p").Where(Not(Eq("x", 1))).Query()},
	{"not not", `FIND p WHERE NOT NOT HAS x`, Find("p").Where(Not(Not(Has("x")))).Query()},
	{"and", `FIND p WHERE a = 1 AND b = 2`, Find("p").Where(And(Eq("a", 1), Eq("b", 2))).Query()},
	{"or", `FIND p WHERE a = 1 OR b = 2`, Find("p").Where(Or(Eq("a", 1), Eq("b", 2))).Query()},
	{"and is left-assoc", `FIND p WHERE a = 1 AND b = 2 AND c = 3`,
		Find("p").Where(&AndCond{L: &AndCond{L: Eq("a", 1), R: Eq("b", 2)}, R: Eq("c", 3)}).Query()},
	{"or is left-assoc", `FIND p WHERE a = 1 OR b = 2 OR c = 3`,
		Find("p").Where(&OrCond{L: &OrCond{L: Eq("a", 1), R: Eq("b", 2)}, R: Eq("c", 3)}).Query()},
	{"and binds tighter than or", `FIND p WHERE a = 1 OR b = 2 AND c = 3`,
		Find("p").Where(Or(Eq("a", 1), And(Eq("b", 2), Eq("c", 3)))).Query()},
	{"not binds tighter than and", `FIND p WHERE NOT a = 1 AND b = 2`,
		Find("p").Where(And(Not(Eq("a", 1)), Eq("b", 2))).Query()},
	{"parentheses", `FIND p WHERE (a = 1 OR b = 2) AND c = 3`,
		Find("p").Where(And(Or(Eq("a", 1), Eq("b", 2)), Eq("c", 3))).Query()},
	{"right parentheses", `FIND p WHERE a = 1 AND (b = 2 AND c = 3)`,
		Find("p").Where(&AndCond{L: Eq("a", 1), R: And(Eq("b", 2), Eq("c", 3))}).Query()},
	{"not parentheses", `FIND p WHERE NOT (a = 1 OR b = 2)`,
		Find("p").Where(Not(Or(Eq("a", 1), Eq("b", 2)))).Query()},
	{"redundant parentheses", `FIND p WHERE ((a = 1))`, Find("p").Where(Eq("a", 1)).Query()},
	{"brief: not has or between", `explain find player where not has health or x between 1 and 5 budget 100`,
		Find("player").Explain().Where(Or(Not(Has("health")), Between("x", 1, 5))).Budget(100).Query()},

	// Arrows and targets.
	{"out", `FIND p WHERE member_of -> guild/7`, Find("p").Where(Out("member_of", Entity("guild/7"))).Query()},
	{"in", `FIND p WHERE friend <- #12`, Find("p").Where(In("friend", Entity("#12"))).Query()},
	{"out transitive", `FIND p WHERE parent ->+ person/1`, Find("p").Where(OutTransitive("parent", Entity("person/1"))).Query()},
	{"in transitive", `FIND p WHERE parent <-+ ANY`, Find("p").Where(InTransitive("parent", Any())).Query()},
	{"arrows without spaces", `FIND p WHERE a->b/1 AND c<-#2 AND d->+ANY AND e<-+<x:y>`,
		Find("p").Where(And(Out("a", Entity("b/1")), In("c", Entity("#2")),
			OutTransitive("d", Any()), InTransitive("e", Entity("<x:y>")))).Query()},
	{"brief: owns any", `FIND item WHERE owns <- ANY`, Find("item").Where(In("owns", Any())).Query()},
	{"any lower case", `FIND item WHERE owns <- any`, Find("item").Where(In("owns", Any())).Query()},
	{"uri", `FIND player WHERE member_of -> ic://rrkah-fqaaa-aaaaa-aaaaq-cai/guild/7`,
		Find("player").Where(Out("member_of", Entity("ic://rrkah-fqaaa-aaaaa-aaaaq-cai/guild/7"))).Query()},
	{"uri then semicolon", `FIND p WHERE f -> ic://c/k/1;`, Find("p").Where(Out("f", Entity("ic://c/k/1"))).Query()},
	{"iri", `FIND Synset WHERE hypernym ->+ <http://example.org/id/dog> COUNT`,
		Find("Synset").Where(OutTransitive("hypernym", Entity("<http://example.org/id/dog>"))).Count().Query()},
	{"iri with odd characters", `FIND p WHERE f -> <urn:x;y(z)<w>`, Find("p").Where(Out("f", Entity("<urn:x;y(z)<w>"))).Query()},
	{"kind with dash and dot", `FIND p WHERE f -> my-kind.v2/3`, Find("p").Where(Out("f", Entity("my-kind.v2/3"))).Query()},
	{"kind that is a keyword", `FIND p WHERE f -> order/3 AND g -> any/4`,
		Find("p").Where(And(Out("f", Entity("order/3")), Out("g", Entity("any/4")))).Query()},
	{"leading zeros kept raw", `FIND p WHERE f -> #007`, Find("p").Where(Out("f", Entity("#007"))).Query()},
	{"brief: sub-query", `FIND player WHERE friend <- (FIND player WHERE name = "alice") COUNT`,
		Find("player").Where(In("friend", Sub(Find("player").Where(Eq("name", "alice"))))).Count().Query()},
	{"sub-query with order and limit", `FIND p WHERE f -> (FIND q ORDER BY score DESC LIMIT 10)`,
		Find("p").Where(Out("f", Sub(Find("q").OrderBy("score", true).Limit(10)))).Query()},
	{"nested sub-queries", `FIND a WHERE x -> (FIND b WHERE y <-+ (FIND c WHERE HAS z))`,
		Find("a").Where(Out("x", Sub(Find("b").Where(InTransitive("y", Sub(Find("c").Where(Has("z")))))))).Query()},
	{"brief: full",
		`FIND player WHERE health < 10 AND member_of -> guild/7 SELECT name, health ORDER BY health LIMIT 20`,
		Find("player").
			Where(And(Lt("health", 10), Out("member_of", Entity("guild/7")))).
			Select("name", "health").
			OrderBy("health", false).
			Limit(20).
			Query()},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseNoPos(t, tt.src)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParsePositions(t *testing.T) {
	src := "EXPLAIN FIND player\n" +
		"WHERE NOT HAS hp OR x BETWEEN 1 AND 2.5\n" +
		"  AND f -> (FIND guild WHERE n = \"x\") AND g <-+ #9\n" +
		"SELECT a, `b` ORDER BY a LIMIT 3 BUDGET 4"
	q, err := Parse(src)
	require.NoError(t, err)

	at := func(line, col int) Pos {
		off := 0
		for range line - 1 {
			off += strings.IndexByte(src[off:], '\n') + 1
		}
		return Pos{Offset: off + col - 1, Line: line, Col: col}
	}
	assert.Equal(t, at(1, 9), q.Pos)
	assert.Equal(t, Name{Pos: at(1, 14), Name: "player"}, q.Kind)

	or := q.Where.(*OrCond)
	assert.Equal(t, at(2, 18), or.Pos)
	not := or.L.(*NotCond)
	assert.Equal(t, at(2, 7), not.Pos)
	assert.Equal(t, &HasCond{Pos: at(2, 11), Col: Name{Pos: at(2, 15), Name: "hp"}}, not.X)

	and2 := or.R.(*AndCond)
	assert.Equal(t, at(3, 39), and2.Pos)
	and1 := and2.L.(*AndCond)
	assert.Equal(t, at(3, 3), and1.Pos)
	assert.Equal(t, &BetweenCond{
		Pos: at(2, 23),
		Col: Name{Pos: at(2, 21), Name: "x"},
		Lo:  Literal{Pos: at(2, 31), Kind: LitInt, Int: 1},
		Hi:  Literal{Pos: at(2, 37), Kind: LitFloat, Float: 2.5},
	}, and1.L)

	f := and1.R.(*FollowCond)
	assert.Equal(t, at(3, 9), f.Pos)
	assert.Equal(t, Name{Pos: at(3, 7), Name: "f"}, f.Verb)
	sub := f.Target.(*SubQuery)
	assert.Equal(t, at(3, 12), sub.Pos)
	assert.Equal(t, at(3, 12), sub.Position())
	assert.Equal(t, at(3, 13), sub.Query.Pos)
	assert.Equal(t, &CompareCond{
		Pos:   at(3, 32),
		Col:   Name{Pos: at(3, 30), Name: "n"},
		Op:    OpEq,
		Value: Literal{Pos: at(3, 34), Kind: LitString, Str: "x"},
	}, sub.Query.Where)

	g := and2.R.(*FollowCond)
	assert.Equal(t, at(3, 45), g.Pos)
	assert.Equal(t, &EntityTarget{Ref: EntityRef{Pos: at(3, 49), Form: RefHashID, Raw: "#9", ID: 9}}, g.Target)
	assert.Equal(t, at(3, 49), g.Target.Position())

	assert.Equal(t, []Name{{Pos: at(4, 8), Name: "a"}, {Pos: at(4, 11), Name: "b"}}, q.Select)
	assert.Equal(t, &Order{Pos: at(4, 15), Col: Name{Pos: at(4, 24), Name: "a"}}, q.OrderBy)
	assert.Equal(t, Limit{Pos: at(4, 26), Set: true, N: 3}, q.Limit)
	assert.Equal(t, BudgetClause{Pos: at(4, 34), Set: true, Pages: 4}, q.Budget)
	assert.Equal(t, "4:34", q.Budget.Pos.String())
}

// Every error, with the exact position and message.
var errorTests = []struct {
	name string
	src  string
	want []string // each error as "line:col: msg", in order
}{
	// Query structure.
	{"empty", ``, []string{`1:1: expected FIND or EXPLAIN, found end of query`}},
	{"only a comment", "-- nothing\n", []string{`2:1: expected FIND or EXPLAIN, found end of query`}},
	{"misspelt FIND", `FNID player`, []string{`1:1: unknown keyword "FNID"; did you mean "FIND"?`}},
	{"misspelt EXPLAIN", `EXPLIAN FIND x`, []string{`1:1: unknown keyword "EXPLIAN"; did you mean "EXPLAIN"?`}},
	{"no FIND", `player WHERE x = 1`, []string{`1:1: expected FIND or EXPLAIN, found "player"`}},
	{"explain without FIND", `EXPLAIN x`, []string{`1:9: expected FIND, found "x"`}},
	{"no kind", `FIND`, []string{`1:5: expected kind name, found end of query`}},
	{"keyword as kind", `FIND order`, []string{"1:6: expected kind name, found keyword ORDER (quote it as `order` to use it as a name)"}},
	{"misspelt WHERE", `FIND player WHRE x = 1`, []string{`1:13: unknown keyword "WHRE"; did you mean "WHERE"?`}},
	{"junk after kind", `FIND player 42`, []string{
		`1:13: expected WHERE, SELECT, COUNT, ORDER BY, LIMIT, BUDGET or end of query, found number 42`}},
	{"junk after ;", `FIND p; x`, []string{`1:9: expected end of query after ';', found "x"`}},
	{"two semicolons", `FIND p;;`, []string{`1:8: expected end of query after ';', found ';'`}},
	{"duplicate WHERE", `FIND p WHERE a = 1 WHERE b = 2`, []string{`1:20: duplicate WHERE`}},
	{"duplicate COUNT", `FIND p COUNT COUNT`, []string{`1:14: duplicate COUNT`}},
	{"select and count", `FIND p SELECT a COUNT`, []string{`1:17: SELECT and COUNT cannot be combined`}},
	{"count and select", `FIND p COUNT SELECT a`, []string{`1:14: SELECT and COUNT cannot be combined`}},
	{"clauses out of order", `FIND player LIMIT 5 WHERE x = 1 LIMIT 3`, []string{
		`1:21: WHERE must come before LIMIT`,
		`1:33: duplicate LIMIT`}},
	{"budget before order", `FIND p BUDGET 1 ORDER BY x`, []string{`1:17: ORDER BY must come before BUDGET`}},
	{"after last clause", `FIND p BUDGET 1 x`, []string{`1:17: expected end of query, found "x"`}},
	{"ORDER without BY", `FIND p ORDER x`, []string{`1:14: expected BY after ORDER, found "x"`}},
	{"misspelt DESC", `FIND p ORDER BY x DSC`, []string{`1:19: unknown keyword "DSC"; did you mean "DESC"?`}},
	{"after ORDER BY", `FIND p ORDER BY x DESC 5`, []string{`1:24: expected LIMIT, BUDGET or end of query, found number 5`}},
	{"after SELECT", `FIND p SELECT a b`, []string{`1:17: expected ',', ORDER BY, LIMIT, BUDGET or end of query, found "b"`}},
	{"SELECT without column", `FIND p SELECT`, []string{`1:14: expected column name or IRI, found end of query`}},
	{"SELECT trailing comma", `FIND p SELECT a,`, []string{`1:17: expected column name or IRI, found end of query`}},
	{"LIMIT without number", `FIND p LIMIT`, []string{`1:13: expected non-negative integer after LIMIT, found end of query`}},
	{"LIMIT float", `FIND p LIMIT 1.5`, []string{`1:14: expected non-negative integer after LIMIT, found number 1.5`}},
	{"LIMIT negative", `FIND p LIMIT -1`, []string{`1:14: LIMIT must not be negative`}},
	{"LIMIT too large", `FIND p LIMIT 18446744073709551616`, []string{`1:14: LIMIT 18446744073709551616 out of range`}},
	{"BUDGET negative", `FIND p BUDGET -10`, []string{`1:15: BUDGET must not be negative`}},

	// Conditions.
	{"WHERE without condition", `FIND player WHERE`, []string{`1:18: expected condition, found end of query`}},
	{"WHERE then clause", `FIND player WHERE LIMIT 1`, []string{
		"1:19: expected condition, found keyword LIMIT (quote it as `LIMIT` to use it as a name)"}},
	{"brief: halth", `FIND player WHERE max halth < 10`, []string{
		`1:23: expected comparison operator, BETWEEN, '->' or '<-', found "halth"`}},
	{"column without operator", `FIND p WHERE x`, []string{`1:15: expected comparison operator, BETWEEN, '->' or '<-', found end of query`}},
	{"misspelt BETWEEN", `FIND p WHERE x BETWEN 1 AND 2`, []string{`1:16: unknown keyword "BETWEN"; did you mean "BETWEEN"?`}},
	{"BETWEEN without AND", `FIND p WHERE x BETWEEN 1 , 2`, []string{`1:26: expected AND after BETWEEN's lower bound, found ','`}},
	{"BETWEEN with OR", `FIND p WHERE x BETWEEN 1 OR 2`, []string{`1:26: expected AND after BETWEEN's lower bound, found keyword OR`}},
	{"unquoted string", `FIND p WHERE name = alice`, []string{
		`1:21: expected literal, found "alice" (write a string in double quotes: "alice")`}},
	{"missing literal", `FIND p WHERE x =`, []string{`1:17: expected literal (number, string, true or false), found end of query`}},
	{"double equals", `FIND p WHERE x == 1`, []string{`1:17: expected literal (number, string, true or false), found '='`}},
	{"entity as literal", `FIND p WHERE x = #5`, []string{`1:18: expected literal (number, string, true or false), found entity reference #5`}},
	{"missing AND", `FIND p WHERE a = 1 b = 2`, []string{
		`1:20: expected AND, OR, SELECT, COUNT, ORDER BY, LIMIT, BUDGET or end of query, found "b"`}},
	{"misspelt AND", `FIND p WHERE a = 1 ADN b = 2`, []string{`1:20: unknown keyword "ADN"; did you mean "AND"?`}},
	{"unclosed parenthesis", `FIND p WHERE (a = 1`, []string{`1:20: expected AND, OR or ')', found end of query`}},
	{"empty parentheses", `FIND p WHERE ()`, []string{`1:15: expected condition, found ')'`}},
	{"keyword as column", `FIND p WHERE order = 1`, []string{
		"1:14: expected condition, found keyword ORDER (quote it as `order` to use it as a name)"}},
	{"HAS without column", `FIND p WHERE HAS`, []string{`1:17: expected column name, found end of query`}},
	{"NOT without condition", `FIND p WHERE NOT`, []string{`1:17: expected condition, found end of query`}},
	{"integer out of range", `FIND p WHERE x = 9223372036854775808`, []string{`1:18: integer 9223372036854775808 out of range: integers fit an int64; write a larger number as a float (9223372036854775808e0)`}},
	{"float out of range", `FIND p WHERE x = -1e400`, []string{`1:18: float -1e400 out of range`}},
	{"two soft errors", `FIND p WHERE x = 99999999999999999999 AND y = 1e999`, []string{
		`1:18: integer 99999999999999999999 out of range: integers fit an int64; write a larger number as a float (99999999999999999999e0)`,
		`1:47: float 1e999 out of range`}},
	{"too deep", `FIND p WHERE ` + strings.Repeat("NOT ", maxNesting+1) + `HAS x`, []string{
		`1:4014: conditions nested more than 1000 deep`}},
	{"too deep parentheses", `FIND p WHERE ` + strings.Repeat("(", maxNesting+1) + `HAS x`, []string{
		`1:1014: conditions nested more than 1000 deep`}},

	// Targets.
	{"no target", `FIND p WHERE f ->`, []string{`1:18: expected ANY, entity reference or '(' sub-query, found end of query`}},
	{"bare word target", `FIND p WHERE f -> x`, []string{`1:19: expected ANY, entity reference or '(' sub-query, found "x"`}},
	{"misspelt ANY", `FIND p WHERE f -> ANI`, []string{`1:19: unknown keyword "ANI"; did you mean "ANY"?`}},
	{"number target", `FIND p WHERE f -> 5`, []string{`1:19: expected ANY, entity reference or '(' sub-query, found number 5`}},
	{"sub-query without FIND", `FIND p WHERE f -> (x)`, []string{`1:20: expected FIND after '(' of a sub-query, found "x"`}},
	{"unclosed sub-query", `FIND p WHERE f -> (FIND q`, []string{`1:26: expected WHERE, ORDER BY, LIMIT or ')', found end of query`}},
	{"unclosed sub-query after cond", `FIND p WHERE f -> (FIND q WHERE a = 1`, []string{
		`1:38: expected AND, OR, ORDER BY, LIMIT or ')', found end of query`}},
	{"semicolon in sub-query", `FIND p WHERE f -> (FIND q;)`, []string{`1:26: expected WHERE, ORDER BY, LIMIT or ')', found ';'`}},
	{"EXPLAIN in sub-query", `FIND p WHERE f -> (EXPLAIN FIND q)`, []string{`1:20: EXPLAIN is not allowed in a sub-query`}},
	{"SELECT COUNT BUDGET in sub-query", `FIND p WHERE f -> (FIND q SELECT a COUNT BUDGET 3)`, []string{
		`1:27: SELECT is not allowed in a sub-query`,
		`1:36: COUNT is not allowed in a sub-query`,
		`1:42: BUDGET is not allowed in a sub-query`}},
	{"other scheme", `FIND p WHERE f -> http://x/y`, []string{
		`1:19: entity URIs start with ic://; write any other IRI in angle brackets: <http://x/y>`}},
	{"malformed URI", `FIND p WHERE f -> ic://abc`, []string{
		`1:19: malformed entity URI "ic://abc": expected ic://<canister>/<kind>/<id>`}},
	{"URI without kind", `FIND p WHERE f -> ic://c//1`, []string{
		`1:19: malformed entity URI "ic://c//1": expected ic://<canister>/<kind>/<id>`}},
	{"URI with bad ID", `FIND p WHERE f -> ic://c/k/x1`, []string{
		`1:28: invalid entity ID "x1" in "ic://c/k/x1": expected a decimal number`}},
	{"URI with no ID", `FIND p WHERE f -> ic://c/k/`, []string{`1:28: missing entity ID in "ic://c/k/"`}},
	{"bad ID", `FIND p WHERE f -> guild/x7`, []string{`1:25: invalid entity ID "x7" in "guild/x7": expected a decimal number`}},
	{"no ID", `FIND p WHERE f -> guild/`, []string{`1:25: missing entity ID in "guild/"`}},
	{"ID out of range", `FIND p WHERE f -> guild/18446744073709551616`, []string{`1:25: entity ID 18446744073709551616 out of range`}},
	{"hash without ID", `FIND p WHERE f -> #`, []string{`1:19: expected entity ID after '#'`}},
	{"hash with letters", `FIND p WHERE f -> #12a`, []string{`1:20: invalid entity ID "12a" in "#12a": expected a decimal number`}},
	{"IRI with space", `FIND p WHERE f -> <http://x y>`, []string{
		`1:19: IRI not terminated: expected '>' before white space or the end of the query`}},
	{"IRI at end", `FIND p WHERE f -> <http://x`, []string{
		`1:19: IRI not terminated: expected '>' before white space or the end of the query`}},
	{"empty IRI", `FIND p WHERE f -> <>`, []string{`1:19: empty IRI`}},

	// Tokens.
	{"unterminated string", `FIND p WHERE x = "abc`, []string{`1:18: string literal not terminated`}},
	{"newline in string", "FIND p WHERE x = \"ab\nc\"", []string{`1:18: string literal not terminated`}},
	{"bad escape", `FIND p WHERE x = "a\qb\'c"`, []string{
		`1:20: invalid escape sequence in string literal`,
		`1:23: invalid escape sequence in string literal`}},
	{"unterminated quoted name", "FIND `p", []string{`1:6: quoted name not terminated`}},
	{"newline in quoted name", "FIND `p\n`", []string{`1:6: quoted name not terminated`}},
	{"empty quoted name", "FIND ``", []string{`1:6: empty quoted name`}},
	{"bad character", `FIND p WHERE x = 1 * 2`, []string{`1:20: unexpected character '*'`}},
	{"control character", "FIND p\x00", []string{`1:7: unexpected character '\x00'`}},
	{"non-letter symbol", `FIND p WHERE x = 1 € 2`, []string{`1:20: unexpected character '€'`}},
	{"lone bang", `FIND p WHERE x ! 2`, []string{`1:16: unexpected character '!'; did you mean '!='?`}},
	{"lone minus", `FIND p WHERE x = - 2`, []string{`1:18: unexpected '-'; expected '->', '--' or a negative number`}},
	{"dashed name", `FIND p WHERE date-of-birth > 3`, []string{"1:18: unexpected '-'; a name with '-' is written in backquotes: `date-of-birth`"}},
	{"dashed kind", `FIND my-kind`, []string{"1:8: unexpected '-'; a name with '-' is written in backquotes: `my-kind`"}},
	{"slash outside target", `FIND guild/7`, []string{`1:11: unexpected character '/'`}},
	{"number with letters", `FIND p WHERE x = 12abc`, []string{`1:18: invalid number "12abc"`}},
	{"number with trailing dot", `FIND p WHERE x = 1.`, []string{`1:18: invalid number "1."`}},
	{"number with two dots", `FIND p WHERE x = 1.2.3`, []string{`1:18: invalid number "1.2.3"`}},
	{"number with empty exponent", `FIND p WHERE x = 1e+`, []string{`1:18: invalid number "1e+"`}},
	{"invalid UTF-8", "FIND p\xff", []string{`1:7: invalid UTF-8 encoding`}},
	{"invalid UTF-8 in string", "FIND p WHERE x = \"a\xffb\"", []string{`1:20: invalid UTF-8 encoding`}},
	{"invalid UTF-8 in IRI", "FIND p WHERE f -> <a\xff>", []string{`1:21: invalid UTF-8 encoding`}},
	{"invalid UTF-8 in URI", "FIND p WHERE f -> ic://a/b/1\xff", []string{`1:29: invalid UTF-8 encoding`}},
	{"error on a later line", "FIND p\nWHERE\n  x = \n", []string{`4:1: expected literal (number, string, true or false), found end of query`}},
	{"after byte order mark", "\uFEFF", []string{`1:4: expected FIND or EXPLAIN, found end of query`}},
	{"column after tab", "FIND p\n\tWHERE @", []string{`2:8: unexpected character '@'`}},
	{"long token is clipped", `FIND p WHERE x = 1 "` + strings.Repeat("x", 50) + `"`, []string{
		`1:20: expected AND, OR, SELECT, COUNT, ORDER BY, LIMIT, BUDGET or end of query, found string "` +
			strings.Repeat("x", 39) + `…`}},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.src)
			require.Error(t, err)
			assert.Nil(t, q)
			assert.ErrorIs(t, err, ErrSyntax)

			var list ErrorList
			require.ErrorAs(t, err, &list)
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			assert.Equal(t, tt.want, got)
			if len(tt.want) == 1 {
				assert.EqualError(t, err, tt.want[0])
			}
			checkErrorPositions(t, tt.src, err)
		})
	}
}

func TestParseErrorLimit(t *testing.T) {
	src := "FIND p WHERE x = 99999999999999999999" + strings.Repeat(" OR x = 99999999999999999999", 20)
	_, err := Parse(src)
	var list ErrorList
	require.ErrorAs(t, err, &list)
	assert.Len(t, list, maxErrors)
	assert.EqualError(t, err, "1:18: integer 99999999999999999999 out of range: integers fit an int64; write a larger number as a float (99999999999999999999e0) (and 9 more errors)")
}

// checkErrorPositions checks that err is an ErrorList of *Error wrapping
// ErrSyntax, sorted, each at a position inside src whose line and column
// agree with its offset.
func checkErrorPositions(t *testing.T, src string, err error) {
	t.Helper()
	list, ok := err.(ErrorList)
	require.True(t, ok, "error %T is not an ErrorList", err)
	require.NotEmpty(t, list)
	for i, e := range list {
		require.ErrorIs(t, e, ErrSyntax)
		require.NotEmpty(t, e.Msg)
		p := e.Pos
		require.True(t, 0 <= p.Offset && p.Offset <= len(src), "offset %d outside input of %d bytes", p.Offset, len(src))
		line := 1 + strings.Count(src[:p.Offset], "\n")
		col := p.Offset - (strings.LastIndexByte(src[:p.Offset], '\n') + 1) + 1
		require.Equal(t, Pos{Offset: p.Offset, Line: line, Col: col}, p, "error %q", e)
		if i > 0 {
			require.LessOrEqual(t, list[i-1].Pos.Offset, p.Offset, "errors not sorted")
		}
	}
	var first *Error
	require.ErrorAs(t, err, &first)
	require.Same(t, list[0], first)
}

func TestRoundTrip(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			checkRoundTrip(t, parseNoPos(t, tt.src))
		})
	}
}

// checkRoundTrip checks that q, without positions, prints as text that
// parses back to q and prints the same again.
func checkRoundTrip(t *testing.T, q *Query) {
	t.Helper()
	require.NoError(t, q.Validate())
	text := q.String()
	back, err := Parse(text)
	require.NoError(t, err, "reparse %q", text)
	stripPos(back)
	require.Equal(t, q, back, "reparse %q", text)
	require.Equal(t, text, back.String())
}

func TestCanonicalText(t *testing.T) {
	tests := []struct{ src, want string }{
		{`find player`, `FIND player`},
		{`explain find p where a=1 and b<-5 select x,y order by x asc limit 2 budget 3;`,
			`EXPLAIN FIND p WHERE a = 1 AND b < -5 SELECT x, y ORDER BY x LIMIT 2 BUDGET 3`},
		{`FIND p ORDER BY x desc`, `FIND p ORDER BY x DESC`},
		{"FIND `p` SELECT `a b`, `order`, `Order`, `x`", "FIND p SELECT `a b`, `order`, `Order`, x"},
		{"FIND `1st`", "FIND `1st`"},
		{`FIND p WHERE ((a = 1))`, `FIND p WHERE a = 1`},
		{`FIND p WHERE (a = 1 OR b = 2) AND c = 3`, `FIND p WHERE (a = 1 OR b = 2) AND c = 3`},
		{`FIND p WHERE a = 1 OR (b = 2 AND c = 3)`, `FIND p WHERE a = 1 OR b = 2 AND c = 3`},
		{`FIND p WHERE (a = 1 AND b = 2) AND c = 3`, `FIND p WHERE a = 1 AND b = 2 AND c = 3`},
		{`FIND p WHERE a = 1 AND (b = 2 AND c = 3)`, `FIND p WHERE a = 1 AND (b = 2 AND c = 3)`},
		{`FIND p WHERE a = 1 OR (b = 2 OR c = 3)`, `FIND p WHERE a = 1 OR (b = 2 OR c = 3)`},
		{`FIND p WHERE NOT (a = 1 AND b = 2)`, `FIND p WHERE NOT (a = 1 AND b = 2)`},
		{`FIND p WHERE NOT (NOT a = 1)`, `FIND p WHERE NOT NOT a = 1`},
		{`FIND p WHERE (NOT a = 1) AND b BETWEEN 1 AND 2`, `FIND p WHERE NOT a = 1 AND b BETWEEN 1 AND 2`},
		{`FIND p WHERE x = 1e3 OR x = 1.50 OR x = 1e21 OR x = -0.0 OR x = 5e-324`,
			`FIND p WHERE x = 1000.0 OR x = 1.5 OR x = 1e+21 OR x = -0.0 OR x = 5e-324`},
		{`FIND p WHERE x = -0 OR x = 007`, `FIND p WHERE x = 0 OR x = 7`},
		{`FIND p WHERE s = "tab\there\x00 \u00e9" OR ok = TRUE`, `FIND p WHERE s = "tab\there\x00 é" OR ok = true`},
		{`FIND p WHERE a->#007 AND b<-+any AND c->+ <x> AND d <- (find q where e -> k/1)`,
			`FIND p WHERE a -> #007 AND b <-+ ANY AND c ->+ <x> AND d <- (FIND q WHERE e -> k/1)`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.src)
		require.NoError(t, err, tt.src)
		assert.Equal(t, tt.want, q.String(), tt.src)
		stripPos(q)
		checkRoundTrip(t, q)
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.src)
	}
	for _, tt := range errorTests {
		f.Add(tt.src)
	}
	f.Add("FIND p WHERE a <- (FIND q WHERE b <-+ (FIND r WHERE NOT (c = 1 OR d != \"\\u00ff\")) LIMIT 1) COUNT")
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			require.Nil(t, q)
			checkErrorPositions(t, src, err)
			return
		}
		require.NotNil(t, q)
		require.True(t, q.Pos.IsValid())
		require.Less(t, q.Pos.Offset, len(src))
		stripPos(q)
		checkRoundTrip(t, q)
	})
}

func TestParseDeepButFlat(t *testing.T) {
	// Long chains of AND and OR nest only to the left: no depth limit.
	const n = 5000
	src := "FIND p WHERE x = 0" + strings.Repeat(" AND x = 1 OR x = 2", n)
	q, err := Parse(src)
	require.NoError(t, err)
	stripPos(q)
	checkRoundTrip(t, q)

	// Nesting right up to the limit parses and prints back.
	src = "FIND p WHERE " + strings.Repeat("NOT (", maxNesting/2) + "HAS x" + strings.Repeat(")", maxNesting/2)
	q, err = Parse(src)
	require.NoError(t, err)
	stripPos(q)
	checkRoundTrip(t, q)
}

func TestParseErrorWrapping(t *testing.T) {
	_, err := Parse(`FIND p WHERE`)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, Pos{Offset: 12, Line: 1, Col: 13}, e.Pos)
	assert.Equal(t, "expected condition, found end of query", e.Msg)
	assert.True(t, errors.Is(err, ErrSyntax))
	assert.False(t, errors.Is(err, ErrInvalidQuery))
	assert.True(t, utf8.ValidString(err.Error()))
}

// TestParserLimits checks the parser's limits and the edges of its input: at most
// maxErrors errors, lexer's and parser's alike; a long flat run of parentheses; the clause
// order after a tie of SELECT and COUNT; references and names that end the input or hold
// invalid UTF-8.
func TestParserLimits(t *testing.T) {
	errs := func(src string) []string {
		_, err := Parse(src)
		var list ErrorList
		require.ErrorAs(t, err, &list, "%q", src)
		var out []string
		for _, e := range list {
			out = append(out, e.Error())
		}
		return out
	}
	many := errs("FIND p" + strings.Repeat(" LIMIT 1", 13))
	assert.Len(t, many, maxErrors, "the parser's errors stop at maxErrors")
	assert.Equal(t, "1:88: duplicate LIMIT", many[maxErrors-1])
	many = errs("FIND p WHERE " + strings.Repeat("f -> g/x OR ", 12) + "f -> g/1")
	assert.Len(t, many, maxErrors, "the lexer's errors too")
	assert.Equal(t, `1:129: invalid entity ID "x" in "g/x": expected a decimal number`, many[maxErrors-1])

	flat := "FIND p WHERE " + strings.Repeat("(x = 1) AND ", 3*maxNesting) + "x = 1"
	_, err := Parse(flat)
	assert.NoError(t, err, "parentheses one after another do not nest")

	assert.Equal(t, []string{"1:17: SELECT and COUNT cannot be combined", "1:23: WHERE must come before COUNT"},
		errs("FIND p SELECT a COUNT WHERE x = 1"))
	assert.Equal(t, []string{`1:19: malformed entity URI "ic://": expected ic://<canister>/<kind>/<id>`}, errs("FIND p WHERE f -> ic://"))
	assert.Equal(t, []string{"1:8: invalid UTF-8 encoding"}, errs("FIND `a\x80b`"))
	for _, bad := range []string{"\x80", "\xff", "\xc3"} {
		assert.Equal(t, []string{"1:29: invalid UTF-8 encoding"}, errs("FIND p WHERE f -> ic://a/b/1"+bad), "%q", bad)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"FIND a; -- c;\nFIND b WHERE s = \"x;\\\"y\";FIND `c;d`;;  \n-- end",
			[]string{"FIND a", "-- c;\nFIND b WHERE s = \"x;\\\"y\"", "FIND `c;d`"}},
		// IRIs after an arrow hold ';' and "--"; a '<' elsewhere is less-than.
		{"FIND r WHERE knows <- <http://ex.org/a;b>; FIND r WHERE x<3;FIND r WHERE k -> <http://ex.org/--x> AND k ->+ <a;b>",
			[]string{"FIND r WHERE knows <- <http://ex.org/a;b>", "FIND r WHERE x<3", "FIND r WHERE k -> <http://ex.org/--x> AND k ->+ <a;b>"}},
		{"FIND r WHERE k -> (FIND s WHERE j <- <x;y>); FIND t", []string{"FIND r WHERE k -> (FIND s WHERE j <- <x;y>)", "FIND t"}},
		// Text that does not lex stays in its piece, for Parse to report.
		{"FIND r WHERE s = \"open;\nFIND t", []string{"FIND r WHERE s = \"open", "FIND t"}},
		{"FIND r WHERE k -> <a b>; FIND t", []string{"FIND r WHERE k -> <a b>", "FIND t"}},
		{"  -- only a comment\n ; ", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Split(tt.src), tt.src)
	}
}
