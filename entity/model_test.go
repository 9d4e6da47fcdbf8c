package entity_test

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
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

type vec struct{ X, Y float32 }

type edge struct{ s, o entity.ID }

// model is what the store should hold, in plain maps.
type model struct {
	kind  map[entity.ID]string
	hp    map[entity.ID]int32
	name  map[entity.ID]string
	pos   map[entity.ID]vec
	tags  map[entity.ID]map[string]bool
	edges map[string]map[edge]bool      // by verb
	also  map[entity.ID]map[string]bool // the kinds Kind.Add made it a member of besides its own
	last  entity.ID
}

func newModel() *model {
	return &model{kind: map[entity.ID]string{}, hp: map[entity.ID]int32{}, name: map[entity.ID]string{},
		pos: map[entity.ID]vec{}, tags: map[entity.ID]map[string]bool{}, edges: map[string]map[edge]bool{},
		also: map[entity.ID]map[string]bool{}}
}

func (m *model) clone() *model {
	c := &model{kind: maps.Clone(m.kind), hp: maps.Clone(m.hp), name: maps.Clone(m.name), pos: maps.Clone(m.pos),
		tags: map[entity.ID]map[string]bool{}, edges: map[string]map[edge]bool{}, also: map[entity.ID]map[string]bool{}, last: m.last}
	for id, s := range m.tags {
		c.tags[id] = maps.Clone(s)
	}
	for id, s := range m.also {
		c.also[id] = maps.Clone(s)
	}
	for v, e := range m.edges {
		c.edges[v] = maps.Clone(e)
	}
	return c
}

func (m *model) delete(id entity.ID) {
	delete(m.kind, id)
	delete(m.hp, id)
	delete(m.name, id)
	delete(m.pos, id)
	delete(m.tags, id)
	delete(m.also, id)
	for _, es := range m.edges {
		for e := range es {
			if e.s == id || e.o == id {
				delete(es, e)
			}
		}
	}
}

// world is the schema under test.
type world struct {
	a, b  *entity.Kind
	hp    *column.Column[int32]
	name  *column.Column[string]
	pos   *column.Column[vec]
	tags  *column.Column[string]
	verbs map[string]*verb.Verb
}

func newWorld() (*entity.Schema, *world) {
	s := entity.NewSchema()
	w := &world{
		a:    s.Kind("a"),
		b:    s.Kind("b"),
		hp:   column.Define[int32](s, "hp", column.Indexed()),
		name: column.Define[string](s, "name", column.MaxLen(6), column.Indexed()),
		pos:  column.Define[vec](s, "pos"),
		tags: column.Define[string](s, "tags", column.MaxLen(4), column.Multi(), column.Indexed()),
		verbs: map[string]*verb.Verb{
			"likes":  verb.Define(s, "likes"),
			"owner":  verb.Define(s, "owner", verb.ManyToOne()),
			"spouse": verb.Define(s, "spouse", verb.OneToOne()),
			"parent": verb.Define(s, "parent", verb.OneToMany()),
		},
	}
	return s, w
}

var verbNames = []string{"likes", "owner", "spouse", "parent"}

// randString returns short strings over an alphabet that exercises the index escapes.
func randString(r *rand.Rand, max int) string {
	const alpha = "\x00ab\xff"
	b := make([]byte, r.IntN(max+1))
	for i := range b {
		b[i] = alpha[r.IntN(len(alpha))]
	}
	return string(b)
}

// TestModel runs random messages of entity creates and deletes, column writes and verb
// links against plain maps, and checks after every message that kinds, columns, indexes
// and both directions of every verb agree with the maps and that the store checks out.
// A tenth of the messages fail and must leave nothing behind.
func TestModel(t *testing.T) {
	for _, tc := range []struct {
		name          string
		messages, ops int
		short         int
	}{
		{"small", 300, 25, 60},
		{"large", 50, 1500, 10}, // trees of several levels: splits, merges, multi-leaf scans
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.messages
			if testing.Short() {
				n = tc.short
			}
			runModel(t, n, tc.ops)
		})
	}
}

