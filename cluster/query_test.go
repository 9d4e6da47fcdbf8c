package cluster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/store"
)

// differential is a random world loaded into 3 shards and, whole, into one store.
type differential struct {
	w      *world
	shards []*shardFixture
	c      *cluster.Cluster
	one    *client.Client // the server of the one store holding the whole world
}

func newDifferential(t testing.TB, seed uint64) *differential {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	shards, c, _ := newCluster(t, 3)
	w := newWorld(rng, c, 12, 400)
	var ms []*model
	for _, s := range shards {
		ms = append(ms, s.m)
	}
	w.load(t, ms, func(e *ent) int { return e.shard })
	one, _, _ := newCluster(t, 1)
	w.load(t, []*model{one[0].m}, func(*ent) int { return 0 })
	oc, err := client.New(one[0].srv.URL, token, nil)
	require.NoError(t, err)
	return &differential{w: w, shards: shards, c: c, one: oc}
}

// randomQuery writes a random query over the world's players or guilds.
func randomQuery(rng *rand.Rand, w *world) string {
	var b strings.Builder
	if rng.IntN(6) == 0 {
		b.WriteString("FIND guild")
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, " WHERE gold > %d", rng.IntN(1000))
		}
		if rng.IntN(3) == 0 {
			b.WriteString([]string{
				" WHERE member_of <- (FIND player WHERE health < 20)",
				" WHERE member_of <- (FIND player WHERE friend -> (FIND player WHERE health < 10))",
				" WHERE NOT member_of <- (FIND player WHERE owns -> ANY)",
			}[rng.IntN(3)])
			if strings.Contains(b.String(), "WHERE gold") {
				b.Reset()
				b.WriteString("FIND guild WHERE member_of <- ANY")
			}
		}
		switch rng.IntN(3) {
		case 0:
			b.WriteString(" COUNT")
		case 1:
			b.WriteString(" SELECT name, gold")
		}
		if !strings.Contains(b.String(), "COUNT") && rng.IntN(2) == 0 {
			fmt.Fprintf(&b, " ORDER BY gold%s", []string{"", " DESC"}[rng.IntN(2)])
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, " LIMIT %d", rng.IntN(8))
		}
		return b.String()
	}
	conds := []func() string{
		func() string { return fmt.Sprintf("health < %d", rng.IntN(100)) },
		func() string { return fmt.Sprintf("health BETWEEN %d AND %d", rng.IntN(50), 50+rng.IntN(50)) },
		func() string { return fmt.Sprintf("score >= %d.5", rng.IntN(100)) },
		func() string { return fmt.Sprintf("name = \"p%d\"", rng.IntN(400)) },
		func() string { return fmt.Sprintf("tags = \"t%d\"", rng.IntN(6)) },
		func() string { return "HAS health" },
		func() string { return fmt.Sprintf("NOT health < %d", rng.IntN(100)) },
		func() string { return fmt.Sprintf("member_of -> (FIND guild WHERE gold > %d)", rng.IntN(1000)) },
		func() string { return fmt.Sprintf("member_of -> <http://ex.org/guild/%d>", rng.IntN(12)) },
		func() string { return "friend -> ANY" },
		func() string { return fmt.Sprintf("friend <- (FIND player WHERE health < %d)", rng.IntN(40)) },
		func() string { return "owns -> ANY" },
		// Edges across shards, followed in rounds: 2 hops crossing shards twice, nested
		// sub-queries, both directions, NOT, and closures to ANY.
		func() string {
			return fmt.Sprintf("member_of -> (FIND guild WHERE member_of <- (FIND player WHERE health < %d))", rng.IntN(30))
		},
		func() string {
			return fmt.Sprintf("friend -> (FIND player WHERE member_of -> <http://ex.org/guild/%d>)", rng.IntN(12))
		},
		func() string { return fmt.Sprintf("friend -> <http://ex.org/player/%d>", rng.IntN(400)) },
		func() string { return fmt.Sprintf("friend <- <http://ex.org/player/%d>", rng.IntN(400)) },
		func() string { return fmt.Sprintf("owns -> (FIND item WHERE name < \"i%d\")", rng.IntN(400)) },
		func() string { return fmt.Sprintf("NOT friend <- (FIND player WHERE score >= %d.5)", rng.IntN(100)) },
		func() string {
			return fmt.Sprintf("owns -> (FIND item WHERE owns <- (FIND player WHERE member_of -> (FIND guild WHERE gold < %d)))", rng.IntN(1000))
		},
		func() string { return "friend ->+ ANY" },
		func() string { // closures grow in rounds, the dearest queries: one entry for both
			if rng.IntN(2) == 0 {
				return fmt.Sprintf("friend ->+ (FIND player WHERE health < %d)", rng.IntN(10))
			}
			return fmt.Sprintf("friend <-+ <http://ex.org/player/%d>", rng.IntN(400))
		},
		func() string { return "friend <-+ ANY" },
	}
	b.WriteString("FIND player")
	if rng.IntN(8) > 0 {
		b.WriteString(" WHERE " + conds[rng.IntN(len(conds))]())
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, " %s %s", []string{"AND", "OR"}[rng.IntN(2)], conds[rng.IntN(len(conds))]())
		}
	}
	count := rng.IntN(5) == 0
	if count {
		b.WriteString(" COUNT")
	} else if rng.IntN(3) > 0 {
		cols := []string{"name", "health", "score", "tags"}
		rng.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })
		b.WriteString(" SELECT " + strings.Join(cols[:1+rng.IntN(len(cols))], ", "))
	}
	if !count && rng.IntN(2) == 0 {
		fmt.Fprintf(&b, " ORDER BY %s%s", []string{"health", "score", "name", "tags"}[rng.IntN(4)], []string{"", " ASC", " DESC"}[rng.IntN(3)])
	}
	if rng.IntN(2) == 0 {
		fmt.Fprintf(&b, " LIMIT %d", rng.IntN(30))
	}
	return b.String()
}

