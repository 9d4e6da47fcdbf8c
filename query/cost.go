package query

import (
	"math"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// # Cost model
//
// The planner knows, for every tree, only what the catalog holds: its height h, its entry
// count n, and the entries a leaf holds (leafCap) and the children a branch holds
// (branchCap), both exact for trees of fixed-size keys and values. For trees of
// variable-size entries (strings) it assumes 16 bytes for each variable part (or the
// type's maximum, if smaller), plus the ID a column's or index's key holds and 6 bytes of
// slot and length. From these, with L = ceil(n / leafCap) leaves and ceil(L / branchCap^i)
// pages at level i:
//
//	point probe of one key                 h
//	range scan of m entries                h - 1 + max(1, ceil(m / leafCap))
//	full scan                              L + h - 1
//	probe of k sorted keys                 Σ over levels i of min(k, pages at level i)
//	                                       (= h for k = 1, = the whole tree for k ≥ L)
//
// A probe of k keys that each have about d entries (a verb's edges from one entity) reads
// min(L, ceil(k·(1 + (d-1)/leafCap))) leaves. Pages count once however often they are
// read, so the estimate of a whole query adds up its steps tree by tree and counts no tree
// for more than its size.
//
// Rows are estimated within the FIND's kind, of K entities, assuming that what a column
// or a verb finds for a FIND is of its kind and that conjuncts are independent: an AND of
// conjuncts matching fractions s_i of K has K·Π s_i rows, an OR K·(a + b - ab), a NOT K
// less its operand. The catalog has no value statistics, so comparisons are estimated
// from their form, as SQLite does without ANALYZE: a one-sided range matches a quarter of
// the column, a two-sided one (BETWEEN) a sixteenth, != all but what = matches, HAS the
// whole column; = matches one entity for types of 32 bits or more (as if the column were
// unique), 1/256 of an 8-bit column, 1/65536 of a 16-bit one and half of a bool one. A
// kind has exactly its count. An edge from one entity of kind T leads to edges(verb) /
// count(T) entities (T is the target's kind when the query names it, the FIND's kind for
// a transitive step, else every entity), and a transitive step is expanded level by level
// by that factor, for at most 16 levels.
//

// # CPU work
//
// Pages are what a message is charged for, but the time a query takes also grows with
// the values it decodes and compares and the probes it makes (a descent from the root,
// a binary search per level). The planner counts both for each step: a scan of a column
// decodes every value, an index range the entries in range, a probe of k keys makes k
// probes and decodes the values it finds. The trees of kinds and verbs hold entity IDs
// only, far cheaper to decode than values: an ID counts 1/idsPerValue of a value. It chooses by pages plus work, an entry counting
// 1/entriesPerPage of a page and a probe probeEntries entries, so that a plan reading a
// few more pages but decoding far fewer entries wins. The constants come from the
// store's own costs: a leaf of fixed-size entries holds a few hundred of them, and
// decoding a leaf's entries into values takes longer than reading the page.

// Estimation constants; see the cost model above.
const (
	oneSidedDiv     = 4  // a one-sided range matches 1/4 of a column
	twoSidedDiv     = 16 // a two-sided range matches 1/16
	maxClosureDepth = 16 // levels a transitive step is expanded by, for its estimate
	varPartBytes    = 16 // assumed length of a variable-size key or value part

	entriesPerPage = 1024 // values decoded that cost as much as a page read
	probeEntries   = 1    // values decoded that cost as much as one probe
	idsPerValue    = 8    // IDs read that cost as much as one value decoded
)

// work is the CPU work of a step: entries decoded, probes made.
type work struct {
	decoded, probes float64
}

// pages returns the work in pages (see CPU work).
func (w work) pages() float64 { return (w.decoded + probeEntries*w.probes) / entriesPerPage }

// scanWork is the work of reading every value of a column's tree.
func scanWork(s shape) work { return work{decoded: float64(s.entries), probes: 1} }

// idScanWork is the work of reading every entry of a tree of IDs: an ID costs
// 1/idsPerValue of a value to decode.
func idScanWork(s shape) work { return work{decoded: float64(s.entries) / idsPerValue, probes: 1} }

// idWork is the work of a step that makes k probes of a tree of IDs.
func idWork(k float64) work { return work{probes: k} }

// probeWork is the work of probing k keys that each have about per values.
func probeWork(k, per float64) work { return work{decoded: k * max(1, per), probes: k} }

// shape is what the planner knows of one tree.
type shape struct {
	ref       store.TreeRef // identifies the tree
	owner     string
	height    uint64
	entries   uint64
	leafCap   uint64
	branchCap uint64
	// leafPages and branchPages are the tree's pages, exact from its descriptor; the
	// estimate (estimate.go) uses them, the choices above assume full nodes.
	leafPages, branchPages uint64
}

// shapeOf reads the shape of t from its descriptor; varPart is the assumed length of each
// variable-size part of its entries.
func shapeOf(t *store.Tree, varPart int) shape {
	s := shape{ref: t.Ref(), owner: t.Owner(), height: uint64(t.Height()), entries: t.Len(),
		leafPages: t.LeafPages(), branchPages: t.BranchPages()}
	if t.LeafCapacity() > 0 {
		s.leafCap, s.branchCap = uint64(t.LeafCapacity()), uint64(t.BranchCapacity())
		return s
	}
	l := t.Layout()
	k, v := l.KeySize, l.ValueSize
	if k == store.Variable {
		k = min(l.MaxKey, varPart+entity.KeySize) // the keys of columns and indexes hold an ID
	}
	if v == store.Variable {
		v = varPart
	}
	const body = store.PageSize - 32
	s.leafCap = uint64(max(3, body/(6+k+v)))
	s.branchCap = uint64(max(3, body/(12+k)))
	return s
}

func ceilDiv(a, b uint64) uint64 {
	if b == 0 {
		return a
	}
	return (a + b - 1) / b
}

// leaves estimates the tree's leaf pages.
func (s shape) leaves() uint64 {
	if s.entries == 0 || s.height == 0 {
		return 0
	}
	return max(1, ceilDiv(s.entries, s.leafCap))
}

// levelPages estimates the pages at level i, 0 being the leaves.
func (s shape) levelPages(i uint64) uint64 {
	if i+1 >= s.height {
		return 1
	}
	p := s.leaves()
	for range i {
		p = ceilDiv(p, s.branchCap)
	}
	return max(1, p)
}

// size estimates all the pages of the tree.
func (s shape) size() uint64 {
	n := uint64(0)
	for i := range s.height {
		n += s.levelPages(i)
	}
	return n
}

// ends is the cost of reading the first and the last key: a root of two children or more
// parts the two descents, so below it they read two nodes a level.
func (s shape) ends() uint64 {
	if s.height == 0 {
		return 0
	}
	return 2*s.height - 1
}

// point is the cost of one lookup.
func (s shape) point() uint64 { return s.height }

// scan is the cost of reading the whole tree in key order.
func (s shape) scan() uint64 {
	if s.height == 0 {
		return 0
	}
	return s.leaves() + s.height - 1
}

// rangeScan is the cost of reading m consecutive entries.
func (s shape) rangeScan(m float64) uint64 {
	if s.height == 0 {
		return 0
	}
	return min(s.scan(), s.height-1+max(1, uint64(math.Ceil(m/float64(s.leafCap)))))
}

// probe is the cost of seeking k keys in ascending order, each with about per entries.
func (s shape) probe(k, per float64) uint64 { return s.probeSpan(k, per, 1) }

// probeSpan is probe for keys that lie within a fraction frac of the tree's key space:
// they cannot reach more than that fraction of the pages of each level, plus one.
func (s shape) probeSpan(k, per, frac float64) uint64 {
	if s.height == 0 || k <= 0 {
		return 0
	}
	kk := uint64(math.Ceil(k))
	within := func(pages uint64) uint64 {
		if frac >= 1 {
			return pages
		}
		return min(pages, uint64(math.Ceil(frac*float64(pages)))+1)
	}
	leafPages := uint64(math.Ceil(k * (1 + max(0, per-1)/float64(s.leafCap))))
	n := min(within(s.leaves()), leafPages)
	for i := uint64(1); i < s.height; i++ {
		n += min(kk, within(s.levelPages(i)))
	}
	return n
}
