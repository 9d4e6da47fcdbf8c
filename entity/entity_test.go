package entity_test

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

func TestIDsAreNeverReused(t *testing.T) {
	s := entity.NewSchema()
	player := s.Kind("player")
	m := testutil.NewMemory(t)
	db := m.OpenDB(s)
	var ids []entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for range 3 {
			id, err := player.New(tx)
			require.NoError(t, err)
			ids = append(ids, id)
		}
		return tx.Delete(ids[2])
	}))
	assert.Equal(t, []entity.ID{1, 2, 3}, ids, "IDs start at 1")
	// A rolled-back message hands out no ID for good.
	_ = db.Update(func(tx *entity.Tx) error {
		_, _ = player.New(tx)
		return assert.AnError
	})
	db, err := m.Open(s, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		assert.Equal(t, entity.ID(3), tx.LastID())
		assert.False(t, tx.Exists(3), "deleted")
		assert.False(t, tx.Exists(0))
		id, err := player.New(tx)
		assert.Equal(t, entity.ID(4), id, "the deleted #3 stays dead, across a restart")
		_, err2 := tx.KindOf(3)
		assert.ErrorIs(t, err2, entity.ErrNoEntity)
		assert.ErrorIs(t, tx.Delete(3), entity.ErrNoEntity)
		return err
	}))
}

func TestScopeAndURIs(t *testing.T) {
	s := entity.NewSchema()
	player := s.Kind("player")
	guild := s.Kind("guild")
	m := testutil.NewMemory(t)
	db := m.OpenDB(s)
	var p, g entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		p, _ = player.New(tx)
		g, _ = guild.New(tx)
		_, err := tx.URI(p)
		assert.ErrorIs(t, err, entity.ErrScope, "a store without a scope has no URIs")
		return nil
	}))

	canister, err := uri.ParsePrincipal("ryjl3-tyaaa-aaaaa-aaaba-cai")
	require.NoError(t, err)
	scope := uri.PrincipalScope(canister)
	db, err = m.Open(s, &entity.Options{Scope: scope})
	require.NoError(t, err, "the first scope given is recorded")
	db, err = m.Open(s, nil)
	require.NoError(t, err)
	assert.Equal(t, scope, db.Scope(), "a zero scope uses the recorded one")
	_, err = m.Open(s, &entity.Options{Scope: uri.UUIDScope(uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"))})
	assert.ErrorIs(t, err, entity.ErrScope)
	assert.ErrorContains(t, err, "the store's scope is ryjl3-tyaaa-aaaaa-aaaba-cai")
	db, err = m.Open(s, &entity.Options{Scope: scope})
	require.NoError(t, err)

	require.NoError(t, db.View(func(tx *entity.Tx) error {
		u, err := tx.URI(p)
		require.NoError(t, err)
		assert.Equal(t, "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/1", u.String())
		for _, tc := range []struct {
			ref  string
			id   entity.ID
			want error
		}{
			{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/1", p, nil},
			{"player/1", p, nil},
			{"#1", p, nil},
			{"#2", g, nil},
			{"ic://6ba7b810-9dad-11d1-80b4-00c04fd430c8/player/1", 0, entity.ErrScope},
			{"guild/1", 0, entity.ErrWrongKind},
			{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/1", 0, entity.ErrWrongKind},
			{"dragon/1", 0, entity.ErrNoKind},
			{"player/3", 0, entity.ErrNoEntity},
			{"#3", 0, entity.ErrNoEntity},
		} {
			r, err := uri.ParseRef(tc.ref)
			require.NoError(t, err)
			id, err := tx.Resolve(r)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want, tc.ref)
				continue
			}
			require.NoError(t, err, tc.ref)
			assert.Equal(t, tc.id, id, tc.ref)
		}
		u, _ = tx.URI(g)
		id, err := tx.Resolve(u.Ref())
		require.NoError(t, err)
		assert.Equal(t, g, id, "a URI resolves to its entity")
		return nil
	}))
}

func TestIRIs(t *testing.T) {
	s := entity.NewSchema()
	synset := s.Kind("Synset")
	word := s.Kind("Word")
	db := testutil.OpenDB(t, s, nil)
	const iri = "http://wordnet-rdf.princeton.edu/id/00001740-n"
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		a, err := synset.Intern(tx, iri)
		require.NoError(t, err)
		b, err := synset.Intern(tx, iri)
		require.NoError(t, err)
		assert.Equal(t, a, b, "Intern finds the entity that carries the IRI")
		_, err = word.Intern(tx, iri)
		assert.ErrorIs(t, err, entity.ErrWrongKind)

		got, ok := tx.IRI(a)
		assert.True(t, ok)
		assert.Equal(t, iri, got)
		id, ok := tx.ByIRI(iri)
		assert.True(t, ok)
		assert.Equal(t, a, id)

		c, _ := synset.New(tx)
		assert.ErrorIs(t, tx.SetIRI(c, iri), entity.ErrIRITaken)
		assert.ErrorIs(t, tx.SetIRI(c, ""), entity.ErrIRI)
		assert.ErrorIs(t, tx.SetIRI(c, strings.Repeat("x", entity.MaxIRI+1)), entity.ErrIRI)
		assert.ErrorIs(t, tx.SetIRI(99, "http://x"), entity.ErrNoEntity)
		long := strings.Repeat("y", entity.MaxIRI)
		require.NoError(t, tx.SetIRI(c, long))
		require.NoError(t, tx.SetIRI(c, "http://example.org/c"), "an IRI can be replaced")
		_, ok = tx.ByIRI(long)
		assert.False(t, ok, "the replaced IRI no longer resolves")

		require.NoError(t, tx.Delete(a))
		_, ok = tx.ByIRI(iri)
		assert.False(t, ok, "a deleted entity's IRI is gone")
		_, ok = tx.IRI(a)
		assert.False(t, ok)
		d, err := synset.Intern(tx, iri)
		require.NoError(t, err)
		assert.NotEqual(t, a, d, "an IRI of a deleted entity interns a new one")
		return tx.CheckStore()
	}))
}