func runModel(t *testing.T, messages, ops int) {
	seed := testutil.Seed(t, 1)
	r := rand.New(rand.NewPCG(seed, 0))
	schema, w := newWorld()
	db := testutil.OpenDB(t, schema, nil)
	m := newModel()
	for msg := range messages {
		next := m.clone()
		fail := r.IntN(10) == 0
		err := db.Update(func(tx *entity.Tx) error {
			for range 1 + r.IntN(ops) {
				step(t, r, tx, w, next)
			}
			if fail {
				return errors.New("rolled back")
			}
			return nil
		})
		if fail {
			require.Error(t, err)
		} else {
			require.NoError(t, err, "seed %d message %d", seed, msg)
			m = next
		}
		verify(t, db, w, m, fmt.Sprintf("seed %d message %d", seed, msg))
	}
	n := 0
	for _, es := range m.edges {
		n += len(es)
	}
	t.Logf("%d live entities of %d, %d hp, %d names, %d tagged, %d edges", len(m.kind), m.last, len(m.hp), len(m.name), len(m.tags), n)
}

// pick returns a live entity, a dead one or one never made.
func pick(r *rand.Rand, m *model) entity.ID {
	if len(m.kind) > 0 && r.IntN(5) > 0 {
		for {
			if id := entity.ID(1 + r.IntN(int(m.last))); m.kind[id] != "" {
				return id
			}
		}
	}
	return entity.ID(r.IntN(int(m.last) + 3))
}

func step(t *testing.T, r *rand.Rand, tx *entity.Tx, w *world, m *model) {
	id := pick(r, m)
	_, live := m.kind[id]
	noEntity := func(err error) {
		if live {
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, entity.ErrNoEntity)
		}
	}
	op := r.IntN(15)
	if len(m.kind) < 3000 && r.IntN(4) == 0 {
		op = 0 // grow until the trees have several levels
	}
	switch op {
	case 0, 1:
		k := w.a
		if r.IntN(2) == 0 {
			k = w.b
		}
		id, err := k.New(tx)
		require.NoError(t, err)
		require.Equal(t, m.last+1, id, "IDs are handed out in order and never reused")
		m.last = id
		m.kind[id] = k.Name()
	case 2:
		err := tx.Delete(id)
		noEntity(err)
		if live {
			m.delete(id)
			assertGone(t, tx, id)
		}
	case 3:
		v := int32(r.IntN(20) - 10)
		noEntity(w.hp.Set(tx, id, v))
		if live {
			m.hp[id] = v
		}
	case 4:
		v := randString(r, 8)
		err := w.name.Set(tx, id, v)
		switch {
		case len(v) > 6:
			require.ErrorIs(t, err, column.ErrTooLong)
		default:
			noEntity(err)
			if live {
				m.name[id] = v
			}
		}
	case 5:
		v := vec{float32(r.IntN(5)), float32(r.NormFloat64())}
		noEntity(w.pos.Set(tx, id, v))
		if live {
			m.pos[id] = v
		}
	case 6:
		cols := []interface {
			Delete(*entity.Tx, entity.ID) (bool, error)
		}{w.hp, w.name, w.pos, w.tags}
		i := r.IntN(len(cols))
		had, err := cols[i].Delete(tx, id)
		require.NoError(t, err)
		var want bool
		switch i {
		case 0:
			_, want = m.hp[id]
			delete(m.hp, id)
		case 1:
			_, want = m.name[id]
			delete(m.name, id)
		case 2:
			_, want = m.pos[id]
			delete(m.pos, id)
		case 3:
			want = len(m.tags[id]) > 0
			delete(m.tags, id)
		}
		assert.Equal(t, want, had)
	case 7, 8:
		v := randString(r, 4)
		noEntity(w.tags.Add(tx, id, v))
		if live {
			if m.tags[id] == nil {
				m.tags[id] = map[string]bool{}
			}
			m.tags[id][v] = true
		}
	case 9:
		v := randString(r, 4)
		if vs := slices.Collect(maps.Keys(m.tags[id])); len(vs) > 0 && r.IntN(2) == 0 {
			v = vs[r.IntN(len(vs))]
		}
		found, err := w.tags.Remove(tx, id, v)
		require.NoError(t, err)
		assert.Equal(t, m.tags[id][v], found)
		delete(m.tags[id], v)
		if len(m.tags[id]) == 0 {
			delete(m.tags, id)
		}
	case 10, 11, 12:
		name := verbNames[r.IntN(len(verbNames))]
		o := pick(r, m)
		_, oLive := m.kind[o]
		err := w.verbs[name].Link(tx, id, o)
		es := m.edges[name]
		if es == nil {
			es = map[edge]bool{}
			m.edges[name] = es
		}
		var conflict bool
		for e := range es {
			if e == (edge{id, o}) {
				conflict = false
				break
			}
			if (name == "owner" || name == "spouse") && e.s == id || (name == "parent" || name == "spouse") && e.o == o {
				conflict = true
			}
		}
		if es[edge{id, o}] {
			conflict = false
		}
		switch {
		case !live || !oLive:
			require.ErrorIs(t, err, entity.ErrNoEntity)
		case conflict:
			require.ErrorIs(t, err, verb.ErrCardinality)
		default:
			require.NoError(t, err)
			es[edge{id, o}] = true
		}
	case 13:
		name := verbNames[r.IntN(len(verbNames))]
		o := pick(r, m)
		if es := slices.Collect(maps.Keys(m.edges[name])); len(es) > 0 && r.IntN(2) == 0 {
			e := es[r.IntN(len(es))]
			id, o = e.s, e.o
		}
		found, err := w.verbs[name].Unlink(tx, id, o)
		require.NoError(t, err)
		assert.Equal(t, m.edges[name][edge{id, o}], found)
		delete(m.edges[name], edge{id, o})
	case 14:
		k := w.a
		if r.IntN(2) == 0 {
			k = w.b
		}
		noEntity(k.Add(tx, id))
		if live && m.kind[id] != k.Name() {
			if m.also[id] == nil {
				m.also[id] = map[string]bool{}
			}
			m.also[id][k.Name()] = true
		}
	}
}

