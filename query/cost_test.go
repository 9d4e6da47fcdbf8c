package query

import (
	"errors"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// TestShapeCosts checks the cost model's formulas (cost.go) on trees whose numbers are
// easy to follow by hand: a tree of height 3 with 100 entries a leaf and 50 children a
// branch.
func TestShapeCosts(t *testing.T) {
	s := shape{height: 3, entries: 10000, leafCap: 100, branchCap: 50}
	assert.Equal(t, uint64(100), s.leaves())
	assert.Equal(t, []uint64{100, 2, 1}, []uint64{s.levelPages(0), s.levelPages(1), s.levelPages(2)})
	assert.Equal(t, uint64(103), s.size())
	assert.Equal(t, uint64(3), s.point())
	assert.Equal(t, uint64(102), s.scan(), "the leaves and one path down")
	assert.Equal(t, uint64(5), s.rangeScan(250), "three leaves and two branches")
	assert.Equal(t, uint64(3), s.rangeScan(0), "a range reads a leaf even if it is empty")
	assert.Equal(t, uint64(102), s.rangeScan(1e9), "no more than the scan")
	assert.Equal(t, uint64(3), s.probe(1, 1), "one key: a point lookup")
	assert.Equal(t, uint64(103), s.probe(1000, 1), "more keys than leaves: the whole tree")
	assert.Equal(t, uint64(15), s.probe(10, 21), "10 keys of 21 entries: 12 leaves, then 2 and 1 branches")
	assert.Equal(t, uint64(0), s.probe(0, 1))
	assert.Equal(t, uint64(13), s.probeSpan(10, 1, 0.5), "10 leaves; half the 2 branches, plus one; the root")
	assert.Equal(t, uint64(14), s.probeSpan(200, 1, 0.1), "a tenth of the 100 leaves, plus one; 2; 1")

	// The top level is one page, whatever the fan-out would make of it.
	wide := shape{height: 3, entries: 1_000_000, leafCap: 100, branchCap: 50}
	assert.Equal(t, []uint64{10000, 200, 1}, []uint64{wide.levelPages(0), wide.levelPages(1), wide.levelPages(2)})
	assert.Equal(t, uint64(10201), wide.size())

	leaf := shape{height: 1, entries: 5, leafCap: 100, branchCap: 50}
	assert.Equal(t, []uint64{1, 1, 1, 1}, []uint64{leaf.leaves(), leaf.size(), leaf.scan(), leaf.probe(5, 1)})
	empty := shape{leafCap: 100, branchCap: 50}
	assert.Equal(t, []uint64{0, 0, 0, 0, 0}, []uint64{empty.leaves(), empty.size(), empty.scan(), empty.rangeScan(5), empty.probe(5, 1)})
	noEntries := shape{height: 1, leafCap: 100, branchCap: 50}
	assert.Equal(t, uint64(0), noEntries.leaves())

	assert.Equal(t, []uint64{7, 0, 2, 3, 1}, []uint64{ceilDiv(7, 0), ceilDiv(0, 5), ceilDiv(10, 5), ceilDiv(11, 5), ceilDiv(1, 5)})
	assert.Equal(t, []uint64{0, 0, 1, 1, 2}, []uint64{rowsOf(-1), rowsOf(0), rowsOf(0.2), rowsOf(1), rowsOf(1.5)})
}

// TestShapeOfVariableTree checks the capacities the cost model assumes for a tree of
// variable-size keys and values: varPart bytes a part, the ID a column's key holds, six
// bytes of slot and length, in a 4 KiB page less its 32-byte header.
func TestShapeOfVariableTree(t *testing.T) {
	st := testutil.OpenStore(t)
	checked := 0
	require.NoError(t, st.Update(func(tx *store.Tx) error {
		for i, tc := range []struct {
			layout             store.Layout
			leafCap, branchCap uint64
		}{
			// keys of min(100, 16+8) = 24 bytes, values of 16: 4064/46 and 4064/36
			{store.Layout{KeySize: store.Variable, MaxKey: 100, ValueSize: store.Variable}, 88, 112},
			// keys of at most 10 bytes: 4064/32 and 4064/22
			{store.Layout{KeySize: store.Variable, MaxKey: 10, ValueSize: store.Variable}, 127, 184},
			// fixed 8-byte keys, variable values: 4064/30 and 4064/20
			{store.Layout{KeySize: 8, ValueSize: store.Variable}, 135, 203},
		} {
			tr, err := tx.CreateTree(store.SuperblockTreeRef(2+i), tc.layout, "t")
			require.NoError(t, err)
			if tr.LeafCapacity() > 0 {
				continue // a fixed layout: the tree knows its capacities
			}
			s := shapeOf(tr, 16)
			assert.Equal(t, tc.leafCap, s.leafCap, "%+v", tc.layout)
			assert.Equal(t, tc.branchCap, s.branchCap, "%+v", tc.layout)
			checked++
		}
		return nil
	}))
	assert.GreaterOrEqual(t, checked, 2, "the variable layouts are estimated")
}

// TestColumnShape checks the part length the planner assumes for a column's strings: the
// type's own bound when it is under varPartBytes.
func TestColumnShape(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	short := column.Define[string](s, "short", column.MaxLen(4))
	long := column.Define[string](s, "long", column.MaxLen(200))
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, k, 3, func(tx *entity.Tx, _ int, id entity.ID) error {
		return errors.Join(short.Set(tx, id, "ab"), long.Set(tx, id, "abc"))
	})
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		p := newPlanner(tx)
		// An 8-byte ID for a key and the string for a value: 4064/(6+8+4), 4064/(6+8+16).
		assert.Equal(t, uint64(225), p.colShape(short.Dyn()).leafCap)
		assert.Equal(t, uint64(135), p.colShape(long.Dyn()).leafCap)
		return nil
	}))
}

