package query

import (
	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/entity"
)

// # Plans
//
// A plan is a tree of steps. Each step either produces a set of entity IDs on its own (a
// set step) or narrows a set it is given (a filter step); sets are roaring bitmaps of
// 64-bit IDs, and AND, OR and NOT are intersection, union and difference, NOT within the
// members of the FIND's kind. A FIND is planned as the AND of its kind's membership with
// the conjuncts of its WHERE; ORDER BY, LIMIT, SELECT and COUNT then work on the set that
// AND produces.
//

// stepOp says what a step does.
type stepOp int

// Set steps produce a set; filter steps (marked) narrow the set they are given.
const (
	opEmpty        stepOp = iota + 1 // nothing matches (a set or a filter)
	opKindScan                       // the kind's members, from its member tree
	opKindProbe                      // filter: probe the kind's member tree
	opIndexRange                     // range scans of a column's index
	opColumnScan                     // a full scan of a column
	opColumnProbe                    // filter: probe a column for each candidate
	opFollowProbe                    // probe a verb's tree for each target
	opFollowScan                     // scan a verb's whole tree
	opFollowFilter                   // filter: probe a verb's tree for each candidate
	opClosure                        // breadth-first transitive closure over a verb
	opEntity                         // one entity, resolved by reference
	opSubQuery                       // the entities a sub-query finds
	opAnd                            // kids[0] a set, kids[1:] filters applied in turn
	opOr                             // the union of sets
	opNot                            // kids[0] (the kind's members) minus kids[1]
	opIntersect                      // filter: intersection with the set kids[0]
	opAndFilter                      // filter: kids applied in turn
	opOrFilter                       // filter: kids[0] ∪ kids[1] applied to what kids[0] left
	opNotFilter                      // filter: the candidates that kids[0] drops
)

// step is one node of a plan tree.
type step struct {
	op    stepOp
	rows  uint64 // estimated entities out
	pages uint64 // estimated pages of this step alone, without its kids
	work  work   // estimated CPU work of this step alone
	kids  []*step

	kind *entity.Kind // opKindScan, opKindProbe, opNot
	pred *bPred       // opIndexRange, opColumnScan, opColumnProbe
	fol  *bFollow     // opFollow*, opClosure
	ent  *bEntity     // opEntity
	sub  *qplan       // opSubQuery
	tree shape        // the tree the step reads
	rev  bool         // opFollow*, opClosure: reads the reverse (object, subject) tree

	// conj, for opAnd, holds the conjunct each kid runs, in the kids' order.
	conj []bcond
	// stream marks the kids[0] of an opAnd, or an opKindScan, that a LIMIT without
	// ORDER BY reads only as far as it must: in ID order, handing batches of candidates
	// to the filters until enough entities are found.
	stream bool
	// limit, on the opAnd or opKindScan that holds a streamed driver, is the LIMIT.
	limit uint64
	// dense, on an opKindProbe, says that at planning the kind's members were every ID
	// from its first to its last (denseKind): the run reads the two ends of the kind's
	// tree and keeps the candidates between them, instead of probing one by one; span is
	// the first and last member then, against which the run measures the part of the
	// tree its candidates reach (executor.useEnds).
	dense bool
	span  [2]float64

	// est is what the estimator expects of the step (estimate.go).
	est estimate

	// adapt, for a filter that can either probe each candidate or intersect the
	// candidates with its condition's set step, holds both; the run picks by the
	// number of candidates it actually has.
	adapt *adaptive
}

// adaptive is a filter with two ways to run: probe holds below at candidates, inter
// (opIntersect) from at on. The planner picked one of them for its estimate.
type adaptive struct {
	probe, inter *step
	at           uint64 // the fewest candidates, spread over all IDs, for which inter is cheaper
	force        int    // in chaos mode: 1 always probe, 2 always intersect

	// What the run needs to price a probe of the candidates it has: the tree probed, the
	// entries per key, the pages of the probe's kids, the intersection's pages, and the
	// entity IDs handed out so far, over which the candidates' span is measured.
	per       float64
	kidsCost  float64
	interCost float64
	ids       float64
}

// useProbe reports whether probing the candidates in is estimated cheaper than the
// intersection. Candidates that span a small part of the ID space (a batch of a streamed
// scan, say) touch only that part of the probed tree.
func (a *adaptive) useProbe(in *roaring64.Bitmap) bool {
	if a.force != 0 {
		return a.force == 1
	}
	k := in.GetCardinality()
	if k < a.at {
		return true
	}
	frac := 1.0
	if a.ids > 0 {
		frac = float64(in.Maximum()-in.Minimum()+1) / a.ids
	}
	return a.probeCost(float64(k), frac) < a.interCost
}

// probeCost is the cost of probing k candidates spanning a part frac of the IDs: the
// pages, the CPU work, and the probe's kids.
func (a *adaptive) probeCost(k, frac float64) float64 {
	return float64(a.probe.probePages(k, a.per, frac)) + a.probe.probeWork(k, a.per).pages() + a.kidsCost
}

// probePages is the cost model's pages of probe step s for k candidates spanning a part
// frac of the IDs, each with about per entries: a dense kind's probe reads its tree's ends
// whatever the candidates.
func (s *step) probePages(k, per, frac float64) uint64 {
	if s.dense {
		return s.tree.ends()
	}
	return s.tree.probeSpan(k, per, frac)
}

// cost returns the planner's cost of s and its kids: pages, and CPU work in pages.
func (s *step) cost() float64 {
	n := float64(s.pages) + s.work.pages()
	if s.sub != nil {
		n += s.sub.cost()
	}
	for _, k := range s.kids {
		n += k.cost()
	}
	return n
}

// probeWork returns the work of filter step s, a probe, for k candidates with per entries
// each: only a column's probe decodes values.
func (s *step) probeWork(k, per float64) work {
	if s.dense {
		return idWork(2)
	}
	if s.op == opColumnProbe {
		return probeWork(k, per)
	}
	return idWork(k)
}

// orderStrategy is how a qplan orders its results.
type orderStrategy int

const (
	orderNone  orderStrategy = iota // ID order
	orderIndex                      // scan the column's index in order
	orderSort                       // read the column for every entity and sort
)

// qplan is the plan of one FIND: the top query or a sub-query.
type qplan struct {
	bq         *boundQuery
	set        *step // the entities of the kind that satisfy the condition
	order      orderStrategy
	orderTree  shape  // the tree the order step reads
	orderPages uint64 // its estimated pages
	orderWork  work   // and CPU work
	sel        []shape
	selPages   []uint64
	rows       uint64 // estimated entities returned

	// What the estimator expects: entities returned, pages of the order step and of each
	// SELECT column.
	est          estimate
	orderEst     float64
	selEst       []float64
	orderEstWork work // and their work
	selEstWork   work
}

// cost returns the planner's cost of the query: its steps' pages and CPU work (see
// step.cost), the SELECT's probes counted as one per row and column.
func (p *qplan) cost() float64 {
	n := p.set.cost() + float64(p.orderPages) + p.orderWork.pages()
	for _, s := range p.selPages {
		n += float64(s) + probeWork(float64(p.rows), 1).pages()
	}
	return n
}
