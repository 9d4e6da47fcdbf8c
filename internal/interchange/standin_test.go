package interchange

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// remoteScope is the scope of the other store the stand-ins of these tests stand for.
const remoteScope = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

// openShard opens a store of scope scopeA as a cluster's shard leaves it: players, one
// with an IRI, and edges both ways to two entities of another store, through stand-ins.
func openShard(t *testing.T) *entity.DB {
	t.Helper()
	s := entity.NewSchema()
	player := s.Kind("player")
	name := column.Define[string](s, "name", column.MaxLen(32), column.Indexed())
	friend := verb.Define(s, "friend")
	sc, err := uri.ParseScope(scopeA)
	require.NoError(t, err)
	db := testutil.OpenDB(t, s, &entity.Options{Scope: sc})
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		a, err := player.New(tx)
		require.NoError(t, err)
		require.NoError(t, name.Set(tx, a, "a"))
		b, err := player.Intern(tx, "http://ex.org/b")
		require.NoError(t, err)
		r3, err := tx.StandIn("ic://" + remoteScope + "/player/3")
		require.NoError(t, err)
		r4, err := tx.StandIn("ic://" + remoteScope + "/player/4")
		require.NoError(t, err)
		require.NoError(t, friend.Link(tx, a, r3))
		require.NoError(t, friend.Link(tx, r3, a))
		require.NoError(t, friend.Link(tx, r4, b))
		return nil
	}))
	return db
}

// importJSONL applies a JSON Lines document to db in one Update.
func importJSONL(t *testing.T, db *entity.DB, doc string) (Summary, error) {
	t.Helper()
	r, err := ParseJSONL(strings.NewReader(doc), "in.jsonl", Options{})
	require.NoError(t, err)
	var st Summary
	err = db.Update(func(tx *entity.Tx) error { return r.Apply(tx, &st) })
	return st, err
}

// TestStandInsRoundTrip checks that a shard's JSON Lines export imports into another store
// exactly: its stand-ins stay stand-ins (kind entity.KindRemote, same IRIs and IDs), with
// their edges; and what a stand-in record may not be.
func TestStandInsRoundTrip(t *testing.T) {
	db := openShard(t)
	out := export(t, db, WriteJSONL)
	require.Contains(t, out, `"iri":"ic://`+remoteScope+`/player/3","kind":"$remote"`)

	b := openScoped(t, scopeB)
	st, err := importJSONL(t, b, out)
	require.NoError(t, err)
	assert.Equal(t, Summary{Entities: 4, Values: 1, Edges: 3, Kinds: []string{"player"}, Columns: []string{"name"}, Verbs: []string{"friend"}}, st)
	assert.Equal(t, out, strings.ReplaceAll(export(t, b, WriteJSONL), scopeB, scopeA), "the same records and IDs, in another store")
	require.NoError(t, b.View(func(tx *entity.Tx) error {
		var uris []string
		for _, u := range tx.StandIns() {
			uris = append(uris, u)
		}
		assert.Equal(t, []string{"ic://" + remoteScope + "/player/3", "ic://" + remoteScope + "/player/4"}, uris)
		return nil
	}))
	again, err := importJSONL(t, b, out)
	require.NoError(t, err)
	assert.Equal(t, int64(1), again.Entities, "the stand-ins and <http://ex.org/b> are found again; only the player without an IRI is new")

	// A stand-in record stands for an entity of another store, and holds nothing of it.
	remote := `{"kind": "$remote", "iri": "ic://` + remoteScope + `/player/9"`
	for _, c := range []struct{ doc, want string }{
		{`{"kind": "$remote", "iri": "http://ex.org/x"}`, "its \"iri\" is that entity's ic:// URI"},
		{`{"kind": "$remote"}`, "its \"iri\" is that entity's ic:// URI"},
		{`{"kind": "$remote", "iri": "ic://` + scopeB + `/player/1"}`, "is of this one"},
		{remote + `, "set": {"name": "x"}}`, "no other kinds and no values"},
		{remote + `, "other_kinds": ["player"]}`, "no other kinds and no values"},
	} {
		_, err := importJSONL(t, openScoped(t, scopeB), c.doc)
		assert.ErrorIs(t, err, ErrBadInput, c.doc)
		assert.ErrorContains(t, err, "in.jsonl:1: bad input: a $remote record", c.doc)
		assert.ErrorContains(t, err, c.want, c.doc)
	}
	_, err = importJSONL(t, b, `{"kind": "$remote", "iri": "http://ex.org/b"}`)
	assert.ErrorIs(t, err, ErrBadInput, "an IRI of this store's entity is no stand-in")
	_, err = importJSONL(t, b, `{"kind": "player", "iri": "http://ex.org/z", "other_kinds": ["$remote"]}`)
	assert.ErrorContains(t, err, "in.jsonl:1: bad input: other kind $remote: only a $remote record is a stand-in")
}

