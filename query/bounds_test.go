package query

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
)

// TestIntervalText checks how EXPLAIN writes the intervals of an index range, for every
// kind of value and bound.
func TestIntervalText(t *testing.T) {
	for _, tc := range []struct {
		iv   interval
		want string
	}{
		{everything, "(-inf, +inf)"},
		{interval{column.Incl(int64(-3)), column.Excl(int64(10))}, "[-3, 10)"},
		{interval{column.Excl(uint64(18446744073709551615)), column.Open}, "(18446744073709551615, +inf)"},
		{interval{column.Open, column.Incl(12.25)}, "(-inf, 12.25]"},
		{interval{column.Incl(1e21), column.Incl(-0.001)}, "[1e+21, -0.001]"},
		{interval{column.Incl(true), column.Incl(false)}, "[true, false]"},
		{interval{column.Incl("a\"b"), column.Excl([]byte("c\n"))}, `["a\"b", "c\n")`},
		{interval{column.Incl([]column.Value{int64(1)}), column.Open}, "[?, +inf)"},
	} {
		assert.Equal(t, tc.want, tc.iv.String())
	}
}

// TestIntervalContains checks contains and empty at the edges of each kind of bound.
func TestIntervalContains(t *testing.T) {
	closed := interval{column.Incl(int64(1)), column.Incl(int64(3))}
	open := interval{column.Excl(int64(1)), column.Excl(int64(3))}
	for v, want := range map[int64][2]bool{0: {false, false}, 1: {true, false}, 2: {true, true}, 3: {true, false}, 4: {false, false}} {
		assert.Equal(t, want[0], closed.contains(v), "[1, 3] contains %d", v)
		assert.Equal(t, want[1], open.contains(v), "(1, 3) contains %d", v)
	}
	assert.True(t, everything.contains(int64(7)))
	assert.False(t, closed.empty())
	assert.False(t, open.empty())
	assert.False(t, interval{column.Incl(int64(2)), column.Incl(int64(2))}.empty(), "[2, 2] holds 2")
	assert.True(t, interval{column.Incl(int64(2)), column.Excl(int64(2))}.empty())
	assert.True(t, interval{column.Excl(int64(2)), column.Incl(int64(2))}.empty())
	assert.True(t, interval{column.Incl(int64(3)), column.Incl(int64(2))}.empty())
	assert.False(t, interval{column.Open, column.Excl(int64(2))}.empty())
	assert.False(t, interval{column.Incl(int64(3)), column.Open}.empty())
}

// TestKindPositionInURI checks the position of an unknown kind in an entity URI: the
// kind's own, past the scheme and the canister.
func TestKindPositionInURI(t *testing.T) {
	w := sharedWorld(t)
	q, err := Parse("FIND player WHERE\n  member_of -> ic://ryjl3-tyaaa-aaaaa-aaaba-cai/gild/1")
	require.NoError(t, err)
	_, err = Prepare(w.db, q)
	var e *Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, Pos{Offset: 66, Line: 2, Col: 49}, e.Pos)
	src := "FIND player WHERE\n  member_of -> ic://ryjl3-tyaaa-aaaaa-aaaba-cai/gild/1"
	assert.Equal(t, "gild/1", src[e.Pos.Offset:])
}

// TestFloatLiteralOnIntColumns checks every comparison of a float literal with every value
// of int8 and uint8 columns, and with the ends of int64 and uint64, against the comparison
// of the numbers themselves, as SPARQL compares an integer with a double.
func TestFloatLiteralOnIntColumns(t *testing.T) {
	lits := []float64{-1e30, -129, -128.5, -128, -127.5, -0.5, -0, 0, 0.25, 1, 7.999, 127, 127.5, 128, 255, 255.5, 256, 1e30,
		9.223372036854775807e18, 1.8446744073709551615e19, -9.223372036854775808e18}
	ops := map[Op]func(a, b float64) bool{
		OpEq: func(a, b float64) bool { return a == b }, OpNe: func(a, b float64) bool { return a != b },
		OpLt: func(a, b float64) bool { return a < b }, OpLe: func(a, b float64) bool { return a <= b },
		OpGt: func(a, b float64) bool { return a > b }, OpGe: func(a, b float64) bool { return a >= b },
	}
	check := func(d domain, v column.Value, f float64) {
		var x float64
		switch v := v.(type) {
		case int64:
			x = float64(v)
		case uint64:
			x = float64(v)
		}
		l := Literal{Kind: LitFloat, Float: f}
		for op, holds := range ops {
			in := false
			for _, iv := range d.cmpIntervals(op, l) {
				in = in || iv.contains(v)
			}
			assert.Equal(t, holds(x, f), in, "%s %v %s %v", d.t, v, op, f)
		}
	}
	for _, f := range lits {
		d := domainOf(mustType(t, "int8"))
		for v := -128; v <= 127; v++ {
			check(d, int64(v), f)
		}
		d = domainOf(mustType(t, "uint8"))
		for v := 0; v <= 255; v++ {
			check(d, uint64(v), f)
		}
		// Only where float64 tells the values apart: the ends of the 64-bit ranges are
		// not exact in a float64.
		d = domainOf(mustType(t, "int64"))
		for _, v := range []int64{-1 << 62, -1, 0, 1, 127, 128, 1 << 62} {
			check(d, v, f)
		}
		d = domainOf(mustType(t, "uint64"))
		for _, v := range []uint64{0, 1, 255, 256, 1 << 62, 1 << 63} {
			check(d, v, f)
		}
	}
}

func mustType(t *testing.T, s string) column.Type {
	typ, err := column.ParseType(s)
	require.NoError(t, err)
	return typ
}
