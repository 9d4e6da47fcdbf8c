package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/ichost"
	"github.com/stablegraph/stablegraph/store"
)

// BenchmarkStableRead measures one ic0.stable64_read call from the guest through the
// host: a query message making n calls, less the same message making none.
func BenchmarkStableRead(b *testing.B) {
	ctx := context.Background()
	c := install(b, filepath.Join(b.TempDir(), "stable"), 1)
	_, err := c.Update(ctx, "exec", []byte(ops(`{"op":"populate","n":2000}`)))
	require.NoError(b, err)
	const n = 200000
	for _, size := range []int{8, 4096} {
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			msg := func(calls int) time.Duration {
				t0 := time.Now()
				rep, err := c.Query(ctx, "stable_read", fmt.Appendf(nil, `{"offset":8192,"size":%d,"n":%d}`, size, calls))
				require.NoError(b, err)
				require.EqualValues(b, calls, rep.Pages.ReadCalls)
				return time.Since(t0)
			}
			var calls, base time.Duration
			for b.Loop() {
				base += msg(0)
				calls += msg(n)
			}
			b.ReportMetric(float64(calls-base)/float64(b.N)/n, "ns/call")
			b.ReportMetric(float64(base)/float64(b.N)/1e3, "µs/empty-message")
		})
	}
}

// BenchmarkMessages times the workload's messages on a store of 10^4 persons, in the
// guest (through the host, heap snapshot and all) and natively (the same program over a
// heap memory), and reports the host's page and call counts.
func BenchmarkMessages(b *testing.B) {
	const n = 10000
	c := install(b, filepath.Join(b.TempDir(), "stable"), 1)
	nat, err := open(store.NewHeapMemory(0), 1)
	require.NoError(b, err)
	for _, s := range workload(n)[:6] {
		_, err := run(b, c, s)
		require.NoError(b, err)
		_, err = runNative(nat, s)
		require.NoError(b, err)
	}
	msgs := []step{
		{"point-read", false, `FIND person WHERE name = "person-10" SELECT age`},
		{"scan", false, `FIND person WHERE HAS pos SELECT pos`},
		{"filtered", false, `FIND person WHERE lives_in -> city/1 AND age > 80 SELECT name`},
		{"create", true, ops(`{"op":"create","kind":"person","values":{"name":"x","age":3,"pos":{"x":1,"y":1},"vel":{"x":1,"y":1}}}`)},
		{"tick", true, ops(`{"op":"tick"}`)},
	}
	for _, s := range msgs {
		b.Run(s.name+"/guest", func(b *testing.B) {
			var rep ichost.Reply
			for b.Loop() {
				var err error
				rep, err = run(b, c, s)
				require.NoError(b, err)
			}
			b.ReportMetric(float64(rep.Pages.Accessed), "pages/op")
			b.ReportMetric(float64(rep.Pages.ReadCalls), "read-calls/op")
			b.ReportMetric(float64(rep.Pages.WriteCalls), "write-calls/op")
			heap, _ := c.Heap()
			b.ReportMetric(float64(len(heap))/(1<<20), "MiB-heap")
		})
		b.Run(s.name+"/native", func(b *testing.B) {
			for b.Loop() {
				_, err := runNative(nat, s)
				require.NoError(b, err)
			}
		})
	}
}

// upgradeSizes are the store sizes BenchmarkUpgrade runs at.
var upgradeSizes = []int{1e4, 1e5, 1e6}

// BenchmarkUpgrade measures, over a store of n persons (built natively), the time from
// "v2 instantiated" to "first query answered": the instance, the Go runtime's
// initialization, canister_post_upgrade opening the store with v2's schema (which adds a
// column and deprecates one), and a point query. It must not grow with n.
func BenchmarkUpgrade(b *testing.B) {
	ctx := context.Background()
	for _, n := range upgradeSizes {
		b.Run("entities="+strconv.Itoa(n), func(b *testing.B) {
			v1 := filepath.Join(b.TempDir(), "v1")
			buildNative(b, v1, n)
			img, err := os.ReadFile(v1)
			require.NoError(b, err)
			var st ichost.UpgradeStats
			var total, query time.Duration
			var qpages uint64
			for b.Loop() {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "stable")
				require.NoError(b, os.WriteFile(path, img, 0o644))
				c := install(b, path, 1)
				b.StartTimer()
				t0 := time.Now()
				st, err = c.Upgrade(ctx, guestModule, version(2))
				require.NoError(b, err)
				t1 := time.Now()
				rep, err := c.Query(ctx, "query", []byte(`FIND person WHERE name = "person-7" SELECT age`))
				require.NoError(b, err)
				total += time.Since(t0)
				query += time.Since(t1)
				qpages = rep.Pages.Accessed
				b.StopTimer()
				require.NoError(b, c.Close(ctx))
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/float64(b.N)/1e6, "ms/to-first-answer")
			b.ReportMetric(float64(st.Instantiate)/1e6, "ms/instantiate")
			b.ReportMetric(float64(st.Initialize)/1e6, "ms/initialize")
			b.ReportMetric(float64(st.PostUpgrade)/1e6, "ms/post_upgrade")
			b.ReportMetric(float64(query)/float64(b.N)/1e6, "ms/first-query")
			b.ReportMetric(float64(st.Pages.Accessed), "upgrade-pages")
			b.ReportMetric(float64(qpages), "query-pages")
			b.ReportMetric(float64(len(img))/(1<<20), "MiB-stable")
		})
	}
}

// buildNative writes to path the memory of a store of n persons built natively, in
// messages of at most 10^5.
func buildNative(b *testing.B, path string, n int) {
	b.Helper()
	mem := store.NewHeapMemory(0)
	c, err := open(mem, 1)
	require.NoError(b, err)
	for done := 0; done < n; {
		k := min(n-done, 100000)
		_, err := c.exec([]byte(ops(fmt.Sprintf(`{"op":"populate","n":%d}`, k))))
		require.NoError(b, err)
		done += k
	}
	require.NoError(b, os.WriteFile(path, heapBytes(b, mem), 0o644))
}
