package cluster_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/uri"
)

// shardOfURI returns the name of the shard whose scope an entity URI names.
func shardOfURI(t *testing.T, c *cluster.Cluster, u string) string {
	t.Helper()
	eu, err := uri.ParseEntityURI(u)
	require.NoError(t, err, u)
	for _, s := range c.Shards() {
		if s.Scope == eu.Scope {
			return s.Name
		}
	}
	t.Fatalf("%s: no shard has its scope", u)
	return ""
}

// TestHashShard checks that keys spread evenly over the shards, always to the same one,
// and that a shard added to the config takes keys from the others and moves no other.
func TestHashShard(t *testing.T) {
	_, c, cfg := newCluster(t, 3)
	counts := map[string]int{}
	before := map[string]string{}
	for i := range 3000 {
		key := fmt.Sprintf("http://ex.org/player/%d", i)
		s := c.HashShard(key)
		require.Same(t, s, c.HashShard(key))
		counts[s.Name]++
		before[key] = s.Name
	}
	for _, s := range c.Shards() {
		require.InDelta(t, 1000, counts[s.Name], 100, "shard %s: %v", s.Name, counts)
	}

	grown := *cfg
	grown.Shards = append(append([]cluster.ShardConfig(nil), cfg.Shards...),
		cluster.ShardConfig{Name: "s3", Scope: scopeN(t, 3).String(), Server: "http://127.0.0.1:1"})
	c4, err := cluster.New(&grown, nil)
	require.NoError(t, err)
	moved := 0
	for key, was := range before {
		now := c4.HashShard(key).Name
		if now != was {
			require.Equal(t, "s3", now, key)
			moved++
		}
	}
	require.InDelta(t, 750, moved, 100, "a quarter of the keys move to the new shard")
}

// TestPlacement checks the placement rules on 3 shards: a named shard, a parent's shard
// (named by URI or IRI), the hash of the IRI, and an IRI that a shard already holds.
func TestPlacement(t *testing.T) {
	_, c, _ := newCluster(t, 3)
	ctx := context.Background()

	// A named shard wins over everything.
	for _, name := range []string{"s0", "s1", "s2"} {
		res, s, err := c.Create(ctx, server.SetRequest{Ref: "new", Kind: "guild", Set: []server.Assign{{Column: "name", Value: "g-" + name}}}, cluster.Placement{Shard: name})
		require.NoError(t, err)
		require.Equal(t, name, s.Name)
		require.Equal(t, name, shardOfURI(t, c, res.Created))
	}
	_, _, err := c.Create(ctx, server.SetRequest{Ref: "new", Kind: "guild"}, cluster.Placement{Shard: "s9"})
	require.ErrorIs(t, err, cluster.ErrNoShard)

	// By hash of the IRI, and the same IRI again is the same entity.
	const gIRI = "http://ex.org/guild/red"
	res, s, err := c.Create(ctx, server.SetRequest{Ref: "<" + gIRI + ">", Kind: "guild"}, cluster.Placement{})
	require.NoError(t, err)
	require.Equal(t, c.HashShard(gIRI).Name, s.Name)
	red := res.Created
	again, _, err := c.Create(ctx, server.SetRequest{Ref: "<" + gIRI + ">", Kind: "guild"}, cluster.Placement{})
	require.NoError(t, err)
	require.Equal(t, red, again.Created)

	// With a parent, named by IRI or by URI, whatever the child's own hash says.
	for i := range 20 {
		parent := "<" + gIRI + ">"
		if i%2 == 1 {
			parent = red
		}
		res, s, err := c.Create(ctx, server.SetRequest{Ref: fmt.Sprintf("<http://ex.org/player/%d>", i), Kind: "player"}, cluster.Placement{Parent: parent})
		require.NoError(t, err)
		require.Equal(t, shardOfURI(t, c, red), s.Name)
		require.NoError(t, c.Link(ctx, server.Edge{Subject: res.Created, Verb: "member_of", Object: red}))
	}
	r, err := c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> <" + gIRI + "> COUNT"})
	require.NoError(t, err)
	require.EqualValues(t, 20, r.Count)

	// An IRI held by one shard cannot be created in another.
	other := "s0"
	if shardOfURI(t, c, red) == "s0" {
		other = "s1"
	}
	_, _, err = c.Create(ctx, server.SetRequest{Ref: "<" + gIRI + ">", Kind: "guild"}, cluster.Placement{Shard: other})
	require.ErrorIs(t, err, entity.ErrIRITaken)
	_, _, err = c.Create(ctx, server.SetRequest{Ref: "new", Kind: "player"}, cluster.Placement{Parent: "<http://ex.org/nowhere>"})
	require.ErrorIs(t, err, interchange.ErrNotFound)

	// New entities without an IRI spread over the shards.
	seen := map[string]bool{}
	for range 30 {
		_, s, err := c.Create(ctx, server.SetRequest{Ref: "new", Kind: "item"}, cluster.Placement{})
		require.NoError(t, err)
		seen[s.Name] = true
	}
	require.Len(t, seen, 3)

	// Set with a Kind creates as Create does; without, it goes where the entity is.
	sr, err := c.Set(ctx, server.SetRequest{Ref: "<http://ex.org/guild/blue>", Kind: "guild", Set: []server.Assign{{Column: "gold", Value: "5"}}})
	require.NoError(t, err)
	require.Equal(t, c.HashShard("http://ex.org/guild/blue").Name, shardOfURI(t, c, sr.Created))
	_, err = c.Set(ctx, server.SetRequest{Ref: sr.Created, Set: []server.Assign{{Column: "gold", Value: "6"}}})
	require.NoError(t, err)
	doc, err := c.Get(ctx, "<http://ex.org/guild/blue>")
	require.NoError(t, err)
	require.EqualValues(t, 6, doc.Set["gold"])
}

