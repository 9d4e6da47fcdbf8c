package query

import (
	"math"
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/column"
)

// A comparison of a column with a literal is turned, when it is bound, into a union of
// intervals of the values the column can hold. Each bound of an interval is a value of the
// column's own type, so the same intervals serve an index range scan (column.Dyn.Range) and
// the test of a value read by a scan or a probe, and the two agree exactly.
//
// A literal the column cannot hold is moved to the nearest value it can, in the direction
// that keeps the comparison's meaning: on an int8 column "x < 300" is every value, "x > 300"
// none; on a float32 column "x < 0.1" is "x <= 0.099999994", the largest float32 below 0.1;
// on a string(4) column "x <= "abcdef"" is "x <= "abcd"".

// interval is a range of column values, lo to hi.
type interval struct {
	lo, hi column.Bound
}

// everything is the interval of every value.
var everything = interval{column.Open, column.Open}

// valueKind is the comparison domain of a column type.
type valueKind int

const (
	vkNone   valueKind = iota // not comparable with a literal: arrays and structs
	vkBool                    // bool
	vkInt                     // int64 Values
	vkUint                    // uint64 Values
	vkFloat                   // float64 Values
	vkString                  // string Values
	vkBytes                   // []byte Values
)

// domain describes the values of one column type for comparisons.
type domain struct {
	t      column.Type
	kind   valueKind
	imin   int64   // vkInt: smallest value
	imax   int64   // vkInt: largest value
	umax   uint64  // vkUint: largest value
	f32    bool    // vkFloat: values are float32
	maxLen int     // vkString, vkBytes: longest value in bytes
	accept LitKind // the literal kind that compares with the column; 0 for none
}

func domainOf(t column.Type) domain {
	d := domain{t: t}
	switch k := t.Kind(); k {
	case column.Bool:
		d.kind, d.accept = vkBool, LitBool
	case column.Int8, column.Int16, column.Int32, column.Int64:
		bits := 8 * t.FixedSize()
		d.kind, d.accept = vkInt, LitInt
		d.imin, d.imax = int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
	case column.Uint8, column.Uint16, column.Uint32, column.Uint64:
		bits := 8 * t.FixedSize()
		d.kind, d.accept = vkUint, LitInt
		d.umax = math.MaxUint64 >> (64 - bits)
	case column.Float32, column.Float64:
		d.kind, d.accept = vkFloat, LitFloat
		d.f32 = k == column.Float32
	case column.String:
		d.kind, d.accept, d.maxLen = vkString, LitString, t.MaxLen()
	case column.Bytes:
		d.kind, d.accept, d.maxLen = vkBytes, LitString, t.MaxLen()
	}
	return d
}

// accepts reports whether a literal of kind k compares with the column: of the column's
// own kind, or any number with a numeric column (as SPARQL compares numbers across
// datatypes: "x < 9.5" on an int column is "x <= 9").
func (d domain) accepts(k LitKind) bool {
	return d.accept != 0 && (k == d.accept || d.numeric() && (k == LitInt || k == LitFloat))
}

// numeric reports whether the column holds numbers.
func (d domain) numeric() bool { return d.kind == vkInt || d.kind == vkUint || d.kind == vkFloat }

// want names the literals the column compares with, for an error message.
func (d domain) want() string {
	if d.numeric() {
		return "a number"
	}
	return d.accept.String()
}

// orderable reports whether the column's values have an order ORDER BY can use.
func (d domain) orderable() bool { return d.kind != vkNone }

// literalText names a literal for an error message: its type and text.
func literalText(l Literal) string { return l.Kind.String() + " " + l.String() }

// litReal returns a numeric literal as a float64.
func litReal(l Literal) float64 {
	if l.Kind == LitInt {
		return float64(l.Int)
	}
	return l.Float
}

