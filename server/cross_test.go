package server_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// TestHalfEdges checks the halves of edges across stores through a server: a half and
// its intent are written in one message, a refused half writes nothing, removing the
// last edge of a stand-in removes it, a delete records an unlink intent per edge across
// stores, and bad requests are clear 4xx errors that change nothing.
func TestHalfEdges(t *testing.T) {
	ctx := context.Background()
	st, svc, scope := newScopedWorld(t)
	f := &fixture{st: st, svc: svc}
	srv := httptest.NewServer(server.New(svc, server.Config{Token: token}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, token, nil)
	require.NoError(t, err)

	p1 := "ic://" + scope.String() + "/player/6"
	remote := "ic://6ba7b810-9dad-11d1-80b4-00c04fd430c9/guild/3"
	other := "ic://6ba7b810-9dad-11d1-80b4-00c04fd430c9/player/9"
	fwd := server.Edge{Subject: p1, Verb: "member_of", Object: other}
	rev := server.Edge{Subject: other, Verb: "member_of", Object: p1}
	in := server.Intent{Op: server.IntentLink, Edge: fwd}

	state := func() *server.HalfState {
		s, err := c.HalfState(ctx)
		require.NoError(t, err)
		return s
	}
	require.Equal(t, &server.HalfState{Halves: []server.Edge{}, Intents: []server.Intent{}}, state())

	// Bad requests change nothing.
	before := f.snapshot(t)
	for _, req := range []server.HalfRequest{
		{},
		{Op: "relink", Edge: fwd},
		{Op: server.HalfLink, Edge: server.Edge{Subject: p1, Verb: "member_of", Object: p1}},                         // both here
		{Op: server.HalfLink, Edge: server.Edge{Subject: remote, Verb: "member_of", Object: other}},                  // neither here
		{Op: server.HalfLink, Edge: server.Edge{Subject: "player/6", Verb: "member_of", Object: other}},              // not a URI
		{Op: server.HalfLink, Edge: server.Edge{Subject: p1, Verb: "nope", Object: other}, Record: &in},              // no such verb
		{Op: server.HalfUnlink, Edge: fwd, Strict: true, Record: &server.Intent{Op: server.IntentUnlink, Edge: fwd}}, // no such half
		{Record: &server.Intent{Op: "maybe", Edge: fwd}},
	} {
		_, err := c.Half(ctx, req)
		require.Error(t, err, "%+v", req)
		require.True(t, errorsIs(err, server.ErrInvalid) || errorsIs(err, interchange.ErrNotFound) || errorsIs(err, verb.ErrNoVerb), err.Error())
	}
	require.Equal(t, before, f.snapshot(t))

	// A half with its intent, both ways; linking again does nothing.
	_, err = c.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: fwd, Record: &in})
	require.NoError(t, err)
	_, err = c.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: fwd})
	require.NoError(t, err)
	_, err = c.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: rev})
	require.NoError(t, err)
	s := state()
	require.ElementsMatch(t, []server.Edge{fwd, rev}, s.Halves)
	require.Equal(t, []server.Intent{in}, s.Intents)
	res, err := c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> <" + other + "> AND member_of <- <" + other + "> COUNT"})
	require.NoError(t, err)
	require.EqualValues(t, 1, res.Count, "a query reaches the stand-in by its IRI")
	_, err = c.Half(ctx, server.HalfRequest{Clear: &in})
	require.NoError(t, err)
	require.Empty(t, state().Intents)

	// Removing a half; the stand-in goes with its last edge.
	_, err = c.Half(ctx, server.HalfRequest{Op: server.HalfUnlink, Edge: fwd})
	require.NoError(t, err)
	_, err = c.Half(ctx, server.HalfRequest{Op: server.HalfUnlink, Edge: fwd})
	require.NoError(t, err, "removing a missing half does nothing")
	res, err = c.Query(ctx, server.QueryRequest{Query: "FIND `$remote` COUNT"})
	require.NoError(t, err)
	require.EqualValues(t, 1, res.Count, "rev keeps it")
	_, err = c.Half(ctx, server.HalfRequest{Op: server.HalfUnlink, Edge: rev})
	require.NoError(t, err)
	res, err = c.Query(ctx, server.QueryRequest{Query: "FIND `$remote` COUNT"})
	require.NoError(t, err)
	require.Zero(t, res.Count)

	// Delete records an unlink intent per edge across stores, and drops the stand-ins.
	for _, e := range []server.Edge{fwd, rev, {Subject: p1, Verb: "member_of", Object: remote}} {
		_, err = c.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: e})
		require.NoError(t, err)
	}
	_, err = c.Half(ctx, server.HalfRequest{Op: server.HalfDelete, Ref: "<" + other + ">"})
	require.ErrorIs(t, err, server.ErrInvalid, "a stand-in is not deleted as an entity")
	del, err := c.Half(ctx, server.HalfRequest{Op: server.HalfDelete, Ref: p1})
	require.NoError(t, err)
	require.Equal(t, p1, del.Deleted)
	require.Len(t, del.Intents, 3)
	s = state()
	require.Empty(t, s.Halves)
	require.ElementsMatch(t, del.Intents, s.Intents)
	res, err = c.Query(ctx, server.QueryRequest{Query: "FIND `$remote` COUNT"})
	require.NoError(t, err)
	require.Zero(t, res.Count)
	_, err = c.Get(ctx, p1)
	require.ErrorIs(t, err, interchange.ErrNotFound)
}

