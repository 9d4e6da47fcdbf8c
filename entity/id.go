package entity

import "encoding/binary"

// ID identifies an entity within its store. IDs start at 1 and are never reused: a deleted
// entity's ID stays dead. 0 is never an entity.
type ID uint64

// KeySize is the size of an encoded ID.
const KeySize = 8

// Key returns the 8-byte big-endian key of id, whose bytewise order is the IDs' order.
func Key(id ID) [KeySize]byte {
	var b [KeySize]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	return b
}

// AppendKey appends the 8-byte key of id to dst.
func AppendKey(dst []byte, id ID) []byte { return binary.BigEndian.AppendUint64(dst, uint64(id)) }

// FromKey returns the ID whose key is the first 8 bytes of b.
func FromKey(b []byte) ID { return ID(binary.BigEndian.Uint64(b)) }

// KeyRange returns the keys [lo, hi) of the entries of entity id in a tree keyed by
// (ID, …), as a column's or a verb's are; hi is nil for the largest ID.
func KeyRange(id ID) (lo, hi []byte) {
	k := Key(id)
	lo = k[:]
	if id != ^ID(0) {
		k2 := Key(id + 1)
		hi = k2[:]
	}
	return lo, hi
}
