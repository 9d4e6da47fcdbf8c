package column

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/stablegraph/stablegraph/store"
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
			dst = store.AppendInt64(dst, *(*int64)(q))
		case Uint8:
			dst = append(dst, *(*uint8)(q))
		case Uint16:
			dst = be.AppendUint16(dst, *(*uint16)(q))
		case Uint32:
			dst = be.AppendUint32(dst, *(*uint32)(q))
		case Uint64:
			dst = store.AppendUint64(dst, *(*uint64)(q))
		case Float32:
			var err error
			if dst, err = store.AppendFloat32(dst, *(*float32)(q)); err != nil {
				return dst, err
			}
		case Float64:
			var err error
			if dst, err = store.AppendFloat64(dst, *(*float64)(q)); err != nil {
				return dst, err
			}
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
			*(*int64)(q) = store.DecodeInt64(src)
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
			*(*uint64)(q) = store.DecodeUint64(src)
			src = src[8:]
		case Float32:
			*(*float32)(q) = store.DecodeFloat32(src)
			src = src[4:]
		case Float64:
			*(*float64)(q) = store.DecodeFloat64(src)
			src = src[8:]
		case rawRun:
			copy(unsafe.Slice((*byte)(q), o.n), src)
			src = src[o.n:]
		}
	}
}

// decRun decodes the n values of size bytes packed in src into n Go values from dst on,
// stride bytes apart (an array of them); the codec must be typed and of fixed size. A value
// of one scalar (a column of int32, of float64, …) decodes in a loop of its own, not a
// walk of the ops per value: a scan's cost per entity is mostly this.
func (c *codec) decRun(src []byte, size, n int, dst unsafe.Pointer, stride uintptr) {
	// One scalar at offset 0 is the whole Go value: each write below stays inside the
	// value j at dst+j·stride, as decT's would.
	if len(c.ops) == 1 && c.ops[0].off == 0 && len(src) >= n*size {
		at := func(j int) unsafe.Pointer { return unsafe.Add(dst, uintptr(j)*stride) }
		switch c.ops[0].kind {
		case Int8:
			for j := range n {
				*(*int8)(at(j)) = int8(src[j*size] ^ 0x80)
			}
			return
		case Uint8:
			for j := range n {
				*(*uint8)(at(j)) = src[j*size]
			}
			return
		case Int16:
			for j := range n {
				*(*int16)(at(j)) = int16(be.Uint16(src[j*size:]) ^ 0x8000)
			}
			return
		case Uint16:
			for j := range n {
				*(*uint16)(at(j)) = be.Uint16(src[j*size:])
			}
			return
		case Int32:
			for j := range n {
				*(*int32)(at(j)) = int32(be.Uint32(src[j*size:]) ^ 0x80000000)
			}
			return
		case Uint32:
			for j := range n {
				*(*uint32)(at(j)) = be.Uint32(src[j*size:])
			}
			return
		case Int64:
			for j := range n {
				*(*int64)(at(j)) = store.DecodeInt64(src[j*size:])
			}
			return
		case Uint64:
			for j := range n {
				*(*uint64)(at(j)) = store.DecodeUint64(src[j*size:])
			}
			return
		case Float32:
			for j := range n {
				*(*float32)(at(j)) = store.DecodeFloat32(src[j*size:])
			}
			return
		case Float64:
			for j := range n {
				*(*float64)(at(j)) = store.DecodeFloat64(src[j*size:])
			}
			return
		}
	}
	for j := range n {
		c.decT(src[j*size:(j+1)*size], unsafe.Add(dst, uintptr(j)*stride))
	}
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
		return store.AppendInt64(dst, v.(int64)), nil
	case Uint8:
		return append(dst, uint8(v.(uint64))), nil
	case Uint16:
		return be.AppendUint16(dst, uint16(v.(uint64))), nil
	case Uint32:
		return be.AppendUint32(dst, uint32(v.(uint64))), nil
	case Uint64:
		return store.AppendUint64(dst, v.(uint64)), nil
	case Float32:
		return store.AppendFloat32(dst, float32(v.(float64)))
	case Float64:
		return store.AppendFloat64(dst, v.(float64))
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
		return store.DecodeInt64(src), src[8:]
	case Uint8:
		return uint64(src[0]), src[1:]
	case Uint16:
		return uint64(be.Uint16(src)), src[2:]
	case Uint32:
		return uint64(be.Uint32(src)), src[4:]
	case Uint64:
		return store.DecodeUint64(src), src[8:]
	case Float32:
		return float64(store.DecodeFloat32(src)), src[4:]
	case Float64:
		return store.DecodeFloat64(src), src[8:]
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
