package cluster_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/server"
)

// BenchmarkQuery runs queries on the 3-shard world and on the same world in one store,
// and reports the pages each reads: in all (pages/op), and on its busiest shard
// (max-shard-pages/op), which bounds the query's time when the shards work at once.
func BenchmarkQuery(b *testing.B) {
	d := newDifferential(b, 21)
	ctx := context.Background()
	for _, bc := range []struct{ name, query string }{
		{"scan", "FIND player SELECT name, score"},
		{"point", `FIND player WHERE name = "p17" SELECT health`},
		{"order-limit", "FIND player WHERE health < 50 SELECT name ORDER BY score DESC LIMIT 10"},
		{"sub-query", "FIND player WHERE member_of -> (FIND guild WHERE gold > 500) COUNT"},
		// 2 hops, each of which may cross shards: players of the guilds of weak players.
		{"2-hop-cross", "FIND player WHERE member_of -> (FIND guild WHERE member_of <- (FIND player WHERE health < 10)) COUNT"},
		// friends of the friends of one player, anywhere.
		{"friend-of-friend", "FIND player WHERE friend -> (FIND player WHERE friend -> <http://ex.org/player/17>) SELECT name"},
		// a closure, grown in rounds until one finds nothing new.
		{"closure", "FIND player WHERE friend ->+ (FIND player WHERE health < 3) COUNT"},
	} {
		b.Run(bc.name+"/3-shards", func(b *testing.B) {
			var res *clusterResult
			for b.Loop() {
				r, err := d.c.Query(ctx, server.QueryRequest{Query: bc.query})
				require.NoError(b, err)
				res = &clusterResult{total: r.Stats.PagesRead, rounds: r.Rounds}
				for _, s := range r.Shards {
					res.most = max(res.most, s.Stats.PagesRead)
					res.shards = append(res.shards, s.Stats.PagesRead)
					res.messages += s.Messages
				}
			}
			b.ReportMetric(float64(res.total), "pages/op")
			b.ReportMetric(float64(res.most), "max-shard-pages/op")
			for i, p := range res.shards {
				b.ReportMetric(float64(p), fmt.Sprintf("s%d-pages/op", i))
			}
			b.ReportMetric(float64(res.rounds), "rounds/op")
			b.ReportMetric(float64(res.messages), "messages/op")
		})
		b.Run(bc.name+"/1-store", func(b *testing.B) {
			var pages uint64
			for b.Loop() {
				r, err := d.one.Query(ctx, server.QueryRequest{Query: bc.query})
				require.NoError(b, err)
				pages = r.Stats.PagesRead
			}
			b.ReportMetric(float64(pages), "pages/op")
			b.ReportMetric(float64(pages), "max-shard-pages/op")
		})
	}
}

type clusterResult struct {
	total, most      uint64
	shards           []uint64 // each shard's pages, in all rounds
	rounds, messages int
}
