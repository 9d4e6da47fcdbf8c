package store

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyEncodingsPreserveOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	t.Run("uint64", func(t *testing.T) {
		vals := []uint64{0, 1, 255, 256, math.MaxUint32, 1 << 63, math.MaxUint64}
		for range 200 {
			vals = append(vals, r.Uint64())
		}
		checkOrder(t, vals, func(v uint64) []byte { k := EncodeUint64(v); return k[:] }, DecodeUint64)
		assert.Equal(t, []byte{9, 0, 0, 0, 0, 0, 0, 0, 1}, AppendUint64([]byte{9}, 1))
	})
	t.Run("int64", func(t *testing.T) {
		vals := []int64{math.MinInt64, -1 << 40, -2, -1, 0, 1, 2, 1 << 40, math.MaxInt64}
		for range 200 {
			vals = append(vals, int64(r.Uint64()))
		}
		checkOrder(t, vals, func(v int64) []byte { k := EncodeInt64(v); return k[:] }, DecodeInt64)
		k := EncodeInt64(-1)
		assert.Equal(t, k[:], AppendInt64(nil, -1))
	})
	t.Run("float64", func(t *testing.T) {
		vals := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, 0,
			math.SmallestNonzeroFloat64, 0.5, 1, math.MaxFloat64, math.Inf(1)}
		for range 200 {
			vals = append(vals, (r.Float64()-0.5)*math.Pow(10, float64(r.IntN(40)-20)))
		}
		enc := func(v float64) []byte {
			k, err := EncodeFloat64(v)
			require.NoError(t, err)
			return k[:]
		}
		checkOrder(t, vals, enc, DecodeFloat64)
		assert.Equal(t, enc(0), enc(math.Copysign(0, -1)), "-0 and +0 are one key")
		_, err := EncodeFloat64(math.NaN())
		assert.ErrorIs(t, err, ErrNaN)
		_, err = AppendFloat64(nil, math.NaN())
		assert.ErrorIs(t, err, ErrNaN)
		b, err := AppendFloat64([]byte{1}, 2.5)
		require.NoError(t, err)
		assert.Equal(t, append([]byte{1}, enc(2.5)...), b)
	})
	t.Run("float32", func(t *testing.T) {
		vals := []float64{math.Inf(-1), -math.MaxFloat32, -1, -math.SmallestNonzeroFloat32, 0,
			math.SmallestNonzeroFloat32, 0.5, 1, math.MaxFloat32, math.Inf(1)}
		for range 200 {
			vals = append(vals, float64(float32((r.Float64()-0.5)*math.Pow(10, float64(r.IntN(40)-20)))))
		}
		enc := func(v float64) []byte {
			k, err := AppendFloat32(nil, float32(v))
			require.NoError(t, err)
			require.Len(t, k, 4)
			return append(k, 0, 0, 0, 0) // checkOrder wants 8 bytes
		}
		checkOrder(t, vals, enc, func(b []byte) float64 { return float64(DecodeFloat32(b)) })
		assert.Equal(t, enc(0), enc(math.Copysign(0, -1)), "-0 and +0 are one key")
		b, err := AppendFloat32([]byte{1}, float32(math.NaN()))
		assert.ErrorIs(t, err, ErrNaN)
		assert.Equal(t, []byte{1}, b, "nothing is appended for NaN")
	})
}

// checkOrder asserts that enc maps the order of vals onto bytewise order, and dec undoes it.
func checkOrder[T int64 | uint64 | float64](t *testing.T, vals []T, enc func(T) []byte, dec func([]byte) T) {
	t.Helper()
	slices.Sort(vals)
	for i, v := range vals {
		k := enc(v)
		require.Len(t, k, 8)
		require.Equal(t, v, dec(k), "round trip of %v", v)
		if i > 0 {
			c := bytes.Compare(enc(vals[i-1]), k)
			if vals[i-1] == v {
				require.Zero(t, c)
			} else {
				require.Negative(t, c, "%v < %v", vals[i-1], v)
			}
		}
	}
}