// TestRouting checks where operations on one entity go, and what the cluster refuses.
func TestRouting(t *testing.T) {
	shards, c, _ := newCluster(t, 3)
	ctx := context.Background()
	a, _, err := c.Create(ctx, server.SetRequest{Ref: "<http://ex.org/a>", Kind: "player"}, cluster.Placement{Shard: "s0"})
	require.NoError(t, err)
	b, _, err := c.Create(ctx, server.SetRequest{Ref: "<http://ex.org/b>", Kind: "player"}, cluster.Placement{Shard: "s1"})
	require.NoError(t, err)

	s, err := c.Locate(ctx, a.Created)
	require.NoError(t, err)
	require.Equal(t, "s0", s.Name)
	s, err = c.Locate(ctx, "<http://ex.org/b>")
	require.NoError(t, err)
	require.Equal(t, "s1", s.Name)
	_, err = c.Locate(ctx, "player/1")
	require.ErrorIs(t, err, cluster.ErrAmbiguous)
	_, err = c.Locate(ctx, "#1")
	require.ErrorIs(t, err, cluster.ErrAmbiguous)
	_, err = c.Locate(ctx, "ic://"+scopeN(t, 9).String()+"/player/1")
	require.ErrorIs(t, err, cluster.ErrNoShard)
	_, err = c.Locate(ctx, "<http://ex.org/none>")
	require.ErrorIs(t, err, interchange.ErrNotFound)

	// An IRI that two shards hold (written behind the cluster's back) is ambiguous.
	_, err = shards[2].svc.Set(ctx, server.SetRequest{Ref: "<http://ex.org/a>", Kind: "player"})
	require.NoError(t, err)
	_, err = c.Locate(ctx, "<http://ex.org/a>")
	require.ErrorIs(t, err, cluster.ErrAmbiguous)
	require.Contains(t, err.Error(), "s0, s2")

	// An edge between two shards is written in both (edges_test.go tests it further).
	require.NoError(t, c.Link(ctx, server.Edge{Subject: a.Created, Verb: "friend", Object: b.Created}))

	d, err := c.Delete(ctx, "<http://ex.org/b>")
	require.NoError(t, err)
	require.Equal(t, b.Created, d.Deleted)
	_, err = c.Get(ctx, b.Created)
	require.ErrorIs(t, err, interchange.ErrNotFound)
}

// TestCheck checks that a server of another scope, or none, is not taken for a shard.
func TestCheck(t *testing.T) {
	_, _, cfg := newCluster(t, 2)
	swapped := *cfg
	swapped.Shards = []cluster.ShardConfig{cfg.Shards[0], cfg.Shards[1]}
	swapped.Shards[0].Server, swapped.Shards[1].Server = cfg.Shards[1].Server, cfg.Shards[0].Server
	c, err := cluster.New(&swapped, &cluster.Options{Token: token})
	require.NoError(t, err)
	err = c.Check(context.Background())
	require.ErrorIs(t, err, cluster.ErrWrongShard)
	require.True(t, strings.HasPrefix(err.Error(), "shard s"), err.Error())

	c, err = cluster.New(cfg, &cluster.Options{Token: "wrong"})
	require.NoError(t, err)
	require.ErrorIs(t, c.Check(context.Background()), server.ErrUnauthorized)
}

// TestShardDown checks that a shard whose server is gone fails a query and a lookup with
// an error naming it, at once, and that operations on other shards' entities go on.
func TestShardDown(t *testing.T) {
	shards, c, _ := newCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, _, err := c.Create(ctx, server.SetRequest{Ref: "new", Kind: "player"}, cluster.Placement{Shard: "s0"})
	require.NoError(t, err)
	shards[1].srv.Close()

	_, err = c.Query(ctx, server.QueryRequest{Query: "FIND player COUNT"})
	require.ErrorContains(t, err, "shard s1: server http://127.0.0.1:")
	_, err = c.Locate(ctx, "<http://ex.org/x>")
	require.ErrorContains(t, err, "shard s1")
	require.ErrorContains(t, c.Check(ctx), "shard s1")

	doc, err := c.Get(ctx, a.Created)
	require.NoError(t, err)
	require.Equal(t, a.Created, doc.URI)
}
