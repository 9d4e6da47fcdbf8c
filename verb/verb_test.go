package verb_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

func TestLinkAndFollow(t *testing.T) {
	s := entity.NewSchema()
	node := s.Kind("node")
	likes := verb.Define(s, "likes")
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, node, 6, nil)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for _, e := range [][2]entity.ID{{1, 2}, {1, 3}, {2, 3}, {4, 3}, {3, 3}, {1, 2}} {
			require.NoError(t, likes.Link(tx, e[0], e[1]))
		}
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		assert.Equal(t, uint64(5), likes.Len(tx), "linking an edge twice is a no-op")
		assert.Equal(t, []entity.ID{2, 3}, slices.Collect(likes.Objects(tx, 1)))
		assert.Equal(t, []entity.ID{1, 2, 3, 4}, slices.Collect(likes.Subjects(tx, 3)))
		assert.Equal(t, []uint64{2, 3}, likes.ObjectsBitmap(tx, 1).ToArray())
		assert.Equal(t, []uint64{1, 2, 3, 4}, likes.SubjectsBitmap(tx, 3).ToArray())
		assert.Equal(t, uint64(2), likes.OutDegree(tx, 1))
		assert.Equal(t, uint64(4), likes.InDegree(tx, 3))
		assert.Equal(t, uint64(0), likes.OutDegree(tx, 6))
		has, err := likes.Has(tx, 4, 3)
		require.NoError(t, err)
		assert.True(t, has)
		has, _ = likes.Has(tx, 3, 4)
		assert.False(t, has)
		assert.Equal(t, []uint64{2, 3}, likes.ObjectsOf(tx, roaring64.BitmapOf(1, 2, 5, 6)).ToArray())
		assert.Equal(t, []uint64{1, 2, 3, 4}, likes.SubjectsOf(tx, roaring64.BitmapOf(2, 3)).ToArray())
		return nil
	}))
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		found, err := likes.Unlink(tx, 1, 3)
		require.NoError(t, err)
		assert.True(t, found)
		found, err = likes.Unlink(tx, 1, 3)
		require.NoError(t, err)
		assert.False(t, found)
		assert.Equal(t, []entity.ID{2, 3, 4}, slices.Collect(likes.Subjects(tx, 3)))
		err = likes.Link(tx, 1, 99)
		assert.ErrorIs(t, err, entity.ErrNoEntity)
		assert.ErrorContains(t, err, "#99")
		return tx.CheckStore()
	}))
}

func TestCardinality(t *testing.T) {
	s := entity.NewSchema()
	n := s.Kind("n")
	verbs := map[string]*verb.Verb{
		"m2m": verb.Define(s, "m2m", verb.ManyToMany()),
		"m2o": verb.Define(s, "m2o", verb.ManyToOne()),
		"o2m": verb.Define(s, "o2m", verb.OneToMany()),
		"o2o": verb.Define(s, "o2o", verb.OneToOne()),
	}
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, n, 4, nil)
	// After 1 → 2: may 1 → 3 (a second object) and 4 → 2 (a second subject) follow?
	for _, tc := range []struct {
		verb                  string
		secondObj, secondSubj bool
	}{
		{"m2m", true, true}, {"m2o", false, true}, {"o2m", true, false}, {"o2o", false, false},
	} {
		t.Run(tc.verb, func(t *testing.T) {
			v := verbs[tc.verb]
			require.NoError(t, db.Update(func(tx *entity.Tx) error {
				require.NoError(t, v.Link(tx, 1, 2))
				require.NoError(t, v.Link(tx, 1, 2), "relinking an edge is a no-op whatever the cardinality")
				err := v.Link(tx, 1, 3)
				if tc.secondObj {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, verb.ErrCardinality)
					assert.EqualError(t, err, fmt.Sprintf("verb %q is %s: link #1 → #3: cardinality violated: #1 already has the edge #1 → #2", tc.verb, v.Cardinality()))
				}
				err = v.Link(tx, 4, 2)
				if tc.secondSubj {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, verb.ErrCardinality)
					assert.EqualError(t, err, fmt.Sprintf("verb %q is %s: link #4 → #2: cardinality violated: #2 already has the edge #1 → #2", tc.verb, v.Cardinality()))
				}
				return nil
			}))
		})
	}
	// A cardinality is part of the verb's shape: changing it is refused before anything is written.
	s2 := entity.NewSchema()
	verb.Define(s2, "m2m", verb.ManyToOne())
	verb.Define(s2, "brand_new")
	_, err := entity.Open(db.Store(), s2, nil)
	require.ErrorIs(t, err, store.ErrIncompatibleSchema)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		_, err := verb.Lookup(tx, "brand_new")
		assert.ErrorIs(t, err, verb.ErrNoVerb)
		return nil
	}))
}

