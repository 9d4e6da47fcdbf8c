package query

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// # Choices
//
// Each condition can run as a set step: a full scan of its column, an index range scan,
// a probe of a verb's tree for each target, a scan of a verb's whole tree, a breadth-first
// closure. Inside an AND it can also run as a filter of the k candidates found so far:
// point probes of its tree for each candidate, in ID order, forward only. The planner
// orders an AND by trying each conjunct as the driver (its set step makes the first
// candidates) and applying the others to the driver's candidates smallest first, each as
// the cheaper of a filter and an intersection with its set step; the order the
// estimator (estimate.go) expects to cost least wins: its distinct pages plus its CPU
// work (cost.go), costs within half a page being a tie. So are a condition's index
// range and column scan, and a verb's probe per target and scan. The filters' probe or
// intersection, and the ORDER BY, weigh the pages and work of cost.go's model. A filter that can run either way also records the number
// of candidates at which the intersection becomes the cheaper (explained as "intersects
// instead from N candidates"): the run picks by the candidates it actually has, counting
// for a probe only the part of the tree their IDs span, so a misestimate costs little.
//
// ORDER BY uses the column's index, reading it in order until LIMIT entities of the set
// are found, when that is estimated cheaper than reading the column for every entity of
// the set and sorting. A LIMIT without ORDER BY stops a driver that reads entities in ID
// order (a kind's or a column's scan) once enough of them pass the filters, which see
// them in batches.
//
// Ties go to the earlier alternative in a fixed order and conjuncts are taken in the order
// written, so the same store and query always give the same plan, and the same pages.

// planner builds the plan of a bound query inside the View that prepares it.
type planner struct {
	tx   *entity.Tx
	n    float64      // live entities
	base float64      // entities of the kind of the FIND being planned
	kind *entity.Kind // and that kind
	ids  float64      // entity IDs handed out

	// chaos, in tests, makes every choice at random instead of by cost, so that the
	// differential test runs every kind of step on every kind of query.
	chaos  *rand.Rand
	kindSh shape // $kind
	iriSh  shape // $iri's IRI → ID index
	shapes map[*store.Tree]shape
	sets   map[bcond]*step
	// kindSets holds the set step of each kind's members: a FIND's first conjunct and the
	// universe of each NOT inside it.
	kindSets map[*entity.Kind]*step
	targets  map[btarget]*step
	// hists holds the histogram of each column that has one (graphctl analyze), read
	// once from VarStats, or nil.
	hists map[*column.Dyn]*column.Histogram
	// estimating is set while the estimator's model is at work, which alone uses the
	// statistics of graphctl analyze: when an AND's driver is chosen (estCost) and once
	// the plan is chosen. The other choices use the cost model of cost.go, which knows
	// only the catalog.
	estimating bool
	kstats     map[*entity.Kind]*entity.KindStats // kindStats' answers
	// fx holds the facts the estimator read at planning (facts.go), or nil.
	fx *facts
	// final is set while the chosen plan is estimated (estimatePlan).
	final bool
	// bound is the estimator's bound on the pages of the plan it estimated last
	// (estimatePlan): its steps' reads for the rows it expects, each step that may run
	// taken to run, no two reads sharing a page, each tree counted at most whole.
	bound uint64
}

func newPlanner(tx *entity.Tx) *planner {
	p := &planner{tx: tx, shapes: map[*store.Tree]shape{}, sets: map[bcond]*step{}, kindSets: map[*entity.Kind]*step{}, targets: map[btarget]*step{}}
	p.kindSh = p.shape(tx.Must(tx.VarTree(entity.VarKind, 0, false)), 0)
	p.iriSh = p.shape(tx.Must(tx.VarTree(entity.VarIRI, 1, false)), 56)
	p.n = float64(p.kindSh.entries)
	p.ids = float64(tx.LastID())
	return p
}

func (p *planner) shape(t *store.Tree, varPart int) shape {
	if s, ok := p.shapes[t]; ok {
		return s
	}
	s := shapeOf(t, varPart)
	p.shapes[t] = s
	return s
}

func (p *planner) kindShape(k *entity.Kind) shape { return p.shape(k.Tree(p.tx), 0) }

