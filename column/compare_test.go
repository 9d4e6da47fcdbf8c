package column

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompareValuesMatchesTheEncoding(t *testing.T) {
	cases := []struct {
		typ  string
		a, b Value
	}{
		{"int64", int64(-5), int64(3)},
		{"uint64", uint64(1), uint64(1 << 63)},
		{"float64", -0.5, 2.25},
		{"string(10)", "abc", "abd"},
		{"bytes(4)", []byte{1, 2}, []byte{1, 2, 0}},
		{"bool", false, true},
	}
	for _, c := range cases {
		typ, err := ParseType(c.typ)
		if !assert.NoError(t, err) {
			continue
		}
		d := &Dyn{typ: typ}
		for _, p := range [][2]Value{{c.a, c.b}, {c.b, c.a}, {c.a, c.a}} {
			assert.Equal(t, d.Compare(p[0], p[1]), CompareValues(p[0], p[1]), "%s %v %v", c.typ, p[0], p[1])
		}
	}
	assert.Zero(t, CompareValues(int64(1), "x"), "different types compare equal")
}