func TestOpenWithoutSchema(t *testing.T) {
	s := entity.NewSchema()
	s.Kind("player")
	s.Kind("guild", entity.IRI("http://example.org/Guild"))
	hp := column.Define[int32](s, "hp")
	likes := verb.Define(s, "likes")
	m := testutil.NewMemory(t)
	db := m.OpenDB(s)
	var a, b entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		k, ok := tx.Kind("player")
		require.True(t, ok)
		a, _ = k.New(tx)
		b, _ = k.New(tx)
		require.NoError(t, hp.Set(tx, a, 10))
		require.NoError(t, likes.Link(tx, a, b))
		return likes.Link(tx, b, a)
	}))

	// A tool that knows no schema (graphctl) sees the kinds and still deletes completely.
	db, err := m.Open(nil, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"guild", "player"}, kindNames(t, db))
	g, err := db.Kind("guild")
	require.NoError(t, err)
	assert.Equal(t, "http://example.org/Guild", g.Def().IRI)
	_, err = db.Kind("hp")
	assert.ErrorIs(t, err, entity.ErrNoKind, "a column is not a kind")
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		k, err := tx.KindOf(a)
		require.NoError(t, err)
		assert.Equal(t, "player", k.Name())
		return tx.Delete(a)
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		c, err := column.Lookup(tx, "hp")
		require.NoError(t, err)
		assert.Equal(t, uint64(0), c.Len(tx))
		v, err := verb.Lookup(tx, "likes")
		require.NoError(t, err)
		assert.Equal(t, uint64(0), v.Len(tx))
		assert.Equal(t, uint64(0), v.Reverse(tx).Len())
		return tx.CheckStore()
	}))
}