func colVarPart(c *column.Dyn) int {
	if n := c.Type().MaxLen(); n > 0 {
		return min(n, varPartBytes)
	}
	return varPartBytes
}

func (p *planner) colShape(c *column.Dyn) shape { return p.shape(c.Tree(p.tx), colVarPart(c)) }

func (p *planner) indexShape(c *column.Dyn) (shape, bool) {
	t := c.IndexTree(p.tx)
	if t == nil {
		return shape{}, false
	}
	return p.shape(t, colVarPart(c)), true
}

func (p *planner) verbShape(f *bFollow, rev bool) shape {
	if rev {
		return p.shape(f.verb.Reverse(p.tx), 0)
	}
	return p.shape(f.verb.Forward(p.tx), 0)
}

func rowsOf(x float64) uint64 {
	if x <= 0 {
		return 0
	}
	return uint64(math.Ceil(x - 1e-9))
}

// sel returns the selectivity of a set of rows estimated rows within the kind of the
// FIND being planned.
func (p *planner) sel(rows uint64) float64 {
	if p.base == 0 {
		return 0
	}
	return min(1, float64(rows)/p.base)
}

// prefer returns cheaper, or a coin toss in chaos mode.
func (p *planner) prefer(cheaper bool) bool {
	if p.chaos != nil {
		return p.chaos.IntN(2) == 0
	}
	return cheaper
}

// planQuery plans a FIND.
func (p *planner) planQuery(bq *boundQuery) *qplan {
	defer func(base float64, k *entity.Kind) { p.base, p.kind = base, k }(p.base, p.kind)
	p.base, p.kind = float64(p.kindShape(bq.kind).entries), bq.kind
	qp := &qplan{bq: bq}
	conj := []bcond{&bKind{kind: bq.kind}}
	if bq.where != nil {
		conj = appendConjuncts(conj, bq.where)
	}
	qp.set = p.planAnd(conj)
	switch {
	case bq.limit.Set && bq.limit.N == 0:
		qp.set = &step{op: opEmpty}
	case bq.order == nil && bq.limit.Set:
		if st := p.planStream(qp.set, bq.limit.N); st != nil && p.prefer(st.cost() < qp.set.cost()) {
			qp.set = st
		}
	}
	rows := qp.set.rows
	if bq.limit.Set {
		rows = min(rows, bq.limit.N)
	}
	qp.rows = rows
	if bq.order != nil {
		col := p.colShape(bq.order)
		per := p.perEntity(bq.order, col)
		k := float64(qp.set.rows)
		qp.order, qp.orderTree, qp.orderPages = orderSort, col, col.probe(k, per)
		qp.orderWork = work{decoded: k * per, probes: k}
		if idx, ok := p.indexShape(bq.order); ok {
			// Scanning the index in order, about entries/|set| entries go by for each
			// entity of the set found.
			pages, m := idx.scan(), float64(idx.entries)
			if bq.limit.Set && qp.set.rows > 0 {
				m = min(m, float64(bq.limit.N)*float64(idx.entries)/float64(qp.set.rows))
				pages = idx.rangeScan(m)
			}
			w := work{decoded: m, probes: 1}
			if p.prefer(float64(pages)+w.pages() < float64(qp.orderPages)+qp.orderWork.pages()) {
				qp.order, qp.orderTree, qp.orderPages, qp.orderWork = orderIndex, idx, pages, w
			}
		}
	}
	for _, c := range bq.sel {
		if c == nil { // IRI: a probe of $iri's ID → IRI tree
			s := p.shape(p.tx.Must(p.tx.VarTree(entity.VarIRI, 0, false)), 56)
			qp.sel = append(qp.sel, s)
			qp.selPages = append(qp.selPages, s.probe(float64(qp.rows), 1))
			continue
		}
		s := p.colShape(c)
		per := p.perEntity(c, s)
		qp.sel = append(qp.sel, s)
		qp.selPages = append(qp.selPages, s.probe(float64(qp.rows), per))
	}
	return qp
}

