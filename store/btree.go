package store

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"slices"
)

// Errors about keys and values, returned by the writing methods of Tree.
var (
	// ErrKeySize reports a key whose length is not the tree's fixed key size.
	ErrKeySize = errors.New("key size does not match the tree's layout")
	// ErrKeyTooLarge reports a variable-size key longer than the tree's Layout.MaxKey.
	ErrKeyTooLarge = errors.New("key is longer than the tree allows")
	// ErrValueSize reports a value whose length is not the tree's fixed value size.
	ErrValueSize = errors.New("value size does not match the tree's layout")
	// ErrValueTooLarge reports a variable-size value larger than MaxValueSize.
	ErrValueTooLarge = errors.New("value is larger than MaxValueSize")
)

// Tree is a B+tree stored in 4 KiB pages, as one message sees it: OpenTree and CreateTree
// hand it out, and it is valid until the message ends. Every page access is metered and
// tagged with the tree's owner.
//
// Keys order bytewise. Keys and values a Tree returns (from Get, Seek, First, Last, the
// iterators and cursors) are only valid until the next change to the tree, and never past
// the end of the message: they point into the page they live in, which is the store's
// mapping of its file (remapped when the memory grows, rewritten by later commits) or the
// message's own copy of the page. They must not be modified. Copy what you keep. (A value
// kept in overflow pages is returned as a fresh copy.)
//
// Reads never fail: a page that breaks the tree's invariants, like the budget running out,
// traps the message (see Tx). Writes return errors for keys and values that do not fit the
// layout, and change nothing then (but see BulkLoad).
//
// Nodes change in place, not copy-on-write: the message's overlay already makes a change
// atomic, and a copy-on-write path would dirty every page up to the root.
//
// A Tree is a handle no other message gets; its state is recycled with the message's (see
// Tx), so a Tree kept past its message fails with ErrTxClosed instead of reaching a later
// message's tree.
type Tree struct {
	*treeState
	epoch uint64 // the treeState's epoch while the message runs
}

// treeState is the state of a tree in one message. The trees a message opened go, with
// its txState, to a later message, which reuses them: a tree's state is 400 bytes, and a
// fresh one per message costs a point read more than its search. Reuse moves epoch on.
type treeState struct {
	epoch uint64
	tx    *Tx
	ref   TreeRef
	owner string
	om    *ownerMeter

	d          treeDesc // as of now in this message
	base       treeDesc // as read at open: d != base means write back at commit
	wasPresent bool     // the slot held a descriptor when the message began
	dropped    bool
	gen        uint64 // counts changes, so iterators and cursors notice them

	fixed                bool // packed nodes: fixed-size keys and values
	ksize, vsize         int  // fixed sizes, or Variable
	leafCap, branchCap   int  // packed: entries per leaf, children per branch
	voff, bkoff          int  // packed: offset of the leaf values, of the branch keys
	leafCapW, branchCapW int  // capacity in the unit of weight
	leafMinW, branchMinW int  // fill bound of non-root nodes in the unit of weight
	hdr                  [2]uint32
	lkeys, bkeys         keyArray // where search finds the keys of a leaf, of a branch
	scratch              []byte
}

// Ref returns where the tree's descriptor lives.
func (t *Tree) Ref() TreeRef { return t.state().ref }

// Owner returns the tag of the tree's page accesses.
func (t *Tree) Owner() string { return t.state().owner }

// Layout returns the tree's key and value layout.
func (t *Tree) Layout() Layout { return t.state().d.layout }

// Len returns the number of entries, in O(1).
func (t *Tree) Len() uint64 { return t.state().d.count }

// Height returns the number of levels: the pages a point lookup touches. It is 0 for an
// empty tree.
func (t *Tree) Height() int { return t.state().d.height }

// LeafCapacity returns the entries a leaf holds in a tree of fixed-size keys and values,
// and 0 for other layouts.
func (t *Tree) LeafCapacity() int { return t.state().leafCap }

// BranchCapacity returns the children a branch holds in a tree of fixed-size keys and
// values, and 0 for other layouts.
func (t *Tree) BranchCapacity() int { return t.state().branchCap }

