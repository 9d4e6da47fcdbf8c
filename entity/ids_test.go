package entity

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
)

// TestIDsMatchesAdd checks the bulk builder against a bitmap built one Add at a time, for
// ascending runs longer and shorter than a batch, repeats and IDs out of order.
func TestIDsMatchesAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 3))
	var zero IDs
	assert.True(t, zero.Bitmap().IsEmpty())
	for round := range 50 {
		var ids IDs
		want := roaring64.New()
		id := r.Uint64N(1 << 40)
		for range r.IntN(5000) {
			switch r.IntN(20) {
			case 0:
				id = r.Uint64N(1 << 40) // a jump, forward or back
			case 1:
				// a repeat
			default:
				id += 1 + r.Uint64N(70000) // across 16-bit containers now and then
			}
			ids.Add(id)
			want.Add(id)
		}
		assert.True(t, want.Equals(ids.Bitmap()), "round %d", round)
	}
}