// planStream plans set, a FIND's set step, for a LIMIT of n without ORDER BY: if its
// driver reads entities in ID order (a kind or a column scan), it need read only about
// n/|set| of them, and its filters see only those. It returns nil for other drivers.
func (p *planner) planStream(set *step, n uint64) *step {
	driver := set
	if set.op == opAnd {
		driver = set.kids[0]
	}
	if driver.op != opKindScan && driver.op != opColumnScan {
		return nil
	}
	frac := 1.0
	if set.rows > 0 {
		frac = min(1, float64(n)/float64(set.rows))
	}
	d := *driver
	d.adapt, d.stream = nil, true
	d.pages = d.tree.rangeScan(frac * float64(d.tree.entries))
	d.work = work{decoded: frac * float64(d.tree.entries), probes: 1}
	d.rows = rowsOf(frac * float64(driver.rows))
	if set.op != opAnd {
		d.rows, d.limit = min(d.rows, n), n
		return &d
	}
	s := &step{op: opAnd, kids: []*step{&d}, conj: []bcond{set.conj[0]}, limit: n}
	k := d.rows
	for _, c := range set.conj[1:] {
		f := p.planFilter(c, k)
		s.kids = append(s.kids, f)
		s.conj = append(s.conj, c)
		k = f.rows
	}
	s.rows = min(k, n)
	return s
}

// bKind is the membership of a kind, the first conjunct of every FIND.
type bKind struct {
	kind *entity.Kind
}

func (*bKind) src() Cond { return nil }

// appendConjuncts appends the operands of a chain of ANDs.
func appendConjuncts(dst []bcond, c bcond) []bcond {
	if a, ok := c.(*bAnd); ok {
		return appendConjuncts(appendConjuncts(dst, a.l), a.r)
	}
	return append(dst, c)
}

// histogram returns c's histogram, scaled to the column's entries now, or nil if the
// column was never analyzed. Reading it costs the pages of a lookup in VarStats.
func (p *planner) histogram(c *column.Dyn) *column.Histogram {
	if !p.estimating {
		return nil
	}
	if h, ok := p.hists[c]; ok {
		return h
	}
	if p.hists == nil {
		p.hists = map[*column.Dyn]*column.Histogram{}
	}
	var h *column.Histogram
	if b, ok := p.tx.VarStatsOf(c.Name()); ok {
		if dh, err := column.DecodeHistogram(c, b); err == nil && dh.Entries > 0 {
			h = dh
		}
	}
	p.hists[c] = h
	return h
}

// kindStats returns the statistics of kind k that the last analysis kept (graphctl
// analyze), or nil. Reading them costs the pages of a lookup in VarStats.
func (p *planner) kindStats(k *entity.Kind) *entity.KindStats {
	if !p.estimating || k == nil {
		return nil
	}
	if st, ok := p.kstats[k]; ok {
		return st
	}
	if p.kstats == nil {
		p.kstats = map[*entity.Kind]*entity.KindStats{}
	}
	var st *entity.KindStats
	if b, ok := p.tx.VarStatsOf(k.Name()); ok {
		if s, err := entity.DecodeKindStats(b); err == nil && s.Members > 0 {
			st = &s
		}
	}
	p.kstats[k] = st
	return st
}

// cover returns what the last analysis saw of how kind k's members key tree i of
// variable name: the share of its members that key it, and the entries each of those
// keys on average; ok is false without an analysis that covered it.
func (p *planner) cover(k *entity.Kind, name string, i int) (share, per float64, ok bool) {
	st := p.kindStats(k)
	if st == nil {
		return 0, 0, false
	}
	c, ok := st.Cover(name, i)
	if !ok {
		return 0, 0, false
	}
	share = 1 - st.ZeroShare(c)
	per = 1
	if c.Keys > 0 {
		per = float64(c.Entries) / float64(c.Keys)
	}
	return share, per, true
}

