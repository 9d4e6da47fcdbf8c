package store

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
)

// Check verifies every page of the tree: node headers and levels, key order inside each
// node and against the separators above it, the bounds of slotted cells, the leaf links in
// both directions, the fill bounds, the overflow chains, and that the descriptor's counts
// (entries, leaf, branch and overflow pages) match what it finds. It returns the set of
// pages the tree owns, for Tx.CheckPages, or an error wrapping ErrCorrupt that names the
// first bad page and what is wrong with it. It reads every page of the tree.
func (t *Tree) Check() (*roaring.Bitmap, error) { return t.check(nil) }

// pageVisitor is told of each page a check reaches, once its header has passed: a node of
// tree t at level (0 for a leaf) and the page's bytes or, with level -1, an overflow page
// and its bytes up to the end of the value's part on it.
// Map uses it to learn who owns each page without a walk of its own (and uses what it
// learned only if the whole check passes).
type pageVisitor func(t *Tree, id PageID, level int, p []byte)

// check is Check, telling visit (if not nil) of every page it checks.
func (t *Tree) check(visit pageVisitor) (*roaring.Bitmap, error) {
	t.checkOpen()
	owned := roaring.New()
	if t.d.height == 0 {
		// An owner that counts key groups may keep a count of 0 (stored as 1).
		if t.d != (treeDesc{layout: t.d.layout, groups: min(t.d.groups, 1)}) {
			return nil, fmt.Errorf("%w: %v (owner %q): empty tree with counts %+v", ErrCorrupt, t.ref, t.owner, t.d)
		}
		return owned, nil
	}
	c := checker{t: t, owned: owned, pages: t.tx.AllocStats().Pages, visit: visit}
	if err := c.walk(t.d.root, t.d.height-1, nil, nil, true); err != nil {
		return nil, err
	}
	if c.lastNext != 0 {
		return nil, t.corruptErr(c.lastLeaf, "last leaf links to page %d", c.lastNext)
	}
	d := t.d
	if c.entries != d.count || c.leaves != d.leaves || c.branches != d.branches || c.overflow != d.overflow {
		return nil, fmt.Errorf("%w: %v (owner %q): found %d entries, %d leaf, %d branch and %d overflow pages; the descriptor says %d, %d, %d and %d",
			ErrCorrupt, t.ref, t.owner, c.entries, c.leaves, c.branches, c.overflow, d.count, d.leaves, d.branches, d.overflow)
	}
	return owned, nil
}

type checker struct {
	t                  *Tree
	owned              *roaring.Bitmap
	pages              uint64 // the allocator's page count
	lastLeaf, lastNext PageID // the leaf seen last and its next link
	entries            uint64
	leaves, branches   uint64
	overflow           uint64
	visit              pageVisitor // nil, or told of each page checked
}

// claim records that the tree owns page id.
func (c *checker) claim(id PageID, what string) error {
	if id == 0 || uint64(id) >= c.pages {
		return c.t.corruptErr(id, "%s page outside [1, %d)", what, c.pages)
	}
	if !c.owned.CheckedAdd(uint32(id)) {
		return c.t.corruptErr(id, "%s page reached twice", what)
	}
	return nil
}

// walk checks the subtree at page id, whose keys must lie in [lo, hi) (nil: open).
func (c *checker) walk(id PageID, level int, lo, hi []byte, root bool) error {
	t := c.t
	if err := c.claim(id, kindName(level)); err != nil {
		return err
	}
	p := t.page(id, pageRaw) // checked here, with an error rather than a trap
	if err := t.tx.checksum(id, p, pageNode); err != nil {
		return fmt.Errorf("%v (owner %q): %w", t.ref, t.owner, err)
	}
	if err := t.checkLayout(id, p, level); err != nil {
		return err
	}
	if c.visit != nil {
		c.visit(t, id, level, p)
	}
	m := t.decode(id, level, p)
	fail := func(format string, args ...any) error { return t.corruptErr(id, format, args...) }
	if !root && t.underfull(m) {
		return fail("%s below its fill bound: weight %d, bound %d", kindName(level), t.weight(m), map[bool]int{true: t.leafMinW, false: t.branchMinW}[m.leaf()])
	}
	if m.leaf() {
		c.leaves++
		c.entries += uint64(len(m.ents))
		if m.prev != c.lastLeaf || c.lastLeaf != 0 && c.lastNext != id {
			return fail("leaf links: prev %d, but the leaf before it is %d and links to %d", m.prev, c.lastLeaf, c.lastNext)
		}
		c.lastLeaf, c.lastNext = id, m.next
		for i, e := range m.ents {
			if i > 0 && bytes.Compare(m.ents[i-1].key, e.key) >= 0 {
				return fail("key %d (%x) is not above key %d (%x)", i, e.key, i-1, m.ents[i-1].key)
			}
			if lo != nil && bytes.Compare(e.key, lo) < 0 || hi != nil && bytes.Compare(e.key, hi) >= 0 {
				return fail("key %d (%x) outside its separators [%x, %x)", i, e.key, lo, hi)
			}
			if err := c.checkValue(id, i, e); err != nil {
				return err
			}
		}
		return nil
	}
	c.branches++
	for i, k := range m.keys {
		if i > 0 && bytes.Compare(m.keys[i-1], k) >= 0 {
			return fail("separator %d (%x) is not above separator %d (%x)", i, k, i-1, m.keys[i-1])
		}
		if lo != nil && bytes.Compare(k, lo) <= 0 || hi != nil && bytes.Compare(k, hi) >= 0 {
			return fail("separator %d (%x) outside its parent's separators (%x, %x)", i, k, lo, hi)
		}
	}
	for i, kid := range m.kids {
		klo, khi := lo, hi
		if i > 0 {
			klo = m.keys[i-1]
		}
		if i < len(m.keys) {
			khi = m.keys[i]
		}
		if err := c.walk(kid, level-1, klo, khi, false); err != nil {
			return err
		}
	}
	return nil
}