// LeafPages returns the tree's leaf pages, in O(1).
func (t *Tree) LeafPages() uint64 { return t.state().d.leaves }

// BranchPages returns the tree's branch pages, all levels above the leaves, in O(1).
func (t *Tree) BranchPages() uint64 { return t.state().d.branches }

// OverflowPages returns the pages that hold values too large for a leaf, in O(1).
func (t *Tree) OverflowPages() uint64 { return t.state().d.overflow }

// Groups returns the number of groups of keys that the tree's owner counts, and whether it
// keeps that count: the distinct subjects of a verb's (subject, object) tree, say. The store
// only keeps the number with the descriptor, so that it costs no page of its own; it does
// not know what a group is, and Put, Delete and BulkLoad do not change it (BulkLoad and
// Clear forget it). An owner that keeps it updates it with SetGroups in the same message as
// the writes that change it.
func (t *Tree) Groups() (n uint64, ok bool) {
	if t.state().d.groups == 0 {
		return 0, false
	}
	return t.d.groups - 1, true
}

// SetGroups records n as the tree's count of key groups (see Groups). A count too large for
// the descriptor's 40 bits is forgotten instead.
func (t *Tree) SetGroups(n uint64) error {
	if err := t.writable(); err != nil {
		return err
	}
	t.d.groups = 0
	if n < maxGroups {
		t.d.groups = n + 1
	}
	return nil
}

// state returns t's state for an accessor, or panics if t is a handle kept past its
// message: the state may be another tree's now.
func (t *Tree) state() *treeState {
	if t.epoch != t.treeState.epoch {
		panic(errTxEnded)
	}
	return t.treeState
}

// live panics if t is a handle kept past its message, before anything reaches the state
// it held, which a later message may have now (see Tx.live).
func (t *Tree) live() {
	if t.epoch != t.treeState.epoch {
		panic(errTxEnded)
	}
	t.tx.live()
}

// checkOpen panics if t's message has ended.
func (t *Tree) checkOpen() {
	if t.epoch != t.treeState.epoch {
		panic(errTxEnded)
	}
	t.tx.checkOpen()
}

// --- metered page access under the tree's owner tag ---

func (t *Tree) page(id PageID, kind pageKind) []byte {
	t.live()
	m := &t.tx.meter
	tag, om := m.owner, m.cur
	m.owner, m.cur = t.owner, t.om
	p := t.tx.readPage(id, kind)
	m.owner, m.cur = tag, om
	return p
}

// writePage returns node page id for writing.
func (t *Tree) writePage(id PageID) []byte {
	t.live()
	m := &t.tx.meter
	tag, om := m.owner, m.cur
	m.owner, m.cur = t.owner, t.om
	p := t.tx.writePage(id, pageNode)
	m.owner, m.cur = tag, om
	return p
}

// alloc returns a fresh page of the given kind, dirtied under the tree's tag (the
// allocator's own pages are tagged OwnerStore).
func (t *Tree) alloc(kind pageKind) (PageID, []byte) {
	t.live()
	m := &t.tx.meter
	tag, om := m.owner, m.cur
	m.owner, m.cur = t.owner, t.om
	id, p := t.tx.alloc(kind)
	m.owner, m.cur = tag, om
	return id, p
}

func (t *Tree) free(id PageID) { t.tx.free(id, ErrCorrupt) }

// poison fails the message with err even if the caller ignores it: for errors found after
// a change has begun.
func (tx *Tx) poison(err error) {
	if tx.err == nil {
		tx.err = err
	}
}

func (t *Tree) writable() error {
	t.checkOpen()
	if t.dropped {
		return fmt.Errorf("%v: %w", t.ref, ErrNoTree)
	}
	if !t.tx.writable {
		return ErrTxReadOnly
	}
	return nil
}

