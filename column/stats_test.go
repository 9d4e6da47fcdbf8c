package column_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// TestHistogram checks a histogram against the values it describes: its counts are exact,
// a bucket's values are in order and inside it, an equality on a value that has a bucket
// of its own is exact, whole-range and empty-range estimates are exact, and it survives
// encoding; a version this code does not know is refused.
func TestHistogram(t *testing.T) {
	seed := testutil.Seed(t, 1)
	r := rand.New(rand.NewPCG(seed, 3))
	s := entity.NewSchema()
	k := s.Kind("k")
	x := column.Define[int32](s, "x", column.Indexed())
	tags := column.Define[string](s, "tags", column.MaxLen(8), column.Multi())
	db := testutil.OpenDB(t, s, nil)
	count := map[int64]uint64{}
	entries := uint64(0)
	testutil.Spawn(t, db, k, 3000, func(tx *entity.Tx, i int, id entity.ID) error {
		v := int32(r.IntN(500))
		if i%3 == 0 {
			v = 7 // a frequent value: a bucket of its own
		}
		count[int64(v)]++
		entries++
		if err := x.Set(tx, id, v); err != nil {
			return err
		}
		for j := range i % 3 {
			if err := tags.Add(tx, id, string(rune('a'+j))); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		h, err := x.Dyn().Analyze(tx, 32)
		require.NoError(t, err)
		assert.Equal(t, entries, h.Entries)
		assert.Equal(t, entries, h.Entities)
		assert.Equal(t, uint64(len(count)), h.Distinct)
		assert.Less(t, len(h.Buckets), 4*32)
		sum := uint64(0)
		for i, b := range h.Buckets {
			sum += b.Count
			assert.LessOrEqual(t, column.CompareValues(b.Lower, b.Upper), 0)
			if i > 0 {
				assert.Negative(t, column.CompareValues(h.Buckets[i-1].Upper, b.Lower))
			}
		}
		assert.Equal(t, entries, sum)
		assert.InDelta(t, float64(count[7]), h.Matches(column.Incl(int64(7)), column.Incl(int64(7))), 0.5, "7 has its own bucket")
		assert.InDelta(t, float64(entries), h.Matches(column.Open, column.Open), 0.5)
		assert.Zero(t, h.Matches(column.Excl(int64(600)), column.Open))
		lo := uint64(0)
		for v, n := range count {
			if v < 250 {
				lo += n
			}
		}
		assert.InEpsilon(t, float64(lo), h.Matches(column.Open, column.Excl(int64(250))), 0.1, "x < 250")

		b, err := h.Encode(x.Dyn())
		require.NoError(t, err)
		back, err := column.DecodeHistogram(x.Dyn(), b)
		require.NoError(t, err)
		assert.Equal(t, h.Buckets, back.Buckets)
		assert.Equal(t, h.Made.UnixNano(), back.Made.UnixNano())
		require.NoError(t, tx.PutVarStats("x", b))
		got, ok := tx.VarStatsOf("x")
		require.True(t, ok)
		assert.Equal(t, b, got)
		_, ok = tx.VarStatsOf("tags")
		assert.False(t, ok)
		assert.ErrorIs(t, tx.PutVarStats("nope", b), store.ErrNoVar)

		b[0] = 9
		_, err = column.DecodeHistogram(x.Dyn(), b)
		assert.ErrorIs(t, err, column.ErrHistogramVersion)
		_, err = column.DecodeHistogram(x.Dyn(), b[:5])
		assert.ErrorIs(t, err, store.ErrCorrupt)

		m, err := tags.Dyn().Analyze(tx, 0)
		require.NoError(t, err)
		assert.Equal(t, uint64(3000), m.Entries, "1000 entities of 1 tag and 1000 of 2")
		assert.Equal(t, uint64(2000), m.Entities)
		assert.Equal(t, uint64(2), m.Distinct)
		return tx.CheckStore()
	}))
}
