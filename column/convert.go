package column

import (
	"fmt"
	"math"
	"reflect"
)

// convert returns v as the Value of type t: see Dyn.Convert.
func convert(t Type, v any) (Value, error) { return convertRV(t, reflect.ValueOf(v)) }

// convertRV converts rv to a Value of type t, with one conversion per kind of t.
func convertRV(t Type, rv reflect.Value) (Value, error) {
	for rv.Kind() == reflect.Interface && !rv.IsNil() {
		rv = rv.Elem() // an element of a []Value
	}
	if !rv.IsValid() {
		return nil, typeErr(t, rv)
	}
	switch t.kind {
	case Bool:
		return toBool(t, rv)
	case Int8, Int16, Int32, Int64:
		return toInt(t, rv)
	case Uint8, Uint16, Uint32, Uint64:
		return toUint(t, rv)
	case Float32, Float64:
		return toFloat(t, rv)
	case String, Bytes:
		return toBytes(t, rv)
	case Array:
		return toArray(t, rv)
	case Struct:
		return toStruct(t, rv)
	}
	return nil, typeErr(t, rv)
}

func toBool(t Type, rv reflect.Value) (Value, error) {
	if rv.Kind() != reflect.Bool {
		return nil, typeErr(t, rv)
	}
	return rv.Bool(), nil
}

// toInt converts any Go integer, or a float with no fraction, to a signed integer of t's
// size.
func toInt(t Type, rv reflect.Value) (Value, error) {
	bits := 8 * scalarSizes[t.kind]
	lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
	var x int64
	switch {
	case isInt(rv):
		x = rv.Int()
	case isUint(rv):
		if rv.Uint() > uint64(hi) {
			return nil, rangeErr(t, rv)
		}
		x = int64(rv.Uint())
	case isFloat(rv):
		f := rv.Float()
		if f != math.Trunc(f) {
			return nil, typeErr(t, rv)
		}
		if f < -(1<<63) || f >= 1<<63 {
			return nil, rangeErr(t, rv)
		}
		x = int64(f)
	default:
		return nil, typeErr(t, rv)
	}
	if x < lo || x > hi {
		return nil, rangeErr(t, rv)
	}
	return x, nil
}

// toUint converts any Go integer, or a float with no fraction, to an unsigned integer of
// t's size.
func toUint(t Type, rv reflect.Value) (Value, error) {
	bits := 8 * scalarSizes[t.kind]
	hi := uint64(math.MaxUint64) >> (64 - bits)
	var x uint64
	switch {
	case isInt(rv):
		if rv.Int() < 0 {
			return nil, rangeErr(t, rv)
		}
		x = uint64(rv.Int())
	case isUint(rv):
		x = rv.Uint()
	case isFloat(rv):
		f := rv.Float()
		if f != math.Trunc(f) {
			return nil, typeErr(t, rv)
		}
		if f < 0 || f >= 1<<64 {
			return nil, rangeErr(t, rv)
		}
		x = uint64(f)
	default:
		return nil, typeErr(t, rv)
	}
	if x > hi {
		return nil, rangeErr(t, rv)
	}
	return x, nil
}

// toFloat converts any Go number to a float64 that t can hold: rounded to float32 for a
// Float32 column, -0 as +0, NaN refused.
func toFloat(t Type, rv reflect.Value) (Value, error) {
	var f float64
	switch {
	case isInt(rv):
		f = float64(rv.Int())
	case isUint(rv):
		f = float64(rv.Uint())
	case isFloat(rv):
		f = rv.Float()
	default:
		return nil, typeErr(t, rv)
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
}

// toBytes converts a string (or, for Bytes, a byte slice) of at most t's length.
func toBytes(t Type, rv reflect.Value) (Value, error) {
	var s string
	switch {
	case rv.Kind() == reflect.String:
		s = rv.String()
	case t.kind == Bytes && isByteSlice(rv):
		s = string(rv.Bytes())
	default:
		return nil, typeErr(t, rv)
	}
	if len(s) > t.n {
		return nil, fmt.Errorf("%w: %d bytes, %s allows at most %d", ErrTooLong, len(s), t, t.n)
	}
	if t.kind == String {
		return s, nil
	}
	return []byte(s), nil
}

// toArray converts a slice or array of t's length, element by element; an array of bytes
// is a []byte Value.
func toArray(t Type, rv reflect.Value) (Value, error) {
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, typeErr(t, rv)
	}
	if rv.Len() != t.n {
		return nil, fmt.Errorf("%w: want %s, got %d elements", ErrType, t, rv.Len())
	}
	if t.elem.kind == Uint8 {
		return toByteArray(t, rv)
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
}

// toByteArray converts a []byte, a [n]byte, or any list of n values that fit a byte.
func toByteArray(t Type, rv reflect.Value) (Value, error) {
	if isByteSlice(rv) {
		return append([]byte{}, rv.Bytes()...), nil
	}
	out := make([]byte, t.n)
	if rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8 {
		for i := range out {
			out[i] = byte(rv.Index(i).Uint())
		}
		return out, nil
	}
	for i := range out {
		e, err := convertRV(*t.elem, rv.Index(i))
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		out[i] = byte(e.(uint64))
	}
	return out, nil
}

// toStruct converts a struct with t's number of fields, or a slice or array of one value
// per field, field by field.
func toStruct(t Type, rv reflect.Value) (Value, error) {
	n := len(t.fields)
	var get func(i int) reflect.Value
	switch rv.Kind() {
	case reflect.Struct:
		if rv.NumField() != n {
			return nil, typeErr(t, rv)
		}
		get = rv.Field
	case reflect.Slice, reflect.Array:
		if rv.Len() != n {
			return nil, fmt.Errorf("%w: want %s, got %d fields", ErrType, t, rv.Len())
		}
		get = rv.Index
	default:
		return nil, typeErr(t, rv)
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

func isInt(rv reflect.Value) bool {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

func isUint(rv reflect.Value) bool {
	switch rv.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

func isFloat(rv reflect.Value) bool {
	return rv.Kind() == reflect.Float32 || rv.Kind() == reflect.Float64
}

func isByteSlice(rv reflect.Value) bool {
	return rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8
}

// typeErr reports a value of the wrong type for t.
func typeErr(t Type, rv reflect.Value) error {
	return fmt.Errorf("%w: want %s, got %s", ErrType, t, describe(rv))
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