// below and above return the largest column value ≤ the literal and the smallest one ≥ it;
// ok is false when there is none. exact reports whether the literal is a column value.
func (d domain) below(l Literal) (v column.Value, ok bool) {
	switch d.kind {
	case vkBool:
		return l.Bool, true
	case vkInt:
		if l.Kind == LitFloat {
			f := math.Floor(l.Float)
			switch {
			case math.IsNaN(f) || f < float64(d.imin):
				return nil, false
			case f >= float64(d.imax): // float64(MaxInt64) is 2^63, above every int64
				return d.imax, true
			}
			return int64(f), true
		}
		if l.Int < d.imin {
			return nil, false
		}
		return min(l.Int, d.imax), true
	case vkUint:
		if l.Kind == LitFloat {
			f := math.Floor(l.Float)
			switch {
			case math.IsNaN(f) || f < 0:
				return nil, false
			case f >= float64(d.umax):
				return d.umax, true
			}
			return uint64(f), true
		}
		if l.Int < 0 {
			return nil, false
		}
		return min(uint64(l.Int), d.umax), true
	case vkFloat:
		f := litReal(l)
		if !d.f32 {
			return f, true
		}
		g := float32(f) // nearest, or ±Inf beyond float32's range
		if float64(g) > f {
			g = math.Nextafter32(g, float32(math.Inf(-1)))
		}
		return zeroSign(float64(g)), true
	case vkString, vkBytes:
		s := l.Str
		if len(s) > d.maxLen {
			s = s[:d.maxLen] // a proper prefix: the largest storable value below the literal
		}
		return d.text(s), true
	}
	return nil, false
}

func (d domain) above(l Literal) (v column.Value, ok bool) {
	switch d.kind {
	case vkBool:
		return l.Bool, true
	case vkInt:
		if l.Kind == LitFloat {
			c := math.Ceil(l.Float)
			switch {
			case math.IsNaN(c) || c >= float64(d.imax) && (d.imax == math.MaxInt64 || c > float64(d.imax)):
				return nil, false
			case c <= float64(d.imin):
				return d.imin, true
			}
			return int64(c), true
		}
		if l.Int > d.imax {
			return nil, false
		}
		return max(l.Int, d.imin), true
	case vkUint:
		if l.Kind == LitFloat {
			c := math.Ceil(l.Float)
			switch {
			case math.IsNaN(c) || c >= float64(d.umax) && (d.umax == math.MaxUint64 || c > float64(d.umax)):
				return nil, false
			case c <= 0:
				return uint64(0), true
			}
			return uint64(c), true
		}
		if l.Int >= 0 && uint64(l.Int) > d.umax {
			return nil, false
		}
		return uint64(max(l.Int, 0)), true
	case vkFloat:
		f := litReal(l)
		if !d.f32 {
			return f, true
		}
		g := float32(f)
		if float64(g) < f {
			g = math.Nextafter32(g, float32(math.Inf(1)))
		}
		return zeroSign(float64(g)), true
	case vkString, vkBytes:
		if len(l.Str) > d.maxLen {
			return nil, false // no storable value is ≥ the literal but those > its prefix; see cmpIntervals
		}
		return d.text(l.Str), true
	}
	return nil, false
}

func zeroSign(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
}

func (d domain) text(s string) column.Value {
	if d.kind == vkBytes {
		return []byte(s)
	}
	return s
}

// exact reports whether the literal is itself a value of the column.
func (d domain) exact(l Literal) (column.Value, bool) {
	lo, ok1 := d.below(l)
	hi, ok2 := d.above(l)
	if !ok1 || !ok2 || column.CompareValues(lo, hi) != 0 {
		return nil, false
	}
	return lo, true
}

// tooLong reports a string literal longer than any value of the column.
func (d domain) tooLong(l Literal) bool {
	return (d.kind == vkString || d.kind == vkBytes) && len(l.Str) > d.maxLen
}

// cmpIntervals returns the intervals of the column values v for which "v op l" holds,
// leaving out those that hold no value of the column ("x > 127" on an int8).
func (d domain) cmpIntervals(op Op, l Literal) []interval {
	var out []interval
	for _, iv := range d.rawIntervals(op, l) {
		if !d.holdsNone(iv) {
			out = append(out, iv)
		}
	}
	return out
}

// holdsNone reports whether no value of the column lies in iv.
func (d domain) holdsNone(iv interval) bool {
	if iv.empty() {
		return true
	}
	// Nothing lies above the largest value or below the smallest.
	var lo, hi column.Value
	switch d.kind {
	case vkBool:
		lo, hi = false, true
	case vkInt:
		lo, hi = d.imin, d.imax
	case vkUint:
		lo, hi = uint64(0), d.umax
	case vkFloat:
		lo, hi = math.Inf(-1), math.Inf(1)
	case vkString, vkBytes:
		return iv.hi.Kind == column.Exclusive && column.CompareValues(iv.hi.Value, d.text("")) == 0
	default:
		return false
	}
	return iv.lo.Kind == column.Exclusive && column.CompareValues(iv.lo.Value, hi) == 0 ||
		iv.hi.Kind == column.Exclusive && column.CompareValues(iv.hi.Value, lo) == 0
}

