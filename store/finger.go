package store

import "bytes"

// Finger is a Cursor that remembers the nodes of its last descent and the key range each
// of them covers, so that a lookup climbs only to the lowest of them whose range holds the
// key and descends from there, instead of from the root. Probes of a sorted set of keys (a
// query looking up a set of IDs in a column) land in neighbouring leaves under the same
// branches: a finger searches those branches again without reading or checking them again.
//
// A finger reads the same distinct pages as lookups from the root would: the nodes it
// skips are those an earlier lookup of the same message read. Keys may come in any order;
// ascending keys gain the most. Like a Cursor it dies with its message, and after a change
// to the tree it descends from the root again.
type Finger struct {
	Cursor
	pathGen uint64 // t.gen when lv was filled
	n       int    // nodes held: the root (lv[0]) down to a leaf (lv[n-1]); 0 none
	lv      [maxHeight]fingerNode
	sum     byte // what Prefetch loads, so that the loads happen
}

// fingerNode is a node of a finger's path and the keys its subtree holds: lo ≤ key < hi,
// a nil bound being open. The slices point into the tree's pages: valid while t.gen holds.
type fingerNode struct {
	id     PageID
	p      []byte
	lo, hi []byte
}

// Finger returns an unpositioned finger over t.
func (t *Tree) Finger() *Finger { return &Finger{Cursor: Cursor{t: t}} }

// Reset makes f an unpositioned finger over t, as Finger returns: a finger kept in a
// caller's value (on its stack) costs no allocation per message.
func (f *Finger) Reset(t *Tree) { *f = Finger{Cursor: Cursor{t: t}} }

// Seek moves to the first key ≥ key and returns it, reading the pages Tree.Seek would.
func (f *Finger) Seek(key []byte) (k, v []byte, ok bool) {
	id, p := f.leafFor(key)
	if p == nil {
		return f.set(0, nil, 0)
	}
	i, _ := f.t.guessLowerBound(id, p, key)
	if i == nodeCount(p) {
		id, p = f.t.nextLeaf(p, false)
		i = 0
	}
	return f.set(id, p, i)
}

// Get returns the value stored under key, reading the pages Tree.Get would; the finger's
// cursor stays where it was.
func (f *Finger) Get(key []byte) (value []byte, ok bool) {
	id, p := f.leafFor(key)
	if p == nil {
		return nil, false
	}
	i, found := f.t.guessLowerBound(id, p, key)
	if !found {
		return nil, false
	}
	_, v := f.t.entryAt(id, p, i)
	return v, true
}

// Has reports whether key is in the tree, reading the pages Tree.Has would.
func (f *Finger) Has(key []byte) bool {
	id, p := f.leafFor(key)
	if p == nil {
		return false
	}
	_, found := f.t.guessLowerBound(id, p, key)
	return found
}

// leafFor returns the leaf whose range holds key (p nil for an empty tree), descending
// from the lowest node of the finger's path whose range holds it.
func (f *Finger) leafFor(key []byte) (PageID, []byte) {
	if !f.descend(key) {
		return 0, nil
	}
	leaf := &f.lv[f.n-1]
	if leaf.p == nil {
		leaf.p = f.t.node(leaf.id, 0)
	}
	return leaf.id, leaf.p
}

// descend brings the finger's path down to the leaf whose range holds key, reading the
// branches on the way but not the leaf (lv[n-1].p is nil until it is read), and reports
// whether the tree has one.
func (f *Finger) descend(key []byte) bool {
	t := f.t
	t.tx.live()
	h := t.d.height
	if h == 0 {
		f.n = 0
		return false
	}
	d := -1
	if f.pathGen == t.gen && f.n == h {
		for d = h - 1; d >= 0; d-- {
			if n := &f.lv[d]; (n.lo == nil || compareKeys(n.lo, key) <= 0) && (n.hi == nil || compareKeys(key, n.hi) < 0) {
				break
			}
		}
	}
	if d < 0 {
		f.lv[0] = fingerNode{id: t.d.root}
		if h > 1 {
			f.lv[0].p = t.node(t.d.root, h-1)
		}
		f.pathGen, f.n, d = t.gen, h, 0
	}
	for ; d < h-1; d++ {
		n := &f.lv[d]
		i := t.childIndex(n.id, n.p, key)
		lo, hi := n.lo, n.hi
		if i > 0 {
			lo = t.branchKey(n.id, n.p, i-1)
		}
		if i < nodeCount(n.p) {
			hi = t.branchKey(n.id, n.p, i)
		}
		kid := t.kid(n.id, n.p, i)
		var p []byte
		if d+1 < h-1 {
			p = t.node(kid, h-2-d)
		}
		f.lv[d+1] = fingerNode{id: kid, p: p, lo: lo, hi: hi}
	}
	return true
}

