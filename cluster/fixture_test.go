package cluster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

const token = "cluster-test-token"

// model is a store's schema, bound to its DB.
type model struct {
	db                   *entity.DB
	guild, player, item  *entity.Kind
	name, tags           *column.Column[string]
	health               *column.Column[int32]
	score                *column.Column[float64]
	gold                 *column.Column[int64]
	member, friend, owns *verb.Verb
}

// openModel opens a fresh heap store with the world's schema and scope.
func openModel(t testing.TB, scope uri.Scope) (*model, *server.Service) {
	t.Helper()
	s := entity.NewSchema()
	m := &model{
		guild:  s.Kind("guild"),
		player: s.Kind("player"),
		item:   s.Kind("item"),
		name:   column.Define[string](s, "name", column.MaxLen(32), column.Indexed()),
		tags:   column.Define[string](s, "tags", column.MaxLen(16), column.Multi(), column.Indexed()),
		health: column.Define[int32](s, "health", column.Indexed()),
		score:  column.Define[float64](s, "score"),
		gold:   column.Define[int64](s, "gold"),
		member: verb.Define(s, "member_of", verb.ManyToOne()),
		friend: verb.Define(s, "friend"),
		owns:   verb.Define(s, "owns", verb.OneToMany()),
	}
	st := testutil.OpenStore(t)
	db, err := entity.Open(st, s, &entity.Options{Scope: scope})
	require.NoError(t, err)
	m.db = db
	return m, server.NewService(st, db, scope.String())
}

// scopeN is the scope of the test's shard i.
func scopeN(t testing.TB, i int) uri.Scope {
	t.Helper()
	s, err := uri.ParseScope(fmt.Sprintf("6ba7b810-9dad-11d1-80b4-00c04fd430%02x", i))
	require.NoError(t, err)
	return s
}

// shardFixture is a shard's store and its server on loopback.
type shardFixture struct {
	m   *model
	svc *server.Service
	srv *httptest.Server
}

// newCluster starts n servers on 127.0.0.1 (ports chosen by the system), each with an
// empty store of the world's schema, and returns them and the coordinator over them.
func newCluster(t testing.TB, n int) ([]*shardFixture, *cluster.Cluster, *cluster.Config) {
	t.Helper()
	var cfg cluster.Config
	var shards []*shardFixture
	for i := range n {
		scope := scopeN(t, i)
		m, svc := openModel(t, scope)
		srv := httptest.NewServer(server.New(svc, server.Config{Token: token}))
		t.Cleanup(srv.Close)
		shards = append(shards, &shardFixture{m: m, svc: svc, srv: srv})
		cfg.Shards = append(cfg.Shards, cluster.ShardConfig{Name: fmt.Sprintf("s%d", i), Scope: scope.String(), Server: srv.URL})
	}
	c, err := cluster.New(&cfg, &cluster.Options{Token: token})
	require.NoError(t, err)
	require.NoError(t, c.Check(context.Background()))
	return shards, c, &cfg
}

// ent is one entity of a random world, with what the model holds of it.
type ent struct {
	iri, kind string
	shard     int
	name      string
	health    *int32 // nil: no value
	score     float64
	gold      int64
	tags      []string
	member    string   // a player's guild
	friends   []string // a player's friends, in its shard
	owner     string   // an item's owner
}

// world is a random world: guilds placed by hash, players with their guild, items with
// their owner, so that every edge stays inside a shard.
type world struct {
	ents  []*ent
	byIRI map[string]*ent
}

func newWorld(rng *rand.Rand, c *cluster.Cluster, nGuilds, nPlayers int) *world {
	w := &world{byIRI: map[string]*ent{}}
	shardOf := map[string]int{}
	for i, s := range c.Shards() {
		shardOf[s.Name] = i
	}
	add := func(e *ent) { w.ents = append(w.ents, e); w.byIRI[e.iri] = e }
	var guilds []*ent
	for g := range nGuilds {
		iri := fmt.Sprintf("http://ex.org/guild/%d", g)
		e := &ent{iri: iri, kind: "guild", shard: shardOf[c.HashShard(iri).Name], name: fmt.Sprintf("g%d", g), gold: int64(rng.IntN(1000))}
		guilds = append(guilds, e)
		add(e)
	}
	byShard := map[int][]*ent{}
	for p := range nPlayers {
		g := guilds[rng.IntN(len(guilds))]
		e := &ent{iri: fmt.Sprintf("http://ex.org/player/%d", p), kind: "player", shard: g.shard, member: g.iri,
			name: fmt.Sprintf("p%d", p), score: float64(rng.IntN(400)) / 4}
		if rng.IntN(5) > 0 {
			h := int32(rng.IntN(100))
			e.health = &h
		}
		for tag := range 6 {
			if rng.IntN(4) == 0 {
				e.tags = append(e.tags, fmt.Sprintf("t%d", tag))
			}
		}
		if mates := byShard[e.shard]; len(mates) > 0 {
			for range rng.IntN(3) {
				e.friends = append(e.friends, mates[rng.IntN(len(mates))].iri)
			}
		}
		byShard[e.shard] = append(byShard[e.shard], e)
		add(e)
		if rng.IntN(2) == 0 {
			add(&ent{iri: fmt.Sprintf("http://ex.org/item/%d", p), kind: "item", shard: e.shard, owner: e.iri, name: fmt.Sprintf("i%d", p)})
		}
	}
	return w
}

// load writes the entities of w that keep(e) accepts into m, in w's order, in one Update.
func (w *world) load(t testing.TB, m *model, keep func(e *ent) bool) {
	t.Helper()
	require.NoError(t, m.db.Update(func(tx *entity.Tx) error {
		ids := map[string]entity.ID{}
		for _, e := range w.ents {
			if !keep(e) {
				continue
			}
			k := map[string]*entity.Kind{"guild": m.guild, "player": m.player, "item": m.item}[e.kind]
			id, err := k.Intern(tx, e.iri)
			if err != nil {
				return err
			}
			ids[e.iri] = id
			if err := m.name.Set(tx, id, e.name); err != nil {
				return err
			}
			switch e.kind {
			case "guild":
				err = m.gold.Set(tx, id, e.gold)
			case "player":
				err = m.score.Set(tx, id, e.score)
				if err == nil && e.health != nil {
					err = m.health.Set(tx, id, *e.health)
				}
				for _, tag := range e.tags {
					if err == nil {
						err = m.tags.Add(tx, id, tag)
					}
				}
				if err == nil {
					err = m.member.Link(tx, id, ids[e.member])
				}
				for _, f := range e.friends {
					if err == nil {
						err = m.friend.Link(tx, id, ids[f])
					}
				}
			case "item":
				err = m.owns.Link(tx, ids[e.owner], id)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", e.iri, err)
			}
		}
		return nil
	}))
}
