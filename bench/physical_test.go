package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPointWriteMinimum checks the point write's minimum against our store on a bulk-loaded
// world: a write that neither splits nor rebalances a leaf touches exactly its minimum, and
// over the benchmark's operations ours stays within 1.25 times it (the splits of a full
// leaf cost us the next leaf's back link, the index's descriptor and the allocator besides
// the new page; an underfull leaf borrows or merges at once).
func TestPointWriteMinimum(t *testing.T) {
	f := NewFixture(100_000)
	o, err := OpenOurs(f, t.TempDir())
	require.NoError(t, err)
	defer o.Close()
	ops := NewOps(f, "point-write")
	var ours, least, exact, unchanged int
	const n = 1000
	for range n {
		id, h := f.PlayerID(ops.Player()), ops.Health()
		m, err := o.MinPointWrite(id, h)
		require.NoError(t, err)
		require.NoError(t, o.WriteHealth(id, h))
		st := o.Stats()
		require.GreaterOrEqual(t, st.PagesAccessed, m.Accessed)
		require.GreaterOrEqual(t, st.PagesDirtied, m.Dirtied)
		if st.PagesDirtied == m.Dirtied {
			assert.Equal(t, m.Accessed, st.PagesAccessed, "a write that restructures nothing touches its minimum: %+v", st)
			exact++
		}
		if m.Dirtied == 0 {
			unchanged++
		}
		ours += int(st.PagesAccessed)
		least += int(m.Accessed)
	}
	// The exact counts of this fixed sequence: a change to them is a change to the writes.
	assert.Equal(t, 8957, ours)
	assert.Equal(t, 7891, least)
	assert.Equal(t, 654, exact)
	assert.Equal(t, 8, unchanged)
	assert.LessOrEqual(t, float64(ours), 1.25*float64(least))
}
