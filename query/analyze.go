package query

import (
	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/entity"
)

// analysis is what EXPLAIN ANALYZE records of a run: for each step, the entities it
// handed on and the pages it read first (a page another step read before counts for
// that one), over all the times it ran; for each FIND, its ORDER BY and SELECT.
type analysis struct {
	steps   map[*step]*stepActual
	queries map[*qplan]*queryActual
	// refs holds the pages each entity reference read when the run resolved it, before
	// any step ran (executor.resolveRefs); refTotal is their sum.
	refs     map[*bEntity]uint64
	refTotal uint64
}

type stepActual struct {
	rows  uint64 // entities out, summed over runs
	pages uint64 // pages read first by the step and its kids
	runs  int
	// probed and intersected count the runs of an adaptive filter that went each way.
	probed, intersected int
}

type queryActual struct {
	rows                 uint64 // entities returned
	orderPages, selPages uint64
}

func newAnalysis() *analysis {
	return &analysis{steps: map[*step]*stepActual{}, queries: map[*qplan]*queryActual{}, refs: map[*bEntity]uint64{}}
}

// measure runs fn, the work of step s, and records what it did.
func (a *analysis) measure(tx *entity.Tx, s *step, fn func() *roaring64.Bitmap) *roaring64.Bitmap {
	before := tx.Stats().PagesRead
	bm := fn()
	sa := a.steps[s]
	if sa == nil {
		sa = &stepActual{}
		a.steps[s] = sa
	}
	sa.pages += tx.Stats().PagesRead - before
	sa.rows += bm.GetCardinality()
	sa.runs++
	return bm
}

// resolved records the pages read resolving reference t.
func (a *analysis) resolved(t *bEntity, pages uint64) {
	a.refs[t] += pages
	a.refTotal += pages
}

// ran records which way an adaptive filter s went.
func (a *analysis) ran(s *step, probe bool) {
	sa := a.steps[s]
	if sa == nil {
		sa = &stepActual{}
		a.steps[s] = sa
	}
	if probe {
		sa.probed++
	} else {
		sa.intersected++
	}
}

func (a *analysis) query(qp *qplan) *queryActual {
	qa := a.queries[qp]
	if qa == nil {
		qa = &queryActual{}
		a.queries[qp] = qa
	}
	return qa
}

// step returns what step s did, or nil if it did not run or a is nil.
func (a *analysis) step(s *step) *stepActual {
	if a == nil {
		return nil
	}
	return a.steps[s]
}

// inclusive returns the pages step s and its kids read first.
func (a *analysis) inclusive(s *step) uint64 {
	if sa := a.steps[s]; sa != nil {
		return sa.pages
	}
	return 0
}

// alone returns the pages step s read first, not counting its kids'.
func (a *analysis) alone(s *step) uint64 {
	n := a.inclusive(s)
	kids := s.kids
	if ad := s.adapt; ad != nil {
		kids = append(append([]*step(nil), ad.probe.kids...), ad.inter.kids...)
	}
	for _, k := range kids {
		n -= min(n, a.inclusive(k))
	}
	if s.sub != nil {
		n -= min(n, a.queryPages(s.sub))
	}
	return n
}

// queryPages returns the pages a sub-query read first.
func (a *analysis) queryPages(qp *qplan) uint64 {
	n := a.inclusive(qp.set)
	if qa := a.queries[qp]; qa != nil {
		n += qa.orderPages + qa.selPages
	}
	return n
}