// checkValue checks the stored value of entry i of leaf id, and its overflow chain.
func (c *checker) checkValue(id PageID, i int, e entry) error {
	t := c.t
	if t.fixed {
		return nil
	}
	if t.ksize != Variable && len(e.key) != t.ksize || len(e.key) > t.d.layout.MaxKey {
		return t.corruptErr(id, "key %d has %d bytes; the layout allows %+v", i, len(e.key), t.d.layout)
	}
	if !e.ovf {
		if t.vsize != Variable && len(e.val) != t.vsize || varLeafCell(len(e.key), len(e.val)) > maxLeafCell {
			return t.corruptErr(id, "entry %d has a %d-byte value in place", i, len(e.val))
		}
		return nil
	}
	total := uint64(le.Uint32(e.val))
	if t.vsize != Variable || varLeafCell(len(e.key), int(total)) <= maxLeafCell {
		return t.corruptErr(id, "entry %d has a %d-byte value in overflow pages", i, total)
	}
	var got uint64
	for pg := PageID(le.Uint64(e.val[4:])); got < total || pg != 0; {
		if got >= total {
			return t.corruptErr(id, "overflow chain of entry %d goes on to page %d", i, pg)
		}
		if err := c.claim(pg, "overflow"); err != nil {
			return err
		}
		c.overflow++
		p := t.page(pg, pageRaw)
		if err := t.tx.checksum(pg, p, pageOverflow); err != nil {
			return fmt.Errorf("%v (owner %q): entry %d of leaf %d: %w", t.ref, t.owner, i, id, err)
		}
		n, err := checkOverflow(pg, p, got, total)
		if err != nil {
			return fmt.Errorf("%v (owner %q): entry %d of leaf %d: %w", t.ref, t.owner, i, id, err)
		}
		if c.visit != nil {
			c.visit(t, pg, -1, p[:ovfHeader+n])
		}
		got += n
		pg = PageID(le.Uint64(p[ovfOffNext:]))
	}
	return nil
}

// checkLayout checks the header of node page p and, for a slotted page, that its cells lie
// inside the heap without overlapping, so that decoding it cannot go out of bounds.
func (t *Tree) checkLayout(id PageID, p []byte, level int) error {
	want := t.hdr[0]
	if level > 0 {
		want = t.hdr[1]
	}
	if le.Uint32(p) != want || int(le.Uint16(p[nodeOffLevel:])) != level {
		return t.badHeader(id, p, level)
	}
	n := nodeCount(p)
	if n == 0 {
		return t.corruptErr(id, "empty %s", kindName(level))
	}
	if t.fixed {
		if level == 0 && n > t.leafCap || level > 0 && n >= t.branchCap {
			return t.corruptErr(id, "count %d exceeds the node's capacity", n)
		}
		return nil
	}
	heap, garbage := int(le.Uint16(p[nodeOffHeap:])), int(le.Uint16(p[nodeOffGarbage:]))
	if heap < nodeHeader+2*n || heap > PageSize {
		return t.corruptErr(id, "count %d with heap start %d", n, heap)
	}
	type span struct{ off, end int }
	spans := make([]span, n)
	used := 0
	for i := range n {
		o := slotOff(p, i)
		var l int
		switch {
		case o < heap || o+4 > PageSize || level > 0 && o+10 > PageSize:
			return t.corruptErr(id, "cell %d at offset %d, outside the heap [%d, %d)", i, o, heap, PageSize)
		case level > 0:
			l = varBranchCell(int(le.Uint16(p[o:]))) - 2
		default:
			l = scellLen(p, o)
		}
		if o+l > PageSize {
			return t.corruptErr(id, "cell %d at offset %d runs %d bytes past the page", i, o, o+l-PageSize)
		}
		spans[i] = span{o, o + l}
		used += l
	}
	slices.SortFunc(spans, func(a, b span) int { return a.off - b.off })
	for i := 1; i < n; i++ {
		if spans[i].off < spans[i-1].end {
			return t.corruptErr(id, "cells at offsets %d and %d overlap", spans[i-1].off, spans[i].off)
		}
	}
	if used+garbage != PageSize-heap {
		return t.corruptErr(id, "heap of %d bytes holds %d bytes of cells and %d of garbage", PageSize-heap, used, garbage)
	}
	return nil
}

