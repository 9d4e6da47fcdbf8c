package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/verb"
)

// addAnonymous adds to w's stores entities without an IRI whose edges cross shards: for
// each k, an item in shard k%3 owned by a player in shard (k+1)%3, that player a member
// of a guild in shard (k+2)%3 and a friend of a player (with an IRI) elsewhere. In the
// one store (one != nil) the same entities are made, linked directly.
func addAnonymous(t *testing.T, w *world, ms []*model, one *model) {
	t.Helper()
	byShard := map[string][][]*ent{} // kind -> shard -> entities with an IRI
	for _, e := range w.ents {
		if byShard[e.kind] == nil {
			byShard[e.kind] = make([][]*ent, 3)
		}
		byShard[e.kind][e.shard] = append(byShard[e.kind][e.shard], e)
	}
	type anon struct {
		item, player       int // shards
		guild, friend      *ent
		itemName, plrName  string
		itemURI, playerURI string
		itemID, playerID   entity.ID
		oneItem, onePlayer entity.ID
	}
	var as []*anon
	for k := range 6 {
		a := &anon{item: k % 3, player: (k + 1) % 3, itemName: fmt.Sprintf("anon-item-%d", k), plrName: fmt.Sprintf("anon-player-%d", k)}
		a.guild = byShard["guild"][(k+2)%3][0]
		a.friend = byShard["player"][(k+2)%3][k]
		as = append(as, a)
	}
	uriOf := func(m *model, iri string) string {
		var u string
		require.NoError(t, m.db.View(func(tx *entity.Tx) error {
			id, ok := tx.ByIRI(iri)
			require.True(t, ok, iri)
			uu, err := tx.URI(id)
			u = uu.String()
			return err
		}))
		return u
	}
	item := func(m *model) *entity.Kind { return m.item }
	player := func(m *model) *entity.Kind { return m.player }
	// newAnon makes an entity of kind k without an IRI, named name, in m's store.
	newAnon := func(m *model, k func(*model) *entity.Kind, name string) (id entity.ID, u string) {
		require.NoError(t, m.db.Update(func(tx *entity.Tx) error {
			var err error
			if id, err = k(m).New(tx); err != nil {
				return err
			}
			uu, err := tx.URI(id)
			if err != nil {
				return err
			}
			u = uu.String()
			return m.name.Set(tx, id, name)
		}))
		return id, u
	}
	for _, a := range as {
		a.itemID, a.itemURI = newAnon(ms[a.item], item, a.itemName)
		a.playerID, a.playerURI = newAnon(ms[a.player], player, a.plrName)
	}
	// half writes an edge's half in the store of m (an end elsewhere is its stand-in).
	half := func(m *model, v func(*model) *verb.Verb, s, o func(tx *entity.Tx) (entity.ID, error)) {
		require.NoError(t, m.db.Update(func(tx *entity.Tx) error {
			sid, err := s(tx)
			if err != nil {
				return err
			}
			oid, err := o(tx)
			if err != nil {
				return err
			}
			return v(m).Link(tx, sid, oid)
		}))
	}
	id := func(id entity.ID) func(*entity.Tx) (entity.ID, error) {
		return func(*entity.Tx) (entity.ID, error) { return id, nil }
	}
	standIn := func(u string) func(*entity.Tx) (entity.ID, error) {
		return func(tx *entity.Tx) (entity.ID, error) { return tx.StandIn(u) }
	}
	byIRI := func(iri string) func(*entity.Tx) (entity.ID, error) {
		return func(tx *entity.Tx) (entity.ID, error) {
			id, ok := tx.ByIRI(iri)
			require.True(t, ok, iri)
			return id, nil
		}
	}
	owns := func(m *model) *verb.Verb { return m.owns }
	member := func(m *model) *verb.Verb { return m.member }
	friend := func(m *model) *verb.Verb { return m.friend }
	for _, a := range as {
		pm, im := ms[a.player], ms[a.item]
		gm, fm := ms[a.guild.shard], ms[a.friend.shard]
		half(pm, owns, id(a.playerID), standIn(a.itemURI))
		half(im, owns, standIn(a.playerURI), id(a.itemID))
		half(pm, member, id(a.playerID), standIn(uriOf(gm, a.guild.iri)))
		half(gm, member, standIn(a.playerURI), byIRI(a.guild.iri))
		half(fm, friend, byIRI(a.friend.iri), standIn(a.playerURI)) // a named subject, an anonymous object
		half(pm, friend, standIn(uriOf(fm, a.friend.iri)), id(a.playerID))
	}
	for _, a := range as {
		a.oneItem, _ = newAnon(one, item, a.itemName)
		a.onePlayer, _ = newAnon(one, player, a.plrName)
		half(one, owns, id(a.onePlayer), id(a.oneItem))
		half(one, member, id(a.onePlayer), byIRI(a.guild.iri))
		half(one, friend, byIRI(a.friend.iri), id(a.onePlayer))
	}
}

