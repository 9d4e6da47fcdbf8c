package query

import (
	"math"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// # Estimates
//
// The planner chooses between steps with the cost model of cost.go; once the plan is
// chosen, the estimator works out what it is expected to read, step by step, from what
// the catalog knows exactly:
//
//   - a tree's leaf and branch pages (its descriptor), so a scan reads exactly the leaves
//     and one path down, a range of m entries 1 + (m-1)/f leaves for the tree's actual
//     fill of f entries a leaf, and a probe of k keys reaches n·(1 - (1 - w/n)^k) of the
//     n pages of each level (Cardenas), w the pages one key spans;
//   - a verb's edges, distinct subjects and distinct objects (verb.Counts), so that k
//     targets of kind T hit min(1, keys/|T|)·k keys of the probed tree, each with
//     edges/keys edges, and reach others·(1 - (1 - hits/keys)^(edges/others)) distinct
//     entities; a closure does so level by level, keeping what it has not visited, and
//     probes each entity it visits once;
//   - a kind's members, a column's entries.
//
// Rows are counted among all live entities, n of them, and a set of r entities is taken
// to hold a candidate with probability r/n, independently of the others (a kind's members
// too: |K|/n). A step runs only when what it is given is not empty: with k < 1 candidates
// expected, it runs with probability k, for one candidate. A streamed driver (LIMIT without ORDER BY) reads batches of 16 or LIMIT
// entities, doubling, until enough pass. The pages of one tree count once: the steps that
// read a tree add up to at most its size.

// The trees of a verb, as entity.TreeOf numbers them.
const (
	forwardTree = 0 // (subject, object)
	reverseTree = 1 // (object, subject)
)

// estimate is what the estimator expects of one step: entities out, and the pages it
// alone reads.
type estimate struct {
	rows, pages float64
	work        work // entries decoded (values and IDs alike) and probes made
	// way, for an adaptive filter, is the way the estimate expects it to run.
	way *step
}

// did records work of step s done with probability run.
func (s *step) did(w work, run float64) {
	s.est.work.decoded += w.decoded * run
	s.est.work.probes += w.probes * run
}

// estimator computes the estimate of a chosen plan.
type estimator struct {
	p      *planner
	byTree map[store.TreeRef][]float64 // the pages of each read of a tree
	// bound adds up, for each tree, the pages of the reads of the steps that may run, as
	// if each ran and no two read the same page (the budget check's bound); nil when the
	// estimate is only weighing a step.
	bound  map[store.TreeRef]float64
	sizes  map[store.TreeRef]uint64
	rowsOf map[*step]float64 // the rows of set steps, computed once
	// kind is the kind of the FIND being estimated: its candidates reach only the part of
	// a tree keyed by ID that its members' IDs span (planner.spanFrac).
	kind   *entity.Kind
	poolOf map[*step]float64 // the entities each set step's rows are drawn from
	// within is the part of the span of the FIND's candidates' IDs that the candidates
	// of the filters being estimated lie in: 1, or less behind a driver streamed in ID
	// order, whose first entities are all the filters see.
	within float64
	// withinOf holds within for the rows of a streamed set step.
	withinOf map[*step]float64
	// subWithin holds the part of the IDs handed out that the rows of a sub-query with a
	// LIMIT and no ORDER BY span.
	subWithin map[*qplan]float64
	// recorded adds up the pages of every read recorded (readUp), upRecorded their
	// upper bounds.
	recorded, upRecorded float64
	// fracOf holds, for the set steps whose rows the last analysis can break down by
	// kind (graphctl analyze), the share of their rows that are members of the FIND's kind.
	fracOf map[*step]float64
	// candFrac is the share of the candidates of the filters being estimated that are
	// members of the FIND's kind, or -1 if no analysis tells.
	candFrac float64
	// cand holds the candidates of the filters being estimated when they are known
	// exactly (facts.go: a driver whose entities were read at planning, filtered by
	// predicates whose entities were too), else nil.
	cand *roaring64.Bitmap
	// known holds the exact entities of the AND steps whose candidates stayed known.
	known map[*step]*roaring64.Bitmap
}

func newEstimator(p *planner) *estimator {
	return &estimator{p: p, byTree: map[store.TreeRef][]float64{}, sizes: map[store.TreeRef]uint64{}, rowsOf: map[*step]float64{}, poolOf: map[*step]float64{}, within: 1, withinOf: map[*step]float64{}, subWithin: map[*qplan]float64{}, fracOf: map[*step]float64{}, candFrac: -1, known: map[*step]*roaring64.Bitmap{}}
}

// estimatePlan fills in the estimate of every step of qp and returns the expected
// distinct pages of the whole query.
func (p *planner) estimatePlan(qp *qplan) uint64 {
	p.estimating, p.final = true, true
	e := newEstimator(p)
	e.bound = map[store.TreeRef]float64{}
	e.query(qp, true)
	e.resolutions(qp.bq.where, map[*bEntity]bool{})
	p.bound = 0
	for ref, n := range e.bound {
		p.bound += uint64(math.Ceil(min(n, float64(e.sizes[ref]))))
	}
	return uint64(math.Round(e.pages()))
}

// pages returns the distinct pages of the reads recorded so far.
func (e *estimator) pages() float64 {
	n := 0.0
	for ref, reads := range e.byTree {
		// Reads of one tree overlap as if each reached pages at random: the union of
		// reads of p_i pages of a tree of S is S·(1 - Π(1 - p_i/S)).
		size := float64(e.sizes[ref])
		miss := 1.0
		for _, p := range reads {
			miss *= 1 - min(1, p/size)
		}
		n += size * (1 - miss)
	}
	return n
}

// estCost returns the cost of set step s, a part of a FIND of kind k, by the estimator's
// model: the distinct pages it is expected to read and its CPU work in pages. The
// planner chooses an AND's driver by it.
func (p *planner) estCost(s *step, k *entity.Kind) float64 {
	defer func(was bool) { p.estimating = was }(p.estimating)
	p.estimating = true
	e := newEstimator(p)
	e.kind = k
	e.set(s)
	return e.pages() + s.estWork().pages()
}

// estWork returns the estimated work of s and its kids, as the estimator left it.
func (s *step) estWork() work {
	w := s.est.work
	add := func(x work) {
		w.decoded += x.decoded
		w.probes += x.probes
	}
	if s.sub != nil {
		add(s.sub.set.estWork())
		add(s.sub.orderEstWork)
	}
	kids := s.kids
	if w := s.est.way; w != nil && w != s {
		kids = w.kids // the kids of the way taken ran, not s's
	}
	for _, k := range kids {
		add(k.estWork())
	}
	return w
}

// resolutions records the pages of resolving each entity reference of c and its
// sub-queries once, as the run does before any step, even a plan found empty.
func (e *estimator) resolutions(c bcond, done map[*bEntity]bool) {
	switch c := c.(type) {
	case *bAnd:
		e.resolutions(c.l, done)
		e.resolutions(c.r, done)
	case *bOr:
		e.resolutions(c.l, done)
		e.resolutions(c.r, done)
	case *bNot:
		e.resolutions(c.x, done)
	case *bFollow:
		switch t := c.target.(type) {
		case *bEntity:
			if !done[t] {
				done[t] = true
				sh := e.p.kindSh
				if t.ref.Form == RefIRI {
					sh = e.p.iriSh
				}
				e.read(nil, sh, float64(sh.point()), 1)
			}
		case *bSub:
			e.resolutions(t.q.where, done)
		}
	}
}

// read records pages of tree sh read by step s, with probability run.
func (e *estimator) read(s *step, sh shape, pages, run float64) { e.readUp(s, sh, pages, pages, run) }

// probe records the pages of tree sh that step s reads seeking k keys within a part frac
// of its keys, each with about per entries, with probability run; it returns them.
func (e *estimator) probe(s *step, sh shape, k, per, frac, run float64) float64 {
	pages := float64(sh.exProbeIn(k, per, frac))
	e.readUp(s, sh, pages, sh.upProbeIn(k, per, frac), run)
	return pages
}

// readUp is read, with up the pages the reads come to at most for the bound.
func (e *estimator) readUp(s *step, sh shape, pages, up, run float64) {
	if run > 0 && up > 0 {
		e.upRecorded += up
		if e.bound != nil {
			e.bound[sh.ref] += up // the bound takes every step that may run to run
		}
	}
	pages *= run
	e.recorded += pages
	if s != nil {
		s.est.pages += pages
	}
	if pages <= 0 {
		return
	}
	e.byTree[sh.ref] = append(e.byTree[sh.ref], pages)
	e.sizes[sh.ref] = sh.exSize()
}

// nonEmpty returns the chance that a set of k expected entities is not empty, and the
// entities it holds when it is not: a set of fewer than one expected entity is taken to
// hold one entity or none.
func nonEmpty(k float64) (run, given float64) {
	if k <= 0 {
		return 0, 0
	}
	return min(1, k), max(1, k)
}

// sel returns the chance that an entity is in a set of rows entities.
func (e *estimator) sel(rows float64) float64 {
	if e.p.n <= 0 {
		return 0
	}
	return min(1, rows/e.p.n)
}

// query estimates a FIND; top says whether it is the top query, whose SELECT runs.
func (e *estimator) query(qp *qplan, top bool) float64 {
	bq := qp.bq
	defer func(k *entity.Kind, w float64) { e.kind, e.within = k, w }(e.kind, e.within)
	e.kind, e.within = bq.kind, 1
	rows := e.set(qp.set)
	out := rows
	if bq.limit.Set {
		out = min(out, float64(bq.limit.N))
	}
	run, given := nonEmpty(rows)
	if !top && qp.order == orderNone && bq.limit.Set {
		// A sub-query's LIMIT without ORDER BY keeps its first rows in ID order: they lie
		// within the first out/rows of the span of its candidates' IDs (or of the part a
		// streamed driver read), and a probe of them reaches only that part of a tree
		// keyed by ID.
		w := 1.0
		if rows > out && rows > 0 {
			w = out / rows
		}
		if sw, ok := e.withinOf[qp.set]; ok {
			w *= sw
		}
		if w < 1 {
			e.subWithin[qp] = w
		}
	}
	if bq.q.Count && top {
		qp.est = estimate{rows: out}
		return out
	}
	if qp.order != orderNone && (top || bq.limit.Set) {
		var pages, up float64
		var w work
		sh := qp.orderTree
		if qp.order == orderIndex {
			m := float64(sh.entries)
			if bq.limit.Set && given > 0 {
				m = min(m, float64(bq.limit.N)*float64(sh.entries)/given)
			}
			pages, w = float64(sh.exRange(m)), work{decoded: m, probes: 1}
		} else {
			per := e.p.perEntity(bq.order, sh)
			frac := e.p.spanFrac(e.kind, bq.order, given)
			pages, w = float64(sh.exProbeIn(given, per, frac)), probeWork(given, per)
			up = sh.upProbeIn(given, per, frac)
		}
		qp.orderEst = pages * run
		qp.orderEstWork = work{decoded: w.decoded * run, probes: w.probes * run}
		e.readUp(nil, sh, pages, max(pages, up), run)
	}
	if top {
		orun, ogiven := nonEmpty(out)
		// Without ORDER BY the rows come in ID order, so a LIMIT keeps the first out of
		// rows: they lie within the first out/rows of the span of the candidates' IDs.
		within := 1.0
		if qp.order == orderNone && rows > out && rows > 0 {
			within = out / rows
		}
		if w, ok := e.withinOf[qp.set]; ok && qp.order == orderNone {
			within *= w
		}
		if qp.order == orderIndex && bq.limit.Set && e.p.ids > 0 {
			if w, ok := e.orderedWithin(qp, given); ok {
				within = w
			}
		}
		qp.selEst = qp.selEst[:0]
		qp.selEstWork = work{}
		seen := map[store.TreeRef]bool{}
		for i, sh := range qp.sel {
			if seen[sh.ref] { // a column selected twice is read once
				qp.selEst = append(qp.selEst, 0)
				continue
			}
			seen[sh.ref] = true
			per := e.p.perEntity(bq.sel[i], sh)
			pages := e.probe(nil, sh, ogiven, per, within*e.p.spanFrac(e.kind, bq.sel[i], ogiven), orun)
			qp.selEstWork.decoded += ogiven * per * orun
			qp.selEstWork.probes += ogiven * orun
			qp.selEst = append(qp.selEst, pages*orun)
		}
	}
	qp.est = estimate{rows: out}
	return out
}

// orderedWithin returns the part of the IDs handed out that the rows of qp, ordered
// through an index until its LIMIT, span: from the entities the index holds first
// (facts.go), those of the set when it is known exactly, else as many as the run is
// expected to read for given entities in the set.
func (e *estimator) orderedWithin(qp *qplan, given float64) (float64, bool) {
	bq := qp.bq
	sh := qp.orderTree
	m := float64(sh.entries)
	if given > 0 {
		m = min(m, math.Ceil(float64(bq.limit.N)*float64(sh.entries)/given))
	}
	cand := e.known[qp.set]
	if cand != nil {
		m = float64(sh.entries) // read until LIMIT of the set are found
	}
	ids, all := e.p.orderedIDs(bq.order, bq.desc, m)
	if len(ids) == 0 {
		return 0, false
	}
	if cand != nil {
		var kept []uint64
		seen := roaring64.New()
		for _, id := range ids {
			if uint64(len(kept)) >= bq.limit.N {
				break
			}
			if cand.Contains(id) && seen.CheckedAdd(id) {
				kept = append(kept, id)
			}
		}
		if uint64(len(kept)) < bq.limit.N && !all && uint64(len(kept)) < cand.GetCardinality() {
			return 0, false // the dive ended before the LIMIT was reached
		}
		ids = kept
	} else if float64(len(ids)) < m && !all {
		return 0, false
	}
	if len(ids) == 0 {
		return 0, false
	}
	lo, hi := ids[0], ids[0]
	for _, id := range ids {
		lo, hi = min(lo, id), max(hi, id)
	}
	return min(1, float64(hi-lo+1)/e.p.ids), true
}

// rows returns the entities a set step finds, without counting pages.
func (e *estimator) rows(s *step) float64 {
	if r, ok := e.rowsOf[s]; ok {
		return r
	}
	saved, savedBound := e.byTree, e.bound
	e.byTree, e.bound = map[store.TreeRef][]float64{}, nil
	r := e.set(s)
	e.byTree, e.bound = saved, savedBound
	return r
}

// set estimates a set step and its kids, and returns its rows.
func (e *estimator) set(s *step) float64 {
	s.est = estimate{}
	var rows float64
	switch s.op {
	case opEmpty:
	case opKindScan:
		rows = float64(s.tree.entries)
		if s.stream {
			rows = e.stream(s, s, nil, s.limit)
			break
		}
		e.read(s, s.tree, float64(s.tree.exScan()), 1)
		s.did(work{decoded: float64(s.tree.entries), probes: 1}, 1)
	case opIndexRange:
		r, entries := e.p.predRows(s.pred)
		rows = r
		for _, m := range entries {
			e.read(s, s.tree, float64(s.tree.exRange(m)), 1)
			s.did(work{decoded: m, probes: 1}, 1)
		}
	case opColumnScan:
		rows, _ = e.p.predRows(s.pred)
		e.read(s, s.tree, float64(s.tree.exScan()), 1)
		s.did(work{decoded: float64(s.tree.entries), probes: 1}, 1)
	case opFollowProbe:
		k := e.set(s.kids[0])
		run, given := nonEmpty(k)
		per := e.p.perKey(s.fol, s.rev)
		rows = run * e.p.reach(s.fol, s.rev, given, targetKindOf(s.kids[0]))
		if far, ok := e.fromKnown(s, s.rev); ok {
			rows = float64(far.GetCardinality())
			per = rows / given
		}
		frac := e.p.kindFrac(targetKindOf(s.kids[0]), e.p.edgeTreeOf(s.fol, s.rev), s.tree, given)
		if t := s.kids[0]; t.op == opSubQuery {
			if w, ok := e.subWithin[t.sub]; ok {
				frac *= w
			}
		}
		e.probe(s, s.tree, given, per, frac, run)
		s.did(probeWork(given, per), run)
	case opFollowScan:
		run := 1.0
		probeRev := !s.rev // the tree a probe of the targets would read
		if len(s.kids) > 0 {
			k := e.set(s.kids[0])
			var given float64
			run, given = nonEmpty(k)
			rows = run * e.p.reach(s.fol, probeRev, given, targetKindOf(s.kids[0]))
			if far, ok := e.fromKnown(s, probeRev); ok {
				rows = float64(far.GetCardinality())
			}
		} else {
			_, _, rows = e.p.followStats(s.fol, probeRev)
		}
		e.read(s, s.tree, float64(s.tree.exScan()), run)
		s.did(work{decoded: float64(s.tree.entries), probes: 1}, run)
	case opClosure:
		k := e.set(s.kids[0])
		run, given := nonEmpty(k)
		visited := e.p.closure(s.fol, s.rev, given, targetKindOf(s.kids[0]))
		if c, _, ok := e.closureFromKnown(s); ok {
			visited = c
		}
		rows = run * visited
		e.probe(s, s.tree, given+visited, e.p.perKey(s.fol, s.rev), 1, run)
		s.did(probeWork(given+visited, e.p.perKey(s.fol, s.rev)), run)
	case opEntity:
		// The run resolves every reference before it starts, whatever the plan
		// (resolutions): the step shows the pages, the query counts them once.
		rows = 1
		if _, ok := e.p.ref(s.ent); !ok {
			rows = 0 // the reference names no entity: the steps it feeds do not run
		}
		s.est.pages = float64(s.tree.point())
		s.did(work{decoded: 1, probes: 1}, 1)
	case opSubQuery:
		before, upBefore := e.recorded, e.upRecorded
		rows = e.query(s.sub, false)
		// Run at planning only a sub-query whose upper bound too is small: its pages are
		// not under any budget.
		small := e.recorded-before <= subPages && e.upRecorded-upBefore <= 2*subPages
		if e.p.final && rows <= kindKeys && small && e.knownIDs(s) == nil {
			if bm, ok := e.p.subIDs(s.sub); ok {
				e.known[s] = bm
				rows = float64(bm.GetCardinality())
			}
		}
	case opAnd:
		if s.kids[0].stream {
			rows = e.stream(s, s.kids[0], s.kids[1:], s.limit)
			break
		}
		rows = e.set(s.kids[0])
		pool := e.poolOf[s.kids[0]]
		saved, savedCand := e.candFrac, e.cand
		e.candFrac, e.cand = -1, nil
		if fr, ok := e.fracOf[s.kids[0]]; ok {
			e.candFrac = fr
		}
		if ids := e.knownIDs(s.kids[0]); ids != nil {
			e.cand = roaring64.BitmapOf(ids...)
		}
		for i, f := range s.kids[1:] {
			rows = e.filter(f, rows, pool)
			if k, ok := s.conj[i+1].(*bKind); ok && k.kind == e.kind && e.candFrac >= 0 {
				e.candFrac = 1 // the candidates left are the kind's members
			}
		}
		if e.cand != nil {
			e.known[s] = e.cand
		}
		e.candFrac, e.cand = saved, savedCand
	case opOr:
		a, b := e.sel(e.set(s.kids[0])), e.sel(e.set(s.kids[1]))
		rows = e.p.n * (a + b - a*b)
	case opNot:
		u := e.set(s.kids[0])
		rows = u * (1 - e.sel(e.set(s.kids[1])))
	}
	s.est.rows = rows
	e.rowsOf[s] = rows
	e.poolOf[s] = e.pool(s)
	if fr, ok := e.frac(s); ok {
		e.fracOf[s] = fr
	}
	return rows
}

// knownIDs returns the entities set step s finds if the estimator read them at planning
// (facts.go), else nil.
func (e *estimator) knownIDs(s *step) []uint64 {
	if bm, ok := e.known[s]; ok {
		return bm.ToArray()
	}
	switch s.op {
	case opEmpty:
		return []uint64{}
	case opEntity:
		if id, ok := e.p.ref(s.ent); ok {
			return []uint64{id}
		}
		return []uint64{}
	case opIndexRange, opColumnScan:
		if bm := e.predIDs(s.pred); bm != nil {
			return bm.ToArray()
		}
	case opSubQuery:
		bq := s.sub.bq
		ids := e.knownIDs(s.sub.set)
		switch {
		case ids == nil || !bq.limit.Set || uint64(len(ids)) <= bq.limit.N:
			return ids
		case s.sub.order == orderNone:
			return ids[:bq.limit.N] // the first in ID order
		}
	case opFollowProbe:
		if far, ok := e.fromKnown(s, s.rev); ok {
			return far.ToArray()
		}
	case opFollowScan:
		if far, ok := e.fromKnown(s, !s.rev); ok {
			return far.ToArray()
		}
	case opClosure:
		if _, ids, ok := e.closureFromKnown(s); ok && ids != nil {
			return ids.ToArray()
		}
	}
	return nil
}

// predIDs returns the entities predicate b matches if the estimator read them at
// planning (facts.go), else nil.
func (e *estimator) predIDs(b *bPred) *roaring64.Bitmap {
	if e.p.fx == nil {
		return nil
	}
	if r, ok := e.p.fx.ranges[b]; ok && r.exact {
		return r.ids
	}
	return e.p.fx.scans[b]
}

// fromKnown returns, for a verb step s whose targets are known at planning (knownIDs:
// an entity reference, a sub-query whose entities were read), the entities it finds,
// read at planning (facts.go): the far ends of those targets' edges in the tree a probe
// of them reads (rev). ok is false if the targets are not known, or their edges could
// not all be counted.
func (e *estimator) fromKnown(s *step, rev bool) (*roaring64.Bitmap, bool) {
	if len(s.kids) == 0 {
		return nil, false
	}
	ids := e.knownIDs(s.kids[0])
	if ids == nil {
		return nil, false
	}
	return e.p.edgesFrom(s.fol, rev, ids)
}

// closureFromKnown returns the entities closure step s visits from its targets when they
// are known at planning, as the dive followed it (facts.go), and the levels it did not
// reach estimated from its frontier; if it visited them all, the entities too.
func (e *estimator) closureFromKnown(s *step) (float64, *roaring64.Bitmap, bool) {
	ids := e.knownIDs(s.kids[0])
	if ids == nil || len(ids) > kindKeys {
		return 0, nil, false
	}
	if len(ids) == 0 {
		return 0, roaring64.New(), true
	}
	c := e.p.closureFrom(s.fol, s.rev, ids)
	if c.exact {
		return c.visited, c.ids, true
	}
	_, _, others := e.p.followStats(s.fol, s.rev)
	return min(others, c.visited+e.p.closure(s.fol, s.rev, c.frontier, targetKindOf(s.kids[0]))), nil, true
}

// frac returns the share of set step s's rows that are members of the FIND's kind, when
// the entities it finds are known at planning and their kinds were read (facts.go), or
// the last analysis tells.
func (e *estimator) frac(s *step) (float64, bool) {
	if ids := e.knownIDs(s); ids != nil {
		if fr, ok := e.p.memberShare(e.kind, ids); ok {
			return fr, true
		}
	}
	switch s.op {
	case opKindScan:
		if s.kind == e.kind {
			return 1, true
		}
	case opIndexRange, opColumnScan:
		return e.colFrac(s.pred.col, e.rowsOf[s])
	case opFollowProbe, opClosure:
		return e.farFrac(s.fol, s.rev)
	case opFollowScan:
		return e.farFrac(s.fol, !s.rev)
	case opAnd:
		for _, c := range s.conj {
			if k, ok := c.(*bKind); ok && k.kind == e.kind {
				return 1, true
			}
		}
		fr, ok := e.fracOf[s.kids[0]]
		return fr, ok
	case opOr:
		a, okA := e.fracOf[s.kids[0]]
		b, okB := e.fracOf[s.kids[1]]
		ra, rb := e.rowsOf[s.kids[0]], e.rowsOf[s.kids[1]]
		if okA && okB && ra+rb > 0 {
			return (a*ra + b*rb) / (ra + rb), true
		}
	case opNot:
		if s.kind == e.kind {
			return 1, true
		}
	}
	return 0, false
}

// colFrac returns the share of rows entities that a predicate on column c finds that are
// members of the FIND's kind: the share of the column's entities that were members at
// the last analysis, but at least one of them when it finds any, as a query most often
// asks for values its kind has.
func (e *estimator) colFrac(c *column.Dyn, rows float64) (float64, bool) {
	share, _, ok := e.p.cover(e.kind, c.Name(), 0)
	h := e.p.histogram(c)
	st := e.p.kindStats(e.kind)
	if !ok || h == nil || h.Entities == 0 {
		return 0, false
	}
	fr := min(1, share*float64(st.Members)/float64(h.Entities))
	if rows > 0 {
		fr = max(fr, min(1, 1/rows))
	}
	return fr, true
}

// farFrac returns the share of the entities at the far end of f's verb, probing tree rev,
// that are members of the FIND's kind, as the last analysis saw them.
func (e *estimator) farFrac(f *bFollow, rev bool) (float64, bool) {
	far := reverseTree
	if rev {
		far = forwardTree
	}
	share, _, ok := e.p.cover(e.kind, f.verb.Name(), far)
	_, _, others := e.p.followStats(f, rev)
	if !ok || others <= 0 {
		return 0, false
	}
	return min(1, share*float64(e.p.kindStats(e.kind).Members)/others), true
}

// memberSel returns the chance that a candidate is in a set of rows entities: rows/n
// without an analysis; with one, weighing the members of the FIND's kind among the
// candidates (candFrac) by the share fr of the set's rows that are members.
func (e *estimator) memberSel(rows, fr float64, ok bool) float64 {
	if !ok || e.candFrac < 0 {
		return e.sel(rows)
	}
	members := float64(e.p.kindShape(e.kind).entries)
	in := rows * fr
	p := e.candFrac * min(1, in/max(1, members))
	if e.candFrac < 1 {
		p += (1 - e.candFrac) * min(1, (rows-in)/max(1, e.p.n-members))
	}
	return p
}

// pool returns the entities that the rows of set step s are drawn from: a kind's
// members, a column's entities, the entities at the far end of a verb; every live entity
// for the others.
func (e *estimator) pool(s *step) float64 {
	switch s.op {
	case opKindScan:
		return float64(s.tree.entries)
	case opIndexRange, opColumnScan:
		return 0 // what a column finds for a FIND is taken to be of its kind
	case opFollowProbe, opClosure:
		_, _, others := e.p.followStats(s.fol, s.rev)
		return others
	case opFollowScan:
		_, _, others := e.p.followStats(s.fol, !s.rev)
		return others
	case opSubQuery:
		return float64(e.p.kindShape(s.sub.bq.kind).entries)
	case opAnd:
		return e.poolOf[s.kids[0]]
	case opNot:
		return e.poolOf[s.kids[0]]
	}
	return e.p.n
}

// kindSel returns the chance that an entity drawn from pool entities is a member of a
// kind of size members: the smaller set is taken to lie within the larger, as a column
// or a verb most often belongs to one kind.
func kindSel(members, pool float64) float64 {
	if members <= 0 {
		return 0
	}
	if pool <= 0 {
		return 1
	}
	return min(1, members/pool)
}

// targetKindOf returns the kind of the entities a target step finds, or nil.
func targetKindOf(t *step) *entity.Kind {
	switch t.op {
	case opEntity:
		return t.ent.kind
	case opSubQuery:
		return t.sub.bq.kind
	}
	return nil
}

// filter estimates a filter step given k candidates expected, drawn from pool entities,
// and returns its rows out.
func (e *estimator) filter(s *step, k, pool float64) float64 {
	s.est = estimate{}
	if k <= 0 {
		return 0
	}
	chosen := s
	if a := s.adapt; a != nil {
		cand := e.cand
		chosen = e.adaptive(a, k, pool)
		e.cand = cand
		s.est, chosen.est = estimate{}, estimate{} // weighing the ways wrote to them
	}
	out := e.filterAs(s, chosen, k, pool)
	if s.adapt != nil {
		s.est.way = chosen
	}
	return out
}

// adaptive returns the way an adaptive filter is expected to run for k candidates: as
// the run decides below its switch point; above it the run weighs the span of the
// candidates' IDs, which the estimate does not know, so it takes the cheaper way.
func (e *estimator) adaptive(a *adaptive, k, pool float64) *step {
	_, given := nonEmpty(k)
	if a.force != 0 || given < float64(a.at) {
		if a.useProbeFor(given) {
			return a.probe
		}
		return a.inter
	}
	cost := func(s *step) float64 {
		saved, savedRows, savedBound := e.byTree, e.rowsOf, e.bound
		e.byTree, e.rowsOf, e.bound = map[store.TreeRef][]float64{}, map[*step]float64{}, nil
		defer func() { e.bound = savedBound }()
		e.filterAs(s, s, k, pool)
		n := 0.0
		for _, reads := range e.byTree {
			for _, p := range reads {
				n += p
			}
		}
		e.byTree, e.rowsOf = saved, savedRows
		return n
	}
	if cost(a.probe) < cost(a.inter) {
		return a.probe
	}
	return a.inter
}

// filterAs estimates filter step s run as chosen, s itself or one of its adaptive ways.
func (e *estimator) filterAs(s, chosen *step, k, pool float64) float64 {
	run, given := nonEmpty(k)
	var out float64
	// With the candidates known exactly, a filter whose entities are known too keeps
	// exactly those of both; next is what it keeps, nil if that is not known.
	in := e.cand
	var next *roaring64.Bitmap
	keep := func(pass *roaring64.Bitmap) {
		if in != nil && pass != nil {
			next = roaring64.And(in, pass)
		}
	}
	members := func(k *entity.Kind) {
		if in != nil {
			if m, ok := e.p.membersOf(k, in.ToArray()); ok {
				next = m
			}
		}
	}
	switch chosen.op {
	case opEmpty:
		if in != nil {
			next = roaring64.New()
		}
	case opKindProbe:
		members(chosen.kind)
		out = min(k*kindSel(float64(chosen.tree.entries), pool), float64(chosen.tree.entries))
		if e.candFrac >= 0 {
			out = min(k*e.candFrac, float64(chosen.tree.entries))
		}
		if ends := chosen.tree.ends(); chosen.dense && ends < chosen.tree.exProbeIn(given, 1, e.within) {
			// The tree's two ends, whatever the candidates (executor.useEnds).
			e.readUp(chosen, chosen.tree, float64(ends), float64(ends), run)
			chosen.did(idWork(2), run)
			break
		}
		e.probe(chosen, chosen.tree, given, 1, e.within, run) // a kind's tree holds just its members
		chosen.did(idWork(given), run)
	case opColumnProbe:
		rows, _ := e.p.predRows(chosen.pred)
		keep(e.predIDs(chosen.pred))
		fr, ok := e.colFrac(chosen.pred.col, rows)
		out = k * e.memberSel(rows, fr, ok)
		per := e.p.perEntity(chosen.pred.col, chosen.tree)
		e.probe(chosen, chosen.tree, given, per, e.within*e.p.spanFrac(e.kind, chosen.pred.col, given), run)
		chosen.did(probeWork(given, per), run)
	case opFollowFilter:
		set := e.p.planSet(chosen.fol)
		// The entities the verb leads to are taken to be of the candidates' kind: the set
		// is a part of the verb's far ends, not of all entities.
		rows := e.rows(set)
		if ids := e.knownIDs(set); ids != nil {
			keep(roaring64.BitmapOf(ids...))
		}
		out = k * min(1, rows/max(rows, e.poolOf[set], 1))
		if fr, ok := e.fracOf[set]; ok && e.candFrac >= 0 {
			out = k * e.memberSel(rows, fr, true)
		}
		if len(chosen.kids) > 0 {
			e.scaled(run, func() { e.set(chosen.kids[0]) })
		}
		// A verb's tree is most often keyed by entities of one kind, the candidates'.
		e.probe(chosen, chosen.tree, given, e.p.perKey(chosen.fol, chosen.rev), e.within, run)
		chosen.did(probeWork(given, e.p.perKey(chosen.fol, chosen.rev)), run)
	case opIntersect:
		var rows float64
		e.scaled(run, func() { rows = e.set(chosen.kids[0]) })
		switch kid := chosen.kids[0]; kid.op {
		case opKindScan:
			members(kid.kind)
		case opIndexRange, opColumnScan:
			keep(e.predIDs(kid.pred))
		default:
			if ids := e.knownIDs(kid); ids != nil {
				keep(roaring64.BitmapOf(ids...))
			}
		}
		fr, ok := e.fracOf[chosen.kids[0]]
		out = k * e.memberSel(rows, fr, ok)
		if chosen.kids[0].op == opKindScan {
			out = min(k*kindSel(rows, pool), rows) // no more than the kind's members
			if e.candFrac >= 0 {
				out = min(k*e.candFrac, rows)
			}
		}
	case opAndFilter:
		out = k
		for _, f := range chosen.kids {
			out = e.filter(f, out, pool)
		}
		next = e.cand
	case opOrFilter:
		l := e.filter(chosen.kids[0], k, pool)
		left := e.cand
		if left != nil {
			e.cand = roaring64.AndNot(in, left)
		}
		r := e.filter(chosen.kids[1], max(0, k-l), pool)
		out = l + r
		if left != nil && e.cand != nil {
			next = roaring64.Or(left, e.cand)
		}
	case opNotFilter:
		out = max(0, k-e.filter(chosen.kids[0], k, pool))
		if e.cand != nil {
			next = roaring64.AndNot(in, e.cand)
		}
	}
	e.cand = nil
	if in != nil && next != nil {
		e.cand = next
		out = float64(next.GetCardinality())
	}
	chosen.est.rows = out
	if chosen != s {
		s.est = chosen.est
	}
	return out
}

// scaled runs fn, which estimates steps that run with probability run, and scales the
// pages they add by it.
func (e *estimator) scaled(run float64, fn func()) {
	saved := e.byTree
	e.byTree = map[store.TreeRef][]float64{}
	fn()
	for ref, reads := range e.byTree {
		for _, p := range reads {
			saved[ref] = append(saved[ref], p*run)
		}
	}
	e.byTree = saved
}

// stream estimates set step s, a driver read in ID order, in batches, until n entities
// pass the filters; it returns the entities found.
func (e *estimator) stream(s, driver *step, filters []*step, n uint64) float64 {
	driver.est = estimate{}
	total := float64(driver.tree.entries)
	var all float64 // the driver's entities, as a whole scan would find them
	if driver.op == opKindScan {
		all = total
	} else {
		all, _ = e.p.predRows(driver.pred)
	}
	// The share of the driver's entries that pass: the driver's own predicate, then the
	// filters, estimated on all of them without counting pages.
	pass := 1.0
	if total > 0 {
		pass = all / total
	}
	k := all
	pool := e.pool(driver)
	savedFrac := e.candFrac
	defer func() { e.candFrac = savedFrac }()
	e.candFrac = -1
	if driver.op == opKindScan && driver.kind == e.kind {
		e.candFrac = 1
	} else if driver.op != opKindScan {
		if fr, ok := e.colFrac(driver.pred.col, all); ok {
			e.candFrac = fr
		}
	}
	for _, f := range filters {
		saved, savedBound, savedRec, savedUp := e.byTree, e.bound, e.recorded, e.upRecorded
		e.byTree, e.bound = map[store.TreeRef][]float64{}, nil
		k = e.filter(f, k, pool)
		e.byTree, e.bound, e.recorded, e.upRecorded = saved, savedBound, savedRec, savedUp
	}
	if all > 0 {
		pass *= k / all
	}
	read := total
	if pass > 0 {
		need := float64(n) / pass
		got, batch := 0.0, float64(max(n, 16))
		for got < need && got < total {
			got += batch
			batch = min(2*batch, 1<<16)
		}
		read = min(total, got)
	}
	e.read(driver, driver.tree, float64(driver.tree.exRange(read)), 1)
	driver.did(work{decoded: read, probes: 1}, 1)
	cand := read
	if total > 0 {
		cand = read * all / total
	}
	driver.est.rows = cand
	// The filters see the first read of the driver's total entries, in ID order.
	saved := e.within
	if total > 0 {
		e.within *= read / total
	}
	for _, f := range filters {
		cand = e.filter(f, cand, pool)
	}
	e.withinOf[s] = e.within
	e.within = saved
	return min(cand, float64(n))
}

// useProbeFor is useProbe for k candidates spread over every ID.
func (a *adaptive) useProbeFor(k float64) bool {
	if a.force != 0 {
		return a.force == 1
	}
	if k < float64(a.at) {
		return true
	}
	return a.probeCost(k, 1) < a.interCost
}

// perEntity returns the entries of column c, whose tree is sh, for one entity that has
// a value.
func (p *planner) perEntity(c *column.Dyn, sh shape) float64 {
	if c == nil || !c.Multi() { // nil: SELECT IRI, one IRI an entity
		return 1
	}
	return max(1, float64(sh.entries)/max(1, p.colEntities(c)))
}

// followStats returns what the catalog knows of f's verb, seen from the tree a step
// probes (rev: the reverse tree): its edges, the distinct entities that key the probed
// tree, and the distinct entities at the other end. The distinct counts are exact where
// the verb keeps them (verb.Counts); otherwise each is taken as min(edges, entities).
func (p *planner) followStats(f *bFollow, rev bool) (edges, keys, others float64) {
	e, subj, obj, ok := f.verb.Counts(p.tx)
	edges = float64(e)
	if !ok {
		g := min(edges, p.n)
		return edges, g, g
	}
	keys, others = float64(subj), float64(obj)
	if rev {
		keys, others = others, keys
	}
	return edges, keys, others
}

// perKey returns the entries a probe of f's tree finds for one key, on average over keys
// taken at random among the live entities: those that key the tree have edges/keys.
func (p *planner) perKey(f *bFollow, rev bool) float64 {
	edges, keys, _ := p.followStats(f, rev)
	if keys == 0 || p.n == 0 {
		return 1
	}
	return 1 + min(1, keys/p.n)*max(0, edges/keys-1)
}

// hits returns how many of k entities of kind t (nil: of any kind) key f's probed tree,
// and the entries each of them keys: from the last analysis, the share of t's members
// that key it; without one, all of them up to the keys when the kind is known and has no
// more entities than the tree has keys (a verb's ends are most often of one kind), else
// in proportion.
func (p *planner) hits(f *bFollow, rev bool, k float64, t *entity.Kind) (h, per float64) {
	edges, keys, _ := p.followStats(f, rev)
	if keys == 0 {
		return 0, 0
	}
	tree := forwardTree
	if rev {
		tree = reverseTree
	}
	if share, per, ok := p.cover(t, f.verb.Name(), tree); ok {
		return min(keys, k*share), per
	}
	pool := p.n
	if t != nil {
		pool = float64(p.kindShape(t).entries)
	}
	if pool <= 0 {
		return 0, 0
	}
	return min(keys, k*min(1, keys/pool)), edges / keys
}

// reach returns the distinct entities that k entities of kind t lead to over f's edges,
// probing the tree rev: h of them key it, each with per edges, and each of the others
// entities at the far end is reached by one of its edges/others edges.
func (p *planner) reach(f *bFollow, rev bool, k float64, t *entity.Kind) float64 {
	edges, keys, others := p.followStats(f, rev)
	h, per := p.hits(f, rev, k, t)
	if keys == 0 || others == 0 || edges == 0 {
		return 0
	}
	return others * (1 - math.Pow(1-min(1, h*per/edges), edges/others))
}

// closure returns the entities a transitive step visits from k targets of kind t: level
// by level, the frontier reaches entities, those not visited yet are the next frontier.
// The entities found are at the far end; they key the probed tree in the proportion
// keys/others, at most all of them.
func (p *planner) closure(f *bFollow, rev bool, k float64, t *entity.Kind) float64 {
	_, keys, others := p.followStats(f, rev)
	if others == 0 {
		return 0
	}
	visited := 0.0
	next := p.reach(f, rev, k, t)
	for range maxClosureDepth {
		next *= max(0, 1-visited/others)
		if next < 0.5 {
			break
		}
		visited += next
		// The new entities probe the tree in turn: as many keys as hit it.
		h := next * min(1, keys/others)
		edges, _, _ := p.followStats(f, rev)
		next = others * (1 - math.Pow(1-min(1, h/keys), edges/others))
	}
	return min(visited, others)
}

// --- the tree costs of the estimate, from the descriptor's exact page counts ---

// exLeaves returns the tree's leaf pages.
func (s shape) exLeaves() uint64 {
	if s.height == 0 || s.entries == 0 {
		return 0
	}
	if s.leafPages > 0 {
		return s.leafPages
	}
	return s.leaves()
}

// exPerLeaf returns the entries a leaf holds on average.
func (s shape) exPerLeaf() float64 {
	if l := s.exLeaves(); s.leafPages > 0 && l > 0 {
		return max(1, float64(s.entries)/float64(l))
	}
	return float64(max(1, s.leafCap))
}

// exLevel returns the pages at level i, 0 being the leaves: exact for the leaves, the
// root and the middle level of a tree of three; above that, the branches shared out by
// their average fan-out.
func (s shape) exLevel(i uint64) uint64 {
	if s.leafPages == 0 {
		return s.levelPages(i)
	}
	switch {
	case i+1 >= s.height:
		return 1
	case i == 0:
		return s.exLeaves()
	case s.height == 3:
		return max(1, s.branchPages-1)
	}
	fan := max(2, float64(s.leafPages+s.branchPages-1)/float64(max(1, s.branchPages)))
	return max(1, uint64(math.Ceil(float64(s.leafPages)/math.Pow(fan, float64(i)))))
}

// exSize returns the tree's node pages.
func (s shape) exSize() uint64 {
	if s.height > 0 && s.leafPages > 0 {
		return s.leafPages + s.branchPages
	}
	return s.size()
}

// exScan returns the pages of a scan of the whole tree: its leaves and one path down.
func (s shape) exScan() uint64 {
	if s.height == 0 {
		return 0
	}
	return s.exLeaves() + s.height - 1
}

// exRange returns the pages of a range of m entries: a path down and the leaves m
// entries starting anywhere in a leaf span, 1 + (m-1)/perLeaf on average.
func (s shape) exRange(m float64) uint64 {
	if s.height == 0 {
		return 0
	}
	leaves := uint64(math.Round(1 + max(0, m-1)/s.exPerLeaf()))
	return min(s.exScan(), s.height-1+max(1, leaves))
}

// reached returns the pages of a level of n pages that k keys spread at random over it
// reach, each spanning w pages: n·(1 - (1 - w/n)^k) (Cardenas' formula).
func reached(n, k, w float64) float64 {
	if n <= 0 || k <= 0 {
		return 0
	}
	if w >= n {
		return n
	}
	return n * (1 - math.Pow(1-w/n, k))
}

// exProbeIn returns the pages that seeking k keys in ascending order reads, each key with
// about per entries, the keys within a part frac of the tree's key space: they reach only
// that part of each level, plus a page; at least one path down.
func (s shape) exProbeIn(k, per, frac float64) uint64 {
	return max(s.height, uint64(math.Round(s.probeIn(k, per, frac, reached))))
}

// upProbeIn is exProbeIn with every key on pages of its own: k·w pages of each level of
// n, at most n.
func (s shape) upProbeIn(k, per, frac float64) float64 {
	return max(float64(s.height), s.probeIn(k, per, frac, func(n, k, w float64) float64 { return min(n, k*w) }))
}

// probeIn returns the pages of the levels that k keys within a part frac of the tree's
// keys reach, each spanning per entries, a level of n pages reaching reach(n, k, w).
func (s shape) probeIn(k, per, frac float64, reach func(n, k, w float64) float64) float64 {
	if s.height == 0 || k <= 0 {
		return 0
	}
	within := func(pages uint64) float64 {
		if frac >= 1 {
			return float64(pages)
		}
		return min(float64(pages), frac*float64(pages)+1)
	}
	n := reach(within(s.exLeaves()), k, 1+max(0, per-1)/s.exPerLeaf())
	for i := uint64(1); i < s.height; i++ {
		n += reach(within(s.exLevel(i)), k, 1)
	}
	return n
}