func (t *Tree) checkEntry(key, val []byte) error {
	if t.ksize != Variable {
		if len(key) != t.ksize {
			return fmt.Errorf("%w: %d bytes, the tree's keys have %d", ErrKeySize, len(key), t.ksize)
		}
	} else if len(key) > t.d.layout.MaxKey {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrKeyTooLarge, len(key), t.d.layout.MaxKey)
	}
	if t.vsize != Variable {
		if len(val) != t.vsize {
			return fmt.Errorf("%w: %d bytes, the tree's values have %d", ErrValueSize, len(val), t.vsize)
		}
	} else if len(val) > MaxValueSize {
		return fmt.Errorf("%w: %d bytes", ErrValueTooLarge, len(val))
	}
	return nil
}

// --- navigation ---

// path records the pages from the root to a leaf and the child (or entry) index taken.
type path struct {
	n int
	e [maxHeight]struct {
		id PageID
		i  int
	}
}

func (pa *path) push(id PageID, i int) {
	pa.e[pa.n].id, pa.e[pa.n].i = id, i
	pa.n++
}

// kid returns child i of branch p.
func (t *Tree) kid(id PageID, p []byte, i int) PageID {
	if t.fixed {
		return pkid(p, i)
	}
	if i == 0 {
		return PageID(le.Uint64(p[nodeOffLeft:]))
	}
	_, c := t.sbcell(id, p, i-1)
	return c
}

// leafFor descends to the leaf whose range holds key, recording the way in pa if not nil,
// and returns the bounds the separators above it set to its keys' first words. The tree
// must not be empty.
func (t *Tree) leafFor(key []byte, pa *path) (PageID, []byte, wordBounds) {
	id := t.d.root
	var wb wordBounds
	for level := t.d.height - 1; level > 0; level-- {
		p := t.node(id, level)
		i, _ := t.searchIn(id, p, t.bkeys, key, true, wb)
		if pa != nil {
			pa.push(id, i)
		}
		if t.fixed {
			wb = t.childBounds(p, i, wb)
		}
		id = t.kid(id, p, i)
	}
	return id, t.node(id, 0), wb
}

// childIndex returns the index of the child of branch p whose range holds key.
func (t *Tree) childIndex(id PageID, p []byte, key []byte) int {
	i, _ := t.search(id, p, t.bkeys, key, true)
	return i
}

// edgeLeaf descends to the first (last == false) or last leaf.
func (t *Tree) edgeLeaf(last bool) (PageID, []byte) {
	id := t.d.root
	for level := t.d.height - 1; level > 0; level-- {
		p := t.node(id, level)
		i := 0
		if last {
			i = nodeCount(p)
		}
		id = t.kid(id, p, i)
	}
	return id, t.node(id, 0)
}

// lowerBound returns the index of the first key ≥ key in leaf p and whether it equals key;
// wb bounds the leaf's first words (leafFor), if known.
func (t *Tree) lowerBound(id PageID, p []byte, key []byte, wb wordBounds) (int, bool) {
	return t.searchIn(id, p, t.lkeys, key, false, wb)
}

func (t *Tree) keyAt(id PageID, p []byte, i int) []byte {
	if t.fixed {
		return t.pkey(p, i)
	}
	return t.skey(id, p, i)
}

// entryAt returns entry i of leaf p, reading an overflow value into a fresh slice.
func (t *Tree) entryAt(id PageID, p []byte, i int) ([]byte, []byte) {
	if t.fixed {
		return t.pkey(p, i), t.pval(p, i)
	}
	k, v, ovf := t.scell(id, p, i)
	if ovf {
		v = t.readOverflow(id, v)
	}
	return k, v
}

// nextLeaf returns the leaf after (or before, for back) leaf p, or nil at the end.
func (t *Tree) nextLeaf(p []byte, back bool) (PageID, []byte) {
	id := nodeNext(p)
	if back {
		id = nodePrev(p)
	}
	if id == 0 {
		return 0, nil
	}
	return id, t.node(id, 0)
}

// seekGE returns the leaf and index of the first key ≥ key (the first key for nil), with
// p nil if there is none.
func (t *Tree) seekGE(key []byte) (PageID, []byte, int) { return t.seek(key, false) }