func TestLookup(t *testing.T) {
	s := entity.NewSchema()
	n := s.Kind("n")
	verb.Define(s, "owns", verb.OneToMany(), verb.IRI("http://example.org/owns"))
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, n, 2, nil)
	db2, err := entity.Open(db.Store(), nil, nil)
	require.NoError(t, err)
	require.NoError(t, db2.Update(func(tx *entity.Tx) error {
		v, err := verb.Lookup(tx, "owns")
		require.NoError(t, err)
		assert.Equal(t, verb.CardOneToMany, v.Cardinality())
		assert.Equal(t, "http://example.org/owns", v.IRI())
		assert.Equal(t, store.Active, v.State())
		require.NoError(t, v.Link(tx, 1, 2))
		assert.ErrorIs(t, v.Link(tx, 2, 2), verb.ErrCardinality)
		assert.Len(t, verb.Verbs(tx), 1)
		_, err = verb.Lookup(tx, "n")
		assert.ErrorIs(t, err, verb.ErrNoVerb, "a kind is not a verb")
		return nil
	}))
}

// graph returns a store of n entities and a verb "e" among them, without edges.
func graph(t *testing.T, n int) (*entity.DB, *verb.Verb) {
	s := entity.NewSchema()
	k := s.Kind("n")
	v := verb.Define(s, "e")
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, k, n, nil)
	return db, v
}

// TestFollowModel checks ObjectsOf and SubjectsOf against a map over random graphs.
func TestFollowModel(t *testing.T) {
	seed := testutil.Seed(t, 1)
	r := rand.New(rand.NewPCG(seed, 0))
	const N = 3000
	db, v := graph(t, N)
	out := map[entity.ID][]entity.ID{}
	in := map[entity.ID][]entity.ID{}
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for range 20_000 {
			a, b := entity.ID(1+r.IntN(N)), entity.ID(1+r.IntN(N))
			if has, _ := v.Has(tx, a, b); !has {
				out[a] = append(out[a], b)
				in[b] = append(in[b], a)
			}
			require.NoError(t, v.Link(tx, a, b))
		}
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for range 20 {
			ids := roaring64.New()
			for range r.IntN(1500) { // up to ~10^4 edges: more than one batch of IDs
				ids.Add(uint64(1 + r.IntN(N)))
			}
			wantOut, wantIn := roaring64.New(), roaring64.New()
			for _, id := range ids.ToArray() {
				for _, o := range out[entity.ID(id)] {
					wantOut.Add(uint64(o))
				}
				for _, s := range in[entity.ID(id)] {
					wantIn.Add(uint64(s))
				}
			}
			assert.True(t, wantOut.Equals(v.ObjectsOf(tx, ids)), "seed %d", seed)
			assert.True(t, wantIn.Equals(v.SubjectsOf(tx, ids)), "seed %d", seed)

			// The same as slices, after what dst holds; the IDs given in any order, repeated.
			list := idList(ids)
			if r.IntN(2) == 0 {
				list = append(list, list[:r.IntN(len(list)+1)]...)
				r.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
			}
			given := slices.Clone(list)
			dst := []entity.ID{9, 3}
			assert.Equal(t, append(slices.Clone(dst), idList(wantOut)...), v.AppendObjectsOf(tx, dst, list), "seed %d", seed)
			assert.Equal(t, append(slices.Clone(dst), idList(wantIn)...), v.AppendSubjectsOf(tx, dst, list), "seed %d", seed)
			assert.Equal(t, given, list, "the IDs given are left as they were")
		}
		return tx.CheckStore()
	}))
	// AppendObjectsOf reads the pages ObjectsOf reads.
	for range 20 {
		ids := roaring64.New()
		for range 1 + r.IntN(50) {
			ids.Add(uint64(1 + r.IntN(N)))
		}
		var a, b []entity.ID
		stA, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			a = idList(v.ObjectsOf(tx, ids))
			return nil
		})
		require.NoError(t, err)
		stB, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			b = v.AppendObjectsOf(tx, nil, idList(ids))
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, a, b)
		require.Equal(t, stA.PagesRead, stB.PagesRead, "seed %d", seed)
	}
}

