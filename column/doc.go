// Package column stores the attributes of entities. A column is a B-tree from entity ID to
// a value, declared with a Go type ([Define]) or a [Type] ([DefineDyn]); it may keep a
// value index ([Indexed]) or hold a set of values per entity ([Multi]).
//
// In ECS terms a column is a component, and what ECS calls a system (movement, say) is
// [Apply2]: a function applied to the entities that have two components, as a merge join
// of two cursors in entity-ID order that updates the first component in place, reading
// each leaf once and dirtying each changed leaf once.
//
// # Types
//
// A column holds bool, int8 … int64, uint8 … uint64, float32, float64, fixed-size arrays of
// these and structs of them with no pointers (option 2B), or strings and byte slices of a
// declared maximum length ([MaxLen]). The type's canonical text (see [Type]) is stored in
// the catalog, so programs without the Go type can read the column through [Lookup] and
// [Dyn], whose values are [Value]s.
//
// # Encoding
//
// Values are encoded so that their bytes order as the values do (bytes.Compare), which
// makes the stored bytes the index key as they are:
//
//	bool        1 byte: 0 or 1
//	intN        N/8 bytes, big-endian, sign bit flipped      -1 → 7F FF…, 0 → 80 00…
//	uintN       N/8 bytes, big-endian
//	floatN      IEEE 754 bits, big-endian; positive: sign bit set, negative: every bit flipped;
//	            -0 is stored as +0 and NaN is refused (ErrNaN)
//	[N]T        the N elements in order
//	struct{…}   the fields in order, without padding
//	string(n)   the bytes as they are (at most n); bytes(n) likewise
//
// For example struct{X float32; Y float32}{1, -1} is BF 80 00 00 40 7F FF FF.
//
// # Trees
//
// A column is one catalog variable (role store.RoleColumn) with one or two trees, its value
// tree and, if indexed, its index. With v the encoded value and id the 8-byte big-endian
// entity ID:
//
//	                 value tree                      index (Indexed)
//	single, fixed    id → v                          v ++ id → ∅
//	single, string   id → v                          esc(v) ++ 00 00 ++ id → ∅
//	Multi, fixed     id ++ v → ∅                     v ++ id → ∅
//	Multi, string    id ++ v → ∅                     esc(v) ++ 00 00 ++ id → ∅
//
// esc(v) writes each 00 byte of a string as 00 FF, so that the terminator 00 00 ends the
// value: "a" orders before "a\x00" and "ab", and the ID that follows cannot be read as part
// of the value. A key is at most store.MaxKeySize (1024) bytes, which bounds the MaxLen of
// indexed strings to [MaxIndexedLen] (507) and of Multi strings to [MaxMultiLen] (1016).
//
// A Get touches the value tree's height in pages; a Set also looks the entity up in $kind
// (a write to an entity that does not exist fails with entity.ErrNoEntity) and dirties one
// leaf, plus two index leaves at most when the column is indexed. A write that fails
// (a wrong type, a string too long, a NaN, a missing entity, a deprecated or retired column)
// changes nothing.
//
// # Multi-valued columns
//
// A [Multi] column holds a set of values per entity, for graph data where a property
// repeats (labels in several languages, tags): Add, Remove, Values and HasValue replace Set
// and Get, and a predicate ([Dyn.Filter]) or an index lookup matches an entity when any of
// its values does.
package column