// kindSpan returns the lowest and highest ID of the members of kind k as the last
// analysis saw them (graphctl analyze), the highest widened to the last ID handed out if
// the kind has gained members since; without an analysis, with read, as the estimator
// reads them (facts.go); ok is false otherwise.
func (p *planner) kindSpan(k *entity.Kind, read bool) (lo, hi float64, ok bool) {
	s := p.kindStats(k)
	if s == nil && p.estimating && k != nil && read {
		return p.treeSpan(k.Tree(p.tx))
	}
	if s == nil || s.Last < s.First {
		return 0, 0, false
	}
	lo, hi = float64(s.First), float64(s.Last)
	if p.kindShape(k).entries > s.Members {
		hi = max(hi, p.ids) // members added since may have any of the new IDs
	}
	return lo, hi, true
}

// spanFrac returns the part of a tree keyed by entity ID that candidates of kind k reach:
// the overlap of the kind's IDs with the tree's keys, a column's as its histogram saw
// them or, for the estimator, as it reads them (facts.go; c nil: every ID handed out),
// as a part of the tree's keys, for keys keys probed. It is 1 when the kind's span is not
// known.
func (p *planner) spanFrac(k *entity.Kind, c *column.Dyn, keys float64) float64 {
	// Reading the spans is worth it only for many keys probed in a tree of many leaves:
	// a few keys reach a page each, and a probe of a few leaves reaches most of them,
	// whatever part of the keys they lie in. Only the chosen plan's estimate reads them.
	read := p.final && c != nil && keys >= spanKeys && p.colShape(c).exLeaves() > spanLeaves
	lo, hi, ok := p.kindSpan(k, read)
	if !ok || p.ids <= 0 {
		return 1
	}
	if read {
		if f, ok := p.leafFrac(c.Tree(p.tx), p.colShape(c), lo, hi); ok {
			return f
		}
	}
	tlo, thi := 1.0, p.ids
	if c != nil {
		if h := p.histogram(c); h != nil && h.Last >= h.First {
			tlo, thi = float64(h.First), float64(h.Last)
			if p.colShape(c).entries > h.Entries {
				thi = max(thi, p.ids)
			}
		} else if h == nil && p.estimating && read {
			if clo, chi, ok := p.treeSpan(c.Tree(p.tx)); ok {
				tlo, thi = clo, chi
			}
		}
	}
	overlap := min(hi, thi) - max(lo, tlo) + 1
	return max(0, min(1, overlap/(thi-tlo+1)))
}

// leafFrac returns the part of tree t, of shape sh, keyed by entity ID first, that the
// IDs from lo to hi reach, as a probe's frac: the leaves they span, counted (facts.go),
// less the one a probe's frac adds. Where a kind's members cluster, a probe of them
// reaches a few leaves whatever their number.
func (p *planner) leafFrac(t *store.Tree, sh shape, lo, hi float64) (float64, bool) {
	if sh.exLeaves() <= 1 {
		return 0, false
	}
	n, ok := p.leavesBetween(t, lo, hi)
	if !ok {
		return 0, false
	}
	return max(0, min(1, (float64(n)-1)/float64(sh.exLeaves()))), true
}

// kindFrac returns the part of tree t, of shape sh, keyed by entity ID first, that keys
// keys of kind k probed reach (leafFrac over the kind's span), for the chosen plan's
// estimate of a probe of at least spanKeys keys in a tree of more than spanLeaves
// leaves; 1 otherwise.
func (p *planner) kindFrac(k *entity.Kind, t *store.Tree, sh shape, keys float64) float64 {
	if !p.final || k == nil || keys < spanKeys || sh.exLeaves() <= spanLeaves {
		return 1
	}
	lo, hi, ok := p.kindSpan(k, true)
	if !ok {
		return 1
	}
	if f, ok := p.leafFrac(t, sh, lo, hi); ok {
		return f
	}
	return 1
}

// histScale returns the factor from the entries of c's histogram to its entries now.
func (p *planner) histScale(c *column.Dyn, h *column.Histogram) float64 {
	return float64(p.colShape(c).entries) / float64(h.Entries)
}

// colEntities estimates the entities that have a value in c.
func (p *planner) colEntities(c *column.Dyn) float64 {
	if h := p.histogram(c); h != nil {
		return float64(h.Entities) * p.histScale(c, h)
	}
	n := float64(p.colShape(c).entries)
	if c.Multi() {
		if p.estimating {
			// The values an entity holds, as the column's first leaves show (facts.go).
			if v, ok := p.valuesPer(c); ok {
				return min(n/v, p.n)
			}
		}
		// Without statistics, assume the values are spread over as many entities as
		// there are, up to one per value.
		return min(n, p.n)
	}
	return n
}

