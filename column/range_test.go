package column_test

import (
	"cmp"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// TestRangeModel checks index ranges with every kind of bound, ascending and descending,
// against a brute-force filter of the values, for an integer and a string column.
func TestRangeModel(t *testing.T) {
	seed := testutil.Seed(t, 1)
	r := rand.New(rand.NewPCG(seed, 0))
	s := entity.NewSchema()
	k := s.Kind("k")
	num := column.Define[int16](s, "num", column.Indexed())
	str := column.Define[string](s, "str", column.MaxLen(3), column.Indexed(), column.Multi())
	db := testutil.OpenDB(t, s, nil)
	nums := map[entity.ID]int16{}
	strs := map[entity.ID][]string{}
	testutil.Spawn(t, db, k, 3000, func(tx *entity.Tx, _ int, id entity.ID) error {
		if r.IntN(4) > 0 {
			v := int16(r.IntN(41) - 20)
			nums[id] = v
			require.NoError(t, num.Set(tx, id, v))
		}
		for range r.IntN(3) {
			v := randString(r, 3)
			if !slices.Contains(strs[id], v) {
				strs[id] = append(strs[id], v)
			}
			require.NoError(t, str.Add(tx, id, v))
		}
		return nil
	})
	bound := func(v any) column.Bound { return randBound(r, v) }
	// in reports whether a value that compares cmpLo with lo and cmpHi with hi is in range.
	in := func(lo, hi column.Bound, cmpLo, cmpHi int) bool {
		okLo := lo.Kind == column.Unbounded || cmpLo > 0 || cmpLo == 0 && lo.Kind == column.Inclusive
		okHi := hi.Kind == column.Unbounded || cmpHi < 0 || cmpHi == 0 && hi.Kind == column.Inclusive
		return okLo && okHi
	}
	type hit struct {
		id entity.ID
		v  string
	}
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for range 300 {
			lo, hi := bound(r.IntN(41)-20), bound(r.IntN(41)-20)
			desc := r.IntN(2) == 0
			var want []entity.ID
			for _, id := range slices.Sorted(maps.Keys(nums)) {
				v := int(nums[id])
				var cl, ch int
				if lo.Kind != column.Unbounded {
					cl = cmp.Compare(v, lo.Value.(int))
				}
				if hi.Kind != column.Unbounded {
					ch = cmp.Compare(v, hi.Value.(int))
				}
				if in(lo, hi, cl, ch) {
					want = append(want, id)
				}
			}
			bm, err := num.Dyn().Range(tx, lo, hi)
			require.NoError(t, err)
			assert.Equal(t, len(want), int(bm.GetCardinality()), "seed %d: %v %v", seed, lo, hi)
			slices.SortStableFunc(want, func(a, b entity.ID) int { return cmp.Compare(nums[a], nums[b]) })
			if desc {
				slices.Reverse(want)
			}
			seq, err := num.ByValue(tx, lo, hi, desc)
			require.NoError(t, err)
			var got []entity.ID
			for id := range seq {
				got = append(got, id)
			}
			require.Equal(t, want, got, "seed %d: %v %v desc %v", seed, lo, hi, desc)

			slo, shi := bound(randString(r, 3)), bound(randString(r, 3))
			var wantS []hit
			for _, id := range slices.Sorted(maps.Keys(strs)) {
				for _, v := range strs[id] {
					var cl, ch int
					if slo.Kind != column.Unbounded {
						cl = cmp.Compare(v, slo.Value.(string))
					}
					if shi.Kind != column.Unbounded {
						ch = cmp.Compare(v, shi.Value.(string))
					}
					if in(slo, shi, cl, ch) {
						wantS = append(wantS, hit{id, v})
					}
				}
			}
			slices.SortStableFunc(wantS, func(a, b hit) int { return cmp.Or(cmp.Compare(a.v, b.v), cmp.Compare(a.id, b.id)) })
			sseq, err := str.ByValue(tx, slo, shi, false)
			require.NoError(t, err)
			var gotS []hit
			for id, v := range sseq {
				gotS = append(gotS, hit{id, v})
			}
			require.Equal(t, wantS, gotS, "seed %d: %q %q", seed, slo, shi)
		}
		return nil
	}))
}

// rangeCase checks Column.Range of one value type against a map: over every entity and
// random ranges in a View, and in an Update whose loop body changes the column ahead of
// the walk (the next entity's value, an entity deleted), which the walk must see.
func rangeCase[T comparable](t *testing.T, r *rand.Rand, name string, gen func(r *rand.Rand) T) {
	t.Run(name, func(t *testing.T) {
		s := entity.NewSchema()
		k := s.Kind("k")
		c := column.Define[T](s, "v")
		db := testutil.OpenDB(t, s, nil)
		want := map[entity.ID]T{}
		ids := testutil.Spawn(t, db, k, 3000, func(tx *entity.Tx, _ int, id entity.ID) error {
			if r.IntN(5) == 0 {
				return nil // no value: gaps in the IDs
			}
			v := gen(r)
			want[id] = v
			return c.Set(tx, id, v)
		})
		type entry struct {
			id entity.ID
			v  T
		}
		expect := func(lo, hi entity.ID) []entry {
			var out []entry
			for _, id := range slices.Sorted(maps.Keys(want)) {
				if id >= lo && (hi == 0 || id < hi) {
					out = append(out, entry{id, want[id]})
				}
			}
			return out
		}
		require.NoError(t, db.View(func(tx *entity.Tx) error {
			for i := range 50 {
				lo, hi := entity.ID(0), entity.ID(0)
				if i > 0 {
					lo, hi = ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]+entity.ID(r.IntN(2))
				}
				var got []entry
				for id, v := range c.Range(tx, lo, hi) {
					got = append(got, entry{id, v})
				}
				require.Equal(t, expect(lo, hi), got, "range [%d, %d)", lo, hi)
			}
			return nil
		}))
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			var got []entry
			for id, v := range c.All(tx) {
				got = append(got, entry{id, v})
				if len(got)%7 == 0 && int(id) < len(ids) {
					// Change what the walk has decoded ahead: the next entity's value,
					// or its value gone.
					next := id + 1
					if r.IntN(2) == 0 {
						nv := gen(r)
						want[next] = nv
						require.NoError(t, c.Set(tx, next, nv))
					} else {
						delete(want, next)
						_, err := c.Delete(tx, next)
						require.NoError(t, err)
					}
				}
			}
			require.Equal(t, expect(0, 0), got)
			return nil
		}))
	})
}

