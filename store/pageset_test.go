package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPageSetModel marks random (owner, page, flag) triples, crossing several growths of
// the table, and checks every answer against a plain map.
func TestPageSetModel(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	var s pageSet
	model := map[uint64]uint64{}
	for i := range 20000 {
		owner := pageSetMessage + r.Uint64N(12)
		pg := r.Uint64N(3000)
		if r.IntN(10) == 0 {
			pg = 1<<32 - 1 - r.Uint64N(3) // the top of the page range
		}
		flag := uint64(pageSetRead)
		if r.IntN(2) == 0 {
			flag = pageSetDirty
		}
		key := owner<<32 | pg
		old, added := s.markOld(owner, pg, flag)
		require.Equal(t, model[key], old, "op %d: flags before", i)
		require.Equal(t, model[key]&flag == 0, added, "op %d: added", i)
		model[key] |= flag
	}
	assert.Equal(t, len(model), s.n)
	n := 0
	for _, w := range s.slots {
		if w != 0 {
			n++
			assert.Equal(t, model[w&^pageSetFlags], w&pageSetFlags)
		}
	}
	assert.Equal(t, len(model), n)
}

// TestMeterManyOwners checks the counts of a message with more owners than the meter finds
// by a scan, so that it switches to a map part way.
func TestMeterManyOwners(t *testing.T) {
	s := openHeap(t)
	const owners = 3 * manyOwners
	st, err := s.ViewWith(Budget{}, func(tx *Tx) error {
		for range 2 {
			for i := range owners {
				tx.Raw().SetOwner(fmt.Sprint("o", i))
				tx.Raw().Page(PageID(i % pagesPerWasmPage))
			}
		}
		return nil
	})
	require.NoError(t, err)
	for i := range owners {
		assert.Equal(t, OwnerStats{PagesRead: 1, BytesRead: PageSize}, st.ByOwner[fmt.Sprint("o", i)], "owner o%d", i)
	}
	assert.Len(t, st.ByOwner, owners)
	assert.Equal(t, uint64(pagesPerWasmPage), st.PagesRead)
	assert.Equal(t, uint64(pagesPerWasmPage*PageSize), st.BytesRead)
}
