package entity_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// checkWorld is a small world whose relations the tests below break one at a time.
type checkWorld struct {
	db              *entity.DB
	player, guild   *entity.Kind
	hp              *column.Column[int32]  // indexed
	name            *column.Column[string] // indexed
	tags            *column.Column[string] // Multi, indexed
	member, owns    *verb.Verb             // many-to-one, one-to-many
	likes           *verb.Verb             // many-to-many
	p1, p2, p3, g1  entity.ID
	kindIDs         map[string]uint32 // catalog variable IDs of the kinds
	entries, things uint64
}

func newCheckWorld(t *testing.T) *checkWorld {
	t.Helper()
	s := entity.NewSchema()
	w := &checkWorld{
		player: s.Kind("player"),
		guild:  s.Kind("guild"),
		hp:     column.Define[int32](s, "hp", column.Indexed()),
		name:   column.Define[string](s, "name", column.MaxLen(8), column.Indexed()),
		tags:   column.Define[string](s, "tags", column.MaxLen(4), column.Multi(), column.Indexed()),
		member: verb.Define(s, "member_of", verb.ManyToOne()),
		owns:   verb.Define(s, "owns", verb.OneToMany()),
		likes:  verb.Define(s, "likes"),
	}
	w.db = testutil.OpenDB(t, s, nil)
	require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
		var err error
		w.g1, err = w.guild.New(tx)
		require.NoError(t, err)
		for _, p := range []*entity.ID{&w.p1, &w.p2, &w.p3} {
			*p, err = w.player.New(tx)
			require.NoError(t, err)
			require.NoError(t, w.hp.Set(tx, *p, int32(10*(*p))))
			require.NoError(t, w.name.Set(tx, *p, fmt.Sprintf("p%d", *p)))
			require.NoError(t, w.tags.Add(tx, *p, "a\x00b"))
			require.NoError(t, w.tags.Add(tx, *p, "c"))
			require.NoError(t, w.member.Link(tx, *p, w.g1))
			require.NoError(t, tx.SetIRI(*p, iri(*p)))
		}
		require.NoError(t, w.owns.Link(tx, w.p1, w.p2))
		require.NoError(t, w.likes.Link(tx, w.p2, w.p3))
		require.NoError(t, w.likes.Link(tx, w.p3, w.p2))
		w.kindIDs = map[string]uint32{}
		for _, k := range []string{"player", "guild"} {
			v, ok := tx.Var(k)
			require.True(t, ok)
			w.kindIDs[k] = v.ID
		}
		return nil
	}))
	return w
}

// raw runs fn with tree i of variable name open for writing: a write below the data model.
func (w *checkWorld) raw(t *testing.T, name string, i int, fn func(tr *store.Tree)) {
	t.Helper()
	require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
		tr, err := tx.VarTree(name, i, true)
		require.NoError(t, err)
		fn(tr)
		return nil
	}))
}

func iri(id entity.ID) string { return fmt.Sprintf("http://example.org/p%d", id) }

func key(id entity.ID) []byte { k := entity.Key(id); return k[:] }

func pairKey(a, b entity.ID) []byte { return append(key(a), key(b)...) }

func kindVal(id uint32) []byte { return binary.BigEndian.AppendUint32(nil, id) }

// hpIndexKey is the index key of an int32 value: its order-preserving encoding and the ID.
func hpIndexKey(t *testing.T, w *checkWorld, v int32, id entity.ID) []byte {
	enc, err := w.hp.Dyn().Encode(v)
	require.NoError(t, err)
	return append(enc, key(id)...)
}

// editHolds adds (add) or removes the slot of tree i of variable name in the $holds entry
// of id, below the data model.
func editHolds(t *testing.T, w *checkWorld, id entity.ID, name string, i uint64, add bool) {
	t.Helper()
	require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
		v, ok := tx.Var(name)
		require.True(t, ok, name)
		tr, err := tx.VarTree(entity.VarHolds, 0, true)
		require.NoError(t, err)
		b, _ := tr.Get(key(id))
		var slots []uint64
		for len(b) > 0 {
			x, n := binary.Uvarint(b)
			slots, b = append(slots, x), b[n:]
		}
		s := uint64(v.ID)<<1 | i
		slots = slices.DeleteFunc(slots, func(x uint64) bool { return x == s })
		if add {
			slots = append(slots, s)
			slices.Sort(slots)
		}
		var out []byte
		for _, x := range slots {
			out = binary.AppendUvarint(out, x)
		}
		mustPut(t, tr, key(id), out)
		return nil
	}))
}

