package cluster_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// Two stores, each served on loopback, make one world: guilds spread by the hash of
// their IRI, players placed with their guild, and a query over both.
func Example() {
	var cfg cluster.Config
	for i, scope := range []string{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6ba7b811-9dad-11d1-80b4-00c04fd430c8"} {
		// Every shard holds the same schema.
		schema := entity.NewSchema()
		schema.Kind("guild")
		schema.Kind("player")
		column.Define[string](schema, "name", column.MaxLen(32), column.Indexed())
		column.Define[int64](schema, "level")
		verb.Define(schema, "member_of", verb.ManyToOne())

		st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
		if err != nil {
			panic(err)
		}
		defer st.Close()
		sc, _ := uri.ParseScope(scope)
		db, err := entity.Open(st, schema, &entity.Options{Scope: sc})
		if err != nil {
			panic(err)
		}
		srv := httptest.NewServer(server.New(server.NewService(st, db, scope), server.Config{}))
		defer srv.Close()
		cfg.Shards = append(cfg.Shards, cluster.ShardConfig{Name: fmt.Sprint("s", i), Scope: scope, Server: srv.URL})
	}
	c, err := cluster.New(&cfg, nil)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := c.Check(ctx); err != nil {
		panic(err)
	}

	for g := range 4 {
		guild := fmt.Sprintf("<http://ex.org/guild/%d>", g)
		if _, _, err := c.Create(ctx, server.SetRequest{Ref: guild, Kind: "guild"}, cluster.Placement{}); err != nil {
			panic(err)
		}
		for p := range 3 {
			res, _, err := c.Create(ctx, server.SetRequest{
				Ref: fmt.Sprintf("<http://ex.org/player/%d-%d>", g, p), Kind: "player",
				Set: []server.Assign{{Column: "name", Value: fmt.Sprintf("p%d-%d", g, p)}, {Column: "level", Value: fmt.Sprint(g*10 + p)}},
			}, cluster.Placement{Parent: guild})
			if err != nil {
				panic(err)
			}
			if err := c.Link(ctx, server.Edge{Subject: res.Created, Verb: "member_of", Object: guild}); err != nil {
				panic(err)
			}
		}
	}

	res, err := c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> ANY SELECT name ORDER BY level DESC LIMIT 4"})
	if err != nil {
		panic(err)
	}
	for _, row := range res.Rows {
		fmt.Println(row[1])
	}
	fmt.Println(len(res.Shards), "shards,", res.Count, "rows")
	// Output:
	// p3-2
	// p3-1
	// p3-0
	// p2-2
	// 2 shards, 4 rows
}
