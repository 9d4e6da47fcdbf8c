package column_test

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
)

func TestParseType(t *testing.T) {
	for _, text := range []string{
		"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64",
		"string(64)", "bytes(32)", "[16]byte", "[3]float32", "[2][2]int16",
		"struct{X float32; Y float32}", "struct{Pos [3]float32; Alive bool; Tag [4]byte}",
	} {
		typ, err := column.ParseType(text)
		require.NoError(t, err, text)
		assert.Equal(t, text, typ.String())
	}
	typ, err := column.ParseType(" struct { A byte ;B [ 2 ]uint8 } ")
	require.NoError(t, err)
	assert.Equal(t, "struct{A uint8; B [2]byte}", typ.String())
	assert.Equal(t, 3, typ.FixedSize())
	for _, bad := range []string{
		"", "int", "string", "string()", "string(0)", "bytes(x)", "[0]byte", "[3]string(4)", "struct{}",
		"struct{X int8; X int8}", "struct{X string(3)}", "float32 float32", "map[string]int",
	} {
		_, err := column.ParseType(bad)
		assert.ErrorIs(t, err, column.ErrType, "%q", bad)
	}
}

func TestTypeOf(t *testing.T) {
	for _, tc := range []struct {
		typ  func() (column.Type, error)
		want string
		size int
	}{
		{column.TypeOf[bool], "bool", 1},
		{column.TypeOf[int16], "int16", 2},
		{column.TypeOf[float64], "float64", 8},
		{column.TypeOf[[16]byte], "[16]byte", 16},
		{column.TypeOf[[3]float32], "[3]float32", 12},
		{column.TypeOf[Position], "struct{X float32; Y float32}", 8},
		{column.TypeOf[string], "string(0)", 0},
		{column.TypeOf[[]byte], "bytes(0)", 0},
	} {
		typ, err := tc.typ()
		require.NoError(t, err)
		assert.Equal(t, tc.want, typ.String())
		assert.Equal(t, tc.size, typ.FixedSize())
	}
	_, err := column.TypeOf[int]()
	assert.ErrorIs(t, err, column.ErrType)
	_, err = column.TypeOf[complex64]()
	assert.ErrorIs(t, err, column.ErrType)
}

// encoder returns a dynamic column of type text, for its Encode and Convert.
func encoder(t *testing.T, text string) *column.Dyn {
	typ, err := column.ParseType(text)
	require.NoError(t, err)
	s := entity.NewSchema()
	d := column.DefineDyn(s, "c", typ)
	require.NoError(t, s.Err())
	return d
}

