package query

import "github.com/RoaringBitmap/roaring/v2/roaring64"

// denseWordsPerID bounds the dense form of a membership test: at most this many 64-bit
// words per member (plus a floor), so that a sparse set spread wide stays a bitmap.
const (
	denseWordsPerID = 64
	denseMinWords   = 1 << 12
)

// newMembership returns a test of membership in set for a run that tests many IDs, such as
// the entries of an index range checked against the candidates: a plain bit array over the
// set's span when that is small enough (one shift and mask per test), else the bitmap's
// own Contains. The set must not change while the test is in use.
func newMembership(set *roaring64.Bitmap) func(uint64) bool {
	n := set.GetCardinality()
	if n == 0 {
		return func(uint64) bool { return false }
	}
	lo, hi := set.Minimum(), set.Maximum()
	words := (hi-lo)/64 + 1
	if words > max(denseMinWords, denseWordsPerID*n) {
		return set.Contains
	}
	b := make([]uint64, words)
	for it := set.Iterator(); it.HasNext(); {
		d := it.Next() - lo
		b[d/64] |= 1 << (d % 64)
	}
	return func(id uint64) bool {
		if id < lo || id > hi {
			return false
		}
		d := id - lo
		return b[d/64]&(1<<(d%64)) != 0
	}
}
