package server_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/server"
)

const benchQuery = "FIND player WHERE health < 5 SELECT name, health"

// BenchmarkRequestOverhead compares one query run in process (query.Exec) with the same
// query through the server on loopback (client, HTTP, JSON both ways): the difference is
// what a request costs. Both read the same pages.
func BenchmarkRequestOverhead(b *testing.B) {
	f := newFixture(b, server.Config{Token: token})
	ctx := context.Background()
	b.Run("in-process", func(b *testing.B) {
		var pages uint64
		for b.Loop() {
			res, err := query.Exec(f.svc.DB(), benchQuery, query.RunOptions{})
			require.NoError(b, err)
			pages = res.Stats.PagesRead
		}
		b.ReportMetric(float64(pages), "pages/op")
	})
	b.Run("server", func(b *testing.B) {
		var pages uint64
		for b.Loop() {
			res, err := f.c.Query(ctx, server.QueryRequest{Query: benchQuery})
			require.NoError(b, err)
			pages = res.Stats.PagesRead
		}
		b.ReportMetric(float64(pages), "pages/op")
	})
}
