package query

import (
	"fmt"
	"math"
	"slices"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// # Facts read at planning
//
// An estimate cannot land near an all-or-nothing outcome: a verb step from one entity
// that has no edge, an equality that matches no value. Where the exact answer costs a
// descent of a tree or two, the estimator reads it instead, as MySQL's index dives
// (records_in_range) do, and the pages it reads are planning pages (Plan.PlanningPages),
// counted and shown by EXPLAIN like those of the statistics:
//
//   - an entity reference is resolved: the entity it names, or none;
//   - a verb step from known entities (an entity reference; at most kindKeys entities
//     found by steps whose entities are known, a sub-query's say) reads each one's edges in the probed tree: one
//     descent, then its edges, at most diveLeaves leaves of them (none if the entities
//     that key the tree have more edges than that on average);
//   - a closure from known entities is followed level by level while it has visited at
//     most diveKeys entities and read at most diveLeaves pages past one descent; the
//     levels it did not reach are estimated from the frontier it left;
//   - for a probe of at least spanKeys keys in a column of more than spanLeaves leaves
//     in the chosen plan, the span of the kind's members' IDs (without an analysis: the
//     first and last key of its tree, a descent to each end), and the column's leaves
//     that span holds, counted from the branch pages above them (store.Tree.LeavesBetween,
//     no leaf read): where a kind's members cluster, a probe of them reaches few leaves;
//   - a predicate no index serves, on a column whose tree has at most diveLeaves leaves,
//     is run on the whole column, as a scan of it would: the entities it matches; on a
//     larger column without a histogram, on its first diveLeaves leaves, a sample of the
//     share of its entities it matches;
//   - the values an entity holds in a Multi column without a histogram, from its first
//     diveLeaves leaves;
//   - a sub-query of the chosen plan expected to read at most subPages pages (at most
//     twice that by its upper bound) and to find at most kindKeys entities is run (its
//     ORDER BY and LIMIT too): the entities it finds, which the steps it feeds then
//     follow exactly;
//   - for ORDER BY through an index with a LIMIT, the entities the index holds first in
//     that order, as many as the run is expected to read, at most diveLeaves leaves of
//     them: the SELECT then probes only the part of the columns their IDs span (equal
//     values come in ID order, so the first entities are often close);
//   - for a kind probe that may read more pages than the two ends of the kind's tree,
//     those ends: if the kind's members are every ID from the first to the last, the
//     probe reads only the ends and keeps the candidates between them (denseKind; read
//     past factPages too, as it saves the run more pages than it costs);
//   - of a set of at most kindKeys entities known exactly (a known entity's edges, a
//     closure's or an index range's entities), how many are members of the FIND's kind:
//     a probe of the kind's tree for each, while they read at most diveLeaves pages past
//     one descent;
//   - an equality or range on an indexed column counts the index entries in range, and
//     the distinct entities they belong to, up to diveLeaves leaves of them; if there are
//     more, the leaves each interval spans are counted from the branch pages above them
//     (column.Dyn.RangeLeaves), the first and last leaf's entries counted, those between
//     taken to hold the index's average. With a histogram (graphctl analyze) that expects more than a
//     dive reads, no dive is made.
//
// A dive that reaches its limit tells only a lower bound, which the estimate then keeps
// to. Facts are read in the View that prepares the plan, so a plan's facts are as old as
// its estimates; the run reads its pages again.
//
// Each dive is bounded, and so are all of a query's together: once planning has read
// factPages pages since its first fact, no further dive is made (the estimate falls back
// to the statistics, as without the fact), so a query of many terms reads at most
// factPages pages of facts plus the last dive's, and the ends of its kinds' trees. No budget applies to planning: a
// query's BUDGET and RunOptions.Budget bound its run.
const (
	factPages  = 64 // pages planning reads for facts, all dives together, before it stops diving
	diveLeaves = 2  // leaves a dive reads past its descent, at most
	diveKeys   = 64 // entities a closure's dive visits, at most
	spanLeaves = 4  // the leaves a column's tree has beyond which spans are read
	spanKeys   = 2  // and the fewest keys probed for which they are
	kindKeys   = 16 // entities of a set whose kinds are read, at most
	subPages   = 16 // pages a sub-query may be expected to read to be run at planning
)

// facts holds what the planner read at planning, each read once.
type facts struct {
	refs     map[*bEntity]refFact
	edges    map[edgeKey]edgeFact
	ranges   map[*bPred]rangeFact
	scans    map[*bPred]*roaring64.Bitmap
	closures map[closureKey]closureFact
	spans    map[store.TreeRef]spanFact
	leaves   map[leavesKey]uint64
	// valuesPer holds the values an entity holds in a Multi column (valuesPer).
	valuesPer map[*column.Dyn]float64
	// samples holds the share of a column's entities a predicate matches (sampleOf).
	samples map[*bPred]float64
	// subs holds the entities of sub-queries run at planning (subIDs).
	subs    map[*qplan]*roaring64.Bitmap
	members map[memberKey]bool
	// dives counts the reads made, for EXPLAIN.
	dives int
	// start is the pages the planning message had read before its first fact.
	start uint64
}

type refFact struct {
	id uint64
	ok bool // the reference names a live entity
}

// edgeKey names the edges of one entity in one tree of a verb.
type edgeKey struct {
	f   *bFollow
	rev bool
	id  uint64
}

// closureKey names a closure's dive: its verb step and its starts.
type closureKey struct {
	f      *bFollow
	rev    bool
	starts string
}

// edgeFact is an entity's edges in one tree: all of them (n exact, ids known), or, when
// the dive stopped at its limit, at least n.
type edgeFact struct {
	n     float64
	exact bool
	ids   []uint64
}

// rangeFact is what an index dive found for a predicate: the entries of each interval and
// the distinct entities of them all, exact (with the entities) or, at the dive's limit,
// lower bounds.
type rangeFact struct {
	entries []float64
	rows    float64
	exact   bool
	// counted says that, the dive having stopped at its limit, entries and rows were
	// extended to the whole range from the leaves it spans (countLeaves).
	counted bool
	ids     *roaring64.Bitmap
}

// spanFact is the lowest and highest entity ID that key a tree.
type spanFact struct {
	lo, hi float64
	ok     bool // the tree has keys
}

// closureFact is what a closure's dive found: the entities visited (exact when the
// closure ended within the dive), and the frontier left to estimate when it did not.
type closureFact struct {
	visited  float64
	frontier float64
	exact    bool
	ids      *roaring64.Bitmap // the entities visited
}

func (p *planner) facts() *facts {
	if p.fx == nil {
		p.fx = &facts{start: p.tx.Stats().PagesRead, refs: map[*bEntity]refFact{}, scans: map[*bPred]*roaring64.Bitmap{}, edges: map[edgeKey]edgeFact{}, ranges: map[*bPred]rangeFact{}, closures: map[closureKey]closureFact{}, spans: map[store.TreeRef]spanFact{}, leaves: map[leavesKey]uint64{}, valuesPer: map[*column.Dyn]float64{}, samples: map[*bPred]float64{}, subs: map[*qplan]*roaring64.Bitmap{}, members: map[memberKey]bool{}}
	}
	return p.fx
}

// spent reports whether planning has read its allowance of pages for facts (factPages):
// then no further dive is made.
func (p *planner) spent() bool {
	return p.tx.Stats().PagesRead-p.facts().start >= factPages
}

// ref returns the entity reference t names, resolving it as the run will (executor.resolveRef):
// ok is false if it names no live entity (or one of another kind).
func (p *planner) ref(t *bEntity) (uint64, bool) {
	fx := p.facts()
	if r, ok := fx.refs[t]; ok {
		return r.id, r.ok
	}
	fx.dives++
	var r refFact
	if t.ref.Form == RefIRI {
		id, ok := p.tx.ByIRI(t.ref.IRI)
		r = refFact{id: uint64(id), ok: ok}
	} else if id, err := p.tx.Resolve(t.uref); err == nil {
		r = refFact{id: uint64(id), ok: true}
	}
	fx.refs[t] = r
	return r.id, r.ok
}

// edgeTreeOf returns the tree of f's verb that a step probing rev reads.
func (p *planner) edgeTreeOf(f *bFollow, rev bool) *store.Tree {
	if rev {
		return f.verb.Reverse(p.tx)
	}
	return f.verb.Forward(p.tx)
}

// edgesOf returns the edges entity id keys in the tree of f that a step probing rev reads:
// their count and the entities at their far end, up to the dive's limit.
func (p *planner) edgesOf(f *bFollow, rev bool, id uint64) edgeFact {
	fx := p.facts()
	k := edgeKey{f, rev, id}
	if e, ok := fx.edges[k]; ok {
		return e
	}
	sh := p.verbShape(f, rev)
	limit := p.diveEntries(sh)
	if edges, keys, _ := p.followStats(f, rev); keys > 0 && edges/keys > limit {
		// The entities that key the tree have more edges on average than a dive reads:
		// it would most likely stop at its limit.
		fx.edges[k] = edgeFact{}
		return edgeFact{}
	}
	if p.spent() {
		return edgeFact{}
	}
	fx.dives++
	e := edgeFact{exact: true}
	lo, hi := entity.KeyRange(entity.ID(id))
	for key := range p.edgeTreeOf(f, rev).Ascend(lo, hi) {
		if e.n >= limit {
			e.exact, e.ids = false, nil
			break
		}
		e.n++
		e.ids = append(e.ids, uint64(entity.FromKey(key[entity.KeySize:])))
	}
	fx.edges[k] = e
	return e
}

// diveEntries returns the entries a dive of tree sh reads at most: diveLeaves leaves of
// them.
func (p *planner) diveEntries(sh shape) float64 {
	return math.Ceil(diveLeaves * sh.exPerLeaf())
}

// closureFrom follows f's closure from the entities starts, probing tree rev, as far as
// the dive allows.
func (p *planner) closureFrom(f *bFollow, rev bool, starts []uint64) closureFact {
	fx := p.facts()
	k := closureKey{f, rev, fmt.Sprint(starts)}
	if c, ok := fx.closures[k]; ok {
		return c
	}
	seen := roaring64.New()
	frontier := slices.Clone(starts)
	c := closureFact{exact: true}
	sh := p.verbShape(f, rev)
	start, most := p.tx.Stats().PagesRead, sh.height+diveLeaves
	for len(frontier) > 0 {
		var next []uint64
		for i, x := range frontier {
			if seen.GetCardinality() >= diveKeys || p.tx.Stats().PagesRead-start > most {
				// Stop: what is left of this level is the frontier to estimate from.
				c.exact = false
				c.frontier = float64(len(frontier) - i + len(next))
				break
			}
			e := p.edgesOf(f, rev, x)
			if !e.exact {
				c.exact = false
				c.frontier = float64(len(frontier) - i + len(next))
				break
			}
			for _, y := range e.ids {
				if seen.CheckedAdd(y) {
					next = append(next, y)
				}
			}
		}
		if !c.exact {
			break
		}
		frontier = next
	}
	c.visited = float64(seen.GetCardinality())
	if c.exact {
		c.ids = seen
	}
	fx.closures[k] = c
	return c
}

// rangeOf counts the index entries of b's intervals and the distinct entities they
// belong to, reading at most the dive's limit of entries; expect is the entries the
// estimate expects. ok is false for a predicate no index serves, or one whose range is
// expected to be larger than a dive reads.
func (p *planner) rangeOf(b *bPred, expect float64) (rangeFact, bool) {
	if b.has || b.numText || len(b.ivs) == 0 {
		return rangeFact{}, false
	}
	sh, ok := p.indexShape(b.col)
	if !ok {
		return rangeFact{}, false
	}
	fx := p.facts()
	if r, ok := fx.ranges[b]; ok {
		return r, true
	}
	limit := p.diveEntries(sh)
	if expect > limit && sh.exLeaves() > diveLeaves && p.histogram(b.col) != nil {
		// A histogram expects more than a dive reads: it would stop at its limit and
		// tell less than the histogram does.
		return rangeFact{}, false
	}
	if p.spent() {
		return rangeFact{}, false
	}
	fx.dives++
	r := rangeFact{exact: true}
	ids := roaring64.New()
	read := 0.0
	for _, iv := range b.ivs {
		seq, err := b.col.RangeIDs(p.tx, iv.lo, iv.hi)
		if err != nil {
			return rangeFact{}, false
		}
		m := 0.0
		for id := range seq {
			if read >= limit {
				r.exact = false
				break
			}
			read++
			m++
			ids.Add(uint64(id))
		}
		r.entries = append(r.entries, m)
		if !r.exact {
			break
		}
	}
	r.rows = float64(ids.GetCardinality())
	if r.exact {
		r.ids = ids
	} else {
		p.countLeaves(b, sh, &r, read)
	}
	fx.ranges[b] = r
	return r, true
}

// countLeaves extends a dive of b that stopped at its limit, having read read entries, to
// the whole range: of the leaves each interval spans, counted from the branch pages above
// them (column.Dyn.RangeLeaves), the first and the last are counted, those between taken
// to hold the tree's average entries a leaf; never fewer than the dive saw. The distinct entities grow with the
// entries as they did in the dive.
func (p *planner) countLeaves(b *bPred, sh shape, r *rangeFact, read float64) {
	if p.spent() {
		return
	}
	p.facts().dives++
	seen := slices.Clone(r.entries)
	r.entries = r.entries[:0]
	total := 0.0
	for i, iv := range b.ivs {
		leaves, first, last, err := b.col.RangeLeaves(p.tx, iv.lo, iv.hi)
		if err != nil {
			r.entries = seen
			return
		}
		m := float64(first)
		if leaves > 1 {
			m += float64(last) + float64(leaves-2)*sh.exPerLeaf()
		}
		if i < len(seen) {
			m = max(m, seen[i])
		}
		r.entries = append(r.entries, m)
		total += m
	}
	if read > 0 {
		r.rows *= total / read
	}
	r.counted = true
}

// treeSpan returns the lowest and highest entity ID that key tree t, a kind's members or
// a column's values: ok is false for an empty tree.
func (p *planner) treeSpan(t *store.Tree) (lo, hi float64, ok bool) {
	return p.span(t, true)
}

// span is treeSpan, reading the ends even once planning has read its allowance unless
// capped.
func (p *planner) span(t *store.Tree, capped bool) (lo, hi float64, ok bool) {
	fx := p.facts()
	if s, ok := fx.spans[t.Ref()]; ok {
		return s.lo, s.hi, s.ok
	}
	if capped && p.spent() {
		return 0, 0, false
	}
	fx.dives++
	var s spanFact
	first, _, ok1 := t.First()
	last, _, ok2 := t.Last()
	if ok1 && ok2 && len(first) >= entity.KeySize && len(last) >= entity.KeySize {
		s = spanFact{lo: float64(entity.FromKey(first)), hi: float64(entity.FromKey(last)), ok: true}
	}
	fx.spans[t.Ref()] = s
	return s.lo, s.hi, s.ok
}

// leavesKey names the leaves of a tree between two entity IDs.
type leavesKey struct {
	ref    store.TreeRef
	lo, hi uint64
}

// leavesBetween returns the leaves of tree t, keyed by entity ID, from the one holding ID
// lo to the one holding ID hi (store.Tree.LeavesBetween: the branch pages above them are
// read, no leaf); ok is false once planning has read its allowance.
func (p *planner) leavesBetween(t *store.Tree, lo, hi float64) (uint64, bool) {
	fx := p.facts()
	k := leavesKey{t.Ref(), uint64(lo), uint64(hi)}
	if n, ok := fx.leaves[k]; ok {
		return n, true
	}
	if p.spent() {
		return 0, false
	}
	fx.dives++
	l, h := entity.Key(entity.ID(k.lo)), entity.Key(entity.ID(k.hi))
	n := t.LeavesBetween(l[:], h[:])
	fx.leaves[k] = n
	return n, true
}

// valuesPer returns the values each entity with a value in Multi column c holds, on
// average, as the column's first entries show: its first diveLeaves leaves are read,
// counting the entries and the distinct entities they belong to (all of them for a
// small column); ok is false for an empty column or once planning has read its
// allowance.
func (p *planner) valuesPer(c *column.Dyn) (float64, bool) {
	fx := p.facts()
	if v, ok := fx.valuesPer[c]; ok {
		return v, v > 0
	}
	if p.spent() {
		return 0, false
	}
	fx.dives++
	limit := p.diveEntries(p.colShape(c))
	entries, ids, last := 0.0, 0.0, uint64(0)
	for key := range c.Tree(p.tx).All() {
		if entries >= limit {
			break
		}
		entries++
		if id := uint64(entity.FromKey(key)); id != last || ids == 0 {
			ids++
			last = id
		}
	}
	v := 0.0
	if ids > 0 {
		v = entries / ids
	}
	fx.valuesPer[c] = v
	return v, v > 0
}

// denseKind returns the first and last member of kind k and reports whether its members
// are every entity ID from the one to the other: a kind tree holds each member once, so
// its count then equals their span. It reads the tree's two ends (treeSpan); a kind of
// fewer than two leaves is never taken to be, for a probe of it reads no more than its
// ends. The run checks the ends again (executor.dense). It reads them even once planning
// has read its allowance: the planner asks only where probing the kind would read more
// pages than its ends, so the fact saves the run more than it costs, once per kind.
func (p *planner) denseKind(k *entity.Kind) (lo, hi float64, ok bool) {
	t := k.Tree(p.tx)
	if t.Height() < 2 {
		return 0, 0, false
	}
	lo, hi, ok = p.span(t, false)
	return lo, hi, ok && hi-lo+1 == float64(t.Len())
}

// memberKey names an entity and a kind.
type memberKey struct {
	k  *entity.Kind
	id uint64
}

// membersOf returns those of ids that are members of kind k: ok is false for more than
// kindKeys of them, or when reading their kinds would take more than the dive's pages.
func (p *planner) membersOf(k *entity.Kind, ids []uint64) (*roaring64.Bitmap, bool) {
	if k == nil || len(ids) > kindKeys {
		return nil, false
	}
	fx := p.facts()
	start, most := p.tx.Stats().PagesRead, p.kindShape(k).height+diveLeaves
	in := roaring64.New()
	for _, id := range ids {
		has, ok := fx.members[memberKey{k, id}]
		if !ok {
			if p.tx.Stats().PagesRead-start > most || p.spent() {
				return nil, false
			}
			fx.dives++
			has = k.Has(p.tx, entity.ID(id))
			fx.members[memberKey{k, id}] = has
		}
		if has {
			in.Add(id)
		}
	}
	return in, true
}

// memberShare returns the share of ids that are members of kind k (membersOf).
func (p *planner) memberShare(k *entity.Kind, ids []uint64) (float64, bool) {
	in, ok := p.membersOf(k, ids)
	if !ok || len(ids) == 0 {
		return 0, false
	}
	return float64(in.GetCardinality()) / float64(len(ids)), true
}

// scanOf returns the entities predicate b matches, found by running it over its whole
// column as the run's scan does, if the column's tree has at most diveLeaves leaves;
// else nil.
func (p *planner) scanOf(b *bPred) *roaring64.Bitmap {
	if sh := p.colShape(b.col); sh.exLeaves() > diveLeaves {
		return nil
	}
	fx := p.facts()
	if bm, ok := fx.scans[b]; ok {
		return bm
	}
	if p.spent() {
		return nil
	}
	fx.dives++
	x := &executor{tx: p.tx}
	bm := x.setStep(&step{op: opColumnScan, pred: b})
	fx.scans[b] = bm
	return bm
}

// sampleOf returns the share of the entities with a value in b's column that b matches,
// as the column's first entries show: its first diveLeaves leaves are read and b tested
// on each entity's values, as a scan of the column tests them. It is for a predicate no
// index serves on a column without a histogram, too large to scan (scanOf); ok is false
// for one whose values have no Matcher, or once planning has read its allowance. A
// sample where nothing matched counts half an entity.
func (p *planner) sampleOf(b *bPred) (float64, bool) {
	if b.has || b.m == nil || p.histogram(b.col) != nil {
		return 0, false
	}
	fx := p.facts()
	if v, ok := fx.samples[b]; ok {
		return v, true
	}
	if p.spent() {
		return 0, false
	}
	fx.dives++
	limit := p.diveEntries(p.colShape(b.col))
	read, seen, matched := 0.0, 0.0, 0.0
	last, hit := uint64(0), false
	multi := b.col.Multi()
	for k, v := range b.col.Tree(p.tx).All() {
		if read >= limit {
			break
		}
		read++
		if multi {
			v = k[entity.KeySize:]
		}
		if id := uint64(entity.FromKey(k)); id != last || seen == 0 {
			seen++
			last, hit = id, false
		}
		if !hit && b.m.Match(v) {
			matched++
			hit = true
		}
	}
	if seen == 0 {
		return 0, false
	}
	v := max(matched, 0.5) / seen
	fx.samples[b] = v
	return v, true
}

// subIDs runs sub-query qp at planning as the run will (executor.query), for a
// sub-query expected to read at most subPages pages and find at most kindKeys
// entities: the entities it finds. ok is false once planning has read its allowance.
func (p *planner) subIDs(qp *qplan) (*roaring64.Bitmap, bool) {
	fx := p.facts()
	if bm, ok := fx.subs[qp]; ok {
		return bm, true
	}
	if p.spent() {
		return nil, false
	}
	fx.dives++
	x := &executor{tx: p.tx, kinds: map[*entity.Kind]*roaring64.Bitmap{}, memo: map[*step]*roaring64.Bitmap{}}
	x.resolveRefs(qp.bq, &Result{})
	bm := x.query(qp)
	fx.subs[qp] = bm
	return bm, true
}

// orderedIDs returns the entities that c's index holds first in ascending order
// (descending with desc), at most m and at most the dive's limit of them, and whether
// they are all the index holds; nil if c has no index.
func (p *planner) orderedIDs(c *column.Dyn, desc bool, m float64) ([]uint64, bool) {
	sh, ok := p.indexShape(c)
	if !ok {
		return nil, false
	}
	if p.spent() {
		return nil, false
	}
	p.facts().dives++
	limit := min(m, p.diveEntries(sh))
	seq, err := c.ByValue(p.tx, column.Open, column.Open, desc)
	if err != nil {
		return nil, false
	}
	var ids []uint64
	for id := range seq {
		if float64(len(ids)) >= limit {
			break
		}
		ids = append(ids, uint64(id))
	}
	return ids, uint64(len(ids)) >= sh.entries
}

// edgesFrom returns the entities at the far end of the edges of ids in the tree of f that
// a step probing rev reads: ok is false for more than kindKeys of them, or if the edges
// of one of them could not be counted to the end.
func (p *planner) edgesFrom(f *bFollow, rev bool, ids []uint64) (*roaring64.Bitmap, bool) {
	if len(ids) > kindKeys {
		return nil, false
	}
	out := roaring64.New()
	for _, id := range ids {
		e := p.edgesOf(f, rev, id)
		if !e.exact {
			return nil, false
		}
		out.AddMany(e.ids)
	}
	return out, true
}