// seekGT returns the leaf and index of the first key > key, with p nil if there is none.
func (t *Tree) seekGT(key []byte) (PageID, []byte, int) { return t.seek(key, true) }

// seek is seekGE, or seekGT with past.
func (t *Tree) seek(key []byte, past bool) (PageID, []byte, int) {
	if t.d.height == 0 {
		return 0, nil, 0
	}
	if key == nil && !past {
		id, p := t.edgeLeaf(false)
		return id, p, 0
	}
	id, p, wb := t.leafFor(key, nil)
	i, _ := t.searchIn(id, p, t.lkeys, key, past, wb)
	if i == nodeCount(p) {
		id, p = t.nextLeaf(p, false)
		i = 0
	}
	return id, p, i
}

// seekLT returns the leaf and index of the last key < key (the last key for nil), with p
// nil if there is none.
func (t *Tree) seekLT(key []byte) (PageID, []byte, int) {
	if t.d.height == 0 {
		return 0, nil, 0
	}
	if key == nil {
		id, p := t.edgeLeaf(true)
		return id, p, nodeCount(p) - 1
	}
	id, p, wb := t.leafFor(key, nil)
	i, _ := t.lowerBound(id, p, key, wb)
	if i == 0 {
		if id, p = t.nextLeaf(p, true); p == nil {
			return 0, nil, 0
		}
		i = nodeCount(p)
	}
	return id, p, i - 1
}

// --- reads ---

// Get returns the value stored under key. A lookup touches exactly Height pages (plus the
// overflow pages of a large value).
func (t *Tree) Get(key []byte) (value []byte, ok bool) {
	if t.d.height == 0 {
		return nil, false
	}
	id, p, wb := t.leafFor(key, nil)
	i, found := t.lowerBound(id, p, key, wb)
	if !found {
		return nil, false
	}
	_, v := t.entryAt(id, p, i)
	return v, true
}

// Has reports whether key is in the tree.
func (t *Tree) Has(key []byte) bool {
	if t.d.height == 0 {
		return false
	}
	id, p, wb := t.leafFor(key, nil)
	_, found := t.lowerBound(id, p, key, wb)
	return found
}

// First returns the smallest key and its value.
func (t *Tree) First() (key, value []byte, ok bool) {
	id, p, i := t.seekGE(nil)
	if p == nil {
		return nil, nil, false
	}
	k, v := t.entryAt(id, p, i)
	return k, v, true
}

// Last returns the largest key and its value.
func (t *Tree) Last() (key, value []byte, ok bool) {
	id, p, i := t.seekLT(nil)
	if p == nil {
		return nil, nil, false
	}
	k, v := t.entryAt(id, p, i)
	return k, v, true
}

// Seek returns the first entry whose key is ≥ key.
func (t *Tree) Seek(key []byte) (k, v []byte, ok bool) {
	id, p, i := t.seekGE(key)
	if p == nil {
		return nil, nil, false
	}
	k, v = t.entryAt(id, p, i)
	return k, v, true
}

// All iterates over every entry in ascending key order.
func (t *Tree) All() iter.Seq2[[]byte, []byte] { return t.Ascend(nil, nil) }

// Ascend iterates in ascending order over the entries with lo ≤ key < hi; a nil bound is
// open. A scan of n entries touches ceil(n / entries-per-leaf) + Height - 1 pages when it
// starts at the first entry of a leaf, one more at most otherwise.
//
// The loop body may change the tree: iteration then continues after the last key yielded,
// as the tree now is. The keys and values yielded are valid until the tree changes and
// never past the message (see Tree).
func (t *Tree) Ascend(lo, hi []byte) iter.Seq2[[]byte, []byte] { return t.scan(lo, hi, false) }

// Descend iterates in descending order over the entries with lo ≤ key < hi; a nil bound
// is open. Like Ascend, it continues as the tree now is if the loop body changes it.
func (t *Tree) Descend(lo, hi []byte) iter.Seq2[[]byte, []byte] { return t.scan(lo, hi, true) }