func mustPut(t *testing.T, tr *store.Tree, k, v []byte) {
	_, err := tr.Put(k, v)
	require.NoError(t, err)
}

func mustDelete(t *testing.T, tr *store.Tree, k []byte) {
	found, err := tr.Delete(k)
	require.NoError(t, err)
	require.True(t, found, "%x", k)
}

// runCheck returns what entity.Check says of the world.
func runCheck(t *testing.T, db *entity.DB) (entity.CheckStats, error) {
	t.Helper()
	var st entity.CheckStats
	var cerr error
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		require.NoError(t, tx.CheckStore(), "every corruption here keeps the trees sound")
		st, cerr = entity.Check(tx)
		return nil
	}))
	return st, cerr
}

func TestCheckPassesASoundWorld(t *testing.T) {
	w := newCheckWorld(t)
	st, err := runCheck(t, w.db)
	require.NoError(t, err)
	// 4 entities: $kind 4, members 3 + 1, $iri 3 + 3, hp 3 + 3, name 3 + 3, tags 6 + 6,
	// member_of 3 + 3, owns 1 + 1, likes 2 + 2; $holds: one entry per entity.
	assert.Equal(t, entity.CheckStats{Entities: 4, Variables: 2 + 2 + 3 + 3 + 1, Entries: 4 + 4 + 6 + 6 + 6 + 12 + 6 + 2 + 4 + 4}, st)
}