// predRows estimates the entities b matches and the column entries (index entries) of
// each of its intervals: for the estimator, counted in the index where a dive can, or in
// a column of a few leaves (facts.go).
func (p *planner) predRows(b *bPred) (rows float64, entries []float64) {
	rows, entries = p.modelRows(b)
	if !p.estimating {
		return rows, entries
	}
	expect := 0.0
	for _, m := range entries {
		expect += m
	}
	r, ok := p.rangeOf(b, expect)
	if !ok {
		if bm := p.scanOf(b); bm != nil {
			return float64(bm.GetCardinality()), entries
		}
		if share, ok := p.sampleOf(b); ok {
			sampled := share * p.colEntities(b.col)
			for i := range entries {
				if rows > 0 {
					entries[i] *= sampled / rows
				}
			}
			return sampled, entries
		}
		return rows, entries
	}
	if r.exact || r.counted {
		return r.rows, r.entries
	}
	// The dive stopped at its limit: the range holds at least what it saw.
	rows = max(rows, r.rows)
	for i, m := range r.entries {
		entries[i] = max(entries[i], m)
	}
	return rows, entries
}

// modelRows is predRows from the statistics alone.
func (p *planner) modelRows(b *bPred) (rows float64, entries []float64) {
	e := p.colEntities(b.col)
	perEntity := 1.0
	if e > 0 {
		perEntity = float64(p.colShape(b.col).entries) / e
	}
	if b.has {
		return e, []float64{e * perEntity}
	}
	if h := p.histogram(b.col); h != nil {
		// The histogram counts entries; an entity of a Multi column has perEntity of them.
		scale := p.histScale(b.col, h)
		total := 0.0
		for _, iv := range b.ivs {
			m := h.Matches(iv.lo, iv.hi) * scale
			entries = append(entries, m)
			total += m
		}
		return min(e, total/perEntity), entries
	}
	point := p.pointSel(b, e)
	total := 0.0
	for _, iv := range b.ivs {
		var s float64
		switch {
		case iv.all():
			s = 1
		case iv.lo.Kind == column.Inclusive && iv.hi.Kind == column.Inclusive && column.CompareValues(iv.lo.Value, iv.hi.Value) == 0:
			s = point
		case iv.lo.Kind != column.Unbounded && iv.hi.Kind != column.Unbounded:
			s = 1.0 / twoSidedDiv
		default:
			s = 1.0 / oneSidedDiv
		}
		if c, ok := b.c.(*CompareCond); ok && c.Op == OpNe && len(b.ivs) == 2 {
			s = (1 - point) / 2
		}
		entries = append(entries, s*e*perEntity)
		total += s
	}
	return min(1, total) * e, entries
}

// pointSel estimates the fraction of a column's entities that an equality matches: one
// entity for a type of 32 bits or more, as if the column were unique; 1/256 of them for
// an 8-bit type and 1/65536 for a 16-bit one, as if values were spread evenly; half for a
// bool.
func (p *planner) pointSel(b *bPred, e float64) float64 {
	e = max(e, 1)
	switch {
	case b.dom.kind == vkBool:
		return 0.5
	case (b.dom.kind == vkInt || b.dom.kind == vkUint) && b.col.Type().FixedSize() <= 2:
		return max(1/e, 1/math.Pow(256, float64(b.col.Type().FixedSize())))
	}
	return 1 / e
}

// planSet returns the cheapest set step for c.
func (p *planner) planSet(c bcond) *step {
	if k, ok := c.(*bKind); ok {
		if s, ok := p.kindSets[k.kind]; ok {
			return s
		}
		s := p.planSetUncached(c)
		p.kindSets[k.kind] = s
		return s
	}
	if s, ok := p.sets[c]; ok {
		return s
	}
	s := p.planSetUncached(c)
	p.sets[c] = s
	return s
}