// scan is Ascend, or Descend with back: one loop walks a leaf either way, then follows the
// leaf link in its direction.
func (t *Tree) scan(lo, hi []byte, back bool) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		id, p, i, step := t.scanStart(lo, hi, back)
		var saved, buf []byte // the last key yielded, copied into buf when its page may change under us
		for visited := uint64(0); p != nil; {
			end, stop := t.scanEnd(id, p, lo, hi, back)
			if (end-i)*step < 0 {
				end = i // an empty range
			}
			_, dirty := t.tx.dirty[id] // a dirty page is changed in place; a clean one is copied first
			gen := t.gen
			// Two loops, so that the packed one (the hot path of scans) has no per-entry branch
			// on the layout; measured, this makes one loop for both directions cost nothing.
			if t.fixed {
				K, V, voff := t.ksize, t.vsize, t.voff // yield may not change these
				for ; i != end; i += step {
					ko, vo := nodeHeader+i*K, voff+i*V
					k := p[ko : ko+K : ko+K]
					if dirty {
						buf = append(buf[:0], k...)
						saved = buf
					}
					if !yield(k, p[vo:vo+V:vo+V]) {
						return
					}
					if t.gen != gen {
						if !dirty {
							saved = k
						}
						break
					}
				}
			} else {
				for ; i != end; i += step {
					k, v := t.entryAt(id, p, i)
					if dirty {
						buf = append(buf[:0], k...)
						saved = buf
					}
					if !yield(k, v) {
						return
					}
					if t.gen != gen {
						if !dirty {
							saved = k
						}
						break
					}
				}
			}
			if t.gen != gen {
				id, p, i = t.rescan(saved, lo, hi, back)
				visited = 0
				continue
			}
			if stop {
				return
			}
			if visited++; visited > t.d.leaves {
				t.corrupt(id, "leaf chain longer than the tree's %d leaves", t.d.leaves)
			}
			if id, p = t.nextLeaf(p, back); p != nil {
				i = 0
				if back {
					i = nodeCount(p) - 1
				}
			}
		}
	}
}

// scanStart returns the first entry of a scan and its step through a leaf.
func (t *Tree) scanStart(lo, hi []byte, back bool) (PageID, []byte, int, int) {
	if back {
		id, p, i := t.seekLT(hi)
		return id, p, i, -1
	}
	id, p, i := t.seekGE(lo)
	return id, p, i, 1
}

// rescan finds a scan's place again after the tree changed under it: the entry past the
// last key yielded, saved, in the scan's direction (p nil when the range has no more).
func (t *Tree) rescan(saved, lo, hi []byte, back bool) (PageID, []byte, int) {
	if back {
		id, p, i := t.seekLT(saved)
		if p != nil && lo != nil && bytes.Compare(t.keyAt(id, p, i), lo) < 0 {
			return 0, nil, 0
		}
		return id, p, i
	}
	id, p, i := t.seekGT(saved)
	if p != nil && hi != nil && bytes.Compare(t.keyAt(id, p, i), hi) >= 0 {
		return 0, nil, 0
	}
	return id, p, i
}

// scanEnd returns where a scan of leaf p in [lo, hi) ends, in its direction: the index past
// its last entry in range, and whether the range ends in this leaf.
func (t *Tree) scanEnd(id PageID, p []byte, lo, hi []byte, back bool) (int, bool) {
	if back {
		if lo != nil && bytes.Compare(t.keyAt(id, p, 0), lo) < 0 {
			i, _ := t.lowerBound(id, p, lo, wordBounds{})
			return i - 1, true
		}
		return -1, false
	}
	n := nodeCount(p)
	if hi != nil && bytes.Compare(t.keyAt(id, p, n-1), hi) >= 0 {
		i, _ := t.lowerBound(id, p, hi, wordBounds{})
		return i, true
	}
	return n, false
}

// --- writes ---