// TestColumnRangeTypes checks Range over columns of each scalar type (decoded a run at a
// time), of a struct and of a byte array (decoded a value at a time).
func TestColumnRangeTypes(t *testing.T) {
	r := rand.New(rand.NewPCG(testutil.Seed(t, 7), 0))
	rangeCase(t, r, "bool", func(r *rand.Rand) bool { return r.IntN(2) == 0 })
	rangeCase(t, r, "int8", func(r *rand.Rand) int8 { return int8(r.Uint32()) })
	rangeCase(t, r, "uint8", func(r *rand.Rand) uint8 { return uint8(r.Uint32()) })
	rangeCase(t, r, "int16", func(r *rand.Rand) int16 { return int16(r.Uint32()) })
	rangeCase(t, r, "uint16", func(r *rand.Rand) uint16 { return uint16(r.Uint32()) })
	rangeCase(t, r, "int32", func(r *rand.Rand) int32 { return int32(r.Uint32()) })
	rangeCase(t, r, "uint32", func(r *rand.Rand) uint32 { return r.Uint32() })
	rangeCase(t, r, "int64", func(r *rand.Rand) int64 { return int64(r.Uint64()) })
	rangeCase(t, r, "uint64", func(r *rand.Rand) uint64 { return r.Uint64() })
	rangeCase(t, r, "float32", func(r *rand.Rand) float32 { return float32(r.NormFloat64()) })
	rangeCase(t, r, "float64", func(r *rand.Rand) float64 { return r.NormFloat64() * 1e300 })
	type vec struct{ X, Y float32 }
	rangeCase(t, r, "struct", func(r *rand.Rand) vec { return vec{float32(r.NormFloat64()), float32(r.IntN(9))} })
	rangeCase(t, r, "array", func(r *rand.Rand) [5]byte { return [5]byte{byte(r.IntN(256)), 1, 2, 3, byte(r.IntN(256))} })
}

// TestRangeAsRangeIDs checks Range, which reads the IDs from an index's packed leaves,
// against the IDs RangeIDs yields, for a fixed-size and a variable-size (Multi) index over
// many leaves, with every kind of bound: the same set, and the same pages read.
func TestRangeAsRangeIDs(t *testing.T) {
	seed := testutil.Seed(t, 1)
	r := rand.New(rand.NewPCG(seed, 15))
	s := entity.NewSchema()
	k := s.Kind("k")
	num := column.Define[int64](s, "num", column.Indexed())
	str := column.Define[string](s, "str", column.MaxLen(3), column.Indexed(), column.Multi())
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, k, 20000, func(tx *entity.Tx, _ int, id entity.ID) error {
		if r.IntN(5) > 0 {
			require.NoError(t, num.Set(tx, id, int64(r.IntN(300)-150)))
		}
		for range r.IntN(3) {
			require.NoError(t, str.Add(tx, id, randString(r, 3)))
		}
		return nil
	})
	bound := func(v any) column.Bound { return randBound(r, v) }
	for round := range 300 {
		d, lo, hi := num.Dyn(), bound(int64(r.IntN(340)-170)), bound(int64(r.IntN(340)-170))
		if round%2 == 1 {
			d, lo, hi = str.Dyn(), bound(randString(r, 3)), bound(randString(r, 3))
		}
		want := roaring64.New()
		viaIDs, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			seq, err := d.RangeIDs(tx, lo, hi)
			require.NoError(t, err)
			for id := range seq {
				want.Add(uint64(id))
			}
			return nil
		})
		require.NoError(t, err)
		var got *roaring64.Bitmap
		viaRange, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			got, err = d.Range(tx, lo, hi)
			return err
		})
		require.NoError(t, err)
		require.True(t, want.Equals(got), "seed %d round %d: %v %v: %d IDs, want %d", seed, round, lo, hi, got.GetCardinality(), want.GetCardinality())
		require.Equal(t, viaIDs.PagesRead, viaRange.PagesRead, "seed %d round %d: %v %v: pages", seed, round, lo, hi)
	}
}

// randBound returns a random bound at v: open, inclusive or exclusive.
func randBound(r *rand.Rand, v any) column.Bound {
	switch r.IntN(3) {
	case 0:
		return column.Open
	case 1:
		return column.Incl(v)
	}
	return column.Excl(v)
}
