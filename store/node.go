package store

import (
	"fmt"
	"slices"
)

// The in-memory node and the policy that reshapes nodes: splits, merges and redistribution.
// The bytes of a node page are in nodepage.go.
//
// Fill bounds, which Check enforces: every node but the root holds at least half its
// capacity when packed (⌊cap/2⌋ entries, ⌊bcap/2⌋ children) and at least minLeafFill (1016)
// or minBranchFill (960) bytes, slots included, when slotted; the root holds one entry or
// two children. The one exception is the last leaf, which needs only one entry: an insert
// past the end of the last leaf splits it by moving the new entry alone to a new leaf, so
// that keys inserted in ascending order (entity IDs) leave full leaves behind. A slotted
// leaf cell is at most a third of the body (maxLeafCell), so a split, merge or
// redistribution can always restore these bounds.
const (
	// maxLeafCell bounds a slotted leaf cell with its slot so that any three fit a page and
	// a balanced split or redistribution leaves both halves above minLeafFill.
	maxLeafCell = nodeBody / 3
	// maxBranchCell is the largest slotted branch cell with its slot.
	maxBranchCell = 2 + 2 + 8 + MaxKeySize
	// minLeafFill ≤ (nodeBody - maxLeafCell) / 2 and minBranchFill ≤ (nodeBody - 2·maxBranchCell) / 2:
	// the bounds under which a split, a merge or a redistribution always restores the fill.
	minLeafFill   = nodeBody / 4
	minBranchFill = 960

	// maxHeight bounds the levels of a tree: 2^32 pages with the smallest fan-out (2) need 32.
	maxHeight = 40
)

// entry is one leaf entry in the heap. val is the stored value field: the value, or for
// ovf a 12-byte reference to overflow pages.
type entry struct {
	key, val []byte
	ovf      bool
}

// mnode is a node decoded into the heap, for the operations that reshape nodes (split,
// merge, redistribute, bulk load). Its byte slices point into a private copy of the page.
type mnode struct {
	id         PageID
	level      int
	ents       []entry  // leaf
	keys       [][]byte // branch
	kids       []PageID // branch: len(keys)+1
	prev, next PageID   // leaf
}

func (m *mnode) leaf() bool { return m.level == 0 }

// --- decoding and encoding whole nodes ---

// load reads page id as a node at level and decodes it.
func (t *Tree) load(id PageID, level int) *mnode {
	p := t.node(id, level)
	buf := make([]byte, PageSize)
	copy(buf, p)
	return t.decode(id, level, buf)
}

// decode decodes node page p (already checked by node or by Check), keeping slices into p.
func (t *Tree) decode(id PageID, level int, p []byte) *mnode {
	n := nodeCount(p)
	m := &mnode{id: id, level: level}
	if level == 0 {
		m.prev, m.next = nodePrev(p), nodeNext(p)
		m.ents = make([]entry, n, n+1)
		for i := range n {
			if t.fixed {
				m.ents[i] = entry{key: t.pkey(p, i), val: t.pval(p, i)}
			} else {
				k, v, ovf := t.scell(id, p, i)
				m.ents[i] = entry{key: k, val: v, ovf: ovf}
			}
		}
		return m
	}
	m.keys = make([][]byte, n, n+1)
	m.kids = make([]PageID, n+1, n+2)
	if t.fixed {
		for i := range n {
			m.keys[i] = t.pbkey(p, i)
		}
		for i := range n + 1 {
			m.kids[i] = pkid(p, i)
		}
		return m
	}
	m.kids[0] = PageID(le.Uint64(p[nodeOffLeft:]))
	for i := range n {
		m.keys[i], m.kids[i+1] = t.sbcell(id, p, i)
	}
	return m
}

// store writes m into its page.
func (t *Tree) store(m *mnode) {
	t.encode(m, t.writePage(m.id))
}