// assertGone probes every tree of every column and verb, and the holder record, for keys of
// entity id, just deleted: Delete reads the holder record and cleans only the trees it
// names, so this brute-force probe is what proves the record was complete.
func assertGone(t *testing.T, tx *entity.Tx, id entity.ID) {
	t.Helper()
	key := entity.Key(id)
	for _, v := range tx.Vars() {
		n := 0
		switch v.Role {
		case store.RoleColumn:
			n = 1 // the index is checked against the values by entity.Check
		case store.RoleVerb:
			n = 2
		case store.RoleInternal:
			if v.Name == entity.VarHolds {
				n = 1
			}
		}
		for i := range n {
			tr, err := tx.VarTree(v.Name, i, false)
			require.NoError(t, err)
			k, _, ok := tr.Seek(key[:])
			assert.False(t, ok && bytes.HasPrefix(k, key[:]), "%s tree %d still holds deleted #%d", v.Name, i, id)
		}
	}
}

type pair[V any] struct {
	id entity.ID
	v  V
}

func sortedPairs[V any](mp map[entity.ID]V) []pair[V] {
	var out []pair[V]
	for _, id := range slices.Sorted(maps.Keys(mp)) {
		out = append(out, pair[V]{id, mp[id]})
	}
	return out
}

func collect[V any](seq func(func(entity.ID, V) bool)) []pair[V] {
	var out []pair[V]
	for id, v := range seq {
		out = append(out, pair[V]{id, v})
	}
	return out
}

