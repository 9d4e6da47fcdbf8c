package column

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"unsafe"
)

var be = binary.BigEndian

// codec encodes and decodes the values of one Type, from Values and, when it was built for
// a Go type, straight from and into Go memory.
type codec struct {
	t     Type
	fixed int  // FixedSize; 0 for String and Bytes
	ops   []op // typed: the scalars of the Go type in encoding order
	goVar bool // typed String or Bytes
}

// op is one scalar (or one run of raw bytes) of a Go value: its kind and its offset.
type op struct {
	kind TypeKind
	off  uintptr
	n    int // rawRun: number of bytes
}

// rawRun is the op kind of a [N]uint8 array, copied as it is.
const rawRun = Struct + 1

func newCodec(t Type) *codec { return &codec{t: t, fixed: t.FixedSize()} }

// newTypedCodec returns the codec of t for Go type rt, whose shape typeOf found to be t.
func newTypedCodec(t Type, rt reflect.Type) *codec {
	c := newCodec(t)
	if c.fixed == 0 {
		c.goVar = true
		return c
	}
	flatten(rt, 0, &c.ops)
	return c
}

func flatten(rt reflect.Type, base uintptr, ops *[]op) {
	switch rt.Kind() {
	case reflect.Array:
		if rt.Elem().Kind() == reflect.Uint8 {
			*ops = append(*ops, op{kind: rawRun, off: base, n: rt.Len()})
			return
		}
		for i := range rt.Len() {
			flatten(rt.Elem(), base+uintptr(i)*rt.Elem().Size(), ops)
		}
	case reflect.Struct:
		for i := range rt.NumField() {
			f := rt.Field(i)
			flatten(f.Type, base+f.Offset, ops)
		}
	default:
		t, _ := typeOf(rt)
		*ops = append(*ops, op{kind: t.kind, off: base})
	}
}

// encT appends the encoding of the Go value at p; the codec must be typed.
func (c *codec) encT(dst []byte, p unsafe.Pointer) ([]byte, error) {
	if c.goVar {
		var b []byte
		if c.t.kind == String {
			s := *(*string)(p)
			b = unsafe.Slice(unsafe.StringData(s), len(s))
		} else {
			b = *(*[]byte)(p)
		}
		if len(b) > c.t.n {
			return dst, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(b), c.t.n)
		}
		return append(dst, b...), nil
	}
	for _, o := range c.ops {
		q := unsafe.Add(p, o.off)
		switch o.kind {
		case Bool:
			if *(*bool)(q) {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		case Int8:
			dst = append(dst, uint8(*(*int8)(q))^0x80)
		case Int16:
			dst = be.AppendUint16(dst, uint16(*(*int16)(q))^0x8000)
		case Int32:
			dst = be.AppendUint32(dst, uint32(*(*int32)(q))^0x80000000)
		case Int64:
			dst = be.AppendUint64(dst, uint64(*(*int64)(q))^(1<<63))
		case Uint8:
			dst = append(dst, *(*uint8)(q))
		case Uint16:
			dst = be.AppendUint16(dst, *(*uint16)(q))
		case Uint32:
			dst = be.AppendUint32(dst, *(*uint32)(q))
		case Uint64:
			dst = be.AppendUint64(dst, *(*uint64)(q))
		case Float32:
			u, err := float32Key(*(*float32)(q))
			if err != nil {
				return dst, err
			}
			dst = be.AppendUint32(dst, u)
		case Float64:
			u, err := float64Key(*(*float64)(q))
			if err != nil {
				return dst, err
			}
			dst = be.AppendUint64(dst, u)
		case rawRun:
			dst = append(dst, unsafe.Slice((*byte)(q), o.n)...)
		}
	}
	return dst, nil
}

// decT decodes src into the Go value at p; the codec must be typed.
func (c *codec) decT(src []byte, p unsafe.Pointer) {
	if c.goVar {
		if c.t.kind == String {
			*(*string)(p) = string(src)
		} else {
			*(*[]byte)(p) = append([]byte{}, src...)
		}
		return
	}
	for _, o := range c.ops {
		q := unsafe.Add(p, o.off)
		switch o.kind {
		case Bool:
			*(*bool)(q) = src[0] != 0
			src = src[1:]
		case Int8:
			*(*int8)(q) = int8(src[0] ^ 0x80)
			src = src[1:]
		case Int16:
			*(*int16)(q) = int16(be.Uint16(src) ^ 0x8000)
			src = src[2:]
		case Int32:
			*(*int32)(q) = int32(be.Uint32(src) ^ 0x80000000)
			src = src[4:]
		case Int64:
			*(*int64)(q) = int64(be.Uint64(src) ^ (1 << 63))
			src = src[8:]
		case Uint8:
			*(*uint8)(q) = src[0]
			src = src[1:]
		case Uint16:
			*(*uint16)(q) = be.Uint16(src)
			src = src[2:]
		case Uint32:
			*(*uint32)(q) = be.Uint32(src)
			src = src[4:]
		case Uint64:
			*(*uint64)(q) = be.Uint64(src)
			src = src[8:]
		case Float32:
			*(*float32)(q) = float32FromKey(be.Uint32(src))
			src = src[4:]
		case Float64:
			*(*float64)(q) = float64FromKey(be.Uint64(src))
			src = src[8:]
		case rawRun:
			copy(unsafe.Slice((*byte)(q), o.n), src)
			src = src[o.n:]
		}
	}
}