// idList returns the IDs of b in order.
func idList(b *roaring64.Bitmap) []entity.ID {
	var out []entity.ID
	for _, id := range b.ToArray() {
		out = append(out, entity.ID(id))
	}
	return out
}

// TestPagesObjects builds a verb in key order, so that every leaf of its forward tree is full
// (254 edges of 16 bytes), and checks that Objects(s) for d objects reads height - 1 branch
// pages and the leaves that hold s's edges: about height + d / 254.
func TestPagesObjects(t *testing.T) {
	for _, tc := range []struct {
		d     int
		pages uint64
	}{
		// Subject 2's edges start at offset 100 of the first leaf, after subject 1's.
		{d: 1, pages: 2 - 1 + 1},
		{d: 100, pages: 2 - 1 + 1},
		{d: 254, pages: 2 - 1 + 2},    // offsets 100…353: two leaves
		{d: 1000, pages: 2 - 1 + 5},   // 100…1099: leaves 0 to 4
		{d: 5000, pages: 2 - 1 + 21},  // 100…5099: leaves 0 to 20
		{d: 20000, pages: 3 - 1 + 79}, // 100…20099: leaves 0 to 79; the tree has grown a level
	} {
		t.Run(fmt.Sprint(tc.d), func(t *testing.T) {
			s := entity.NewSchema()
			n := s.Kind("n")
			likes := verb.Define(s, "likes")
			db := testutil.OpenDB(t, s, nil)
			testutil.Spawn(t, db, n, tc.d+600, nil)
			require.NoError(t, db.Update(func(tx *entity.Tx) error {
				link := func(s entity.ID, from, count int) {
					for o := range count {
						require.NoError(t, likes.Link(tx, s, entity.ID(from+o)))
					}
				}
				link(1, 3, 100)
				link(2, 3, tc.d)
				link(3, 3, 500) // edges after subject 2's, so that its scan ends inside a leaf
				return nil
			}))
			var height int
			st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
				height = likes.Forward(tx).Height()
				assert.Equal(t, 254, likes.Forward(tx).LeafCapacity())
				got := 0
				for range likes.Objects(tx, 2) {
					got++
				}
				assert.Equal(t, tc.d, got)
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, tc.pages, st.ByOwner["likes"].PagesRead, "height %d", height)
			assert.Equal(t, tc.pages, st.PagesRead)
		})
	}
}

// TestCountsModel: a verb's distinct subjects and objects, kept by every Link, Unlink and
// entity delete, agree with a model after each message, and Recount agrees with them.
func TestCountsModel(t *testing.T) {
	seed := testutil.Seed(t, 1)
	r := rand.New(rand.NewPCG(seed, 7))
	s := entity.NewSchema()
	n := s.Kind("n")
	v := verb.Define(s, "e")
	db := testutil.OpenDB(t, s, nil)
	const N = 400
	testutil.Spawn(t, db, n, N, nil)
	edges := map[[2]entity.ID]bool{}
	dead := map[entity.ID]bool{}
	want := func() (e, subj, obj uint64) {
		ss, os := map[entity.ID]bool{}, map[entity.ID]bool{}
		for k := range edges {
			ss[k[0]], os[k[1]] = true, true
		}
		return uint64(len(edges)), uint64(len(ss)), uint64(len(os))
	}
	for msg := range 30 {
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			for range 1 + r.IntN(400) {
				a, b := entity.ID(1+r.IntN(N)), entity.ID(1+r.IntN(N/4))
				if dead[a] || dead[b] {
					continue
				}
				switch x := r.IntN(10); {
				case x < 6:
					require.NoError(t, v.Link(tx, a, b))
					edges[[2]entity.ID{a, b}] = true
				case x < 9:
					found, err := v.Unlink(tx, a, b)
					require.NoError(t, err)
					assert.Equal(t, edges[[2]entity.ID{a, b}], found)
					delete(edges, [2]entity.ID{a, b})
				default:
					require.NoError(t, tx.Delete(a))
					dead[a] = true
					for k := range edges {
						if k[0] == a || k[1] == a {
							delete(edges, k)
						}
					}
				}
			}
			return nil
		}), "seed %d message %d", seed, msg)
		require.NoError(t, db.View(func(tx *entity.Tx) error {
			e, subj, obj, ok := v.Counts(tx)
			require.True(t, ok)
			we, ws, wo := want()
			require.Equal(t, []uint64{we, ws, wo}, []uint64{e, subj, obj}, "seed %d message %d", seed, msg)
			return nil
		}))
	}
	require.NoError(t, db.Update(func(tx *entity.Tx) error { return v.Recount(tx) }))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		e, subj, obj, ok := v.Counts(tx)
		require.True(t, ok)
		we, ws, wo := want()
		assert.Equal(t, []uint64{we, ws, wo}, []uint64{e, subj, obj})
		return tx.CheckStore()
	}))
}