func (d domain) rawIntervals(op Op, l Literal) []interval {
	switch op {
	case OpEq:
		if v, ok := d.exact(l); ok {
			return []interval{{column.Incl(v), column.Incl(v)}}
		}
		return nil
	case OpNe:
		if v, ok := d.exact(l); ok {
			return []interval{{column.Open, column.Excl(v)}, {column.Excl(v), column.Open}}
		}
		return []interval{everything}
	case OpLt, OpGe:
		var lt interval // v < l
		switch u, ok := d.above(l); {
		case ok:
			lt = interval{column.Open, column.Excl(u)}
		case d.tooLong(l):
			// No value is ≥ the literal but those > its prefix p; those < it are ≤ p.
			p, _ := d.below(l)
			if op == OpGe {
				return []interval{{column.Excl(p), column.Open}}
			}
			return []interval{{column.Open, column.Incl(p)}}
		default: // the literal is above every value
			if op == OpGe {
				return nil
			}
			return []interval{everything}
		}
		if op == OpGe {
			return []interval{{column.Incl(lt.hi.Value), column.Open}}
		}
		return []interval{lt}
	case OpLe, OpGt:
		b, ok := d.below(l)
		switch {
		case !ok && op == OpLe:
			return nil
		case !ok:
			return []interval{everything}
		case op == OpLe:
			return []interval{{column.Open, column.Incl(b)}}
		}
		return []interval{{column.Excl(b), column.Open}}
	}
	return nil
}

// betweenIntervals returns the intervals of "v BETWEEN lo AND hi": v >= lo and v <= hi.
func (d domain) betweenIntervals(lo, hi Literal) []interval {
	ge, le := d.cmpIntervals(OpGe, lo), d.cmpIntervals(OpLe, hi)
	if len(ge) == 0 || len(le) == 0 {
		return nil
	}
	iv := interval{ge[0].lo, le[0].hi}
	if iv.empty() {
		return nil
	}
	return []interval{iv}
}

// empty reports whether no value can lie in iv.
func (iv interval) empty() bool {
	if iv.lo.Kind == column.Unbounded || iv.hi.Kind == column.Unbounded {
		return false
	}
	c := column.CompareValues(iv.lo.Value, iv.hi.Value)
	return c > 0 || c == 0 && (iv.lo.Kind == column.Exclusive || iv.hi.Kind == column.Exclusive)
}

// contains reports whether v lies in iv.
func (iv interval) contains(v column.Value) bool {
	if iv.lo.Kind != column.Unbounded {
		c := column.CompareValues(v, iv.lo.Value)
		if c < 0 || c == 0 && iv.lo.Kind == column.Exclusive {
			return false
		}
	}
	if iv.hi.Kind != column.Unbounded {
		c := column.CompareValues(v, iv.hi.Value)
		if c > 0 || c == 0 && iv.hi.Kind == column.Exclusive {
			return false
		}
	}
	return true
}

// all reports whether iv holds every value.
func (iv interval) all() bool {
	return iv.lo.Kind == column.Unbounded && iv.hi.Kind == column.Unbounded
}

// String writes the interval for EXPLAIN, such as "[10, 20)" or "(-inf, 5]".
func (iv interval) String() string {
	var b strings.Builder
	if iv.lo.Kind == column.Inclusive {
		b.WriteByte('[')
	} else {
		b.WriteByte('(')
	}
	if iv.lo.Kind == column.Unbounded {
		b.WriteString("-inf")
	} else {
		b.WriteString(valueText(iv.lo.Value))
	}
	b.WriteString(", ")
	if iv.hi.Kind == column.Unbounded {
		b.WriteString("+inf")
	} else {
		b.WriteString(valueText(iv.hi.Value))
	}
	if iv.hi.Kind == column.Inclusive {
		b.WriteByte(']')
	} else {
		b.WriteByte(')')
	}
	return b.String()
}

// valueText formats a column value for EXPLAIN and error messages.
func valueText(v column.Value) string {
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return strconv.Quote(v)
	case []byte:
		return strconv.Quote(string(v))
	}
	return "?"
}
