package column

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"unsafe"

	"github.com/stablegraph/stablegraph/store"
)

var be = binary.BigEndian

// le reads and writes pairs of words of Go values, where the machine's order is it
// (pairWords).
var le = binary.LittleEndian

// codec encodes and decodes the values of one Type, from Values and, when it was built for
// a Go type, straight from and into Go memory.
type codec struct {
	t     Type
	fixed int  // FixedSize; 0 for String and Bytes
	ops   []op // typed: the scalars of the Go type in encoding order
	goVar bool // typed String or Bytes
	// word is set when the Go type is nothing but 4-byte scalars of this one kind (Float32,
	// Int32 or Uint32) laid end to end, as an ECS component such as struct{ X, Y float32 }
	// is: its values then decode and encode a word at a time, with no walk of ops.
	word TypeKind
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
	c.word = wordKind(c.ops, rt.Size())
	return c
}

// wordKind returns the kind of every op, if they are all the same 4-byte kind at offsets 0,
// 4, 8, … of a Go type of size bytes, and 0 if not.
func wordKind(ops []op, size uintptr) TypeKind {
	if len(ops) == 0 || size != uintptr(4*len(ops)) {
		return 0
	}
	k := ops[0].kind
	for i, o := range ops {
		if o.kind != k || o.off != uintptr(4*i) {
			return 0
		}
	}
	switch k {
	case Float32, Int32, Uint32:
		return k
	}
	return 0
}

// encFixed encodes the Go value at p into the first c.fixed bytes of dst, which has room
// for them, and returns them, as encT would append them; the codec must be typed and
// fixed-size.
func (c *codec) encFixed(dst []byte, p unsafe.Pointer) ([]byte, error) {
	if c.word == 0 {
		return c.encT(dst[:0], p)
	}
	return c.encWords(dst, unsafe.Slice((*uint32)(p), c.fixed/4))
}

// encRun appends the encodings of the n Go values at p, laid out as a slice of the
// codec's Go type (size bytes each); the codec must be typed and fixed-size.
func (c *codec) encRun(dst []byte, p unsafe.Pointer, n int, size uintptr) ([]byte, error) {
	if c.word == 0 {
		var err error
		for i := range n {
			if dst, err = c.encT(dst, unsafe.Add(p, uintptr(i)*size)); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	at := len(dst)
	dst = slices.Grow(dst, n*c.fixed)
	b, err := c.encWords(dst[at:at+n*c.fixed], unsafe.Slice((*uint32)(p), n*c.fixed/4))
	return dst[:at+len(b)], err
}

// encWords encodes the words w of values of the codec's word kind into dst, which has
// room for them, and returns them. It takes two words at a time, as one 64-bit integer
// whose halves are the two words (pairs), where the machine allows (pairWords); the last
// of an odd number goes alone.
func (c *codec) encWords(dst []byte, w []uint32) ([]byte, error) {
	dst = dst[:4*len(w)]
	src := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), 4*len(w))
	m := 0 // words in pairs
	if pairWords {
		m = len(w) &^ 1
	}
	switch c.word {
	case Float32:
		for i := 0; i < m; i += 2 {
			x := le.Uint64(src[4*i:])
			a := x &^ signs
			if (a+pairs*(1<<31-1-0x7f800000))&signs != 0 {
				return dst, store.ErrNaN // a half above +Inf's bits: a NaN
			}
			x &= (a+pairs*(1<<31-1))&signs | ^signs // -0 → +0: a zero half loses its sign
			// As store.AppendFloat32: flip the sign bit of a positive number, every bit
			// of a negative one, in each half.
			x ^= signs | ((x>>31)&pairs)*(1<<31-1)
			be.PutUint64(dst[4*i:], bits.RotateLeft64(x, 32))
		}
		for i := m; i < len(w); i++ {
			u := w[i]
			switch {
			case u&^(1<<31) > 0x7f800000:
				return dst, store.ErrNaN
			case u == 1<<31:
				u = 0 // -0 → +0
			}
			be.PutUint32(dst[4*i:], u^(uint32(int32(u)>>31)|1<<31))
		}
	case Int32:
		for i := 0; i < m; i += 2 {
			be.PutUint64(dst[4*i:], bits.RotateLeft64(le.Uint64(src[4*i:])^signs, 32))
		}
		for i := m; i < len(w); i++ {
			be.PutUint32(dst[4*i:], w[i]^0x80000000)
		}
	case Uint32:
		for i := 0; i < m; i += 2 {
			be.PutUint64(dst[4*i:], bits.RotateLeft64(le.Uint64(src[4*i:]), 32))
		}
		for i := m; i < len(w); i++ {
			be.PutUint32(dst[4*i:], w[i])
		}
	}
	return dst, nil
}

// signs and pairs are masks of a pair of words in a 64-bit integer: the sign bit of each,
// and bit 0 of each.
const (
	signs uint64 = 1<<63 | 1<<31
	pairs uint64 = 1<<32 | 1
)

// pairWords says whether the pair loops of encWords and decRun may run: they read and
// write a pair of words of Go values as one little-endian integer.
var pairWords = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

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
// of 4-byte scalars of one kind decodes a word at a time, a value of one scalar (a column of int32, of float64, …) decodes in a loop of its own, not a
// walk of the ops per value: a scan's cost per entity is mostly this.
func (c *codec) decRun(src []byte, size, n int, dst unsafe.Pointer, stride uintptr) {
	if c.word != 0 && size == c.fixed && stride == uintptr(c.fixed) {
		// Components of 4-byte scalars of one kind (codec.word) laid out without padding:
		// a word at a time.
		// Two words at a time, as encWords.
		w := unsafe.Slice((*uint32)(dst), n*c.fixed/4)
		d := unsafe.Slice((*byte)(dst), 4*len(w))
		src = src[:4*len(w)]
		m := 0
		if pairWords {
			m = len(w) &^ 1
		}
		switch c.word {
		case Float32:
			for i := 0; i < m; i += 2 {
				x := bits.RotateLeft64(be.Uint64(src[4*i:]), 32)
				// As store.DecodeFloat32, without a branch: flip the sign bit of a positive
				// number's encoding, every bit of a negative one's, in each half.
				x ^= signs | ((x>>31)&pairs^pairs)*(1<<31-1)
				le.PutUint64(d[4*i:], x)
			}
			for i := m; i < len(w); i++ {
				u := be.Uint32(src[4*i:])
				w[i] = u ^ (^uint32(int32(u)>>31) | 1<<31)
			}
		case Int32:
			for i := 0; i < m; i += 2 {
				le.PutUint64(d[4*i:], bits.RotateLeft64(be.Uint64(src[4*i:]), 32)^signs)
			}
			for i := m; i < len(w); i++ {
				w[i] = be.Uint32(src[4*i:]) ^ 0x80000000
			}
		case Uint32:
			for i := 0; i < m; i += 2 {
				le.PutUint64(d[4*i:], bits.RotateLeft64(be.Uint64(src[4*i:]), 32))
			}
			for i := m; i < len(w); i++ {
				w[i] = be.Uint32(src[4*i:])
			}
		}
		return
	}
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