// Put stores value under key, inserting it or replacing the value there, and reports
// whether it replaced one. A put that neither splits a leaf nor moves an overflow value
// dirties exactly one page of the tree: its leaf.
func (t *Tree) Put(key, value []byte) (replaced bool, err error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	if err := t.checkEntry(key, value); err != nil {
		return false, err
	}
	t.tx.maybeSpill(0)
	t.gen++
	stored, ovf := value, false
	if !t.fixed && varLeafCell(len(key), len(value)) > maxLeafCell {
		stored, ovf = make([]byte, ovfRefSize), true
		t.writeOverflow(stored, value)
	}
	if t.d.height == 0 {
		id, _ := t.alloc(pageNode)
		m := &mnode{id: id, ents: []entry{{key: key, val: stored, ovf: ovf}}}
		t.store(m)
		t.d.root, t.d.height, t.d.leaves, t.d.count = id, 1, 1, 1
		return false, nil
	}
	var pa path
	id, p, wb := t.leafFor(key, &pa)
	n := nodeCount(p)
	i, found := t.lowerBound(id, p, key, wb)
	pa.push(id, i)
	if found {
		if t.fixed {
			copy(t.pval(t.writePage(id), i), value)
			return true, nil
		}
		_, old, oldOvf := t.scell(id, p, i)
		inPlace := t.sfits(p, scellLen(p, slotOff(p, i)), 4+len(key)+len(stored))
		if oldOvf {
			t.freeOverflow(id, old)
		}
		if inPlace {
			t.sreplace(id, p, i, key, stored, ovf)
		} else {
			m := t.load(id, 0)
			m.ents[i] = entry{key: key, val: stored, ovf: ovf}
			t.fixup(&pa, m, false)
		}
		return true, nil
	}
	t.d.count++
	if t.fixed && n < t.leafCap {
		w := t.writePage(id)
		K, V := t.ksize, t.vsize
		copy(w[nodeHeader+(i+1)*K:nodeHeader+(n+1)*K], w[nodeHeader+i*K:nodeHeader+n*K])
		copy(w[nodeHeader+i*K:], key)
		copy(w[t.voff+(i+1)*V:t.voff+(n+1)*V], w[t.voff+i*V:t.voff+n*V])
		copy(w[t.voff+i*V:], value)
		setCount(w, n+1)
		return false, nil
	}
	if !t.fixed && sfree(p)+int(le.Uint16(p[nodeOffGarbage:])) >= varLeafCell(len(key), len(stored)) {
		t.sinsert(t.writePage(id), i, key, stored, ovf)
		return false, nil
	}
	m := t.load(id, 0)
	m.ents = slices.Insert(m.ents, i, entry{key: key, val: stored, ovf: ovf})
	t.fixup(&pa, m, i == n && m.next == 0)
	return false, nil
}

// sfits reports whether a cell of slotted leaf p can change from oldLen to newLen bytes
// in place: the leaf has room, and stays within its fill bound.
func (t *Tree) sfits(p []byte, oldLen, newLen int) bool {
	if oldLen != newLen && sfree(p)+int(le.Uint16(p[nodeOffGarbage:]))+oldLen < newLen {
		return false
	}
	return newLen >= oldLen || t.d.height == 1 || nodeNext(p) == 0 || sweight(p)-oldLen+newLen >= t.leafMinW
}

// sreplace replaces the stored value of cell i of slotted leaf p in place (sfits must
// hold) and returns the written page.
func (t *Tree) sreplace(id PageID, p []byte, i int, key, stored []byte, ovf bool) []byte {
	o := slotOff(p, i)
	oldLen := scellLen(p, o)
	vl := len(stored)
	if ovf {
		vl = ovfFlag
	}
	w := t.writePage(id)
	if oldLen == 4+len(key)+len(stored) {
		le.PutUint16(w[o+2:], uint16(vl))
		copy(w[o+4+len(key):], stored)
		return w
	}
	sremove(w, i, oldLen)
	t.sinsert(w, i, key, stored, ovf)
	return w
}