// TestUseProbe checks the run-time choice of an adaptive filter: probe below at
// candidates; from there on, probe while the pages (and CPU work) of a probe over the span of the
// candidates' IDs, plus those of the probe's kids, stay below the intersection's.
func TestUseProbe(t *testing.T) {
	kind := shape{height: 2, entries: 2000, leafCap: 508, branchCap: 500} // 4 leaves and a root
	a := &adaptive{probe: &step{tree: kind}, at: 3, per: 1, kidsCost: 2, interCost: 7, ids: 2000}
	wide := roaring64.BitmapOf(1, 2, 3, 2000) // 4 candidates over every ID: 4 leaves, the root
	narrow := roaring64.BitmapOf(1, 2, 3, 4)  // within the first leaf
	assert.True(t, a.useProbe(roaring64.BitmapOf(1, 2000)), "below at")
	assert.False(t, a.useProbe(wide), "5 + 2 pages is not below 7")
	assert.True(t, a.useProbe(narrow), "2 + 2 pages is")
	a.interCost = 8
	assert.True(t, a.useProbe(wide), "5 + 2 pages is below 8")
	a.interCost, a.force = 100, 2
	assert.False(t, a.useProbe(narrow), "in chaos mode, force decides")
	a.force = 1
	assert.True(t, a.useProbe(wide))
}

// TestCPUTerm checks the weight of CPU work in the planner's cost: a probe of 50
// candidates that reads 3 pages more than a scan of a 5000-value column but decodes 100
// times fewer values costs less; a scan of IDs costs an eighth of a scan of values.
func TestCPUTerm(t *testing.T) {
	col := shape{height: 2, entries: 5000, leafCap: 254, branchCap: 500}
	scan := &step{op: opColumnScan, tree: col, pages: col.scan(), work: scanWork(col)}
	probe := &step{op: opColumnProbe, tree: col, pages: col.scan() + 3, work: probeWork(50, 1)}
	assert.Equal(t, uint64(21), scan.pages)
	assert.InDelta(t, 21+5001.0/1024, scan.cost(), 1e-9)
	assert.InDelta(t, 24+100.0/1024, probe.cost(), 1e-9)
	assert.Less(t, probe.cost(), scan.cost())
	probe.pages += 2
	assert.Greater(t, probe.cost(), scan.cost(), "5 pages more is too many")
	assert.InDelta(t, (5000.0/8+1)/1024, idScanWork(col).pages(), 1e-9)
}
