package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
)

// BenchmarkTick measures one tick over 5000 players in a heap store.
func BenchmarkTick(b *testing.B) {
	_, w := heapWorld(b, latestVersion, 5000, 10)
	var pages uint64
	for b.Loop() {
		_, _, st, err := w.Step(DefaultTickBudget, nil)
		require.NoError(b, err)
		pages += st.PagesRead + st.PagesDirtied
	}
	b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
}

// BenchmarkGetEntity measures GET /entity's read of one player, without HTTP.
func BenchmarkGetEntity(b *testing.B) {
	_, w := heapWorld(b, latestVersion, 5000, 0)
	var pages uint64
	for b.Loop() {
		st, err := w.db.ViewWith(store.QueryBudget, func(tx *entity.Tx) error {
			_, err := readEntity(tx, uri.Ref{Kind: "player", ID: 2500})
			return err
		})
		require.NoError(b, err)
		pages += st.PagesRead
	}
	b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
}