// TestObjectsWhileLinking walks the objects of a subject whose edges fill several leaves
// and, inside the walk, unlinks the next object and links new ones ahead and behind: the
// walk yields each object in order once, as the verb is when the walk reaches it.
func TestObjectsWhileLinking(t *testing.T) {
	const N = 2000
	db, v := graph(t, N)
	objs := map[entity.ID]bool{}
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for o := entity.ID(2); o <= N; o += 2 {
			objs[o] = true
			require.NoError(t, v.Link(tx, 1, o)) // ~1000 edges: four leaves
			require.NoError(t, v.Link(tx, 2, o)) // another subject's edges after them
		}
		return nil
	}))
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		var got []entity.ID
		for o := range v.Objects(tx, 1) {
			got = append(got, o)
			switch o % 10 {
			case 2: // drop the next object
				if objs[o+2] {
					delete(objs, o+2)
					_, err := v.Unlink(tx, 1, o+2)
					require.NoError(t, err)
				}
			case 4: // add one right ahead, and one behind the walk
				objs[o+1], objs[o-1] = true, true
				require.NoError(t, v.Link(tx, 1, o+1))
				require.NoError(t, v.Link(tx, 1, o-1))
			}
		}
		var want []entity.ID
		for o := entity.ID(1); o <= N+1; o++ {
			if objs[o] {
				want = append(want, o)
			}
		}
		// What the walk yields: every object at the end, but the ones linked behind it.
		want = slices.DeleteFunc(want, func(o entity.ID) bool { return o%10 == 3 })
		assert.Equal(t, want, got)
		return tx.CheckStore()
	}))
}

// TestAppendInPlace: a hop that appends the objects of a frontier over the frontier itself
// (ids = AppendObjectsOf(tx, ids[:0], ids), as a walk of several hops reuses one slice)
// finds the objects of every ID given, though the appends overwrite the IDs not yet read.
func TestAppendInPlace(t *testing.T) {
	s := entity.NewSchema()
	node := s.Kind("node")
	likes := verb.Define(s, "likes")
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, node, 200, nil)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		// Each of 1..40 likes 100+i, 150+i and 195: more objects than subjects, so the
		// appends run ahead of the subjects still to read.
		for i := entity.ID(1); i <= 40; i++ {
			for _, o := range []entity.ID{100 + i, 150 + i, 195} {
				require.NoError(t, likes.Link(tx, i, o))
				require.NoError(t, likes.Link(tx, o, i))
			}
		}
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		var subjects []entity.ID
		for i := entity.ID(1); i <= 40; i++ {
			subjects = append(subjects, i)
		}
		want := likes.AppendObjectsOf(tx, nil, subjects)
		require.Len(t, want, 81)
		ids := append(make([]entity.ID, 0, 200), subjects...)
		assert.Equal(t, want, likes.AppendObjectsOf(tx, ids[:0], ids), "objects over their subjects")
		ids = append(ids[:0], want...)
		assert.Equal(t, subjects, likes.AppendSubjectsOf(tx, ids[:0], ids), "subjects over their objects")
		// dst ending inside the IDs: the appends overwrite their tail.
		ids = append(ids[:0], 7, 7, 7)
		ids = append(ids, subjects...)
		assert.Equal(t, append([]entity.ID{7, 7, 7}, want...), likes.AppendObjectsOf(tx, ids[:3], ids[3:]))
		return nil
	}))
}
