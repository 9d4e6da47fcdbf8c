package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/verb"
)

// faults makes a shard's server answer 503 to chosen calls of POST /v1/half: a shard that
// fails the second half of an edge across shards.
type faults struct {
	calls atomic.Int64 // POST /v1/half calls so far
	fail  atomic.Int64 // answer 503 to this call (1-based); 0: none
}

func (f *faults) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/v1/half" {
			if n := f.calls.Add(1); n == f.fail.Load() {
				http.Error(w, "injected failure", http.StatusServiceUnavailable)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// failNext makes the next POST /v1/half fail.
func (f *faults) failNext() { f.fail.Store(f.calls.Load() + 1) }

// edgeWorld is a 3-shard cluster with a few players placed in chosen shards.
type edgeWorld struct {
	shards []*shardFixture
	c      *cluster.Cluster
	faults []*faults
	uri    map[string]string // player IRI → URI
}

func newEdgeWorld(t *testing.T) *edgeWorld {
	t.Helper()
	fs := []*faults{{}, {}, {}}
	shards, c, _ := newClusterWith(t, 3, func(i int, h http.Handler) http.Handler { return fs[i].wrap(h) })
	w := &edgeWorld{shards: shards, c: c, faults: fs, uri: map[string]string{}}
	ctx := context.Background()
	for _, p := range []struct{ name, shard, kind string }{
		{"a", "s0", "player"}, {"b", "s1", "player"}, {"c", "s2", "player"}, {"d", "s0", "player"},
		{"g", "s1", "guild"}, {"i", "s2", "item"},
	} {
		res, _, err := c.Create(ctx, server.SetRequest{Ref: "<http://ex.org/" + p.name + ">", Kind: p.kind,
			Set: []server.Assign{{Column: "name", Value: p.name}}}, cluster.Placement{Shard: p.shard})
		require.NoError(t, err)
		w.uri[p.name] = res.Created
	}
	return w
}

func (w *edgeWorld) edge(s, v, o string) server.Edge {
	return server.Edge{Subject: "<http://ex.org/" + s + ">", Verb: v, Object: "<http://ex.org/" + o + ">"}
}

// verify runs Verify and returns its report and error.
func (w *edgeWorld) verify(t *testing.T) *cluster.VerifyReport {
	t.Helper()
	rep, err := w.c.Verify(context.Background())
	require.NoError(t, err)
	return rep
}

// halves returns how many halves and intents shard i holds.
func (w *edgeWorld) halves(t *testing.T, i int) (int, int) {
	t.Helper()
	st, err := w.shards[i].svc.HalfState(context.Background())
	require.NoError(t, err)
	require.Empty(t, st.Bad)
	return len(st.Halves), len(st.Intents)
}

// names returns the names of the players a query finds, through the cluster.
func (w *edgeWorld) names(t *testing.T, q string) []string {
	t.Helper()
	res, err := w.c.Query(context.Background(), server.QueryRequest{Query: q + " SELECT name ORDER BY name"})
	require.NoError(t, err, q)
	out := []string{}
	for _, r := range res.Rows {
		out = append(out, r[1].(string))
	}
	return out
}

// TestLinkAcrossShards checks that an edge between two shards is written in both, so
// that each side navigates it, that Unlink removes both halves and their stand-ins, and
// that a link the object's shard refuses leaves nothing behind.
func TestLinkAcrossShards(t *testing.T) {
	w := newEdgeWorld(t)
	ctx := context.Background()
	require.NoError(t, w.c.Link(ctx, w.edge("a", "friend", "b")))
	require.NoError(t, w.c.Link(ctx, w.edge("a", "friend", "b")), "linking again does nothing")
	require.NoError(t, w.c.Link(ctx, w.edge("c", "friend", "a")))
	require.NoError(t, w.c.Link(ctx, w.edge("a", "member_of", "g")))

	rep := w.verify(t)
	require.NoError(t, rep.Err())
	require.Equal(t, 3, rep.Edges)
	h0, i0 := w.halves(t, 0)
	require.Equal(t, []int{3, 0}, []int{h0, i0})

	// Both directions, from either side.
	require.Equal(t, []string{"a"}, w.names(t, "FIND player WHERE friend -> <http://ex.org/b>"))
	require.Equal(t, []string{"b"}, w.names(t, "FIND player WHERE friend <- <http://ex.org/a>"))
	require.Equal(t, []string{"a"}, w.names(t, "FIND player WHERE friend <- "+w.uri["c"]))
	require.Equal(t, []string{"a"}, w.names(t, "FIND player WHERE member_of -> (FIND guild WHERE name = \"g\")"))
	d, err := w.c.Get(ctx, "<http://ex.org/b>")
	require.NoError(t, err)
	require.Contains(t, fmt.Sprint(d.LinkedFrom), w.uri["a"], "b's description shows the edge from a")
	_, err = w.c.Locate(ctx, "<"+w.uri["b"]+">")
	require.ErrorIs(t, err, interchange.ErrNotFound, "a stand-in's IRI does not name it in the cluster")

	// The verb's cardinality holds across shards: an item has one owner, which the
	// item's shard knows, so it refuses the second half, and the first is taken back.
	require.NoError(t, w.c.Link(ctx, server.Edge{Subject: w.uri["c"], Verb: "owns", Object: w.uri["i"]}))
	err = w.c.Link(ctx, w.edge("a", "owns", "i"))
	require.ErrorIs(t, err, verb.ErrCardinality, "i has an owner in another shard")
	require.Contains(t, err.Error(), "shard s2")
	require.NoError(t, w.verify(t).Err(), "the refused link's first half is taken back")
	require.Equal(t, 3, w.verify(t).Edges)
	err = w.c.Link(ctx, w.edge("a", "member_of", "g"))
	require.NoError(t, err, "linking again does nothing")
	require.NoError(t, w.c.Link(ctx, w.edge("d", "member_of", "g")))
	err = w.c.Link(ctx, w.edge("c", "member_of", "g"))
	require.NoError(t, err)
	require.Equal(t, []string{"a", "c", "d"}, w.names(t, "FIND player WHERE member_of -> <http://ex.org/g>"))

	require.NoError(t, w.c.Unlink(ctx, w.edge("a", "friend", "b")))
	err = w.c.Unlink(ctx, w.edge("a", "friend", "b"))
	require.ErrorIs(t, err, interchange.ErrNotFound)
	require.Empty(t, w.names(t, "FIND player WHERE friend <- <http://ex.org/a>"))
	require.NoError(t, w.c.Unlink(ctx, w.edge("c", "friend", "a")))
	require.NoError(t, w.c.Unlink(ctx, w.edge("a", "member_of", "g")))
	require.NoError(t, w.c.Unlink(ctx, w.edge("d", "member_of", "g")))
	require.NoError(t, w.c.Unlink(ctx, w.edge("c", "member_of", "g")))
	require.NoError(t, w.c.Unlink(ctx, w.edge("c", "owns", "i")))
	rep = w.verify(t)
	require.NoError(t, rep.Err())
	require.Zero(t, rep.Edges)
	for i := range 3 {
		h, in := w.halves(t, i)
		require.Equal(t, []int{0, 0}, []int{h, in}, "shard %d", i)
		res, err := w.shards[i].svc.Query(ctx, server.QueryRequest{Query: "FIND `$remote` COUNT"})
		require.NoError(t, err)
		require.Zero(t, res.Count, "shard %d keeps no stand-in without edges", i)
	}

	// Deleting an entity removes its edges across shards from the other shards too.
	require.NoError(t, w.c.Link(ctx, w.edge("a", "friend", "b")))
	require.NoError(t, w.c.Link(ctx, w.edge("c", "friend", "a")))
	require.NoError(t, w.c.Link(ctx, w.edge("b", "friend", "d")))
	del, err := w.c.Delete(ctx, "<http://ex.org/a>")
	require.NoError(t, err)
	require.Equal(t, w.uri["a"], del.Deleted)
	rep = w.verify(t)
	require.NoError(t, rep.Err())
	require.Equal(t, 1, rep.Edges, "b -> d is left")
	require.Empty(t, w.names(t, "FIND player WHERE friend <- ANY AND NOT name = \"d\""))
	h2, _ := w.halves(t, 2)
	require.Zero(t, h2, "c's half of c -> a is gone")
}

// TestLinkFailureBetweenHalves cuts Link, Unlink and Delete between their two halves, by
// a shard that answers 503 and by a coordinator that stops, and checks that Verify flags
// the state, Repair fixes it, Verify then accepts it, and Repair again does nothing.
func TestLinkFailureBetweenHalves(t *testing.T) {
	ctx := context.Background()
	crash := errors.New("coordinator crashed")
	for _, how := range []string{"503", "crash"} {
		for _, op := range []string{"link", "unlink", "delete"} {
			t.Run(how+"/"+op, func(t *testing.T) {
				w := newEdgeWorld(t)
				if op != "link" {
					require.NoError(t, w.c.Link(ctx, w.edge("a", "friend", "b")))
					require.NoError(t, w.c.Link(ctx, w.edge("b", "friend", "a")))
				}
				switch how {
				case "503":
					w.faults[1].failNext() // b's shard fails the second half
				case "crash":
					cluster.SetAfterFirstHalf(w.c, func(server.Intent) error { return crash })
				}
				var err error
				switch op {
				case "link":
					err = w.c.Link(ctx, w.edge("a", "friend", "b"))
				case "unlink":
					err = w.c.Unlink(ctx, w.edge("a", "friend", "b"))
				case "delete":
					_, err = w.c.Delete(ctx, "<http://ex.org/a>")
				}
				require.Error(t, err)
				if how == "503" {
					require.ErrorIs(t, err, cluster.ErrPending)
					require.Contains(t, err.Error(), "Service Unavailable")
				} else {
					require.ErrorIs(t, err, crash)
				}
				cluster.SetAfterFirstHalf(w.c, nil)

				rep := w.verify(t)
				require.ErrorIs(t, rep.Err(), cluster.ErrUnpaired)
				want := 1 // a crash stops each of delete's two edges; a 503, one
				if how == "crash" && op == "delete" {
					want = 2
				}
				require.Len(t, rep.Pending, want, "%+v", rep)
				require.Equal(t, "s0", rep.Pending[0].Shard)

				fixed, err := w.c.Repair(ctx)
				require.NoError(t, err)
				require.Equal(t, cluster.RepairReport{Finished: want}, *fixed)
				rep = w.verify(t)
				require.NoError(t, rep.Err(), "%+v", rep)
				again, err := w.c.Repair(ctx)
				require.NoError(t, err)
				require.Equal(t, cluster.RepairReport{}, *again, "repair is idempotent")

				switch op {
				case "link":
					require.Equal(t, 1, rep.Edges)
					require.Equal(t, []string{"b"}, w.names(t, "FIND player WHERE friend <- <http://ex.org/a>"))
				case "unlink":
					require.Equal(t, 1, rep.Edges, "b -> a is left")
					require.Empty(t, w.names(t, "FIND player WHERE friend <- <http://ex.org/a>"))
				case "delete":
					require.Zero(t, rep.Edges)
					require.Empty(t, w.names(t, "FIND player WHERE friend -> ANY OR friend <- ANY"))
				}
			})
		}
	}
}

// TestRepairResumes checks that Repair stopped by a failing shard can run again and go
// on, and that it mends halves damaged behind the cluster's back: an object deleted in
// its own shard (the subject's half goes), a subject deleted in its own (the object's
// half goes), an object's half unlinked alone (it comes back).
func TestRepairResumes(t *testing.T) {
	ctx := context.Background()
	w := newEdgeWorld(t)
	cluster.SetAfterFirstHalf(w.c, func(server.Intent) error { return errors.New("stop") })
	for _, e := range []server.Edge{w.edge("a", "friend", "b"), w.edge("d", "friend", "b"), w.edge("a", "member_of", "g")} {
		require.Error(t, w.c.Link(ctx, e))
	}
	cluster.SetAfterFirstHalf(w.c, nil)
	require.Len(t, w.verify(t).Pending, 3)

	w.faults[1].fail.Store(w.faults[1].calls.Load() + 2) // the second intent's half fails
	fixed, err := w.c.Repair(ctx)
	require.ErrorIs(t, err, cluster.ErrPending)
	require.Equal(t, 2, fixed.Finished)
	require.Len(t, w.verify(t).Pending, 1)
	fixed, err = w.c.Repair(ctx)
	require.NoError(t, err)
	require.Equal(t, cluster.RepairReport{Finished: 1}, *fixed)
	require.NoError(t, w.verify(t).Err())

	// Damage behind the cluster's back, through the shards' own servers.
	require.NoError(t, w.c.Link(ctx, w.edge("c", "friend", "d")))
	require.NoError(t, w.c.Link(ctx, w.edge("b", "friend", "c")))
	s0, s1, s2 := w.c.Shards()[0].Client, w.c.Shards()[1].Client, w.c.Shards()[2].Client
	_, err = s1.Delete(ctx, "<http://ex.org/g>") // a's half of a member_of g stays in s0
	require.NoError(t, err)
	_, err = s2.Delete(ctx, "<http://ex.org/c>") // c's edges' halves stay in s0 and s1
	require.NoError(t, err)
	_, err = s1.Half(ctx, server.HalfRequest{Op: server.HalfUnlink, Edge: server.Edge{Subject: w.uri["d"], Verb: "friend", Object: w.uri["b"]}})
	require.NoError(t, err)
	_ = s0
	rep := w.verify(t)
	require.Len(t, rep.Unpaired, 4, "%+v", rep)
	fixed, err = w.c.Repair(ctx)
	require.NoError(t, err)
	require.Equal(t, cluster.RepairReport{Restored: 1, Removed: 3}, *fixed)
	rep = w.verify(t)
	require.NoError(t, rep.Err(), "%+v", rep)
	require.Equal(t, 2, rep.Edges) // a -> b, d -> b
	require.Equal(t, []string{"a", "d"}, w.names(t, "FIND player WHERE friend -> <http://ex.org/b>"))
}

// TestLinkConcurrent runs Link and Unlink of edges across shards from several goroutines
// at once, each on its own edges, and checks that every edge ends as its goroutine left
// it, in both shards, with no intent left: the halves of different edges do not meet.
func TestLinkConcurrent(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newCluster(t, 3)
	var iris []string
	for p := range 12 {
		iri := fmt.Sprintf("<http://ex.org/q%d>", p)
		_, _, err := c.Create(ctx, server.SetRequest{Ref: iri, Kind: "player", Set: []server.Assign{{Column: "name", Value: fmt.Sprint("q", p)}}},
			cluster.Placement{Shard: fmt.Sprint("s", p%3)})
		require.NoError(t, err)
		iris = append(iris, iri)
	}
	const workers = 4
	want := make([]map[[2]int]bool, workers)
	errs := make(chan error, workers)
	for g := range workers {
		want[g] = map[[2]int]bool{}
		go func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for range 25 {
				// Worker g owns the edges from players g, g+4 and g+8.
				e := [2]int{g + workers*rng.IntN(3), rng.IntN(12)}
				edge := server.Edge{Subject: iris[e[0]], Verb: "friend", Object: iris[e[1]]}
				var err error
				if want[g][e] {
					err = c.Unlink(ctx, edge)
				} else {
					err = c.Link(ctx, edge)
				}
				if err != nil {
					errs <- err
					return
				}
				want[g][e] = !want[g][e]
			}
			errs <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
	rep, err := c.Verify(ctx)
	require.NoError(t, err)
	require.NoError(t, rep.Err(), "%+v", rep)
	across := 0
	for g := range workers {
		for e, on := range want[g] {
			if on && e[0]%3 != e[1]%3 {
				across++
			}
		}
	}
	require.Equal(t, across, rep.Edges)
	for o := range 12 {
		res, err := c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE friend -> " + iris[o] + " COUNT"})
		require.NoError(t, err)
		n := 0
		for g := range workers {
			for e, on := range want[g] {
				if on && e[1] == o {
					n++
				}
			}
		}
		require.EqualValues(t, n, res.Count, "friends of %s", iris[o])
	}
}