// PrefetchMax is the most keys Prefetch takes at once: enough leaves to keep several
// loads from memory in flight together.
const PrefetchMax = 8

// Prefetch loads into the CPU's caches the lines of the leaves that lookups of keys will
// search first: each leaf's header, its last key, and the key and value at the place a
// search guesses (for slotted leaves: their slots and cells; for an 8-byte key in a tree of
// 16-byte keys, a verb's edges of one ID, the lines before and after the guess too). A
// lookup of a leaf cold in the caches waits for memory three times or more in a row;
// loaded for a group of keys at once, those waits overlap. It finds a key's leaf from the
// finger's path, walking down branches it has not read as they are mapped, for 8-byte keys
// only: packed branches of 8- or 16-byte keys, slotted ones of 8-byte keys. It reads
// no page as the store counts or checks them and changes nothing: the lookups read and
// check the pages as ever. It touches only pages of the message's committed state, treats
// what it finds there as unchecked, and does nothing for more than PrefetchMax keys.
func (f *Finger) Prefetch(keys [][]byte) {
	t := f.t
	t.live() // a finger kept past its message fails here, as in its lookups
	h := t.d.height
	if h < 2 || len(keys) > PrefetchMax {
		return
	}
	held := 0 // the nodes of the finger's path, read and checked in this message
	if f.pathGen == t.gen && f.n == h {
		held = h
	}
	var pages, ks [PrefetchMax][]byte
	n := 0
	for _, key := range keys {
		// From the lowest node of the path that holds key, or the root's page as mapped.
		d := held - 1
		for ; d >= 0; d-- {
			if nd := &f.lv[d]; (nd.lo == nil || compareKeys(nd.lo, key) <= 0) && (nd.hi == nil || compareKeys(key, nd.hi) < 0) {
				break
			}
		}
		if d == h-1 {
			continue // the leaf the finger is on: in the caches already
		}
		var id PageID
		var p []byte
		if d >= 0 {
			id = t.kid(f.lv[d].id, f.lv[d].p, t.childIndex(f.lv[d].id, f.lv[d].p, key))
			d++
		} else {
			id, d = t.d.root, 0
		}
		for ; d < h && id != 0; d++ {
			if p = t.peek(id); p == nil || d == h-1 {
				break
			}
			id = t.peekKid(p, h-1-d, key)
		}
		if p != nil && id != 0 {
			pages[n], ks[n] = p, key
			n++
		}
	}
	// Each step for the whole group, so that its loads are in flight together; sum makes
	// them happen.
	var sum byte
	for _, p := range pages[:n] {
		sum += p[nodeOffCount]
	}
	if t.fixed {
		sum += t.prefetchPacked(pages[:n], ks[:n])
	} else {
		sum += t.prefetchSlotted(pages[:n], ks[:n])
	}
	f.sum += sum
}

// prefetchPacked loads, for each packed leaf of pages (peeked, unchecked), its last key,
// then the key and value at the place guessed for keys[j], returning what it loaded.
func (t *Tree) prefetchPacked(pages, keys [][]byte) (sum byte) {
	var count [PrefetchMax]int
	for j, p := range pages {
		c := nodeCount(p)
		if le.Uint32(p) != t.hdr[0] || c < 1 || c > t.leafCap || le.Uint16(p[nodeOffLevel:]) != 0 {
			continue // not a leaf as this tree's: the lookup will say what it is
		}
		count[j] = c
		sum += p[nodeHeader+(c-1)*t.ksize]
	}
	for j, p := range pages {
		c := count[j]
		if c == 0 {
			continue
		}
		g := 0
		if (t.ksize == 8 || t.ksize == 16) && len(keys[j]) == 8 {
			// The first words of 8-byte keys (IDs) or of 16-byte keys (pairs of IDs).
			g = guessOf(be.Uint64(p[nodeHeader:]), be.Uint64(p[nodeHeader+(c-1)*t.ksize:]), be.Uint64(keys[j]), c)
		}
		sum += p[nodeHeader+g*t.ksize]
		if t.ksize == 16 && len(keys[j]) == 8 {
			// The guess lands among the edges of the first ID: the search gallops back to
			// the first of them and the lookup's caller reads on to the last. The lines
			// before and after too.
			sum += p[nodeHeader+max(g-64/16, 0)*16] + p[nodeHeader+min(g+64/16, c-1)*16]
		}
		if t.vsize > 0 {
			sum += p[t.voff+g*t.vsize]
		}
	}
	return sum
}

