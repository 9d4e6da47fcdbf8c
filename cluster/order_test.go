package cluster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
)

// TestOrderByExactMerge checks ORDER BY over 3 shards against one store on values the
// merge cannot order from the selected cells alone: a predicate imported from RDF whose
// values span several typed columns (SELECT gives all of them, ORDER BY orders by the
// named column alone), and infinite floats (sent as text in the cells). The sequence of
// keys must be one store's, and the rows the same set.
func TestOrderByExactMerge(t *testing.T) {
	seed := testutil.Seed(t, 4)
	rng := rand.New(rand.NewPCG(seed, 3))
	ctx := context.Background()
	shards, c, _ := newCluster(t, 3)
	one, _, _ := newCluster(t, 1)
	oc, err := client.New(one[0].srv.URL, token, nil)
	require.NoError(t, err)

	const xsd = "http://www.w3.org/2001/XMLSchema#"
	triple := func(b *strings.Builder, s, lit string) {
		fmt.Fprintf(b, "<http://ex.org/e/%s> <http://ex.org/p> %s .\n", s, lit)
	}
	// The same columns in the same order in every store: a first entity per shard with a
	// value of each type.
	parts := make([]strings.Builder, 3)
	var all strings.Builder
	for i := range parts {
		for _, b := range []*strings.Builder{&parts[i], &all} {
			fmt.Fprintf(b, "<http://ex.org/e/pre%d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Thing> .\n", i)
			triple(b, fmt.Sprintf("pre%d", i), `"0"^^<`+xsd+`integer>`)
			triple(b, fmt.Sprintf("pre%d", i), `"0"^^<`+xsd+`double>`)
			triple(b, fmt.Sprintf("pre%d", i), `"m"`)
		}
	}
	doubles := []string{"INF", "-INF", "1.5", "-2.5", "0"}
	for e := range 150 {
		s := fmt.Sprint(e)
		b := &parts[rng.IntN(3)]
		for _, b := range []*strings.Builder{b, &all} {
			fmt.Fprintf(b, "<http://ex.org/e/%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Thing> .\n", s)
		}
		var lits []string
		if rng.IntN(3) > 0 {
			lits = append(lits, fmt.Sprintf(`"%d"^^<%sinteger>`, rng.IntN(11)-5, xsd))
		}
		if rng.IntN(2) == 0 {
			lits = append(lits, fmt.Sprintf(`"%s"^^<%sdouble>`, doubles[rng.IntN(len(doubles))], xsd))
		}
		if rng.IntN(2) == 0 {
			lits = append(lits, fmt.Sprintf(`"%c"`, 'a'+rng.IntN(5)))
		}
		for _, lit := range lits {
			triple(b, s, lit)
			triple(&all, s, lit)
		}
	}
	for i, s := range shards {
		_, err := s.svc.Import(ctx, server.ImportRequest{Format: "ntriples", Name: fmt.Sprint("part", i)}, strings.NewReader(parts[i].String()), nil)
		require.NoError(t, err)
	}
	_, err = one[0].svc.Import(ctx, server.ImportRequest{Format: "ntriples", Name: "all"}, strings.NewReader(all.String()), nil)
	require.NoError(t, err)
	sc, err := oc.Schema(ctx)
	require.NoError(t, err)
	var cols []string // the predicate's columns, one per type of its literals
	for _, col := range sc.Columns {
		if col.IRI == "http://ex.org/p" {
			cols = append(cols, col.Name)
		}
	}
	require.GreaterOrEqual(t, len(cols), 3, "%+v", sc.Columns)

	// Infinite floats in a float column, in players spread over the shards.
	for p := range 60 {
		score := []string{"+Inf", "-Inf", "2.5", "-1", "0"}[rng.IntN(5)]
		req := server.SetRequest{Ref: fmt.Sprintf("<http://ex.org/player/%d>", p), Kind: "player", Set: []server.Assign{{Column: "score", Value: score}}}
		_, err := shards[rng.IntN(3)].svc.Set(ctx, req)
		require.NoError(t, err)
		_, err = one[0].svc.Set(ctx, req)
		require.NoError(t, err)
	}

	queries := []string{"FIND player SELECT score ORDER BY score", "FIND player ORDER BY score"}
	for _, col := range cols {
		queries = append(queries, "FIND Thing SELECT p ORDER BY "+col)
	}
	for _, q := range queries {
		for _, dir := range []string{"", " DESC"} {
			for _, limit := range []string{"", " LIMIT 7"} {
				text := q + dir + limit
				got, err := c.Query(ctx, server.QueryRequest{Query: text, IRI: true, OrderKeys: true})
				require.NoError(t, err, text)
				want, err := oc.Query(ctx, server.QueryRequest{Query: text, IRI: true, OrderKeys: true})
				require.NoError(t, err, text)
				require.Equal(t, want.OrderKeys, got.OrderKeys, text)
				require.Len(t, got.Rows, len(want.Rows), text)
				if limit == "" {
					require.ElementsMatch(t, sortedRows(want.Rows), sortedRows(got.Rows), text)
				}
			}
		}
	}
}
