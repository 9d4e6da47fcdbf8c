package query

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
)

// TestMembershipAgreesWithContains checks both forms of the test (dense and bitmap) against
// Contains, at the edges of the set's span and beyond.
func TestMembershipAgreesWithContains(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 5))
	assert.False(t, newMembership(roaring64.New())(0))
	for round := range 40 {
		set := roaring64.New()
		base := r.Uint64N(1 << 50)
		spread := uint64(1) << r.IntN(40) // dense for small spreads, a bitmap for wide ones
		for range 1 + r.IntN(300) {
			set.Add(base + r.Uint64N(spread))
		}
		has := newMembership(set)
		for _, id := range []uint64{0, base - 1, set.Minimum(), set.Maximum(), set.Maximum() + 1, set.Maximum() + 64} {
			assert.Equal(t, set.Contains(id), has(id), "round %d id %d", round, id)
		}
		for range 2000 {
			id := base - 100 + r.Uint64N(spread+200)
			if set.Contains(id) != has(id) {
				t.Fatalf("round %d: id %d: Contains %v, membership %v", round, id, set.Contains(id), has(id))
			}
		}
		for it := set.Iterator(); it.HasNext(); {
			if id := it.Next(); !has(id) {
				t.Fatalf("round %d: member %d not found", round, id)
			}
		}
	}
}