// Delete removes key and reports whether it was there. A delete that leaves its leaf above
// the fill bound dirties exactly one page of the tree; otherwise the leaf borrows from or
// merges with a sibling, and a merge returns the emptied page to the allocator.
func (t *Tree) Delete(key []byte) (found bool, err error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	if t.d.height == 0 {
		return false, nil
	}
	t.tx.maybeSpill(0)
	var pa path
	id, p, wb := t.leafFor(key, &pa)
	i, found := t.lowerBound(id, p, key, wb)
	if !found {
		return false, nil
	}
	pa.push(id, i)
	t.gen++
	t.d.count--
	n := nodeCount(p)
	keep := t.d.height == 1 || (nodeNext(p) == 0 && n > 1)
	if t.d.height == 1 && n == 1 {
		if !t.fixed {
			if _, v, ovf := t.scell(id, p, i); ovf {
				t.freeOverflow(id, v)
			}
		}
		t.free(id)
		t.d.root, t.d.height, t.d.leaves = 0, 0, 0
		return true, nil
	}
	if t.fixed {
		if keep || n-1 >= t.leafMinW {
			w := t.writePage(id)
			K, V := t.ksize, t.vsize
			copy(w[nodeHeader+i*K:], w[nodeHeader+(i+1)*K:nodeHeader+n*K])
			copy(w[t.voff+i*V:], w[t.voff+(i+1)*V:t.voff+n*V])
			setCount(w, n-1)
			return true, nil
		}
	} else {
		_, v, ovf := t.scell(id, p, i)
		if ovf {
			t.freeOverflow(id, v)
		}
		cl := scellLen(p, slotOff(p, i))
		if keep || sweight(p)-cl-2 >= t.leafMinW {
			sremove(t.writePage(id), i, cl)
			return true, nil
		}
	}
	m := t.load(id, 0)
	m.ents = slices.Delete(m.ents, i, i+1)
	t.fixup(&pa, m, false)
	return true, nil
}

// fixup writes cur, the changed node at the end of pa, and restores the fill bounds upward:
// an overfull node splits and adds a separator to its parent, an underfull one merges with
// or borrows from a sibling and removes or changes a separator in its parent. quick asks
// for the append split: cur is the last leaf and grew at its end.
func (t *Tree) fixup(pa *path, cur *mnode, quick bool) {
	for d := pa.n - 1; ; d-- {
		switch {
		case t.overfull(cur):
			right, sep := t.split(cur, quick)
			quick = false
			t.store(cur)
			t.store(right)
			if d == 0 {
				root := &mnode{level: cur.level + 1, keys: [][]byte{sep}, kids: []PageID{cur.id, right.id}}
				root.id, _ = t.alloc(pageNode)
				t.d.branches++
				t.store(root)
				if t.d.height++; t.d.height > maxHeight {
					t.corrupt(root.id, "tree grew past %d levels", maxHeight)
				}
				t.d.root = root.id
				return
			}
			parent := t.load(pa.e[d-1].id, cur.level+1)
			i := pa.e[d-1].i
			parent.keys = slices.Insert(parent.keys, i, sep)
			parent.kids = slices.Insert(parent.kids, i+1, right.id)
			cur = parent
		case d > 0 && t.underfull(cur):
			parent := t.load(pa.e[d-1].id, cur.level+1)
			t.rebalance(parent, pa.e[d-1].i, cur)
			cur = parent
		case d == 0 && !cur.leaf() && len(cur.keys) == 0:
			// A root with one child gives way to it.
			t.free(cur.id)
			t.d.branches--
			t.d.root = cur.kids[0]
			t.d.height--
			return
		case d == 0 && cur.leaf() && len(cur.ents) == 0:
			t.free(cur.id)
			t.d.leaves--
			t.d.root, t.d.height = 0, 0
			return
		default:
			t.store(cur)
			return
		}
	}
}

// split moves the upper part of overfull node cur to a new node and returns it with the
// separator between them. cur keeps its page.
func (t *Tree) split(cur *mnode, quick bool) (*mnode, []byte) {
	right := &mnode{level: cur.level}
	right.id, _ = t.alloc(pageNode)
	if !cur.leaf() {
		m := t.splitBranchAt(cur.keys)
		sep := cur.keys[m]
		right.keys = slices.Clone(cur.keys[m+1:])
		right.kids = slices.Clone(cur.kids[m+1:])
		cur.keys, cur.kids = cur.keys[:m], cur.kids[:m+1]
		t.d.branches++
		return right, sep
	}
	m := len(cur.ents) - 1
	if !quick {
		m = t.splitLeafAt(cur.ents)
	}
	right.ents = slices.Clone(cur.ents[m:])
	cur.ents = cur.ents[:m]
	t.d.leaves++
	t.link(cur, right)
	return right, t.separator(cur.ents[m-1].key, right.ents[0].key)
}