func TestSchemaErrors(t *testing.T) {
	type notFixed struct{ Name string }
	for name, declare := range map[string]func(s *entity.Schema){
		"bad kind name":        func(s *entity.Schema) { s.Kind("no spaces") },
		"kind and column":      func(s *entity.Schema) { s.Kind("x"); column.Define[int32](s, "x") },
		"two columns":          func(s *entity.Schema) { column.Define[int32](s, "x"); column.Define[int64](s, "x") },
		"column and verb":      func(s *entity.Schema) { column.Define[int32](s, "x"); verb.Define(s, "x") },
		"system name":          func(s *entity.Schema) { column.Define[int32](s, "$kind") },
		"empty name":           func(s *entity.Schema) { verb.Define(s, "") },
		"string without len":   func(s *entity.Schema) { column.Define[string](s, "x") },
		"MaxLen on an int":     func(s *entity.Schema) { column.Define[int32](s, "x", column.MaxLen(3)) },
		"int":                  func(s *entity.Schema) { column.Define[int](s, "x") },
		"pointer":              func(s *entity.Schema) { column.Define[*int32](s, "x") },
		"map":                  func(s *entity.Schema) { column.Define[map[string]int32](s, "x") },
		"slice of ints":        func(s *entity.Schema) { column.Define[[]int32](s, "x") },
		"struct with a string": func(s *entity.Schema) { column.Define[notFixed](s, "x") },
		"indexed string too long": func(s *entity.Schema) {
			column.Define[string](s, "x", column.MaxLen(column.MaxIndexedLen+1), column.Indexed())
		},
		"fixed type too large": func(s *entity.Schema) { column.Define[[2000]byte](s, "x") },
	} {
		s := entity.NewSchema()
		s.Kind("ok")
		declare(s)
		assert.ErrorIs(t, s.Err(), entity.ErrSchema, name)
		st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
		require.NoError(t, err)
		_, err = entity.Open(st, s, nil)
		assert.ErrorIs(t, err, entity.ErrSchema, name)
		require.NoError(t, st.View(func(tx *store.Tx) error {
			assert.Empty(t, tx.Vars(), "%s: a refused schema writes nothing", name)
			return nil
		}))
	}
}

func TestIncompatibleSchemaWritesNothing(t *testing.T) {
	s := entity.NewSchema()
	s.Kind("player")
	column.Define[int32](s, "hp")
	m := testutil.NewMemory(t)
	db := m.OpenDB(s)
	require.NoError(t, db.View(func(tx *entity.Tx) error { return nil }))

	s2 := entity.NewSchema()
	s2.Kind("player")
	s2.Kind("guild")
	column.Define[int64](s2, "hp")
	column.Define[float32](s2, "speed")
	_, err := m.Open(s2, nil)
	require.ErrorIs(t, err, store.ErrIncompatibleSchema)
	assert.ErrorContains(t, err, `"hp" is column int32 tree(8/8/4) in the stored schema but column int64 tree(8/8/8) in the declared schema`)
	db, err = m.Open(nil, nil)
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		var names []string
		for _, v := range tx.Vars() {
			names = append(names, v.Name)
		}
		assert.Equal(t, []string{"$holds", "$iri", "$kind", "$meta", "hp", "player"}, names)
		return nil
	}))
	assert.True(t, slices.Equal([]string{"player"}, kindNames(t, db)))
}

func kindNames(t *testing.T, db *entity.DB) []string {
	t.Helper()
	ks, err := db.Kinds()
	require.NoError(t, err)
	var out []string
	for _, k := range ks {
		out = append(out, k.Name())
	}
	return out
}

// TestAbort checks that Tx.Abort fails the message even if fn swallows the panic's effect,
// and that nothing it wrote is kept.
func TestAbort(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	db := testutil.OpenDB(t, s, nil)
	err := db.Update(func(tx *entity.Tx) error {
		_, _ = k.New(tx)
		tx.Abort(assert.AnError)
		return nil
	})
	assert.ErrorIs(t, err, assert.AnError)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		assert.Equal(t, uint64(0), k.Count(tx))
		assert.Equal(t, entity.ID(0), tx.LastID())
		return nil
	}))

	// An abort with a nil error still fails the message: it was cut short.
	err = db.Update(func(tx *entity.Tx) error {
		_, _ = k.New(tx)
		tx.Abort(nil)
		return nil
	})
	assert.ErrorIs(t, err, entity.ErrNilAbort)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		assert.Equal(t, uint64(0), k.Count(tx), "and rolls back")
		return nil
	}))

	// A function that recovers from the abort and returns nil still fails: the first
	// abort's error is kept.
	err = db.Update(func(tx *entity.Tx) error {
		_, _ = k.New(tx)
		func() {
			defer func() { _ = recover() }()
			tx.Abort(assert.AnError)
		}()
		func() {
			defer func() { _ = recover() }()
			tx.Abort(entity.ErrNoEntity)
		}()
		return nil
	})
	assert.ErrorIs(t, err, assert.AnError)
	assert.NotErrorIs(t, err, entity.ErrNoEntity)
}

