package column

import (
	"fmt"
	"math"
	"reflect"
)

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