// orderKey is what entity iri is ordered by under ORDER BY col (DESC with desc), as the
// model holds it: of a Multi column, the smallest value, the largest with DESC.
func (w *world) orderKey(iri, col string, desc bool) any {
	e := w.byIRI[iri]
	switch col {
	case "tags":
		if len(e.tags) == 0 {
			return nil
		}
		if desc {
			return slices.Max(e.tags)
		}
		return slices.Min(e.tags)
	case "health":
		if e.health == nil {
			return nil
		}
		return int64(*e.health)
	case "score":
		return e.score
	case "gold":
		return e.gold
	case "name":
		return e.name
	}
	panic("no order key " + col)
}

func rowText(row []any) string { return fmt.Sprint(row...) }

func sortedRows(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = rowText(r)
	}
	slices.Sort(out)
	return out
}

// TestDifferential runs random queries on a world split over 3 shards and on the same
// world in one store, and checks that the answers agree: the same count; the same rows
// (compared by IRI, since entity IDs differ between stores); under ORDER BY the same
// sequence of values; under LIMIT without ORDER BY, as many rows, each one of the
// unlimited answer's. It checks too that the pages of each shard are those the shard
// reports for the query alone, and that the total is their sum.
func TestDifferential(t *testing.T) {
	seed := testutil.Seed(t, 21)
	d := newDifferential(t, seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	ctx := context.Background()
	require.Greater(t, d.w.crossEdges(), 150, "the world needs edges across shards")
	for i := range 300 {
		text := randomQuery(rng, d.w)
		q, err := query.Parse(text)
		require.NoError(t, err, text)
		got, err := d.c.Query(ctx, server.QueryRequest{Query: text, IRI: true})
		require.NoError(t, err, text)
		want, err := d.one.Query(ctx, server.QueryRequest{Query: text, IRI: true})
		require.NoError(t, err, text)
		msg := fmt.Sprintf("query %d: %s", i, text)

		require.Equal(t, want.Columns, got.Columns, msg)
		require.Equal(t, want.Count, got.Count, msg)
		require.Len(t, got.Rows, len(want.Rows), msg)
		if q.OrderBy != nil {
			for j := range got.Rows {
				gk := d.w.orderKey(got.Rows[j][0].(string), q.OrderBy.Col.Name, q.OrderBy.Desc)
				wk := d.w.orderKey(want.Rows[j][0].(string), q.OrderBy.Col.Name, q.OrderBy.Desc)
				require.Equal(t, wk, gk, "%s: row %d's value", msg, j)
			}
		}
		if !q.Limit.Set {
			require.Equal(t, sortedRows(want.Rows), sortedRows(got.Rows), msg)
		} else {
			q.Limit = query.Limit{}
			all, err := d.one.Query(ctx, server.QueryRequest{Query: q.String(), IRI: true})
			require.NoError(t, err, msg)
			allRows := sortedRows(all.Rows)
			for _, r := range got.Rows {
				_, found := slices.BinarySearch(allRows, rowText(r))
				require.True(t, found, "%s: row %v is not in the answer without LIMIT", msg, r)
			}
		}

		// Each shard's pages are what it reads for the query alone (in one round), or in
		// all its rounds; the total is their sum. A query with sub-queries that follow
		// edges takes a round per level, and a message per sub-query in each shard.
		var sum uint64
		require.Len(t, got.Shards, 3)
		subs := subQueries(q.Where)
		closure := strings.Contains(text, "+ (") || strings.Contains(text, "+ <")
		if !closure { // a closure takes a round per step of its growth
			require.Equal(t, 1+subs, got.Rounds, msg)
		}
		for j, sr := range got.Shards {
			sum += sr.Stats.PagesRead
			if !closure {
				require.Equal(t, 1+subs, sr.Messages, msg)
			}
			if got.Rounds > 1 || strings.Contains(text, "> <") || strings.Contains(text, "- <") {
				continue // its text is rewritten with the rounds' answers
			}
			alone, err := d.c.Shards()[j].Client.Query(ctx, server.QueryRequest{Query: shardText(q, text), IRI: true})
			require.NoError(t, err, msg)
			require.Equal(t, alone.Stats.PagesRead, sr.Stats.PagesRead, "%s: shard %d's pages", msg, j)
		}
		require.Equal(t, sum, got.Stats.PagesRead, msg)
	}
}

// subQueries returns how many sub-queries cond holds, at every depth.
func subQueries(cond query.Cond) int {
	switch x := cond.(type) {
	case *query.AndCond:
		return subQueries(x.L) + subQueries(x.R)
	case *query.OrCond:
		return subQueries(x.L) + subQueries(x.R)
	case *query.NotCond:
		return subQueries(x.X)
	case *query.FollowCond:
		if sq, ok := x.Target.(*query.SubQuery); ok {
			return 1 + subQueries(sq.Query.Where)
		}
	}
	return 0
}

// shardText is the query a shard runs for text: with its ORDER BY column selected.
func shardText(q *query.Query, text string) string {
	q2, _ := query.Parse(text)
	if q2.OrderBy == nil || q2.Count {
		return text
	}
	for _, n := range q2.Select {
		if n.Name == q2.OrderBy.Col.Name {
			return text
		}
	}
	q2.Select = append(q2.Select, q2.OrderBy.Col)
	return q2.String()
}

// TestQueryBudgetOnTotal checks that a budget bounds the pages of all shards together:
// a budget each shard stays under, but their sum does not, fails the query; the sum
// itself passes. The BUDGET clause and the request's budget act alike.
func TestQueryBudgetOnTotal(t *testing.T) {
	d := newDifferential(t, 7)
	ctx := context.Background()
	const text = "FIND player SELECT name, score"
	free, err := d.c.Query(ctx, server.QueryRequest{Query: text})
	require.NoError(t, err)
	total := free.Stats.PagesRead
	var most uint64
	for _, sr := range free.Shards {
		most = max(most, sr.Stats.PagesRead)
	}
	require.Less(t, most, total-1, "the test needs a total above every shard's part")

	_, err = d.c.Query(ctx, server.QueryRequest{Query: text, Budget: total - 1})
	require.ErrorIs(t, err, store.ErrPageBudgetExceeded)
	require.Contains(t, err.Error(), fmt.Sprintf("%d pages read over 3 shards", total))
	_, err = d.c.Query(ctx, server.QueryRequest{Query: fmt.Sprintf("%s BUDGET %d", text, total-1)})
	require.ErrorIs(t, err, store.ErrPageBudgetExceeded)

	res, err := d.c.Query(ctx, server.QueryRequest{Query: fmt.Sprintf("%s BUDGET %d", text, total)})
	require.NoError(t, err)
	require.Equal(t, total, res.Stats.PagesRead)
	require.Len(t, res.Rows, 400)

	// A budget below one shard's part stops that shard itself.
	_, err = d.c.Query(ctx, server.QueryRequest{Query: text, Budget: 1})
	require.Error(t, err)
	require.Contains(t, err.Error(), "shard s")
}

// TestQueryErrorsAndExplain checks that an error is placed in the query as written even
// when the shards ran it with its ORDER BY column added, that EXPLAIN shows every
// shard's plan, and that a warning is kept only when every shard gives it.
func TestQueryErrorsAndExplain(t *testing.T) {
	d := newDifferential(t, 3)
	ctx := context.Background()

	_, err := d.c.Query(ctx, server.QueryRequest{Query: "FIND player\nSELECT nmae ORDER BY health"})
	var qe *query.Error
	require.ErrorAs(t, err, &qe)
	require.Equal(t, 2, qe.Pos.Line, err.Error())
	require.Equal(t, 8, qe.Pos.Col, err.Error())
	require.ErrorIs(t, err, query.ErrUnknownName)

	_, err = d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE"})
	require.ErrorIs(t, err, query.ErrSyntax)

	res, err := d.c.Query(ctx, server.QueryRequest{Query: "EXPLAIN FIND player WHERE health < 5"})
	require.NoError(t, err)
	for _, s := range d.c.Shards() {
		require.Contains(t, res.Explain, "-- shard "+s.Name+" ("+s.Scope.String()+")")
	}
	require.Empty(t, res.Rows)

	// guild/0's IRI is in one shard: the others' warnings about it are dropped.
	res, err = d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> <http://ex.org/guild/0>"})
	require.NoError(t, err)
	require.Empty(t, res.Warnings)
	res, err = d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> <http://ex.org/nowhere>"})
	require.NoError(t, err)
	require.Len(t, res.Warnings, 1, "no shard holds it")
}

// TestQueryEntityURIs checks that a query may name an entity by its ic:// URI: the shard
// that holds it reads the reference, the others an empty set in its place (no edge leaves
// a shard), so the answer is the one its IRI gives, and NOT's the complement. A URI of an
// entity that is not there is warned about once, by its shard.
func TestQueryEntityURIs(t *testing.T) {
	d := newDifferential(t, 5)
	ctx := context.Background()
	all, err := d.c.Query(ctx, server.QueryRequest{Query: "FIND player COUNT"})
	require.NoError(t, err)
	for g := range 12 {
		iri := fmt.Sprintf("<http://ex.org/guild/%d>", g)
		doc, err := d.c.Get(ctx, iri)
		require.NoError(t, err)
		byIRI, err := d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> " + iri + " SELECT name ORDER BY score"})
		require.NoError(t, err)
		byURI, err := d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> " + doc.URI + " SELECT name ORDER BY score"})
		require.NoError(t, err)
		require.Equal(t, byIRI.Rows, byURI.Rows, doc.URI)
		require.Empty(t, byURI.Warnings)
		not, err := d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE NOT member_of -> " + doc.URI + " COUNT"})
		require.NoError(t, err)
		require.Equal(t, all.Count-uint64(len(byURI.Rows)), not.Count, doc.URI)
	}
	missing := "ic://" + scopeN(t, 1).String() + "/guild/99999"
	res, err := d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> " + missing + " COUNT"})
	require.NoError(t, err)
	require.Zero(t, res.Count)
	require.Len(t, res.Warnings, 1)
	require.Contains(t, res.Warnings[0], missing)
}

// TestQueryRounds checks what a query that follows edges across shards costs and where
// the cluster refuses: the budget holds on all rounds together, a closure to anything
// but ANY and a reference relative to one store are refused with their position, and an
// error inside a sub-query is placed in the query as written.
func TestQueryRounds(t *testing.T) {
	d := newDifferential(t, 11)
	ctx := context.Background()
	const text = "FIND player WHERE member_of -> (FIND guild WHERE member_of <- (FIND player WHERE health < 10)) COUNT"
	free, err := d.c.Query(ctx, server.QueryRequest{Query: text})
	require.NoError(t, err)
	require.Equal(t, 3, free.Rounds)
	want, err := d.one.Query(ctx, server.QueryRequest{Query: text})
	require.NoError(t, err)
	require.Equal(t, want.Count, free.Count)
	total := free.Stats.PagesRead
	_, err = d.c.Query(ctx, server.QueryRequest{Query: text, Budget: total - 1})
	require.ErrorIs(t, err, store.ErrPageBudgetExceeded)
	_, err = d.c.Query(ctx, server.QueryRequest{Query: fmt.Sprintf("%s BUDGET %d", text, total)})
	require.NoError(t, err)
	_, err = d.c.Query(ctx, server.QueryRequest{Query: text, Budget: 2})
	require.ErrorIs(t, err, store.ErrPageBudgetExceeded, "an early round stops the query")

	// A closure grows its target in rounds until one finds nothing new.
	const closure = "FIND player WHERE friend ->+ (FIND player WHERE health < 3) COUNT"
	got, err := d.c.Query(ctx, server.QueryRequest{Query: closure})
	require.NoError(t, err)
	want, err = d.one.Query(ctx, server.QueryRequest{Query: closure})
	require.NoError(t, err)
	require.Equal(t, want.Count, got.Count)
	require.Greater(t, got.Rounds, 3, "the paths cross shards more than once")
	_, err = d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE friend -> player/3"})
	require.ErrorIs(t, err, cluster.ErrAmbiguous)
	require.Contains(t, err.Error(), "1:29:")

	_, err = d.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE friend -> (FIND player\nWHERE helth < 5)"})
	var qe *query.Error
	require.ErrorAs(t, err, &qe)
	require.Equal(t, 2, qe.Pos.Line, err.Error())
	require.Equal(t, 7, qe.Pos.Col, err.Error())
}