func TestBlankLabel(t *testing.T) {
	for _, id := range []entity.ID{1, 9, 10, 1<<64 - 1} {
		got, ok := entity.ParseBlankLabel(entity.BlankLabel(id))
		assert.True(t, ok)
		assert.Equal(t, id, got)
	}
	for _, s := range []string{"", "_:b", "_:b0", "_:b01", "_:x1", "b1", "_:b1x", "_:b18446744073709551616", "_:b-1"} {
		_, ok := entity.ParseBlankLabel(s)
		assert.False(t, ok, s)
	}
}

// TestKindMembership checks that an entity can be a member of kinds besides its own: each
// counts and lists it, a reference through any of them resolves, Check accepts it, and
// Delete removes it from all.
func TestKindMembership(t *testing.T) {
	s := entity.NewSchema()
	person, agent, project := s.Kind("Person"), s.Kind("Agent"), s.Kind("Project")
	db := testutil.OpenDB(t, s, nil)
	var ann, bo entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		var err error
		ann, err = person.New(tx)
		require.NoError(t, err)
		bo, err = person.New(tx)
		require.NoError(t, err)
		require.NoError(t, agent.Add(tx, ann))
		require.NoError(t, agent.Add(tx, ann), "a second Add does nothing")
		require.ErrorIs(t, agent.Add(tx, 99), entity.ErrNoEntity)
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		assert.Equal(t, uint64(1), agent.Count(tx))
		assert.Equal(t, uint64(2), person.Count(tx))
		assert.Equal(t, []entity.ID{ann}, slices.Collect(agent.All(tx)))
		k, err := tx.KindOf(ann)
		require.NoError(t, err)
		assert.Equal(t, "Person", k.Name(), "its own kind stays the one it was made with")
		var names []string
		for _, k := range tx.KindsOf(ann) {
			names = append(names, k.Name())
		}
		assert.Equal(t, []string{"Agent", "Person"}, names)
		id, err := tx.Resolve(uri.Ref{Kind: "Agent", ID: uint64(ann)})
		require.NoError(t, err)
		assert.Equal(t, ann, id)
		_, err = tx.Resolve(uri.Ref{Kind: "Agent", ID: uint64(bo)})
		assert.ErrorIs(t, err, entity.ErrWrongKind)
		_, err = tx.Resolve(uri.Ref{Kind: "Project", ID: uint64(ann)})
		assert.ErrorIs(t, err, entity.ErrWrongKind)
		_, err = entity.Check(tx)
		return err
	}))
	// Check finds a membership that $kinds does not record, and one it records wrongly.
	key := entity.Key(ann)
	entry := append(key[:], 0, 0, 0, 0)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		v, ok := tx.Var("Agent")
		require.True(t, ok)
		binary.BigEndian.PutUint32(entry[entity.KeySize:], v.ID)
		return nil
	}))
	err := db.Update(func(tx *entity.Tx) error {
		kt, err := tx.VarTree(entity.VarKinds, 0, true)
		require.NoError(t, err)
		_, err = kt.Delete(entry)
		require.NoError(t, err)
		_, err = entity.Check(tx)
		assert.ErrorContains(t, err, fmt.Sprintf(`kind "Agent": entity #%d: a member of this kind besides its own, but $kinds does not list it`, ann))
		bkey := entity.Key(bo)
		_, err = kt.Put(append(bkey[:], entry[entity.KeySize:]...), nil)
		require.NoError(t, err)
		_, err = entity.Check(tx)
		assert.ErrorContains(t, err, fmt.Sprintf(`internal "$kinds": entity #%d: lists kind "Agent", whose member set lacks it`, bo))
		return assert.AnError // roll back
	})
	require.ErrorIs(t, err, assert.AnError)

	stats, err := db.UpdateWith(store.UpdateBudget, func(tx *entity.Tx) error { return tx.Delete(ann) })
	require.NoError(t, err)
	assert.Equal(t, uint64(5), stats.PagesDirtied, "one leaf each of $kind, Person, Agent and $kinds, and the page of the trees' descriptors")
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		assert.Zero(t, agent.Count(tx))
		assert.Zero(t, project.Count(tx))
		assert.Equal(t, uint64(1), person.Count(tx))
		_, err := entity.Check(tx)
		return err
	}))
}
