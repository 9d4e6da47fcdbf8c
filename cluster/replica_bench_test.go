package cluster_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/store"
)

// BenchmarkReplicatedWrite measures one Set through HTTP on loopback: to a store served
// alone (none), and to the leader of a Raft group of 1 and of 3 replicas on TCP loopback
// transports, with file-backed stores and Raft logs synced at every commit, as 'graphctl
// serve' runs them. It reports the p50 and p99 of the write's latency.
func BenchmarkReplicatedWrite(b *testing.B) {
	for _, n := range []int{0, 1, 3} {
		name := fmt.Sprintf("replicas=%d", n)
		if n == 0 {
			name = "replicas=none"
		}
		b.Run(name, func(b *testing.B) {
			url := benchServer(b, n)
			c, err := client.New(url, token, nil)
			require.NoError(b, err)
			ctx := context.Background()
			_, err = c.Set(ctx, server.SetRequest{Ref: "<http://ex.org/p/1>", Kind: "player", Set: []server.Assign{{Column: "name", Value: "one"}}})
			require.NoError(b, err)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				_, err := c.Set(ctx, server.SetRequest{Ref: "<http://ex.org/p/1>", Set: []server.Assign{{Column: "level", Value: fmt.Sprint(i)}}})
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// benchServer starts a shard of n replicas (0: one store served without Raft) and returns
// the URL of its leader's server.
func benchServer(b *testing.B, n int) string {
	dir := b.TempDir()
	if n == 0 {
		st, err := store.Open(filepath.Join(dir, "s.sgdb"), nil)
		require.NoError(b, err)
		b.Cleanup(func() { _ = st.Close() })
		db, err := entity.Open(st, replicaSchema(), &entity.Options{Scope: scopeN(b, 0)})
		require.NoError(b, err)
		srv := httptest.NewServer(server.New(server.NewService(st, db, "s"), server.Config{Token: token}))
		b.Cleanup(srv.Close)
		return srv.URL
	}
	var peers []server.ReplicaPeer
	var boxes []*handlerBox
	for i := range n {
		box := &handlerBox{}
		srv := httptest.NewServer(box)
		b.Cleanup(srv.Close)
		boxes = append(boxes, box)
		peers = append(peers, server.ReplicaPeer{ID: fmt.Sprintf("r%d", i), URL: srv.URL, Raft: freeAddr(b), Voter: true})
	}
	var reps []*cluster.Replica
	for i, p := range peers {
		r, err := cluster.NewReplica(cluster.ReplicaOptions{
			ID: p.ID, Shard: "s0", Dir: filepath.Join(dir, p.ID), Scope: scopeN(b, 0), Schema: replicaSchema(),
			Peers: peers, RaftAddr: p.Raft, Server: server.Config{Token: token},
		})
		require.NoError(b, err)
		b.Cleanup(func() { _ = r.Close() })
		boxes[i].h.Store(r)
		reps = append(reps, r)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, r := range reps {
			if r.Raft().State() == raft.Leader {
				return peers[i].URL
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Fatal("no leader within 10 s")
	return ""
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	return ln.Addr().String()
}