// link puts leaf r right after leaf l.
func (t *Tree) link(l, r *mnode) {
	r.prev, r.next = l.id, l.next
	l.next = r.id
	if r.next != 0 {
		le.PutUint64(t.writePage(r.next)[nodeOffPrev:], uint64(r.id))
	}
}

// rebalance restores the fill of cur, child i of parent, by merging it with a sibling or,
// if the two do not fit one page, by sharing their entries evenly. It changes parent in
// the heap and writes the children.
func (t *Tree) rebalance(parent *mnode, i int, cur *mnode) {
	var a, b *mnode // a is left of b
	if i > 0 {
		a, b = t.load(parent.kids[i-1], cur.level), cur
		i--
	} else {
		a, b = cur, t.load(parent.kids[1], cur.level)
	}
	// parent.keys[i] separates a and b.
	if cur.leaf() {
		all := append(slices.Clip(a.ents), b.ents...)
		if t.weight(&mnode{ents: all}) <= t.leafCapW {
			a.ents = all
			a.next = b.next
			if b.next != 0 {
				le.PutUint64(t.writePage(b.next)[nodeOffPrev:], uint64(a.id))
			}
			t.free(b.id)
			t.d.leaves--
			parent.keys = slices.Delete(parent.keys, i, i+1)
			parent.kids = slices.Delete(parent.kids, i+1, i+2)
			t.store(a)
			return
		}
		m := t.splitLeafAt(all)
		a.ents, b.ents = all[:m], all[m:]
		parent.keys[i] = t.separator(a.ents[m-1].key, b.ents[0].key)
		t.store(a)
		t.store(b)
		return
	}
	keys := append(append(slices.Clip(a.keys), parent.keys[i]), b.keys...)
	kids := append(slices.Clip(a.kids), b.kids...)
	if merged := (&mnode{level: 1, keys: keys, kids: kids}); t.weight(merged) <= t.branchCapW {
		a.keys, a.kids = keys, kids
		t.free(b.id)
		t.d.branches--
		parent.keys = slices.Delete(parent.keys, i, i+1)
		parent.kids = slices.Delete(parent.kids, i+1, i+2)
		t.store(a)
		return
	}
	m := t.splitBranchAt(keys)
	a.keys, a.kids = keys[:m], kids[:m+1]
	parent.keys[i] = keys[m]
	b.keys, b.kids = keys[m+1:], kids[m+1:]
	t.store(a)
	t.store(b)
}

// Clear removes every entry and frees every page of the tree. It reads the branch pages,
// and the leaves only if the tree has overflow pages to find.
func (t *Tree) Clear() error {
	if err := t.writable(); err != nil {
		return err
	}
	t.gen++
	if t.d.height > 0 {
		t.freeSubtree(t.d.root, t.d.height-1)
	}
	t.d = treeDesc{layout: t.d.layout}
	return nil
}

func (t *Tree) freeSubtree(id PageID, level int) {
	if level == 0 {
		if t.d.overflow > 0 {
			p := t.node(id, 0)
			for i := range nodeCount(p) {
				if _, v, ovf := t.scell(id, p, i); ovf {
					t.freeOverflow(id, v)
				}
			}
		}
		t.free(id)
		return
	}
	p := t.node(id, level)
	for i := range nodeCount(p) + 1 {
		t.freeSubtree(t.kid(id, p, i), level-1)
	}
	t.free(id)
}

// Drop frees every page of the tree and, at commit, clears its descriptor slot. The tree
// cannot be used afterwards; the slot can take a new tree.
func (t *Tree) Drop() error {
	if err := t.Clear(); err != nil {
		return err
	}
	t.dropped = true
	return nil
}
