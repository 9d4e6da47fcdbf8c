package store

import (
	"encoding/binary"
	"errors"
	"math"
)

// ErrNaN reports a float key that is NaN: NaN has no place in an order, so it cannot be a key.
var ErrNaN = errors.New("NaN cannot be a key")

// B-tree keys compare bytewise (bytes.Compare). The encodings below map numbers to 8 bytes
// whose bytewise order is the numbers' order, so that a range of numbers is a range of keys:
//
//	uint64   big-endian
//	int64    big-endian with the sign bit flipped (math.MinInt64 → 00…, -1 → 7F FF…, 0 → 80 00…)
//	float64  IEEE 754 bits, big-endian; positive numbers get the sign bit set, negative numbers
//	         get every bit flipped. -0 is stored as +0, so equal numbers have equal keys.
//	float32  the same, in 4 bytes
//
// The Append forms add the encoding to dst, for composite keys such as (value, entity ID).

// EncodeUint64 returns the order-preserving 8-byte key of v.
func EncodeUint64(v uint64) [8]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b
}

// AppendUint64 appends the 8-byte key of v to dst.
func AppendUint64(dst []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(dst, v) }

// DecodeUint64 returns the uint64 whose key is the first 8 bytes of b.
func DecodeUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// EncodeInt64 returns the order-preserving 8-byte key of v.
func EncodeInt64(v int64) [8]byte { return EncodeUint64(uint64(v) ^ 1<<63) }

// AppendInt64 appends the 8-byte key of v to dst.
func AppendInt64(dst []byte, v int64) []byte { return AppendUint64(dst, uint64(v)^1<<63) }

// DecodeInt64 returns the int64 whose key is the first 8 bytes of b.
func DecodeInt64(b []byte) int64 { return int64(DecodeUint64(b) ^ 1<<63) }

// EncodeFloat64 returns the order-preserving 8-byte key of f. It refuses NaN with ErrNaN,
// and encodes -0 as +0.
func EncodeFloat64(f float64) ([8]byte, error) {
	u, err := floatBits(f)
	return EncodeUint64(u), err
}

// AppendFloat64 appends the 8-byte key of f to dst; it refuses NaN with ErrNaN.
func AppendFloat64(dst []byte, f float64) ([]byte, error) {
	u, err := floatBits(f)
	if err != nil {
		return dst, err
	}
	return AppendUint64(dst, u), nil
}

// DecodeFloat64 returns the float64 whose key is the first 8 bytes of b.
func DecodeFloat64(b []byte) float64 {
	u := DecodeUint64(b)
	if u&(1<<63) != 0 {
		u &^= 1 << 63
	} else {
		u = ^u
	}
	return math.Float64frombits(u)
}

func floatBits(f float64) (uint64, error) {
	if math.IsNaN(f) {
		return 0, ErrNaN
	}
	if f == 0 {
		f = 0 // -0 → +0
	}
	u := math.Float64bits(f)
	if u&(1<<63) != 0 {
		return ^u, nil
	}
	return u | 1<<63, nil
}

// AppendFloat32 appends the order-preserving 4-byte key of f to dst; it refuses NaN with
// ErrNaN.
func AppendFloat32(dst []byte, f float32) ([]byte, error) {
	if f != f {
		return dst, ErrNaN
	}
	if f == 0 {
		f = 0 // -0 → +0
	}
	u := math.Float32bits(f)
	if u&(1<<31) != 0 {
		u = ^u
	} else {
		u |= 1 << 31
	}
	return binary.BigEndian.AppendUint32(dst, u), nil
}

// DecodeFloat32 returns the float32 whose key is the first 4 bytes of b.
func DecodeFloat32(b []byte) float32 {
	u := binary.BigEndian.Uint32(b)
	if u&(1<<31) != 0 {
		u &^= 1 << 31
	} else {
		u = ^u
	}
	return math.Float32frombits(u)
}
