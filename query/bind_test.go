package query

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
)

// TestBindErrors checks the errors Prepare reports: each names the line and column of
// the name or literal at fault and what was wrong, with a hint when a name is close to
// one the store has.
func TestBindErrors(t *testing.T) {
	w := newWorld(t, 20, 3)
	tests := []struct {
		src, err string
		is       error
	}{
		{`FIND playr`, `1:6: unknown kind "playr"; did you mean "player"?`, ErrUnknownName},
		{`FIND zzz`, `1:6: unknown kind "zzz"; the kinds are guild, item, player`, ErrUnknownName},
		{`FIND health`, `1:6: unknown kind "health" ("health" is a column)`, ErrUnknownName},
		{`FIND player WHERE helth < 10`, `1:19: unknown column "helth" on kind player; did you mean "health"?`, ErrUnknownName},
		{`FIND player SELECT name, helth`, `1:26: unknown column "helth" on kind player; did you mean "health"?`, ErrUnknownName},
		{"FIND player\nORDER BY nme", `2:10: unknown column "nme" on kind player; did you mean "name"?`, ErrUnknownName},
		{`FIND player WHERE member_of < 3`, `1:19: "member_of" is a verb, not a column`, ErrUnknownName},
		{`FIND player WHERE membr_of -> guild/1`, `1:19: unknown verb "membr_of"; did you mean "member_of"?`, ErrUnknownName},
		{`FIND player WHERE health -> guild/1`, `1:19: "health" is a column, not a verb`, ErrUnknownName},
		{`FIND player WHERE member_of -> gild/1`, `1:32: unknown kind "gild" in gild/1; did you mean "guild"?`, ErrUnknownName},
		{`FIND player WHERE member_of -> ic://ryjl3-tyaaa-aaaaa-aaaba-cai/gild/1`, `1:65: unknown kind "gild" in ic://ryjl3-tyaaa-aaaaa-aaaba-cai/gild/1; did you mean "guild"?`, ErrUnknownName},
		{`FIND player WHERE member_of -> ic://aaaaa-aa/guild/1`, `1:32: entity ic://aaaaa-aa/guild/1 is in another store: this store is ryjl3-tyaaa-aaaaa-aaaba-cai`, entity.ErrScope},
		{`FIND player WHERE health < "x"`, `1:28: cannot compare column health of type int32 with string "x"; want a number`, ErrType},
		{`FIND player WHERE name = 3`, `1:26: cannot compare column name of type string(32) with int 3; want string`, ErrType},
		{`FIND player WHERE alive = 1`, `1:27: cannot compare column alive of type bool with int 1; want bool`, ErrType},
		{`FIND player WHERE health BETWEEN 1 AND "z"`, `1:40: cannot compare column health of type int32 with string "z"; want a number`, ErrType},
		{`FIND player WHERE pos = 1`, `1:25: column pos of type struct{X float32; Y float32} cannot be compared with a literal; only HAS applies to it`, ErrType},
		{`FIND player ORDER BY pos`, `1:22: cannot order by column pos of type struct{X float32; Y float32}`, ErrType},
		{`FIND player WHERE friend <- (FIND playr)`, `1:35: unknown kind "playr"; did you mean "player"?`, ErrUnknownName},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			q, err := Parse(tt.src)
			require.NoError(t, err)
			_, err = Prepare(w.db, q)
			require.Error(t, err)
			assert.EqualError(t, err, tt.err)
			assert.ErrorIs(t, err, tt.is)
			var list ErrorList
			require.ErrorAs(t, err, &list)
		})
	}

	// Every error is reported, in the order of the text.
	q, err := Parse(`FIND player WHERE helth < 10 AND nme = "x" AND member_of -> guild/1 SELECT lvl`)
	require.NoError(t, err)
	_, err = Prepare(w.db, q)
	var list ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 3)
	assert.Equal(t, `1:19: unknown column "helth" on kind player; did you mean "health"?`, list[0].Error())
	assert.Equal(t, `1:34: unknown column "nme" on kind player; did you mean "name"?`, list[1].Error())
	assert.Equal(t, `1:76: unknown column "lvl" on kind player`, list[2].Error())

	// A tree built in Go that cannot be written as text is refused before binding.
	_, err = Prepare(w.db, Find("player").Where(Eq("na`me", 1)).Query())
	assert.ErrorIs(t, err, ErrInvalidQuery)
}