// TestExportWholeCluster checks that a cluster's export imports into one store as the
// world it holds: a random world (with entities without an IRI, edges across shards in
// every direction) over 3 shards, exported through the cluster and imported into a fresh
// store, equals the same world loaded into one store directly: isomorphic N-Triples, and
// for JSON Lines the same schema and (exported again as N-Triples) the same graph.
func TestExportWholeCluster(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(21, 1))
	shards, c, _ := newCluster(t, 3)
	w := newWorld(rng, c, 12, 300)
	var ms []*model
	for _, s := range shards {
		ms = append(ms, s.m)
	}
	w.load(t, ms, func(e *ent) int { return e.shard })
	one, _, _ := newCluster(t, 1) // shard 0's scope: the export names kinds, columns and verbs by it
	w.load(t, []*model{one[0].m}, func(*ent) int { return 0 })
	addAnonymous(t, w, ms, one[0].m)
	require.Greater(t, w.crossEdges(), 50)
	rep, err := c.Verify(ctx)
	require.NoError(t, err)
	require.NoError(t, rep.Err())

	export := func(svc *server.Service, format string) []byte {
		var b bytes.Buffer
		_, err := svc.Export(ctx, server.ExportRequest{Format: format}, &b, nil)
		require.NoError(t, err)
		return b.Bytes()
	}
	fresh := func(scope int) *server.Service {
		st := testutil.OpenStore(t)
		db, err := entity.Open(st, entity.NewSchema(), &entity.Options{Scope: scopeN(t, scope)})
		require.NoError(t, err)
		return server.NewService(st, db, "fresh")
	}
	triples := func(b []byte) []ntriples.Triple {
		var ts []ntriples.Triple
		require.NoError(t, ntriples.ParseLines(b, 1, func(_ int, tr ntriples.Triple) error { ts = append(ts, tr); return nil }))
		return ts
	}
	want := export(one[0].svc, "ntriples")

	t.Run("ntriples", func(t *testing.T) {
		var b bytes.Buffer
		n, losses, err := c.Export(ctx, server.ExportRequest{Format: "ntriples"}, &b)
		require.NoError(t, err)
		assert.Equal(t, int64(len(triples(b.Bytes()))), n)
		for _, l := range losses {
			assert.NotContains(t, l, "stand-in")
		}
		assert.True(t, ntriples.Isomorphic(triples(want), triples(b.Bytes())), "the cluster's export is not the one store's")
		into := fresh(0)
		_, err = into.Import(ctx, server.ImportRequest{Format: "ntriples"}, bytes.NewReader(b.Bytes()), nil)
		require.NoError(t, err)
		assert.True(t, ntriples.Isomorphic(triples(want), triples(export(into, "ntriples"))), "imported, the cluster's export is not the one store's")
	})

	t.Run("jsonl", func(t *testing.T) {
		var b bytes.Buffer
		n, _, err := c.Export(ctx, server.ExportRequest{Format: "jsonl"}, &b)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		assert.Equal(t, int64(len(lines)-1), n)
		assert.True(t, strings.HasPrefix(lines[0], `{"schema":`))
		assert.Equal(t, 1, strings.Count(b.String(), `{"schema":`))
		assert.NotContains(t, b.String(), entity.KindRemote)
		into := fresh(9) // another scope than the shards': their URIs name new entities
		_, err = into.Import(ctx, server.ImportRequest{Format: "jsonl"}, bytes.NewReader(b.Bytes()), nil)
		require.NoError(t, err)
		got, err := into.Schema(ctx)
		require.NoError(t, err)
		ws, err := one[0].svc.Schema(ctx)
		require.NoError(t, err)
		assert.Equal(t, ws.Kinds, got.Kinds)
		assert.Equal(t, ws.Columns, got.Columns)
		assert.Equal(t, ws.Verbs, got.Verbs)
		assert.Equal(t, ws.Values, got.Values)
		nt := strings.ReplaceAll(string(export(into, "ntriples")), "ic://"+scopeN(t, 9).String()+"/", "ic://"+scopeN(t, 0).String()+"/")
		assert.True(t, ntriples.Isomorphic(triples(want), triples([]byte(nt))), "imported, the cluster's JSON Lines export is not the one store's world")
	})

	t.Run("schemas differ", func(t *testing.T) {
		rec := `{"iri":"http://ex.org/guild/extra","kind":"guild","set":{"motto":"hi"}}` + "\n"
		_, err := shards[2].svc.Import(ctx, server.ImportRequest{Format: "jsonl"}, strings.NewReader(rec), nil)
		require.NoError(t, err)
		_, _, err = c.Export(ctx, server.ExportRequest{Format: "jsonl"}, io.Discard)
		require.ErrorIs(t, err, cluster.ErrSchemas)
		assert.Contains(t, err.Error(), "shard s2")
	})
}

// TestExportBlankLabels checks that entities without an IRI of the same ID in two shards
// stay two entities in the cluster's N-Triples export.
func TestExportBlankLabels(t *testing.T) {
	ctx := context.Background()
	shards, c, _ := newCluster(t, 2)
	for i, s := range shards {
		require.NoError(t, s.m.db.Update(func(tx *entity.Tx) error {
			id, err := s.m.guild.New(tx)
			if err != nil {
				return err
			}
			return s.m.name.Set(tx, id, fmt.Sprintf("g%d", i))
		}))
	}
	var b bytes.Buffer
	_, _, err := c.Export(ctx, server.ExportRequest{Format: "ntriples"}, &b)
	require.NoError(t, err)
	subjects := map[string]bool{}
	require.NoError(t, ntriples.ParseLines(b.Bytes(), 1, func(_ int, tr ntriples.Triple) error {
		require.Equal(t, ntriples.BlankNode, tr.Subject.Kind)
		subjects[tr.Subject.Value] = true
		return nil
	}))
	assert.Len(t, subjects, 2, b.String())
}