// prefetchSlotted loads, for each slotted leaf of pages (peeked, unchecked), the slot and
// cell of its first and last keys, then, for 8-byte keys, the slot and cell at the place
// guessed for keys[j], returning what it loaded. Offsets that do not fit the page end its
// walk of that page.
func (t *Tree) prefetchSlotted(pages, keys [][]byte) (sum byte) {
	var count, first, last [PrefetchMax]int
	for j, p := range pages {
		c := nodeCount(p)
		if le.Uint32(p) != t.hdr[0] || le.Uint16(p[nodeOffLevel:]) != 0 || c < 1 || nodeHeader+2*c > PageSize {
			continue
		}
		count[j] = c
		sum += p[nodeHeader+2*(c-1)]
	}
	const cell = leafCellHdr + 8 // a cell's header and an 8-byte key
	for j, p := range pages {
		if count[j] == 0 {
			continue
		}
		first[j], last[j] = slotOff(p, 0), slotOff(p, count[j]-1)
		if first[j]+cell > PageSize || last[j]+cell > PageSize {
			count[j] = 0
			continue
		}
		sum += p[first[j]+leafCellHdr] + p[last[j]+leafCellHdr]
	}
	var at [PrefetchMax]int
	for j, p := range pages {
		c, o0, o1 := count[j], first[j], last[j]
		if c == 0 || len(keys[j]) != 8 || le.Uint16(p[o0:]) != 8 || le.Uint16(p[o1:]) != 8 {
			count[j] = 0
			continue
		}
		at[j] = guessOf(be.Uint64(p[o0+leafCellHdr:]), be.Uint64(p[o1+leafCellHdr:]), be.Uint64(keys[j]), c)
		sum += p[nodeHeader+2*at[j]]
	}
	for j, p := range pages {
		if count[j] == 0 {
			continue
		}
		if o := slotOff(p, at[j]); o+cell < PageSize {
			sum += p[o+leafCellHdr] + p[o+cell]
		}
	}
	return sum
}

// peekKid returns the child of peeked branch page p, at the given level, whose range holds
// key, or 0 if p does not look like such a branch of this tree or the lookup is not one
// Prefetch walks through unread: an 8-byte key in packed branches of 8-byte keys (an
// entity's ID) or of 16-byte keys (the first of a verb's two IDs), or in slotted branches
// of 8-byte keys (values of any size), whose separators are prefixes of keys, 1 to 8
// bytes long.
func (t *Tree) peekKid(p []byte, level int, key []byte) PageID {
	if (t.ksize != 8 && (t.ksize != 16 || !t.fixed)) || len(key) != 8 || le.Uint32(p) != t.hdr[1] || int(le.Uint16(p[nodeOffLevel:])) != level {
		return 0
	}
	c := nodeCount(p)
	if !t.fixed {
		return peekSlottedKid(p, c, be.Uint64(key))
	}
	if c < 1 || c >= t.branchCap {
		return 0
	}
	x := be.Uint64(key)
	a := p[t.bkoff : t.bkoff+t.ksize*c]
	if t.ksize == 16 {
		// The 8-byte key sorts before every 16-byte key it starts: the separators ≤ key
		// are those whose first word is < key.
		return pkid(p, firstWordAtLeast(a, 16, c, x, wordBounds{}))
	}
	if x == 1<<64-1 {
		return pkid(p, c)
	}
	// The number of separators ≤ key: the first > key is the first ≥ key+1.
	return pkid(p, firstWordAtLeast(a, 8, c, x+1, wordBounds{}))
}