// checkPages is Raw.CheckPages.
func (tx *Tx) checkPages(owned map[string]*roaring.Bitmap) error {
	count := tx.AllocStats().Pages
	all := roaring.New()
	var seen []string
	sets := map[string]*roaring.Bitmap{}
	add := func(name string, bm *roaring.Bitmap) error {
		if !bm.IsEmpty() && uint64(bm.Maximum()) >= count {
			return fmt.Errorf("%w: page %d of %s is past the page count %d", ErrCorrupt, bm.Maximum(), name, count)
		}
		if all.Intersects(bm) {
			x := roaring.And(all, bm).Minimum()
			for _, other := range seen {
				if sets[other].Contains(x) {
					return fmt.Errorf("%w: page %d is owned by both %s and %s", ErrCorrupt, x, other, name)
				}
			}
		}
		all.Or(bm)
		seen = append(seen, name)
		sets[name] = bm
		return nil
	}
	if err := add("the superblock", roaring.BitmapOf(0)); err != nil {
		return err
	}
	free := roaring.New()
	if err := tx.checksum(0, tx.page(0), pageSuperblock); err != nil {
		return err
	}
	list, err := tx.freePages()
	if err != nil {
		return err
	}
	for _, id := range list {
		if !free.CheckedAdd(uint32(id)) {
			return fmt.Errorf("%w: page %d is on the free list twice", ErrCorrupt, id)
		}
	}
	if err := add("the free list", free); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(owned)) {
		if err := add(name, owned[name]); err != nil {
			return err
		}
	}
	if n := all.GetCardinality(); n != count {
		missing := roaring.Flip(all, 0, count)
		return fmt.Errorf("%w: page %d is leaked: nothing owns it (%d of %d pages owned)", ErrCorrupt, missing.Minimum(), n, count)
	}
	return nil
}

// Check runs Tree.Check on each tree and then Raw.CheckPages over the pages they own: for a
// store whose only structures are these trees, it verifies everything.
func (tx *Tx) Check(trees ...*Tree) error {
	owned := make(map[string]*roaring.Bitmap, len(trees))
	for _, t := range trees {
		bm, err := t.Check()
		if err != nil {
			return err
		}
		owned[fmt.Sprintf("%v (owner %q)", t.ref, t.owner)] = bm
	}
	return tx.checkPages(owned)
}

// TreeStats describes the shape of a tree.
type TreeStats struct {
	Height  int
	Entries uint64
	// PagesByLevel counts node pages per level: [0] the leaves, [Height-1] the root.
	PagesByLevel  []uint64
	OverflowPages uint64
	// LeafFill and BranchFill are the fractions of leaf and branch capacity in use: entries
	// or children of packed nodes, bytes (slots included) of slotted ones.
	LeafFill, BranchFill float64
}

// Stats describes the tree's shape. It reads the branch pages, and the leaves too when the
// tree's nodes are slotted (a packed tree's leaf fill follows from its counts).
func (t *Tree) Stats() TreeStats {
	t.checkOpen()
	s := TreeStats{Height: t.d.height, Entries: t.d.count, OverflowPages: t.d.overflow}
	if t.d.height == 0 {
		return s
	}
	s.PagesByLevel = make([]uint64, t.d.height)
	var leafW, branchW uint64
	var walk func(id PageID, level int)
	walk = func(id PageID, level int) {
		s.PagesByLevel[level]++
		p := t.node(id, level)
		if level == 0 {
			leafW += uint64(sweight(p))
			return
		}
		if t.fixed {
			branchW += uint64(nodeCount(p) + 1)
		} else {
			branchW += uint64(sweight(p))
		}
		if level == 1 && t.fixed {
			s.PagesByLevel[0] += uint64(nodeCount(p) + 1)
			return
		}
		for i := range nodeCount(p) + 1 {
			walk(t.kid(id, p, i), level-1)
		}
	}
	walk(t.d.root, t.d.height-1)
	if t.fixed {
		s.LeafFill = float64(t.d.count) / float64(s.PagesByLevel[0]*uint64(t.leafCapW))
	} else {
		s.LeafFill = float64(leafW) / float64(s.PagesByLevel[0]*uint64(t.leafCapW))
	}
	if t.d.height > 1 {
		s.BranchFill = float64(branchW) / float64(t.d.branches*uint64(t.branchCapW))
	}
	return s
}