// TestCheckNamesEachBrokenRelation breaks each relation of the data model with a write
// below it and checks that Check names the variable, the entity and what is wrong.
func TestCheckNamesEachBrokenRelation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(t *testing.T, w *checkWorld)
		want    func(w *checkWorld) []string
	}{
		{"member without $kind", func(t *testing.T, w *checkWorld) {
			w.raw(t, entity.VarKind, 0, func(tr *store.Tree) { mustDelete(t, tr, key(w.p3)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`kind "player": entity #%d: a member of this kind, but $kind does not list it`, w.p3),
				fmt.Sprintf(`column "hp": entity #%d: has the value 40 but is not a live entity`, w.p3)}
		}},
		{"$kind names another kind", func(t *testing.T, w *checkWorld) {
			w.raw(t, entity.VarKind, 0, func(tr *store.Tree) { mustPut(t, tr, key(w.p2), kindVal(w.kindIDs["guild"])) })
		}, func(w *checkWorld) []string {
			// Still a member of player, which a live entity may be besides its own kind.
			return []string{fmt.Sprintf(`internal "$kind": entity #%d: its kind is "guild", whose member set lacks it`, w.p2)}
		}},
		{"kind lacks a member", func(t *testing.T, w *checkWorld) {
			w.raw(t, "player", 0, func(tr *store.Tree) { mustDelete(t, tr, key(w.p1)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`internal "$kind": entity #%d: its kind is "player", whose member set lacks it`, w.p1)}
		}},
		{"$kind names a column", func(t *testing.T, w *checkWorld) {
			w.raw(t, entity.VarKind, 0, func(tr *store.Tree) { mustPut(t, tr, key(w.p1), kindVal(9999)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`internal "$kind": entity #%d: its kind is catalog variable 9999, which is not a kind`, w.p1)}
		}},
		{"$kind beyond the last ID", func(t *testing.T, w *checkWorld) {
			w.raw(t, entity.VarKind, 0, func(tr *store.Tree) { mustPut(t, tr, key(77), kindVal(w.kindIDs["guild"])) })
			w.raw(t, "guild", 0, func(tr *store.Tree) { mustPut(t, tr, key(77), nil) })
		}, func(w *checkWorld) []string {
			return []string{`internal "$kind": entity #77: ID above the last one handed out (#4)`}
		}},
		{"$holds lacks a holder", func(t *testing.T, w *checkWorld) {
			editHolds(t, w, w.p1, "hp", 0, false)
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`column "hp": entity #%d: tree 0 holds it, and $holds does not say so`, w.p1)}
		}},
		{"$holds lists a tree without the entity", func(t *testing.T, w *checkWorld) {
			editHolds(t, w, w.p1, "likes", 1, true)
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`internal "$holds": entity #%d: lists verb "likes" tree 1, which does not hold it`, w.p1)}
		}},
		{"IRI missing from the index", func(t *testing.T, w *checkWorld) {
			w.raw(t, entity.VarIRI, 1, func(tr *store.Tree) { mustDelete(t, tr, []byte(iri(w.p2))) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`internal "$iri": entity #%d: its IRI <%s> is not in the IRI index`, w.p2, iri(w.p2))}
		}},
		{"IRI index without the IRI", func(t *testing.T, w *checkWorld) {
			w.raw(t, entity.VarIRI, 0, func(tr *store.Tree) { mustDelete(t, tr, key(w.p3)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`internal "$iri": entity #%d: the IRI index gives it <%s>, but it has no IRI`, w.p3, iri(w.p3))}
		}},
		{"IRI index names another entity", func(t *testing.T, w *checkWorld) {
			w.raw(t, entity.VarIRI, 1, func(tr *store.Tree) { mustPut(t, tr, []byte(iri(w.p2)), key(w.p1)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`internal "$iri": entity #%d: its IRI <%s> belongs to #%d in the IRI index`, w.p2, iri(w.p2), w.p1),
				fmt.Sprintf(`internal "$iri": entity #%d: the IRI index gives it <%s>, but its IRI is <%s>`, w.p1, iri(w.p2), iri(w.p1))}
		}},
		{"IRI of a dead entity", func(t *testing.T, w *checkWorld) {
			w.raw(t, entity.VarIRI, 0, func(tr *store.Tree) { mustPut(t, tr, key(3000), []byte("http://example.org/x")) })
			w.raw(t, entity.VarIRI, 1, func(tr *store.Tree) { mustPut(t, tr, []byte("http://example.org/x"), key(3000)) })
		}, func(w *checkWorld) []string {
			return []string{`internal "$iri": entity #3000: has the IRI <http://example.org/x> but is not a live entity`}
		}},
		{"value without index entry", func(t *testing.T, w *checkWorld) {
			w.raw(t, "hp", 0, func(tr *store.Tree) { mustPut(t, tr, key(w.p1), hpIndexKey(t, w, 55, 0)[:4]) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`column "hp": entity #%d: its value 55 has no index entry`, w.p1),
				fmt.Sprintf(`column "hp": entity #%d: the index holds 20 for it, but its value is 55`, w.p1)}
		}},
		{"index entry without value", func(t *testing.T, w *checkWorld) {
			w.raw(t, "hp", 0, func(tr *store.Tree) { mustDelete(t, tr, key(w.p2)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`column "hp": entity #%d: the index holds 30 for it, but it has no value`, w.p2)}
		}},
		{"value of a dead entity", func(t *testing.T, w *checkWorld) {
			w.raw(t, "hp", 0, func(tr *store.Tree) { mustPut(t, tr, key(500), hpIndexKey(t, w, 1, 0)[:4]) })
			w.raw(t, "hp", 1, func(tr *store.Tree) { mustPut(t, tr, hpIndexKey(t, w, 1, 500), nil) })
		}, func(w *checkWorld) []string {
			return []string{`column "hp": entity #500: has the value 1 but is not a live entity`,
				`column "hp": entity #500: the index holds 1 for it, but it is not a live entity`}
		}},
		{"string index entry missing", func(t *testing.T, w *checkWorld) {
			w.raw(t, "name", 1, func(tr *store.Tree) {
				k, _, ok := tr.First()
				require.True(t, ok)
				mustDelete(t, tr, append([]byte(nil), k...))
			})
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`column "name": entity #%d: its value "p%d" has no index entry`, w.p1, w.p1)}
		}},
		{"string too long for its type", func(t *testing.T, w *checkWorld) {
			w.raw(t, "name", 0, func(tr *store.Tree) { mustPut(t, tr, key(w.p3), []byte("far too long")) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`column "name": entity #%d: a value that is not a string(8): %x`, w.p3, "far too long")}
		}},
		{"multi value without index entry", func(t *testing.T, w *checkWorld) {
			w.raw(t, "tags", 1, func(tr *store.Tree) {
				k, _, ok := tr.First() // "a\x00b" of p1: escaped, the lowest
				require.True(t, ok)
				mustDelete(t, tr, append([]byte(nil), k...))
			})
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`column "tags": entity #%d: its value "a\x00b" has no index entry`, w.p1)}
		}},
		{"multi index entry without value", func(t *testing.T, w *checkWorld) {
			w.raw(t, "tags", 0, func(tr *store.Tree) { mustDelete(t, tr, append(key(w.p2), 'c')) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`column "tags": entity #%d: the index holds "c" for it, but it has no such value`, w.p2)}
		}},
		{"edge without reverse", func(t *testing.T, w *checkWorld) {
			w.raw(t, "likes", 1, func(tr *store.Tree) { mustDelete(t, tr, pairKey(w.p3, w.p2)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`verb "likes": entity #%d: the edge #%d → #%d has no reverse entry`, w.p2, w.p2, w.p3)}
		}},
		{"reverse without edge", func(t *testing.T, w *checkWorld) {
			w.raw(t, "likes", 0, func(tr *store.Tree) { mustDelete(t, tr, pairKey(w.p3, w.p2)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`verb "likes": entity #%d: the reverse entry of #%d → #%d has no edge`, w.p2, w.p3, w.p2)}
		}},
		{"edge to a dead entity", func(t *testing.T, w *checkWorld) {
			w.raw(t, "likes", 0, func(tr *store.Tree) { mustPut(t, tr, pairKey(w.p1, 900), nil) })
			w.raw(t, "likes", 1, func(tr *store.Tree) { mustPut(t, tr, pairKey(900, w.p1), nil) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`verb "likes": entity #900: in the edge #%d → #900, but not a live entity`, w.p1)}
		}},
		{"edge of a 33-bit ID without reverse", func(t *testing.T, w *checkWorld) {
			// IDs past 32 bits take the probing path instead of the bitmaps.
			w.raw(t, "likes", 0, func(tr *store.Tree) { mustPut(t, tr, pairKey(w.p1, 1<<33), nil) })
			w.raw(t, "likes", 1, func(tr *store.Tree) { mustDelete(t, tr, pairKey(w.p3, w.p2)) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`verb "likes": entity #%d: the edge #%d → #%d has no reverse entry`, w.p1, w.p1, uint64(1)<<33),
				fmt.Sprintf(`verb "likes": entity #%d: in the edge #%d → #%d, but not a live entity`, uint64(1)<<33, w.p1, uint64(1)<<33),
				fmt.Sprintf(`verb "likes": entity #%d: the edge #%d → #%d has no reverse entry`, w.p2, w.p2, w.p3)}
		}},
		{"many-to-one with two objects", func(t *testing.T, w *checkWorld) {
			w.raw(t, "member_of", 0, func(tr *store.Tree) { mustPut(t, tr, pairKey(w.p1, w.p3), nil) })
			w.raw(t, "member_of", 1, func(tr *store.Tree) { mustPut(t, tr, pairKey(w.p3, w.p1), nil) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`verb "member_of": entity #%d: has the objects #%d and #%d, but the verb is many-to-one`, w.p1, w.g1, w.p3)}
		}},
		{"one-to-many with two subjects", func(t *testing.T, w *checkWorld) {
			w.raw(t, "owns", 0, func(tr *store.Tree) { mustPut(t, tr, pairKey(w.p3, w.p2), nil) })
			w.raw(t, "owns", 1, func(tr *store.Tree) { mustPut(t, tr, pairKey(w.p2, w.p3), nil) })
		}, func(w *checkWorld) []string {
			return []string{fmt.Sprintf(`verb "owns": entity #%d: has the subjects #%d and #%d, but the verb is one-to-many`, w.p2, w.p1, w.p3)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCheckWorld(t)
			tc.corrupt(t, w)
			_, err := runCheck(t, w.db)
			require.Error(t, err)
			assert.ErrorIs(t, err, store.ErrCorrupt)
			var ce *entity.CheckError
			require.True(t, errors.As(err, &ce))
			var got []string
			for _, f := range ce.Found {
				got = append(got, f.Error())
			}
			for _, want := range tc.want(w) {
				assert.Contains(t, got, want)
			}
		})
	}
}

// TestCheckListsAtMostMaxReported: a store broken in many places says how many, and lists
// the first MaxReported.
func TestCheckListsAtMostMaxReported(t *testing.T) {
	w := newCheckWorld(t)
	w.raw(t, "hp", 0, func(tr *store.Tree) {
		for id := entity.ID(100); id < 180; id++ {
			mustPut(t, tr, key(id), []byte{0x80, 0, 0, 1})
		}
	})
	_, err := runCheck(t, w.db)
	var ce *entity.CheckError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, 160, ce.Total, "each value: a dead entity, no index entry")
	assert.Len(t, ce.Found, entity.MaxReported)
	assert.Contains(t, err.Error(), "the data model is inconsistent: 160 problems\n  column \"hp\": entity #100: ")
	assert.Contains(t, err.Error(), "… and 110 more")
}
