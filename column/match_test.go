package column_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
)

// TestMatcherAgreesWithValues fills columns of every ordered type (one indexed, one Multi)
// with random values and checks, for random unions of ranges, that FilterMatch,
// ScanMatch and RangeIDs find what a comparison of the decoded values finds.
func TestMatcherAgreesWithValues(t *testing.T) {
	types := []struct {
		name string
		typ  string
		val  func(r *rand.Rand) any
		opts []column.Option
	}{
		{"i8", "int8", func(r *rand.Rand) any { return r.IntN(256) - 128 }, nil},
		{"i32", "int32", func(r *rand.Rand) any { return r.IntN(200) - 100 }, []column.Option{column.Indexed()}},
		{"i64", "int64", func(r *rand.Rand) any { return r.Int64() - r.Int64() }, nil},
		{"u16", "uint16", func(r *rand.Rand) any { return r.IntN(1 << 16) }, nil},
		{"f32", "float32", func(r *rand.Rand) any { return float32(r.NormFloat64() * 10) }, nil},
		{"f64", "float64", func(r *rand.Rand) any { return r.NormFloat64() }, []column.Option{column.Indexed()}},
		{"b", "bool", func(r *rand.Rand) any { return r.IntN(2) == 0 }, nil},
		{"s", "string(6)", func(r *rand.Rand) any { return randText(r) }, []column.Option{column.Indexed()}},
		{"ms", "string(6)", func(r *rand.Rand) any { return randText(r) }, []column.Option{column.Multi()}},
	}
	s := entity.NewSchema()
	k := s.Kind("k")
	for _, c := range types {
		typ, err := column.ParseType(c.typ)
		require.NoError(t, err)
		column.DefineDyn(s, c.name, typ, c.opts...)
	}
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 600, nil)
	r := rand.New(rand.NewPCG(15, 4))
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for _, c := range types {
			d, err := column.Lookup(tx, c.name)
			require.NoError(t, err)
			for _, id := range ids {
				switch {
				case r.IntN(5) == 0: // no value
				case d.Multi():
					for range 1 + r.IntN(3) {
						require.NoError(t, d.Add(tx, id, c.val(r)))
					}
				default:
					require.NoError(t, d.Set(tx, id, c.val(r)))
				}
			}
		}
		return nil
	}))
	bound := func(d *column.Dyn, v any) column.Bound {
		x, err := d.Convert(v)
		require.NoError(t, err)
		return randBound(r, x)
	}
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for _, c := range types {
			d, err := column.Lookup(tx, c.name)
			require.NoError(t, err)
			for round := range 40 {
				var ranges [][2]column.Bound
				for range 1 + r.IntN(2) {
					ranges = append(ranges, [2]column.Bound{bound(d, c.val(r)), bound(d, c.val(r))})
				}
				in := func(v column.Value) bool {
					for _, rg := range ranges {
						if inRange(v, rg[0], rg[1]) {
							return true
						}
					}
					return false
				}
				m, err := d.Matcher(ranges...)
				require.NoError(t, err)
				cands := roaring64.New()
				for _, id := range ids {
					if r.IntN(2) == 0 {
						cands.Add(uint64(id))
					}
				}
				what := fmt.Sprintf("%s round %d %v", c.name, round, ranges)
				want := d.Filter(tx, cands, in)
				assert.Equal(t, want.ToArray(), d.FilterMatch(tx, cands, m).ToArray(), what)
				all := roaring64.New()
				for _, id := range ids {
					all.Add(uint64(id))
				}
				assert.Equal(t, d.Filter(tx, all, in).ToArray(), d.ScanMatch(tx, m).ToArray(), what)
				if d.Indexed() && len(ranges) == 1 {
					seq, err := d.RangeIDs(tx, ranges[0][0], ranges[0][1])
					require.NoError(t, err)
					var got entity.IDs
					for id := range seq {
						got.Add(uint64(id))
					}
					bm, err := d.Range(tx, ranges[0][0], ranges[0][1])
					require.NoError(t, err)
					assert.Equal(t, d.Filter(tx, all, in).ToArray(), got.Bitmap().ToArray(), what)
					assert.Equal(t, d.Filter(tx, all, in).ToArray(), bm.ToArray(), what)
				}
			}
		}
		pos, err := column.Lookup(tx, "i8")
		require.NoError(t, err)
		_, err = pos.Matcher([2]column.Bound{column.Incl("x"), column.Open})
		assert.ErrorIs(t, err, column.ErrType, "a bound of the wrong type")
		return nil
	}))
}

// inRange reports whether v lies between lo and hi, comparing decoded values.
func inRange(v column.Value, lo, hi column.Bound) bool {
	if lo.Kind != column.Unbounded {
		c := column.CompareValues(v, lo.Value)
		if c < 0 || c == 0 && lo.Kind == column.Exclusive {
			return false
		}
	}
	if hi.Kind != column.Unbounded {
		c := column.CompareValues(v, hi.Value)
		if c > 0 || c == 0 && hi.Kind == column.Exclusive {
			return false
		}
	}
	return true
}

// randText returns a short random string over a small alphabet that includes 0x00.
func randText(r *rand.Rand) string {
	b := make([]byte, r.IntN(7))
	for i := range b {
		b[i] = "\x00ab\xffz"[r.IntN(5)]
	}
	return string(b)
}
