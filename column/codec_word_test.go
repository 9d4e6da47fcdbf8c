package column

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/store"
)

// TestWordCodec checks the word-at-a-time codec of components made of one 4-byte scalar
// kind against the codec that walks the type's scalars, over random values and the edge
// values of each kind (±0, ±Inf, the extremes), run by run and value by value; NaN is
// refused by both.
func TestWordCodec(t *testing.T) {
	type vec2 struct{ X, Y float32 }
	type ints struct{ A, B, C int32 }
	type uints [3]uint32
	type mixed struct {
		X float32
		N int32
	}
	r := rand.New(rand.NewPCG(3, 4))
	floats := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32}
	word := func(i int) uint32 {
		if i < len(floats) {
			return math.Float32bits(floats[i])
		}
		switch i % 5 {
		case 0:
			return 0x80000000
		case 1:
			return 0x7f7fffff
		}
		u := r.Uint32()
		if u&^(1<<31) > 0x7f800000 { // a NaN's bits: another float
			u &= 0xbf7fffff
		}
		return u
	}
	check := func(t *testing.T, rt reflect.Type, kind TypeKind) {
		typ, err := typeOf(rt)
		require.NoError(t, err)
		c := newTypedCodec(typ, rt)
		require.Equal(t, kind, c.word)
		slow := *c
		slow.word = 0
		const n = 40
		size := rt.Size()
		vals := make([]uint32, n*int(size)/4)
		for i := range vals {
			vals[i] = word(i)
		}
		p := unsafe.Pointer(unsafe.SliceData(vals))
		fast, err := c.encRun(nil, p, n, size)
		require.NoError(t, err)
		want, err := slow.encRun(nil, p, n, size)
		require.NoError(t, err)
		require.Equal(t, want, fast, "encRun")
		for i := range n {
			one, err := c.encFixed(make([]byte, c.fixed), unsafe.Add(p, uintptr(i)*size))
			require.NoError(t, err)
			require.Equal(t, want[i*c.fixed:(i+1)*c.fixed], one, "encFixed %d", i)
		}
		got := make([]uint32, len(vals))
		wantDec := make([]uint32, len(vals))
		c.decRun(fast, c.fixed, n, unsafe.Pointer(unsafe.SliceData(got)), size)
		slow.decRun(fast, slow.fixed, n, unsafe.Pointer(unsafe.SliceData(wantDec)), size)
		require.Equal(t, wantDec, got, "decRun")
		// One value fewer: an odd number of words for a value of three.
		clear(got)
		clear(wantDec)
		c.decRun(fast, c.fixed, n-1, unsafe.Pointer(unsafe.SliceData(got)), size)
		slow.decRun(fast, slow.fixed, n-1, unsafe.Pointer(unsafe.SliceData(wantDec)), size)
		require.Equal(t, wantDec, got, "decRun of %d", n-1)
		fast1, err := c.encRun(nil, p, n-1, size)
		require.NoError(t, err)
		require.Equal(t, want[:(n-1)*c.fixed], fast1, "encRun of %d", n-1)
		if kind == Float32 {
			// A NaN in either word of a pair, and in the last word of an odd run.
			for _, at := range []int{6, 7, (n-1)*int(size)/4 - 1} {
				old := vals[at]
				vals[at] = math.Float32bits(float32(math.NaN()))
				_, err := c.encRun(nil, p, n-1, size)
				assert.ErrorIs(t, err, store.ErrNaN, "NaN at word %d", at)
				_, err = c.encFixed(make([]byte, c.fixed), unsafe.Add(p, uintptr(at)/(uintptr(size)/4)*size))
				assert.ErrorIs(t, err, store.ErrNaN)
				vals[at] = old
			}
		}
	}
	t.Run("float32", func(t *testing.T) { check(t, reflect.TypeFor[vec2](), Float32) })
	t.Run("int32", func(t *testing.T) { check(t, reflect.TypeFor[ints](), Int32) })
	t.Run("uint32", func(t *testing.T) { check(t, reflect.TypeFor[uints](), Uint32) })
	t.Run("mixed", func(t *testing.T) { check(t, reflect.TypeFor[mixed](), 0) })
	t.Run("scalar", func(t *testing.T) { check(t, reflect.TypeFor[float32](), Float32) })
}

// BenchmarkWordCodec decodes and encodes runs of 256 struct{ X, Y float32 } values.
func BenchmarkWordCodec(b *testing.B) {
	type vec2 struct{ X, Y float32 }
	rt := reflect.TypeFor[vec2]()
	typ, _ := typeOf(rt)
	c := newTypedCodec(typ, rt)
	const n = 256
	vals := make([]vec2, n)
	for i := range vals {
		vals[i] = vec2{float32(i), -float32(i)}
	}
	p := unsafe.Pointer(unsafe.SliceData(vals))
	enc, _ := c.encRun(nil, p, n, rt.Size())
	b.Run("decRun", func(b *testing.B) {
		for b.Loop() {
			c.decRun(enc, c.fixed, n, p, rt.Size())
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/value")
	})
	b.Run("encRun", func(b *testing.B) {
		for b.Loop() {
			enc, _ = c.encRun(enc[:0], p, n, rt.Size())
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/value")
	})
}
