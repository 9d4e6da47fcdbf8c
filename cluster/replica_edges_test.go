package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/server"
)

// TestEdgesAcrossReplicatedShards checks edges across shards whose shards are Raft groups:
// each half, with its intents, is an entry of its shard's log that every replica applies,
// so that the replicas of each shard end byte for byte the same and the halves pair. The
// coordinator's client of each shard calls a follower first: the halves follow its
// redirect to the leader.
func TestEdgesAcrossReplicatedShards(t *testing.T) {
	ctx := context.Background()
	var groups []*group
	var cfg cluster.Config
	for i := range 3 {
		g := newShardGroup(t, i, 3, worldSchema)
		groups = append(groups, g)
	}
	for i, g := range groups {
		lead := g.leader(all)
		sc := cluster.ShardConfig{Name: fmt.Sprintf("s%d", i), Scope: scopeN(t, i).String()}
		for j := range g.peers {
			p := g.peers[(lead+1+j)%len(g.peers)] // a follower first
			sc.Replicas = append(sc.Replicas, cluster.ReplicaConfig{ID: p.ID, Server: p.URL, Raft: p.Raft})
		}
		cfg.Shards = append(cfg.Shards, sc)
	}
	c, err := cluster.New(&cfg, &cluster.Options{Token: token})
	require.NoError(t, err)
	require.NoError(t, c.Check(ctx))

	// A follower refuses a half itself and names its leader (once it has heard from it: a
	// follower that has not yet refuses without a name).
	g1 := groups[1]
	lead1 := g1.leader(all)
	body, err := json.Marshal(server.HalfRequest{Clear: &server.Intent{Op: server.IntentLink, Edge: server.Edge{Subject: "x", Verb: "friend", Object: "y"}}})
	require.NoError(t, err)
	named := ""
	for deadline := time.Now().Add(10 * time.Second); named == "" && time.Now().Before(deadline); {
		req, err := http.NewRequest("POST", g1.srvs[(lead1+1)%3].URL+"/v1/half", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)
		if named = resp.Header.Get(server.HeaderLeader); named == "" {
			time.Sleep(20 * time.Millisecond)
		}
	}
	require.Equal(t, g1.srvs[lead1].URL, named)

	for _, p := range []struct{ name, shard, kind string }{
		{"a", "s0", "player"}, {"b", "s1", "player"}, {"c", "s2", "player"}, {"d", "s0", "player"}, {"g", "s1", "guild"},
	} {
		_, _, err := c.Create(ctx, server.SetRequest{Ref: "<http://ex.org/" + p.name + ">", Kind: p.kind,
			Set: []server.Assign{{Column: "name", Value: p.name}}}, cluster.Placement{Shard: p.shard})
		require.NoError(t, err)
	}
	edge := func(s, v, o string) server.Edge {
		return server.Edge{Subject: "<http://ex.org/" + s + ">", Verb: v, Object: "<http://ex.org/" + o + ">"}
	}
	for _, e := range []server.Edge{edge("a", "friend", "b"), edge("c", "friend", "a"), edge("a", "member_of", "g"),
		edge("d", "friend", "b"), edge("b", "friend", "c"), edge("b", "friend", "d")} {
		require.NoError(t, c.Link(ctx, e))
	}
	require.NoError(t, c.Unlink(ctx, edge("c", "friend", "a")))
	_, err = c.Delete(ctx, "<http://ex.org/d>") // two unlink intents, in s0's log with the delete
	require.NoError(t, err)
	// A failure between the halves: the intent is in s0's log, Repair finishes it.
	crash := errors.New("coordinator crashed")
	cluster.SetAfterFirstHalf(c, func(server.Intent) error { return crash })
	require.ErrorIs(t, c.Link(ctx, edge("a", "friend", "c")), crash)
	cluster.SetAfterFirstHalf(c, nil)
	rep, err := c.Verify(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Pending, 1, "%+v", rep)
	fixed, err := c.Repair(ctx)
	require.NoError(t, err)
	require.Equal(t, cluster.RepairReport{Finished: 1}, *fixed)

	rep, err = c.Verify(ctx)
	require.NoError(t, err)
	require.NoError(t, rep.Err(), "%+v", rep)
	require.Equal(t, 4, rep.Edges) // a friend b, a member_of g, b friend c, a friend c
	res, err := c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE friend <- <http://ex.org/a> SELECT name ORDER BY name"})
	require.NoError(t, err)
	require.Len(t, res.Rows, 2)
	require.Equal(t, []any{"b", "c"}, []any{res.Rows[0][1], res.Rows[1][1]})

	// A client that calls a follower first, with nothing before: its half is redirected
	// (421) to the leader and goes through the log like the others.
	g0 := groups[0]
	in := server.Intent{Op: server.IntentLink, Edge: server.Edge{Subject: "ic://" + scopeN(t, 0).String() + "/player/1", Verb: "friend", Object: "ic://" + scopeN(t, 1).String() + "/player/1"}}
	for i, req := range []server.HalfRequest{{Record: &in}, {Clear: &in}} {
		lead0 := g0.leader(all)
		_, err := g0.client((lead0+1)%3).Half(ctx, req)
		require.NoError(t, err)
		rep, err := c.Verify(ctx)
		require.NoError(t, err)
		require.Len(t, rep.Pending, 1-i, "recorded, then cleared: %+v", rep)
	}

	// Every replica applied every half: each shard's replicas hold the same bytes, and
	// each replica's own copy holds the halves its leader does.
	for _, g := range groups {
		g.converge(g.reps)
		lead := g.leader(all)
		want, err := g.client(lead).HalfState(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, want.Halves)
		for i := range g.reps {
			got, err := g.client(i).Stale(nil).HalfState(ctx)
			require.NoError(t, err)
			require.Equal(t, want, got, "replica %s", g.reps[i].ID())
		}
	}
}