// newScopedWorld returns the test world, imported into a store of scope
// 6ba7b810-…c8, its service, and the scope.
func newScopedWorld(t *testing.T) (*store.Store, *server.Service, uri.Scope) {
	scope, err := uri.ParseScope("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	require.NoError(t, err)
	st, err := store.Open(filepath.Join(t.TempDir(), "w.sg"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	db, err := entity.Open(st, nil, &entity.Options{Scope: scope})
	require.NoError(t, err)
	svc := server.NewService(st, db, "w.sg")
	_, err = svc.Import(context.Background(), server.ImportRequest{Format: "jsonl", Name: "world.jsonl"}, strings.NewReader(world()), nil)
	require.NoError(t, err)
	return st, svc, scope
}

// standInWorld returns a service over the test world, a player of it and an entity of
// another store, for a half to make a stand-in of.
func standInWorld(t *testing.T) (svc *server.Service, local, remote string) {
	_, svc, scope := newScopedWorld(t)
	return svc, "ic://" + scope.String() + "/player/6", "ic://6ba7b810-9dad-11d1-80b4-00c04fd430c9/player/9"
}

// TestDeleteRefusesStandIn deletes a stand-in as a plain entity: refused, or the half of
// an edge across stores would go without an intent, and a cluster's Repair would then
// remove the other store's half too, losing an edge neither of whose ends was deleted.
func TestDeleteRefusesStandIn(t *testing.T) {
	ctx := context.Background()
	svc, p1, other := standInWorld(t)
	fwd := server.Edge{Subject: p1, Verb: "member_of", Object: other}
	_, err := svc.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: fwd})
	require.NoError(t, err)

	_, err = svc.Delete(ctx, "<"+other+">")
	require.ErrorIs(t, err, server.ErrInvalid)
	s, err := svc.HalfState(ctx)
	require.NoError(t, err)
	require.Equal(t, []server.Edge{fwd}, s.Halves, "the half is still there")
}

// TestSetRefusesStandIn gives a stand-in a value: refused, as its values are the other
// store's, and an export holding one would not import again.
func TestSetRefusesStandIn(t *testing.T) {
	ctx := context.Background()
	svc, p1, other := standInWorld(t)
	_, err := svc.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: server.Edge{Subject: p1, Verb: "member_of", Object: other}})
	require.NoError(t, err)

	_, err = svc.Set(ctx, server.SetRequest{Ref: "<" + other + ">", Set: []server.Assign{{Column: "name", Value: "x"}}})
	require.ErrorIs(t, err, server.ErrInvalid)
	var out strings.Builder
	_, err = svc.Export(ctx, server.ExportRequest{Format: "jsonl"}, &out, nil)
	require.NoError(t, err)
	_, err = svc.Import(ctx, server.ImportRequest{Format: "jsonl", Name: "again.jsonl"}, strings.NewReader(out.String()), nil)
	require.NoError(t, err, "the export imports again")
}