func (p *planner) planSetUncached(c bcond) *step {
	switch c := c.(type) {
	case *bKind:
		sh := p.kindShape(c.kind)
		return &step{op: opKindScan, kind: c.kind, tree: sh, rows: sh.entries, pages: sh.scan(), work: idScanWork(sh)}
	case *bAnd:
		return p.planAnd(appendConjuncts(nil, c))
	case *bOr:
		l, r := p.planSet(c.l), p.planSet(c.r)
		switch {
		case l.op == opEmpty:
			return r
		case r.op == opEmpty:
			return l
		}
		a, b := p.sel(l.rows), p.sel(r.rows)
		return &step{op: opOr, kids: []*step{l, r}, rows: rowsOf(p.base * (a + b - a*b))}
	case *bNot:
		// The complement within the kind of the query is the kind's members less x; the
		// kind's members are those of the FIND the condition belongs to.
		x := p.planSet(c.x)
		u := p.planSet(&bKind{kind: c.kind})
		return &step{op: opNot, kind: u.kind, kids: []*step{u, x}, rows: rowsOf(float64(u.rows) * (1 - p.sel(x.rows)))}
	case *bPred:
		return p.planPredSet(c)
	case *bFollow:
		return p.planFollowSet(c)
	}
	panic("query: unknown condition")
}

func (p *planner) planPredSet(c *bPred) *step {
	if !c.has && len(c.ivs) == 0 {
		return &step{op: opEmpty, pred: c}
	}
	rows, entries := p.predRows(c)
	col := p.colShape(c.col)
	best := &step{op: opColumnScan, pred: c, tree: col, rows: rowsOf(rows), pages: col.scan(), work: scanWork(col)}
	if idx, ok := p.indexShape(c.col); ok && !c.has && !c.numText {
		s := &step{op: opIndexRange, pred: c, tree: idx, rows: rowsOf(rows)}
		for _, m := range entries {
			s.pages += idx.rangeScan(m)
			s.work.decoded += m
			s.work.probes++
		}
		if p.prefer(p.estCost(s, p.kind) <= p.estCost(best, p.kind)) { // a tie goes to the index: it reads only what matches
			best = s
		}
	}
	return best
}

// degree estimates the entities one edge of f leads to from one entity of kind k (nil: of
// any kind).
func (p *planner) degree(f *bFollow, k *entity.Kind) float64 {
	edges := float64(p.verbShape(f, false).entries)
	n := p.n
	if k != nil {
		n = float64(p.kindShape(k).entries)
	}
	return edges / max(n, 1)
}

// targetKind returns the kind of f's target, if the query says it.
func targetKind(t btarget) *entity.Kind {
	switch t := t.(type) {
	case *bEntity:
		return t.kind
	case *bSub:
		return t.q.kind
	}
	return nil
}

// planTarget returns the set step of a target, or nil for ANY. A target is planned once
// however many alternatives use it.
func (p *planner) planTarget(t btarget) *step {
	if s, ok := p.targets[t]; ok {
		return s
	}
	s := p.planTargetUncached(t)
	p.targets[t] = s
	return s
}

func (p *planner) planTargetUncached(t btarget) *step {
	switch t := t.(type) {
	case *bEntity:
		sh := p.kindSh
		if t.ref.Form == RefIRI {
			sh = p.iriSh
		}
		return &step{op: opEntity, ent: t, tree: sh, rows: 1, pages: sh.point(), work: work{decoded: 1, probes: 1}}
	case *bSub:
		qp := p.planQuery(t.q)
		return &step{op: opSubQuery, sub: qp, rows: qp.rows}
	}
	return nil
}