// encode writes m into page p, which it overwrites whole.
func (t *Tree) encode(m *mnode, p []byte) {
	clear(p)
	flags := byte(0)
	if !t.fixed {
		flags |= nodeFlagSlotted
	}
	if !m.leaf() {
		flags |= nodeFlagBranch
	}
	le.PutUint32(p, hdrWord(flags))
	le.PutUint16(p[nodeOffLevel:], uint16(m.level))
	if m.leaf() {
		setCount(p, len(m.ents))
		le.PutUint64(p[nodeOffPrev:], uint64(m.prev))
		le.PutUint64(p[nodeOffNext:], uint64(m.next))
		if t.fixed {
			for i, e := range m.ents {
				copy(t.pkey(p, i), e.key)
				copy(t.pval(p, i), e.val)
			}
			return
		}
		le.PutUint16(p[nodeOffHeap:], PageSize)
		setCount(p, 0)
		for i, e := range m.ents {
			if !t.sinsert(p, i, e.key, e.val, e.ovf) {
				panic(fmt.Sprintf("store: leaf of %d entries does not fit a page", len(m.ents)))
			}
		}
		return
	}
	setCount(p, len(m.keys))
	if t.fixed {
		for i, k := range m.keys {
			copy(t.pbkey(p, i), k)
		}
		for i, c := range m.kids {
			le.PutUint64(p[nodeHeader+8*i:], uint64(c))
		}
		return
	}
	le.PutUint64(p[nodeOffLeft:], uint64(m.kids[0]))
	h := PageSize
	for i, k := range m.keys {
		h -= varBranchCell(len(k)) - 2
		le.PutUint16(p[h:], uint16(len(k)))
		le.PutUint64(p[h+2:], uint64(m.kids[i+1]))
		copy(p[h+10:], k)
		le.PutUint16(p[nodeHeader+2*i:], uint16(h))
	}
	le.PutUint16(p[nodeOffHeap:], uint16(h))
}

// --- weights: how full a node is, in the unit its fill bounds use ---

func (t *Tree) entW(e *entry) int {
	if t.fixed {
		return 1
	}
	return varLeafCell(len(e.key), len(e.val))
}

func (t *Tree) keyW(k []byte) int {
	if t.fixed {
		return 1
	}
	return varBranchCell(len(k))
}

func (t *Tree) weight(m *mnode) int {
	if m.leaf() {
		if t.fixed {
			return len(m.ents)
		}
		w := 0
		for i := range m.ents {
			w += t.entW(&m.ents[i])
		}
		return w
	}
	if t.fixed {
		return len(m.kids)
	}
	w := 0
	for _, k := range m.keys {
		w += t.keyW(k)
	}
	return w
}

func (t *Tree) overfull(m *mnode) bool {
	if m.leaf() {
		return t.weight(m) > t.leafCapW
	}
	return t.weight(m) > t.branchCapW
}

// underfull reports whether non-root node m is below its fill bound.
func (t *Tree) underfull(m *mnode) bool {
	if m.leaf() {
		if m.next == 0 {
			return len(m.ents) == 0
		}
		return t.weight(m) < t.leafMinW
	}
	return t.weight(m) < t.branchMinW
}

// splitLeafAt returns the index that splits ents into two halves of the closest weights.
func (t *Tree) splitLeafAt(ents []entry) int {
	if t.fixed {
		return len(ents) / 2
	}
	total := 0
	for i := range ents {
		total += t.entW(&ents[i])
	}
	best, bestDiff, left := 1, 1<<62, 0
	for m := 1; m < len(ents); m++ {
		left += t.entW(&ents[m-1])
		d := 2*left - total
		if d < 0 {
			d = -d
		}
		if d < bestDiff {
			best, bestDiff = m, d
		}
	}
	return best
}

// splitBranchAt returns the index of the key to push up so that the two branches left of it
// and right of it have the closest weights.
func (t *Tree) splitBranchAt(keys [][]byte) int {
	if t.fixed {
		return (len(keys) - 1) / 2
	}
	total := 0
	for _, k := range keys {
		total += t.keyW(k)
	}
	best, bestDiff, left := 0, 1<<62, 0
	for m := range keys {
		right := total - left - t.keyW(keys[m])
		d := left - right
		if d < 0 {
			d = -d
		}
		if d < bestDiff {
			best, bestDiff = m, d
		}
		left += t.keyW(keys[m])
	}
	return best
}

// separator returns a key s with a < s ≤ b, to separate a node ending in a from one
// starting with b: b itself in packed nodes, else its shortest such prefix.
func (t *Tree) separator(a, b []byte) []byte {
	if t.fixed {
		return slices.Clone(b)
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return slices.Clone(b[:n+1])
}