// float32Key maps f to a uint32 whose order is f's: positive numbers get the sign bit set,
// negative ones have every bit flipped; -0 is +0 and NaN is refused.
func float32Key(f float32) (uint32, error) {
	if f != f {
		return 0, ErrNaN
	}
	if f == 0 {
		return 1 << 31, nil
	}
	u := math.Float32bits(f)
	if u&(1<<31) != 0 {
		return ^u, nil
	}
	return u | 1<<31, nil
}

func float32FromKey(u uint32) float32 {
	if u&(1<<31) != 0 {
		return math.Float32frombits(u &^ (1 << 31))
	}
	return math.Float32frombits(^u)
}

// float64Key is float32Key for float64.
func float64Key(f float64) (uint64, error) {
	if f != f {
		return 0, ErrNaN
	}
	if f == 0 {
		return 1 << 63, nil
	}
	u := math.Float64bits(f)
	if u&(1<<63) != 0 {
		return ^u, nil
	}
	return u | 1<<63, nil
}

func float64FromKey(u uint64) float64 {
	if u&(1<<63) != 0 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

// encV appends the encoding of v, a Value of type t as convert returns it.
func encV(t Type, dst []byte, v Value) ([]byte, error) {
	switch t.kind {
	case Bool:
		if v.(bool) {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case Int8:
		return append(dst, uint8(v.(int64))^0x80), nil
	case Int16:
		return be.AppendUint16(dst, uint16(v.(int64))^0x8000), nil
	case Int32:
		return be.AppendUint32(dst, uint32(v.(int64))^0x80000000), nil
	case Int64:
		return be.AppendUint64(dst, uint64(v.(int64))^(1<<63)), nil
	case Uint8:
		return append(dst, uint8(v.(uint64))), nil
	case Uint16:
		return be.AppendUint16(dst, uint16(v.(uint64))), nil
	case Uint32:
		return be.AppendUint32(dst, uint32(v.(uint64))), nil
	case Uint64:
		return be.AppendUint64(dst, v.(uint64)), nil
	case Float32:
		u, err := float32Key(float32(v.(float64)))
		return be.AppendUint32(dst, u), err
	case Float64:
		u, err := float64Key(v.(float64))
		return be.AppendUint64(dst, u), err
	case String:
		return append(dst, v.(string)...), nil
	case Bytes:
		return append(dst, v.([]byte)...), nil
	case Array:
		if t.elem.kind == Uint8 {
			return append(dst, v.([]byte)...), nil
		}
		var err error
		for _, e := range v.([]Value) {
			if dst, err = encV(*t.elem, dst, e); err != nil {
				return dst, err
			}
		}
		return dst, nil
	case Struct:
		var err error
		for i, e := range v.([]Value) {
			if dst, err = encV(t.fields[i].Type, dst, e); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	return dst, fmt.Errorf("%w: invalid type", ErrType)
}

// decV decodes a Value of type t from the start of src and returns the rest. For String and
// Bytes it takes all of src. The Value shares no memory with src.
func decV(t Type, src []byte) (Value, []byte) {
	switch t.kind {
	case Bool:
		return src[0] != 0, src[1:]
	case Int8:
		return int64(int8(src[0] ^ 0x80)), src[1:]
	case Int16:
		return int64(int16(be.Uint16(src) ^ 0x8000)), src[2:]
	case Int32:
		return int64(int32(be.Uint32(src) ^ 0x80000000)), src[4:]
	case Int64:
		return int64(be.Uint64(src) ^ (1 << 63)), src[8:]
	case Uint8:
		return uint64(src[0]), src[1:]
	case Uint16:
		return uint64(be.Uint16(src)), src[2:]
	case Uint32:
		return uint64(be.Uint32(src)), src[4:]
	case Uint64:
		return be.Uint64(src), src[8:]
	case Float32:
		return float64(float32FromKey(be.Uint32(src))), src[4:]
	case Float64:
		return float64FromKey(be.Uint64(src)), src[8:]
	case String:
		return string(src), nil
	case Bytes:
		return append([]byte{}, src...), nil
	case Array:
		if t.elem.kind == Uint8 {
			return append([]byte{}, src[:t.n]...), src[t.n:]
		}
		out := make([]Value, t.n)
		for i := range out {
			out[i], src = decV(*t.elem, src)
		}
		return out, src
	case Struct:
		out := make([]Value, len(t.fields))
		for i, f := range t.fields {
			out[i], src = decV(f.Type, src)
		}
		return out, src
	}
	return nil, src
}

// convert returns v as the Value of type t: see Dyn.Convert.
func convert(t Type, v any) (Value, error) { return convertRV(t, reflect.ValueOf(v)) }

func convertRV(t Type, rv reflect.Value) (Value, error) {
	for rv.Kind() == reflect.Interface && !rv.IsNil() {
		rv = rv.Elem() // an element of a []Value
	}
	bad := func() (Value, error) {
		return nil, fmt.Errorf("%w: want %s, got %s", ErrType, t, describe(rv))
	}
	if !rv.IsValid() {
		return bad()
	}
	switch t.kind {
	case Bool:
		if rv.Kind() == reflect.Bool {
			return rv.Bool(), nil
		}
		return bad()
	case Int8, Int16, Int32, Int64:
		bits := 8 * scalarSizes[t.kind]
		lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
		var x int64
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			x = rv.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if rv.Uint() > uint64(hi) {
				return nil, rangeErr(t, rv)
			}
			x = int64(rv.Uint())
		case reflect.Float32, reflect.Float64:
			f := rv.Float()
			if f != math.Trunc(f) {
				return bad()
			}
			if f < -(1<<63) || f >= 1<<63 {
				return nil, rangeErr(t, rv)
			}
			x = int64(f)
		default:
			return bad()
		}
		if x < lo || x > hi {
			return nil, rangeErr(t, rv)
		}
		return x, nil
	case Uint8, Uint16, Uint32, Uint64:
		bits := 8 * scalarSizes[t.kind]
		hi := uint64(math.MaxUint64) >> (64 - bits)
		var x uint64
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if rv.Int() < 0 {
				return nil, rangeErr(t, rv)
			}
			x = uint64(rv.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			x = rv.Uint()
		case reflect.Float32, reflect.Float64:
			f := rv.Float()
			if f != math.Trunc(f) {
				return bad()
			}
			if f < 0 || f >= 1<<64 {
				return nil, rangeErr(t, rv)
			}
			x = uint64(f)
		default:
			return bad()
		}
		if x > hi {
			return nil, rangeErr(t, rv)
		}
		return x, nil
	case Float32, Float64:
		var f float64
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f = float64(rv.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			f = float64(rv.Uint())
		case reflect.Float32, reflect.Float64:
			f = rv.Float()
		default:
			return bad()
		}
		if f != f {
			return nil, fmt.Errorf("%w: want %s", ErrNaN, t)
		}
		if t.kind == Float32 {
			if !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				return nil, rangeErr(t, rv)
			}
			f = float64(float32(f))
		}
		if f == 0 {
			f = 0 // -0 is +0, as the encoding has it
		}
		return f, nil
	case String, Bytes:
		var b []byte
		var s string
		switch {
		case rv.Kind() == reflect.String:
			s = rv.String()
		case t.kind == Bytes && rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
			b = rv.Bytes()
			s = string(b)
		default:
			return bad()
		}
		if len(s) > t.n {
			return nil, fmt.Errorf("%w: %d bytes, %s allows at most %d", ErrTooLong, len(s), t, t.n)
		}
		if t.kind == String {
			return s, nil
		}
		return []byte(s), nil
	case Array:
		if (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Len() != t.n {
			return nil, fmt.Errorf("%w: want %s, got %d elements", ErrType, t, rv.Len())
		}
		if t.elem.kind == Uint8 {
			switch {
			case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
				return append([]byte{}, rv.Bytes()...), nil
			case rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8:
				out := make([]byte, t.n)
				for i := range out {
					out[i] = byte(rv.Index(i).Uint())
				}
				return out, nil
			}
		}
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return bad()
		}
		if t.elem.kind == Uint8 {
			out := make([]byte, t.n)
			for i := range out {
				e, err := convertRV(*t.elem, rv.Index(i))
				if err != nil {
					return nil, fmt.Errorf("element %d: %w", i, err)
				}
				out[i] = byte(e.(uint64))
			}
			return out, nil
		}
		out := make([]Value, t.n)
		for i := range out {
			e, err := convertRV(*t.elem, rv.Index(i))
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = e
		}
		return out, nil
	case Struct:
		n := len(t.fields)
		var get func(i int) reflect.Value
		switch rv.Kind() {
		case reflect.Struct:
			if rv.NumField() != n {
				return bad()
			}
			get = func(i int) reflect.Value { return rv.Field(i) }
		case reflect.Slice, reflect.Array:
			if rv.Len() != n {
				return nil, fmt.Errorf("%w: want %s, got %d fields", ErrType, t, rv.Len())
			}
			get = func(i int) reflect.Value { return rv.Index(i) }
		default:
			return bad()
		}
		out := make([]Value, n)
		for i, f := range t.fields {
			e, err := convertRV(f.Type, get(i))
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			out[i] = e
		}
		return out, nil
	}
	return bad()
}

func rangeErr(t Type, rv reflect.Value) error {
	return fmt.Errorf("%w: %s does not fit %s", ErrRange, text(rv), t)
}

// describe names the type and value of rv for an error message.
func describe(rv reflect.Value) string {
	if !rv.IsValid() {
		return "nil"
	}
	if rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return "nil"
		}
		rv = rv.Elem()
	}
	return fmt.Sprintf("%v (%s)", rv.Type(), text(rv))
}

func text(rv reflect.Value) string {
	s := fmt.Sprintf("%v", rv)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}