// verify checks every structure against the model in one View.
func verify(t *testing.T, db *entity.DB, w *world, m *model, where string) {
	t.Helper()
	err := db.View(func(tx *entity.Tx) error {
		require.NoError(t, tx.CheckStore(), where)
		st, err := entity.Check(tx)
		require.NoError(t, err, where)
		assert.Equal(t, uint64(len(m.kind)), st.Entities, where)
		assert.Equal(t, m.last, tx.LastID(), where)
		// Kinds: members, counts, bitmaps, $kind.
		for _, k := range []*entity.Kind{w.a, w.b} {
			var want []entity.ID
			for id, kn := range m.kind {
				if kn == k.Name() || m.also[id][k.Name()] {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			assert.Equal(t, want, slices.Collect(k.All(tx)), where)
			assert.Equal(t, uint64(len(want)), k.Count(tx), where)
			assert.Equal(t, uint64(len(want)), k.Bitmap(tx).GetCardinality(), where)
		}
		for id := range m.last + 2 {
			kn, live := m.kind[id]
			assert.Equal(t, live, tx.Exists(id), where)
			k, err := tx.KindOf(id)
			if live {
				require.NoError(t, err)
				assert.Equal(t, kn, k.Name())
				want := append(slices.Collect(maps.Keys(m.also[id])), kn)
				slices.Sort(want)
				var got []string
				for _, k := range tx.KindsOf(id) {
					got = append(got, k.Name())
				}
				assert.Equal(t, want, got, where)
			} else {
				assert.ErrorIs(t, err, entity.ErrNoEntity)
			}
		}
		// Columns and their indexes.
		assert.Equal(t, sortedPairs(m.hp), collect(w.hp.All(tx)), where)
		assert.Equal(t, sortedPairs(m.name), collect(w.name.All(tx)), where)
		assert.Equal(t, sortedPairs(m.pos), collect(w.pos.All(tx)), where)
		byValue := func(mp map[entity.ID]int32) []pair[int32] {
			ps := sortedPairs(mp)
			slices.SortStableFunc(ps, func(a, b pair[int32]) int { return cmp.Compare(a.v, b.v) })
			return ps
		}
		seq, err := w.hp.ByValue(tx, column.Open, column.Open, false)
		require.NoError(t, err)
		assert.Equal(t, byValue(m.hp), collect(seq), where)
		for v := int32(-3); v <= 3; v++ {
			bm, err := w.hp.Between(tx, v, v+2)
			require.NoError(t, err)
			want := []uint64{}
			for id, x := range m.hp {
				if x >= v && x <= v+2 {
					want = append(want, uint64(id))
				}
			}
			slices.Sort(want)
			assert.Equal(t, want, bm.ToArray(), "%s: hp in [%d, %d]", where, v, v+2)
		}
		nameIdx, err := w.name.ByValue(tx, column.Open, column.Open, false)
		require.NoError(t, err)
		wantNames := sortedPairs(m.name)
		slices.SortStableFunc(wantNames, func(a, b pair[string]) int { return cmp.Compare(a.v, b.v) })
		assert.Equal(t, wantNames, collect(nameIdx), where)
		var wantTags, wantTagIdx []pair[string]
		for _, id := range slices.Sorted(maps.Keys(m.tags)) {
			for _, v := range slices.Sorted(maps.Keys(m.tags[id])) {
				wantTags = append(wantTags, pair[string]{id, v})
			}
		}
		wantTagIdx = slices.Clone(wantTags)
		slices.SortStableFunc(wantTagIdx, func(a, b pair[string]) int { return cmp.Compare(a.v, b.v) })
		assert.Equal(t, wantTags, collect(w.tags.All(tx)), where)
		tagIdx, err := w.tags.ByValue(tx, column.Open, column.Open, false)
		require.NoError(t, err)
		assert.Equal(t, wantTagIdx, collect(tagIdx), where)
		for _, v := range []string{"", "a", "\x00"} {
			bm, err := w.tags.Equal(tx, v)
			require.NoError(t, err)
			want := []uint64{}
			for id, s := range m.tags {
				if s[v] {
					want = append(want, uint64(id))
				}
			}
			slices.Sort(want)
			assert.Equal(t, want, bm.ToArray(), "%s: tags = %q", where, v)
		}
		// Verbs, both directions.
		for _, name := range verbNames {
			v := w.verbs[name]
			es := slices.SortedFunc(maps.Keys(m.edges[name]), func(a, b edge) int {
				return cmp.Or(cmp.Compare(a.s, b.s), cmp.Compare(a.o, b.o))
			})
			var got []edge
			for s, o := range v.All(tx) {
				got = append(got, edge{s, o})
			}
			assert.Equal(t, es, got, "%s: verb %s", where, name)
			assert.Equal(t, uint64(len(es)), v.Len(tx))
			assert.Equal(t, uint64(len(es)), v.Reverse(tx).Len())
			subjects := map[entity.ID][]entity.ID{}
			for _, e := range es {
				subjects[e.o] = append(subjects[e.o], e.s)
			}
			for o, ss := range subjects {
				slices.Sort(ss)
				assert.Equal(t, ss, slices.Collect(v.Subjects(tx, o)), "%s: verb %s reverse", where, name)
			}
		}
		return nil
	})
	require.NoError(t, err)
}

// TestModelBytes checks the string index order against bytes.Compare directly.
func TestModelIndexOrder(t *testing.T) {
	seed := testutil.Seed(t, 2)
	r := rand.New(rand.NewPCG(seed, 1))
	s := entity.NewSchema()
	k := s.Kind("k")
	c := column.Define[[]byte](s, "blob", column.MaxLen(12), column.Indexed())
	db := testutil.OpenDB(t, s, nil)
	want := map[entity.ID][]byte{}
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for range 500 {
			id, err := k.New(tx)
			require.NoError(t, err)
			v := []byte(randString(r, 12))
			require.NoError(t, c.Set(tx, id, v))
			want[id] = v
		}
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		ps := sortedPairs(want)
		slices.SortStableFunc(ps, func(a, b pair[[]byte]) int { return bytes.Compare(a.v, b.v) })
		seq, err := c.ByValue(tx, column.Open, column.Open, false)
		require.NoError(t, err)
		got := collect(seq)
		require.Len(t, got, len(ps))
		for i := range ps {
			assert.Equal(t, ps[i].id, got[i].id, "seed %d position %d", seed, i)
			assert.Equal(t, ps[i].v, got[i].v, "seed %d position %d", seed, i)
		}
		return tx.CheckStore()
	}))
}