// TestEncodingOrder checks that the encoding orders as the values do, for every scalar
// type and for strings with zero bytes and shared prefixes.
func TestEncodingOrder(t *testing.T) {
	seed := testutil.Seed(t, 1)
	r := rand.New(rand.NewPCG(seed, 0))
	check := func(text string, gen func() any, compare func(a, b any) int) {
		d := encoder(t, text)
		for range 2000 {
			a, b := gen(), gen()
			ea, err := d.Encode(a)
			require.NoError(t, err)
			eb, err := d.Encode(b)
			require.NoError(t, err)
			require.Equal(t, compare(a, b), bytes.Compare(ea, eb), "seed %d: %s %v vs %v", seed, text, a, b)
			require.Equal(t, compare(a, b), d.Compare(a, b))
			back, err := d.Decode(ea)
			require.NoError(t, err)
			require.Equal(t, 0, d.Compare(a, back), "%s %v round trip", text, a)
		}
	}
	ints := func(bits int) func() any {
		return func() any {
			x := int64(r.Uint64()) >> (64 - bits)
			if r.IntN(4) == 0 {
				x = int64(r.IntN(5) - 2)
			}
			return x
		}
	}
	intCmp := func(a, b any) int { return cmp.Compare(a.(int64), b.(int64)) }
	for _, b := range []int{8, 16, 32, 64} {
		check("int"+itoa(b), ints(b), intCmp)
		check("uint"+itoa(b), func() any { return r.Uint64() >> (64 - b) }, func(a, b any) int { return cmp.Compare(a.(uint64), b.(uint64)) })
	}
	specials := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64}
	floats := func() any {
		if r.IntN(3) == 0 {
			return specials[r.IntN(len(specials))]
		}
		return math.Float64frombits(r.Uint64()&^(0x7FF<<52) | uint64(r.IntN(0x7FF))<<52) // finite
	}
	floatCmp := func(a, b any) int { return cmp.Compare(a.(float64), b.(float64)) }
	check("float64", floats, floatCmp)
	f32specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32}
	check("float32", func() any {
		if r.IntN(3) == 0 {
			return float64(f32specials[r.IntN(len(f32specials))])
		}
		return float64(math.Float32frombits(r.Uint32()&^(0xFF<<23) | uint32(r.IntN(0xFF))<<23))
	}, floatCmp)
	check("bool", func() any { return r.IntN(2) == 0 }, func(a, b any) int {
		return cmp.Compare(btoi(a.(bool)), btoi(b.(bool)))
	})
	check("string(6)", func() any { return randString(r, 6) }, func(a, b any) int { return cmp.Compare(a.(string), b.(string)) })
	check("struct{A int8; B uint16}", func() any { return []any{int64(r.IntN(5) - 2), uint64(r.IntN(3))} }, func(a, b any) int {
		x, y := a.([]any), b.([]any)
		return cmp.Or(cmp.Compare(x[0].(int64), y[0].(int64)), cmp.Compare(x[1].(uint64), y[1].(uint64)))
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func itoa(n int) string { return strconv.Itoa(n) }

func randString(r *rand.Rand, max int) string {
	const alpha = "\x00\x01ab\xff"
	b := make([]byte, r.IntN(max+1))
	for i := range b {
		b[i] = alpha[r.IntN(len(alpha))]
	}
	return string(b)
}

func TestEncodingLayout(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		v    any
		want []byte
	}{
		{"int32", -1, []byte{0x7F, 0xFF, 0xFF, 0xFF}},
		{"int32", 0, []byte{0x80, 0, 0, 0}},
		{"int16", 258, []byte{0x81, 0x02}},
		{"uint16", 258, []byte{0x01, 0x02}},
		{"float32", 1.0, []byte{0xBF, 0x80, 0, 0}},
		{"float32", -1.0, []byte{0x40, 0x7F, 0xFF, 0xFF}},
		{"float64", math.Copysign(0, -1), []byte{0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"bool", true, []byte{1}},
		{"[2]byte", []byte{7, 8}, []byte{7, 8}},
		{"struct{X int8; Y uint8}", []any{-128, 255}, []byte{0x00, 0xFF}},
		{"string(8)", "a\x00b", []byte("a\x00b")},
	} {
		got, err := encoder(t, tc.typ).Encode(tc.v)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%s %v", tc.typ, tc.v)
	}
}

func TestConvert(t *testing.T) {
	hp := encoder(t, "int8")
	for _, ok := range []any{int8(3), 3, uint64(127), -128, 3.0, int64(-1)} {
		_, err := hp.Convert(ok)
		assert.NoError(t, err, "%T %v", ok, ok)
	}
	_, err := hp.Convert("abc")
	assert.ErrorIs(t, err, column.ErrType)
	assert.EqualError(t, err, `column "c": wrong type: want int8, got string (abc)`)
	_, err = hp.Convert(128)
	assert.ErrorIs(t, err, column.ErrRange)
	_, err = hp.Convert(2.5)
	assert.ErrorIs(t, err, column.ErrType)
	_, err = encoder(t, "uint32").Convert(-1)
	assert.ErrorIs(t, err, column.ErrRange)
	_, err = encoder(t, "float32").Convert(1e39)
	assert.ErrorIs(t, err, column.ErrRange)
	_, err = encoder(t, "float64").Convert(math.NaN())
	assert.ErrorIs(t, err, column.ErrNaN)
	v, err := encoder(t, "float32").Convert(0.1)
	require.NoError(t, err)
	assert.Equal(t, float64(float32(0.1)), v, "a float32 column rounds")
	_, err = encoder(t, "string(3)").Convert("four")
	assert.ErrorIs(t, err, column.ErrTooLong)
	v, err = encoder(t, "bytes(3)").Convert("abc")
	require.NoError(t, err)
	assert.Equal(t, []byte("abc"), v)
	v, err = encoder(t, "[2]byte").Convert([2]byte{1, 2})
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 2}, v)
	_, err = encoder(t, "[2]byte").Convert([]byte{1, 2, 3})
	assert.ErrorIs(t, err, column.ErrType)
	v, err = encoder(t, "struct{X float32; Y float32}").Convert(Position{1, 2})
	require.NoError(t, err)
	assert.Equal(t, []column.Value{1.0, 2.0}, v, "a Go struct converts field by field")
	_, err = encoder(t, "struct{X float32; Y float32}").Convert([]any{1, "y"})
	assert.ErrorIs(t, err, column.ErrType)
	assert.ErrorContains(t, err, "field Y")
	_, err = encoder(t, "bool").Convert(nil)
	assert.ErrorIs(t, err, column.ErrType)
}