func (p *planner) planFollowSet(f *bFollow) *step {
	// "e verb -> t" finds the subjects of edges whose object is in T: probe the reverse
	// (object, subject) tree for each target. "<-" probes the forward tree.
	rev := f.c.Dir == DirOut
	probeSh := p.verbShape(f, rev)
	target := p.planTarget(f.target)
	if target == nil { // ANY: every entity with an edge in that direction
		sh := p.verbShape(f, !rev)
		return &step{op: opFollowScan, fol: f, tree: sh, rev: !rev, rows: rowsOf(min(p.n, float64(sh.entries))), pages: sh.scan(), work: idScanWork(sh)}
	}
	tk := targetKind(f.target)
	if tk == nil && f.c.Transitive {
		// A path of one verb's edges most often stays within one kind: take the FIND's.
		tk = f.kind
	}
	d := p.degree(f, tk)
	k := float64(target.rows)
	if f.c.Transitive {
		rows, pages, frontier, probes := 0.0, uint64(0), k, 0.0
		for range maxClosureDepth {
			probes += frontier
			pages += probeSh.probe(frontier, d)
			if frontier *= d; frontier < 0.5 {
				break
			}
			if rows += frontier; rows >= p.base {
				break
			}
		}
		rows = min(rows, p.base)
		// Pages count once: the closure never reads more than the whole tree.
		pages = min(pages, probeSh.probe(math.Inf(1), d))
		probes = min(probes, float64(probeSh.entries))
		return &step{op: opClosure, fol: f, tree: probeSh, rev: rev, kids: []*step{target}, rows: rowsOf(rows), pages: pages,
			work: idWork(probes)}
	}
	rows := rowsOf(min(p.n, k*d))
	best := &step{op: opFollowProbe, fol: f, tree: probeSh, rev: rev, kids: []*step{target}, rows: rows, pages: probeSh.probe(k, d), work: idWork(k)}
	scanSh := p.verbShape(f, !rev)
	scan := &step{op: opFollowScan, fol: f, tree: scanSh, rev: !rev, kids: []*step{target}, rows: rows, pages: scanSh.scan(), work: idScanWork(scanSh)}
	if p.prefer(p.estCost(scan, p.kind) < p.estCost(best, p.kind)) {
		best = scan
	}
	return best
}

// planFilter returns the cheapest filter step that applies c to k candidates.
func (p *planner) planFilter(c bcond, k uint64) *step {
	set := p.planSet(c)
	outRows := rowsOf(float64(k) * p.sel(set.rows))
	if set.op == opEmpty {
		return &step{op: opEmpty}
	}
	inter := &step{op: opIntersect, kids: []*step{set}, rows: outRows}
	var probe *step
	switch c := c.(type) {
	case *bKind:
		sh := p.kindShape(c.kind)
		probe = &step{op: opKindProbe, kind: c.kind, tree: sh, rows: outRows, pages: sh.probe(float64(k), 1), work: idWork(float64(k))}
		// Reading the tree's two ends proves each candidate between them a member when
		// the members are every ID between them: worth the fact only if it costs less.
		if ends := sh.ends(); probe.pages > ends {
			if lo, hi, ok := p.denseKind(c.kind); ok {
				probe.dense, probe.span, probe.pages, probe.work = true, [2]float64{lo, hi}, ends, idWork(2)
			}
		}
	case *bPred:
		sh := p.colShape(c.col)
		per := p.perEntity(c.col, sh)
		probe = &step{op: opColumnProbe, pred: c, tree: sh, rows: outRows, pages: sh.probe(float64(k), per), work: probeWork(float64(k), per)}
	case *bFollow:
		if !c.c.Transitive {
			// Probe the tree that starts at the candidate: forward for "->".
			rev := c.c.Dir == DirIn
			sh := p.verbShape(c, rev)
			d := p.degree(c, c.kind)
			probe = &step{op: opFollowFilter, fol: c, tree: sh, rev: rev, rows: outRows, pages: sh.probe(float64(k), d), work: idWork(float64(k))}
			if t := p.planTarget(c.target); t != nil {
				probe.kids = []*step{t}
			}
		}
	case *bNot:
		x := p.planFilter(c.x, k)
		probe = &step{op: opNotFilter, kids: []*step{x}, rows: rowsOf(float64(k) - float64(x.rows))}
	case *bOr:
		l := p.planFilter(c.l, k)
		r := p.planFilter(c.r, k-min(k, l.rows))
		probe = &step{op: opOrFilter, kids: []*step{l, r}, rows: outRows}
	case *bAnd:
		probe = p.planAndFilter(appendConjuncts(nil, c), k)
	}
	if probe == nil {
		return inter
	}
	chosen := inter
	if p.prefer(probe.cost() < inter.cost()) {
		chosen = probe
	}
	if probe.op == opKindProbe || probe.op == opColumnProbe || probe.op == opFollowFilter {
		kids := 0.0
		for _, k := range probe.kids {
			kids += k.cost()
		}
		chosen.adapt = &adaptive{probe: probe, inter: inter, at: p.switchPoint(probe, inter),
			per: p.probePer(probe), kidsCost: kids, interCost: inter.cost(), ids: p.ids}
		if p.chaos != nil {
			chosen.adapt.force = p.chaos.IntN(3)
		}
	}
	return chosen
}

