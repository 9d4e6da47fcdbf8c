package query

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/uri"
)

// TestURITexts checks the rows' URIs, cut from one string, against uriText for each
// entity, with and without a scope, for IDs of every length and in any order.
func TestURITexts(t *testing.T) {
	scope, err := uri.ParseScope("ryjl3-tyaaa-aaaaa-aaaba-cai")
	require.NoError(t, err)
	k := entity.NewSchema().Kind("Player")
	r := rand.New(rand.NewPCG(15, 4))
	for _, x := range []*executor{{}, {scope: scope}} {
		ids := []uint64{0, 1, 9, 10, math.MaxUint64, 7}
		for range 200 {
			ids = append(ids, r.Uint64N(1<<(1+r.IntN(63))))
		}
		for n := range len(ids) + 1 {
			u := x.uriTexts(k, ids[:n])
			for _, id := range ids[:n] {
				require.Equal(t, x.uriText(k, id), u.next())
			}
		}
	}
}