// TestConvertEdges checks conversions at the edges of the integer types, arrays of bytes
// given as other lists, and how an error shows a long value.
func TestConvertEdges(t *testing.T) {
	i64, u8 := encoder(t, "int64"), encoder(t, "uint8")
	v, err := i64.Convert(-9223372036854775808.0) // -2^63, the smallest int64, as a float
	require.NoError(t, err)
	assert.Equal(t, int64(math.MinInt64), v)
	_, err = i64.Convert(9223372036854775808.0) // 2^63: one past the largest
	assert.ErrorIs(t, err, column.ErrRange)
	v, err = u8.Convert(0)
	require.NoError(t, err)
	assert.Equal(t, uint64(0), v, "0 is an unsigned value")
	_, err = u8.Convert(-1)
	assert.ErrorIs(t, err, column.ErrRange)

	b4 := encoder(t, "[4]byte")
	v, err = b4.Convert([4]int{1, 2, 3, 255})
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 2, 3, 255}, v, "a list of small ints is a byte array")
	_, err = b4.Convert([4]int{1, 2, 3, 256})
	assert.ErrorIs(t, err, column.ErrRange)
	assert.ErrorContains(t, err, "element 3")
	v, err = b4.Convert([4]uint8{4, 3, 2, 1})
	require.NoError(t, err)
	assert.Equal(t, []byte{4, 3, 2, 1}, v)

	forty := strings.Repeat("x", 40)
	_, err = i64.Convert(forty)
	assert.EqualError(t, err, `column "c": wrong type: want int64, got string (`+forty+`)`, "40 characters are shown whole")
	_, err = i64.Convert(forty + "y")
	assert.EqualError(t, err, `column "c": wrong type: want int64, got string (`+forty[:37]+`...)`)
}

// TestParseTypeEdges checks the type parser at the edges of its character classes and
// numbers, and its messages for what it cannot read.
func TestParseTypeEdges(t *testing.T) {
	for _, text := range []string{
		"struct{a int8; z int8; A int8; Z int8; _ int8; a0 int8; z9 int8}",
		"string(10)", "string(1073741824)", "[10]int8", "[90]byte", "bytes(109)",
	} {
		typ, err := column.ParseType(text)
		require.NoError(t, err, text)
		assert.Equal(t, text, typ.String())
	}
	for bad, msg := range map[string]string{
		"string(1073741825)": "want a length",
		"string(5":           "",
		"[3":                 "",
		"(":                  `unexpected "("`,
		"":                   `unknown type ""`,
		"9int8":              `unexpected "9int8"`,
	} {
		_, err := column.ParseType(bad)
		assert.ErrorIs(t, err, column.ErrType, "%q", bad)
		assert.ErrorContains(t, err, msg, "%q", bad)
	}
}