// probePer returns the entries per candidate of a leaf probe step.
func (p *planner) probePer(s *step) float64 {
	switch s.op {
	case opColumnProbe:
		if s.pred.col.Multi() {
			return max(1, float64(s.tree.entries)/max(1, p.colEntities(s.pred.col)))
		}
	case opFollowFilter:
		return p.degree(s.fol, s.fol.kind)
	}
	return 1
}

// probeCost is the estimated cost of a leaf probe step for k candidates.
func (p *planner) probeCost(s *step, k float64) float64 {
	per := p.probePer(s)
	n := float64(s.probePages(k, per, 1)) + s.probeWork(min(k, float64(s.tree.entries)), per).pages()
	for _, kid := range s.kids {
		n += kid.cost()
	}
	return n
}

// switchPoint returns the fewest candidates for which intersecting costs no more than
// probing: the probe's cost grows with the candidates, the intersection's does not.
func (p *planner) switchPoint(probe, inter *step) uint64 {
	target := inter.cost()
	if p.probeCost(probe, math.Inf(1)) < target {
		return math.MaxUint64
	}
	lo, hi := uint64(0), uint64(1)
	for p.probeCost(probe, float64(hi)) < target {
		lo, hi = hi, hi*2
	}
	for lo+1 < hi { // probeCost(lo) < target <= probeCost(hi)
		mid := lo + (hi-lo)/2
		if p.probeCost(probe, float64(mid)) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// planAndFilter applies conjuncts to k candidates, most selective first.
func (p *planner) planAndFilter(conj []bcond, k uint64) *step {
	order := p.bySelectivity(conj)
	s := &step{op: opAndFilter}
	for _, i := range order {
		f := p.planFilter(conj[i], k)
		s.kids = append(s.kids, f)
		k = f.rows
	}
	s.rows = k
	return s
}

// bySelectivity returns the indexes of conj ordered by their set steps' rows, smallest
// first, ties in the order written.
func (p *planner) bySelectivity(conj []bcond) []int {
	idx := make([]int, len(conj))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(p.planSet(conj[a]).rows, p.planSet(conj[b]).rows)
	})
	return idx
}

// planAnd plans the intersection of conjuncts: each in turn is tried as the driver, its
// set step producing the first candidates, and the others are applied to them smallest
// first; the cheapest order wins, ties going to the smaller driver and then to the one
// written first.
func (p *planner) planAnd(conj []bcond) *step {
	if len(conj) == 1 {
		return p.planSet(conj[0])
	}
	for _, c := range conj {
		if s := p.planSet(c); s.op == opEmpty {
			return &step{op: opEmpty}
		}
	}
	order := p.bySelectivity(conj)
	var best *step
	var bestDriver uint64
	var bestCost float64
	for _, d := range order {
		driver := p.planSet(conj[d])
		s := &step{op: opAnd, kids: []*step{driver}, conj: []bcond{conj[d]}}
		k := driver.rows
		for _, i := range order {
			if i == d {
				continue
			}
			f := p.planFilter(conj[i], k)
			s.kids = append(s.kids, f)
			s.conj = append(s.conj, conj[i])
			k = f.rows
		}
		s.rows = k
		cost := p.estCost(s, p.kind)
		// Costs within half a page are a tie, which the smaller driver wins: it may find
		// nothing and spare the filters.
		if best == nil || p.prefer(cost < bestCost-0.5 || cost <= bestCost+0.5 && driver.rows < bestDriver) {
			best, bestDriver, bestCost = s, driver.rows, cost
		}
	}
	return best
}