// TestMissingRefs checks that an entity reference that names no entity, or one of another
// kind, matches nothing and is reported as a warning with its position, whatever the plan
// evaluates first.
func TestMissingRefs(t *testing.T) {
	w := newWorld(t, 20, 3)
	tests := []struct {
		src, warn string
		is        error
	}{
		{`FIND player WHERE member_of -> guild/99`, `1:32: guild/99: entity #99: no such entity; it matches nothing`, entity.ErrNoEntity},
		{`FIND player WHERE member_of -> guild/5`, `1:32: guild/5: entity is of another kind: #5 is of kind player; it matches nothing`, entity.ErrWrongKind},
		{`FIND player WHERE member_of <- #1000`, `1:32: #1000: entity #1000: no such entity; it matches nothing`, entity.ErrNoEntity},
		{`FIND player WHERE friend -> <http://example.org/nobody>`, `1:29: no entity has the IRI <http://example.org/nobody>; it matches nothing`, entity.ErrNoEntity},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			res, err := Exec(w.db, tt.src, RunOptions{})
			require.NoError(t, err)
			assert.Zero(t, res.Count)
			require.Len(t, res.Warnings, 1)
			assert.EqualError(t, res.Warnings[0], tt.warn)
			assert.ErrorIs(t, res.Warnings[0], tt.is)
		})
	}

	// The same answer and warnings in either order, with a reference that does name an
	// entity, under every plan: the missing one is found even where the plan never
	// needs to look it up.
	guild := w.guilds[0]
	for _, src := range []string{
		fmt.Sprintf(`FIND player WHERE member_of -> guild/%d AND member_of -> #1000`, guild),
		fmt.Sprintf(`FIND player WHERE member_of -> #1000 AND member_of -> guild/%d`, guild),
		fmt.Sprintf(`FIND player WHERE member_of -> guild/%d OR member_of -> #1000`, guild),
		`FIND player WHERE NOT member_of -> #1000 AND health < 0`,
	} {
		q, err := Parse(src)
		require.NoError(t, err)
		var want *Result
		for seed := range uint64(8) {
			var chaos *rand.Rand
			if seed > 0 {
				chaos = rand.New(rand.NewPCG(seed, 1))
			}
			p, err := prepare(w.db, q, chaos)
			require.NoError(t, err)
			res, err := p.Run(RunOptions{})
			require.NoError(t, err, src)
			require.Len(t, res.Warnings, 1, src)
			assert.Contains(t, res.Warnings[0].Error(), "#1000: entity #1000: no such entity", src)
			if want == nil {
				want = res
				continue
			}
			assert.Equal(t, want.IDs, res.IDs, "%s, seed %d", src, seed)
		}
	}

	// A malformed reference, or one naming a kind the store lacks, is an error before
	// the query runs.
	for src, is := range map[string]error{
		`FIND player WHERE member_of -> guild/007`: ErrBadRef,
		`FIND player WHERE member_of -> gild/1`:    ErrUnknownName,
	} {
		q, err := Parse(src)
		require.NoError(t, err)
		_, err = Prepare(w.db, q)
		assert.ErrorIs(t, err, is, src)
	}
}