// peekSlottedKid returns the child of peeked slotted branch p, of c separators, whose range
// holds the 8-byte key x: the child right of the last separator ≤ x (the leftmost child if
// none is). A separator shorter than 8 bytes, padded with zeros, orders against x as it
// does bytewise. It returns 0 where a slot or a cell it reads does not fit the page or a
// separator is not 1 to 8 bytes long.
func peekSlottedKid(p []byte, c int, x uint64) PageID {
	if c < 1 || nodeHeader+2*c > PageSize {
		return 0
	}
	// lo, hi bracket the number of separators ≤ x.
	lo, hi := 0, c
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		o := slotOff(p, m)
		if o < nodeHeader || o+branchCellHdr > PageSize {
			return 0
		}
		n := int(le.Uint16(p[o:]))
		if n < 1 || n > 8 || o+branchCellHdr+n > PageSize {
			return 0
		}
		if word8(p[o+branchCellHdr:o+branchCellHdr+n]) <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return PageID(le.Uint64(p[nodeOffLeft:]))
	}
	o := slotOff(p, lo-1)
	if o < nodeHeader || o+branchCellHdr > PageSize {
		return 0
	}
	return PageID(le.Uint64(p[o+2:]))
}

// peek returns page id as the message's committed state maps it, for Prefetch to load:
// nil if the page is not mapped, or past the committed state. It neither counts, checks
// nor copies the page, and never fails.
func (t *Tree) peek(id PageID) []byte {
	if uint64(id) >= t.tx.basePages*pagesPerWasmPage {
		return nil
	}
	if t.tx.s.pendingBits.has(id) {
		return nil
	}
	b, ok := t.tx.s.lend(uint64(id)*PageSize, PageSize)
	if !ok {
		return nil
	}
	return b
}

// guessLowerBound is lowerBound for a leaf the finger has just reached, most often cold in
// the CPU's caches: it guesses the key's place from the leaf's first and last keys (keys
// that are entity IDs spread evenly over a leaf), then gallops from the guess and ends with
// a binary search, all by the exact order of keys. A binary search of a cold leaf touches
// about log2(count) cache lines; an even leaf costs two or three.
func (t *Tree) guessLowerBound(id PageID, p []byte, key []byte) (int, bool) {
	n := nodeCount(p)
	first, last := t.keyAt(id, p, 0), t.keyAt(id, p, n-1)
	if c := compareKeys(key, first); c <= 0 {
		return 0, c == 0
	}
	if c := compareKeys(key, last); c >= 0 {
		if c == 0 {
			return n - 1, true
		}
		return n, false
	}
	// first < key < last: the answer is in [1, n-1].
	g := min(max(t.guessIndex(id, p, key), 1), n-1)
	// lo and hi bracket the answer: key(lo-1) < key ≤ key(hi).
	lo, hi := 1, n-1
	if compareKeys(t.keyAt(id, p, g), key) >= 0 {
		hi = g
		for s := 1; ; s *= 2 {
			j := g - s
			if j < lo {
				break
			}
			if compareKeys(t.keyAt(id, p, j), key) < 0 {
				lo = j + 1
				break
			}
			hi = j
		}
	} else {
		lo = g + 1
		for s := 1; ; s *= 2 {
			j := g + s
			if j > hi {
				break
			}
			if compareKeys(t.keyAt(id, p, j), key) >= 0 {
				hi = j
				break
			}
			lo = j + 1
		}
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareKeys(t.keyAt(id, p, m), key) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, bytes.Equal(t.keyAt(id, p, lo), key)
}

// guessIndex returns where key would be in leaf p if its keys were spread evenly between
// its first and last: an index in [0, count). The first 8 bytes of a key, padded with
// zeros, never order two keys against their order, so a key between the first and the
// last is guessed between them.
func (t *Tree) guessIndex(id PageID, p []byte, key []byte) int {
	n := nodeCount(p)
	return guessOf(word8(t.keyAt(id, p, 0)), word8(t.keyAt(id, p, n-1)), word8(key), n)
}

// guessOf returns where x would be among n keys spread evenly from f to l: an index in
// [0, n).
func guessOf(f, l, x uint64, n int) int {
	if x <= f || l <= f {
		return 0
	}
	if x >= l {
		return n - 1
	}
	return min(int(float64(x-f)/float64(l-f)*float64(n-1)), n-1)
}

// branchKey returns separator key i of branch p.
func (t *Tree) branchKey(id PageID, p []byte, i int) []byte {
	if t.fixed {
		return t.pbkey(p, i)
	}
	k, _ := t.sbcell(id, p, i)
	return k
}

// word8 returns the first 8 bytes of k, padded with zeros, as a big-endian integer.
func word8(k []byte) uint64 {
	if len(k) >= 8 {
		return be.Uint64(k)
	}
	var w uint64
	for i := range 8 {
		w <<= 8
		if i < len(k) {
			w |= uint64(k[i])
		}
	}
	return w
}
