package cluster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
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
	return newClusterWith(t, n, nil)
}

// newClusterWith is newCluster with shard i's handler wrapped by wrap(i, h), if wrap is set.
func newClusterWith(t testing.TB, n int, wrap func(i int, h http.Handler) http.Handler) ([]*shardFixture, *cluster.Cluster, *cluster.Config) {
	t.Helper()
	var cfg cluster.Config
	var shards []*shardFixture
	for i := range n {
		scope := scopeN(t, i)
		m, svc := openModel(t, scope)
		var h http.Handler = server.New(svc, server.Config{Token: token})
		if wrap != nil {
			h = wrap(i, h)
		}
		srv := httptest.NewServer(h)
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

// world is a random world: guilds placed by hash; players with their guild or (one in
// three) by hash; items with their owner or (one in three) by hash; friends anywhere.
// So most edges stay inside a shard, and many cross shards.
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
	hashed := func(iri string) int { return shardOf[c.HashShard(iri).Name] }
	add := func(e *ent) { w.ents = append(w.ents, e); w.byIRI[e.iri] = e }
	var guilds, players []*ent
	for g := range nGuilds {
		iri := fmt.Sprintf("http://ex.org/guild/%d", g)
		e := &ent{iri: iri, kind: "guild", shard: hashed(iri), name: fmt.Sprintf("g%d", g), gold: int64(rng.IntN(1000))}
		guilds = append(guilds, e)
		add(e)
	}
	for p := range nPlayers {
		g := guilds[rng.IntN(len(guilds))]
		iri := fmt.Sprintf("http://ex.org/player/%d", p)
		e := &ent{iri: iri, kind: "player", shard: g.shard, member: g.iri,
			name: fmt.Sprintf("p%d", p), score: float64(rng.IntN(400)) / 4}
		if rng.IntN(3) == 0 {
			e.shard = hashed(iri)
		}
		if rng.IntN(5) > 0 {
			h := int32(rng.IntN(100))
			e.health = &h
		}
		for tag := range 6 {
			if rng.IntN(4) == 0 {
				e.tags = append(e.tags, fmt.Sprintf("t%d", tag))
			}
		}
		if len(players) > 0 {
			for range rng.IntN(3) {
				e.friends = append(e.friends, players[rng.IntN(len(players))].iri)
			}
		}
		players = append(players, e)
		add(e)
		if rng.IntN(2) == 0 {
			iri := fmt.Sprintf("http://ex.org/item/%d", p)
			it := &ent{iri: iri, kind: "item", shard: e.shard, owner: e.iri, name: fmt.Sprintf("i%d", p)}
			if rng.IntN(3) == 0 {
				it.shard = hashed(iri)
			}
			add(it)
		}
	}
	return w
}

// crossEdges counts the world's edges whose ends are in two shards.
func (w *world) crossEdges() int {
	n := 0
	for _, e := range w.ents {
		for _, o := range append([]string{e.member, e.owner}, e.friends...) {
			if o != "" && w.byIRI[o].shard != e.shard {
				n++
			}
		}
	}
	return n
}

// load writes w into the stores of ms: entity e into ms[shard(e)], each edge in the
// store of each end, as a cluster writes it (an end in another store is its stand-in).
// Each store gets two Updates: its entities, then its edges.
func (w *world) load(t testing.TB, ms []*model, shard func(e *ent) int) {
	t.Helper()
	uris := map[string]string{}
	ids := map[string]entity.ID{}
	for i, m := range ms {
		require.NoError(t, m.db.Update(func(tx *entity.Tx) error {
			for _, e := range w.ents {
				if shard(e) != i {
					continue
				}
				k := map[string]*entity.Kind{"guild": m.guild, "player": m.player, "item": m.item}[e.kind]
				id, err := k.Intern(tx, e.iri)
				if err != nil {
					return err
				}
				u, err := tx.URI(id)
				if err != nil {
					return err
				}
				ids[e.iri], uris[e.iri] = id, u.String()
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
				}
				if err != nil {
					return fmt.Errorf("%s: %w", e.iri, err)
				}
			}
			return nil
		}))
	}
	for i, m := range ms {
		require.NoError(t, m.db.Update(func(tx *entity.Tx) error {
			end := func(iri string) (entity.ID, error) {
				if shard(w.byIRI[iri]) == i {
					return ids[iri], nil
				}
				return tx.StandIn(uris[iri])
			}
			link := func(v *verb.Verb, s, o string) error {
				if shard(w.byIRI[s]) != i && shard(w.byIRI[o]) != i {
					return nil
				}
				sid, err := end(s)
				if err != nil {
					return err
				}
				oid, err := end(o)
				if err != nil {
					return err
				}
				if err := v.Link(tx, sid, oid); err != nil {
					return fmt.Errorf("%s %s %s: %w", s, v.Name(), o, err)
				}
				return nil
			}
			for _, e := range w.ents {
				var err error
				switch e.kind {
				case "player":
					err = link(m.member, e.iri, e.member)
					for _, f := range e.friends {
						if err == nil {
							err = link(m.friend, e.iri, f)
						}
					}
				case "item":
					err = link(m.owns, e.owner, e.iri)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}))
	}
}