// TestBuilderPlansAsText checks that a query built in Go gets the plan of the same
// query written as text.
func TestBuilderPlansAsText(t *testing.T) {
	w := newWorld(t, 200, 10)
	tests := []struct {
		b    *Builder
		text string
	}{
		{
			Find("player").
				Where(And(Lt("health", 10), Out("member_of", Entity("guild/7")))).
				Select("name", "health").OrderBy("health", false).Limit(20),
			`FIND player WHERE health < 10 AND member_of -> guild/7 SELECT name, health ORDER BY health LIMIT 20`,
		},
		{
			Find("player").Where(In("friend", Sub(Find("player").Where(Eq("name", "alice"))))).Count(),
			`FIND player WHERE friend <- (FIND player WHERE name = "alice") COUNT`,
		},
		{
			Find("player").Where(Or(Not(Has("score")), Between("level", 1, 5.5))).Budget(1000),
			`FIND player WHERE NOT HAS score OR level BETWEEN 1 AND 5.5 BUDGET 1000`,
		},
	}
	for _, tt := range tests {
		built, err := Prepare(w.db, tt.b.Query())
		if err != nil {
			// level is int8: 5.5 is refused either way, with a position only for text.
			q, perr := Parse(tt.text)
			require.NoError(t, perr)
			_, terr := Prepare(w.db, q)
			assert.ErrorIs(t, terr, ErrType)
			assert.ErrorIs(t, err, ErrType)
			continue
		}
		q, err := Parse(tt.text)
		require.NoError(t, err)
		parsed, err := Prepare(w.db, q)
		require.NoError(t, err)
		assert.Equal(t, parsed.Explain(), built.Explain())
		r1, err := built.Run(RunOptions{})
		require.NoError(t, err)
		r2, err := parsed.Run(RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, r2, r1)
	}
}

// TestExplainQueryReadsNoData checks that an EXPLAIN query returns its plan, one line per
// row, and reads no page.
func TestExplainQueryReadsNoData(t *testing.T) {
	w := newWorld(t, 200, 10)
	res, err := Exec(w.db, `EXPLAIN FIND player WHERE name = "alice" SELECT health`, RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"plan"}, res.Columns)
	require.NotEmpty(t, res.Rows)
	assert.Equal(t, []Value{`EXPLAIN FIND player WHERE name = "alice" SELECT health`}, res.Rows[0])
	assert.Zero(t, res.Stats.PagesRead)
	assert.NotZero(t, res.Stats.EstimatedPages)
}

// TestSelectValues checks the cells of SELECT: nil for no value, a []column.Value for a
// Multi column, a struct as its fields.
func TestSelectValues(t *testing.T) {
	w := newWorld(t, 20, 3)
	_, res := w.run(t, `FIND guild WHERE name <= "g1" SELECT pos, tags, name`)
	assert.Equal(t, [][]Value{
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/1", []column.Value{1.0, 2.0}, nil, "g0"},
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/2", nil, nil, "g1"},
	}, res.Rows)
	_, res = w.run(t, `FIND player WHERE tags = "t6" SELECT tags`)
	assert.Equal(t, [][]Value{ // players 6 and 13
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/10", []column.Value{"t1", "t6"}},
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/17", []column.Value{"t3", "t6"}},
	}, res.Rows)
}

// TestBadEntityRefs checks the references that parse but do not name an entity the uri
// package can write: each is refused when the query is prepared, at the reference.
func TestBadEntityRefs(t *testing.T) {
	w := sharedWorld(t)
	for _, ref := range []string{
		"guild/007", "#007", "guild/0", "#0",
		"IC://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/1", "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/01",
		"ic://c/guild/1", "ic://ryjl3-tyaaa-aaaaa-aaaba-caj/guild/1",
	} {
		t.Run(ref, func(t *testing.T) {
			q, err := Parse("FIND player WHERE member_of -> " + ref)
			require.NoError(t, err, "the syntax checks only the shape of a reference")
			_, err = Prepare(w.db, q)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrBadRef)
			assert.ErrorContains(t, err, "1:32: entity reference "+ref+": ")
		})
	}
}