// TestStandInsNTriples checks what N-Triples makes of a shard's stand-ins: its edges to
// and from them, as triples with the remote entities' ic:// IRIs, and no type line; an
// import of it makes plain entities of those IRIs; Losses says so.
func TestStandInsNTriples(t *testing.T) {
	db := openShard(t)
	nt := exportNT(t, db)
	assert.NotContains(t, nt, "$remote")
	friend := "<ic://" + scopeA + "/friend>"
	assert.Contains(t, nt, "_:b1 "+friend+" <ic://"+remoteScope+"/player/3> .\n")
	assert.Contains(t, nt, "<ic://"+remoteScope+"/player/3> "+friend+" _:b1 .\n")
	assert.Contains(t, nt, "<ic://"+remoteScope+"/player/4> "+friend+" <http://ex.org/b> .\n")
	assert.Equal(t, 6, strings.Count(nt, "\n"), "two players' types, a name, three edges:\n%s", nt)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		kinds, err := ExportKinds(tx, "")
		require.NoError(t, err)
		notes := Losses(tx, "ntriples", kinds)
		require.Len(t, notes, 1)
		assert.Contains(t, notes[0], "N-Triples has no stand-ins (here 2, for entities of other stores")
		assert.Nil(t, Losses(tx, "jsonl", kinds))
		return nil
	}))

	b := openScoped(t, scopeB)
	_, err := importNT(t, b, nt, Options{})
	require.NoError(t, err)
	require.NoError(t, b.View(func(tx *entity.Tx) error {
		_, ok := tx.Kind(entity.KindRemote)
		assert.False(t, ok, "no stand-ins")
		_, ok = tx.Kind("_remote")
		assert.False(t, ok)
		id, ok := tx.ByIRI("ic://" + remoteScope + "/player/3")
		require.True(t, ok)
		k, err := tx.KindOf(id)
		require.NoError(t, err)
		assert.Equal(t, resourceKind, k.Name())
		return nil
	}))
}

// TestImportRefusesStandIns checks that an import naming a stand-in, as a record's entity
// or a triple's subject or object, is refused with its place and leaves the store as it
// was: its half of an edge across shards is the cluster's to write, and values or kinds on
// it would not survive an export.
func TestImportRefusesStandIns(t *testing.T) {
	db := openShard(t)
	before := exportNT(t, db)
	r3 := "ic://" + remoteScope + "/player/3"

	_, err := importJSONL(t, db, `{"kind": "player", "iri": "`+r3+`", "set": {"name": "x"}}`)
	require.ErrorIs(t, err, ErrBadInput)
	assert.ErrorContains(t, err, "in.jsonl:1: bad input: <"+r3+"> is this shard's stand-in")

	for _, doc := range []string{
		"<http://ex.org/b> <http://ex.org/knows> <http://ex.org/c> .\n<" + r3 + "> <ic://" + scopeA + "/name> \"x\" .\n",
		"<http://ex.org/b> <ic://" + scopeA + "/friend> <" + r3 + "> .\n",
	} {
		_, err = importNT(t, db, doc, Options{})
		require.ErrorIs(t, err, ErrBadInput, "%s", doc)
		assert.ErrorContains(t, err, "is this shard's stand-in")
	}
	_, err = importNT(t, db, "<http://ex.org/b> <http://ex.org/knows> <http://ex.org/c> .\n<"+r3+"> <ic://"+scopeA+"/name> \"x\" .\n", Options{})
	assert.ErrorContains(t, err, ":2:", "the line that names it")
	assert.Equal(t, before, exportNT(t, db), "the store as it was")
}
