package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// A B+tree node is one 4 KiB page. Every node starts with a 32-byte header; multi-byte
// header fields are little-endian.
//
//	offset size field
//	     0    2 magic "BT"
//	     2    1 format version (2; version 1 had no checksum)
//	     3    1 flags: bit 0 branch (else leaf), bit 1 slotted (else packed)
//	     4    2 count: entries of a leaf, separator keys of a branch (children = count + 1)
//	     6    2 level: 0 for leaves, a branch is one above its children
//	     8    2 slotted: heap start, the lowest byte of any cell (cells fill [heap, 4096))
//	    10    2 slotted: garbage, bytes inside the heap that no cell uses
//	    12    4 CRC-32C of the page without these 4 bytes (page.go)
//	    16    8 leaf: previous leaf (0 for the first); slotted branch: leftmost child
//	    24    8 leaf: next leaf (0 for the last)
//	    32      body
//
// A tree whose keys and values both have a fixed size (K, V) uses packed nodes, with no
// per-entry overhead, so that search is a binary search over a dense array:
//
//	packed leaf    32: keys   [cap]   × K   cap = 4064 / (K+V)   (254 for 8/8, 169 for 16/8)
//	               32 + cap·K: values [cap] × V
//	packed branch  32: children [bcap] × 8  bcap = (4064+K) / (8+K) (254 for K=8, 170 for K=16)
//	               32 + 8·bcap: separator keys [bcap-1] × K
//
// Other trees use slotted nodes: an array of 2-byte cell offsets in key order grows up from
// byte 32, the cells grow down from the end of the page:
//
//	leaf cell      klen u16 | vlen u16 | key | value                     (inline value)
//	               klen u16 | 0xFFFF   | key | length u32 | first page u64 (value in overflow pages)
//	branch cell    klen u16 | child u64 | key    (child holds the keys ≥ key; the child left of
//	                                              the first key is in the header at offset 16)
//
// Keys compare bytewise. A separator s between children l and r satisfies
const (
	nodeMagic       = "BT"
	nodeVersion     = 2
	nodeFlagBranch  = 1
	nodeFlagSlotted = 2

	nodeOffCount   = 4
	nodeOffLevel   = 6
	nodeOffHeap    = 8
	nodeOffGarbage = 10
	nodeOffCRC     = 12
	nodeOffPrev    = 16
	nodeOffNext    = 24
	nodeOffLeft    = 16 // slotted branch: leftmost child
	nodeHeader     = 32
	nodeBody       = PageSize - nodeHeader

	ovfFlag    = 0xFFFF // vlen of a leaf cell whose value is in overflow pages
	ovfRefSize = 12
)

var be = binary.BigEndian

func varLeafCell(klen, vlen int) int { return 2 + 4 + klen + vlen }
func varBranchCell(klen int) int     { return 2 + 2 + 8 + klen }

// hdrWord is the first 4 header bytes of a node with the given flags.
func hdrWord(flags byte) uint32 {
	return uint32('B') | uint32('T')<<8 | nodeVersion<<16 | uint32(flags)<<24
}

func nodeCount(p []byte) int   { return int(le.Uint16(p[nodeOffCount:])) }
func setCount(p []byte, n int) { le.PutUint16(p[nodeOffCount:], uint16(n)) }
func nodeNext(p []byte) PageID { return PageID(le.Uint64(p[nodeOffNext:])) }
func nodePrev(p []byte) PageID { return PageID(le.Uint64(p[nodeOffPrev:])) }

// shape derives the node geometry from t's layout.
func (t *Tree) shape() {
	l := t.d.layout
	t.fixed = l.Fixed()
	t.ksize, t.vsize = l.KeySize, l.ValueSize
	var slotted byte
	if t.fixed {
		K, V := l.KeySize, l.ValueSize
		t.leafCap = nodeBody / (K + V)
		t.voff = nodeHeader + t.leafCap*K
		t.branchCap = (nodeBody + K) / (8 + K)
		t.bkoff = nodeHeader + 8*t.branchCap
		t.leafCapW, t.branchCapW = t.leafCap, t.branchCap
		t.leafMinW, t.branchMinW = t.leafCap/2, t.branchCap/2
		t.lkeys, t.bkeys = keyArray{nodeHeader, K}, keyArray{t.bkoff, K}
	} else {
		slotted = nodeFlagSlotted
		t.leafCapW, t.branchCapW = nodeBody, nodeBody
		t.leafMinW, t.branchMinW = minLeafFill, minBranchFill
		t.lkeys, t.bkeys = keyArray{leafCellHdr, 0}, keyArray{branchCellHdr, 0}
	}
	t.hdr[0] = hdrWord(slotted)
	t.hdr[1] = hdrWord(slotted | nodeFlagBranch)
}

// corrupt traps the message with an error naming the page and the problem.
func (t *Tree) corrupt(id PageID, format string, args ...any) {
	t.tx.abort(t.corruptErr(id, format, args...))
}

func (t *Tree) corruptErr(id PageID, format string, args ...any) error {
	return fmt.Errorf("%w: %v (owner %q) page %d: %s", ErrCorrupt, t.ref, t.owner, id, fmt.Sprintf(format, args...))
}

// node reads page id and checks that it is a node of this tree at the given level.
func (t *Tree) node(id PageID, level int) []byte {
	p := t.page(id, pageNode)
	t.checkNode(id, p, level)
	return p
}

// checkNode checks that page p, read as page id, is a node of this tree at the given level.
func (t *Tree) checkNode(id PageID, p []byte, level int) {
	want := t.hdr[0]
	if level > 0 {
		want = t.hdr[1]
	}
	if le.Uint32(p) != want || int(le.Uint16(p[nodeOffLevel:])) != level {
		t.tx.abort(t.badHeader(id, p, level))
	}
	n := nodeCount(p)
	if n == 0 {
		t.corrupt(id, "empty %s", kindName(level))
	}
	if t.fixed {
		if (level == 0 && n > t.leafCap) || (level > 0 && n >= t.branchCap) {
			t.corrupt(id, "count %d exceeds the node's capacity", n)
		}
	} else if h := int(le.Uint16(p[nodeOffHeap:])); h < nodeHeader+2*n || h > PageSize {
		t.corrupt(id, "count %d with heap start %d", n, h)
	}
}

// badHeader is the error of a page that does not start as a node of this tree at level
// does: ErrVersion for a node of another format version, else ErrCorrupt.
func (t *Tree) badHeader(id PageID, p []byte, level int) error {
	if string(p[:2]) == nodeMagic && p[2] != nodeVersion {
		return fmt.Errorf("%w: %v (owner %q) page %d: B-tree node of format version %d (this code reads version %d)",
			ErrVersion, t.ref, t.owner, id, p[2], nodeVersion)
	}
	return t.corruptErr(id, "expected a %s at level %d, found header % x", kindName(level), level, p[:8])
}

func kindName(level int) string {
	if level == 0 {
		return "leaf"
	}
	return "branch"
}

// --- packed nodes ---

func (t *Tree) pkey(p []byte, i int) []byte {
	o := nodeHeader + i*t.ksize
	return p[o : o+t.ksize : o+t.ksize]
}

func (t *Tree) pval(p []byte, i int) []byte {
	o := t.voff + i*t.vsize
	return p[o : o+t.vsize : o+t.vsize]
}

func (t *Tree) pbkey(p []byte, i int) []byte {
	o := t.bkoff + i*t.ksize
	return p[o : o+t.ksize : o+t.ksize]
}

func pkid(p []byte, i int) PageID { return PageID(le.Uint64(p[nodeHeader+8*i:])) }

// keyArray says where a node's keys are, for search: size bytes each from offset off in a
// packed node; in the cells of a slotted node (size 0), after a cell header of off bytes.
type keyArray struct{ off, size int }

// search returns the index of the first key of node p that is ≥ key, or > key with upper
// (the node's count if there is none), and whether that key equals key: the one binary
// search of the package. ka says where the node's keys are.
func (t *Tree) search(id PageID, p []byte, ka keyArray, key []byte, upper bool) (int, bool) {
	return t.searchIn(id, p, ka, key, upper, wordBounds{})
}

// searchIn is search in a node whose keys' first words wb bounds.
func (t *Tree) searchIn(id PageID, p []byte, ka keyArray, key []byte, upper bool, wb wordBounds) (int, bool) {
	n := nodeCount(p)
	lo, hi := 0, n
	if ka.size == 8 && len(key) == 8 {
		// The fast path of trees keyed by entity IDs: 8-byte keys compare as big-endian
		// integers, which is their bytewise order.
		x := be.Uint64(key)
		if upper {
			if x == 1<<64-1 {
				return n, false
			}
			x++ // the first key > x is the first key ≥ x+1
		}
		a := p[ka.off : ka.off+8*n]
		lo = firstWordAtLeast(a, 8, n, x, wb)
		return lo, !upper && lo < n && be.Uint64(a[8*lo:]) == x
	}
	if ka.size == 16 && len(key) == 8 {
		// An ID's first key in a tree keyed by two (a verb's edges of one subject): the
		// shorter key sorts before every key it starts, so only the first word counts.
		return firstWordAtLeast(p[ka.off:ka.off+16*n], 16, n, be.Uint64(key), wb), false
	}
	if ka.size == 16 && len(key) == 16 {
		// Trees keyed by two IDs (a verb's edges, an index of 8-byte values): two
		// big-endian integers, compared in turn.
		// The first key whose first word is ≥ xh, then a gallop among the keys that share
		// it (a subject's edges, the IDs of one value: a few, usually).
		xh, xl := be.Uint64(key), be.Uint64(key[8:])
		a := p[ka.off : ka.off+16*n]
		before := func(m int) bool { // key m goes left of the result
			kh, kl := be.Uint64(a[16*m:]), be.Uint64(a[16*m+8:])
			return kh < xh || kh == xh && (kl < xl || upper && kl == xl)
		}
		lo = firstWordAtLeast(a, 16, n, xh, wb)
		if lo < n && before(lo) {
			// before(lo) and not before(hi) (hi == n: past the end).
			for step := 1; ; step <<= 1 {
				hi = lo + step
				if hi >= n {
					hi = n
					break
				}
				if !before(hi) {
					break
				}
				lo = hi
			}
			for lo+1 < hi {
				m := int(uint(lo+hi) >> 1)
				if before(m) {
					lo = m
				} else {
					hi = m
				}
			}
			lo = hi
		}
		return lo, !upper && lo < n && be.Uint64(a[16*lo:]) == xh && be.Uint64(a[16*lo+8:]) == xl
	}
	below := 0 // a key that compares below this goes left of the result
	if upper {
		below = 1
	}
	off, K := ka.off, ka.size
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		var k []byte
		if K > 0 {
			o := off + m*K
			k = p[o : o+K]
		} else {
			k = t.cellKey(id, p, m, off)
		}
		if compareKeys(k, key) < below {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if upper || lo == n {
		return lo, false
	}
	if K > 0 {
		o := off + lo*K
		return lo, bytes.Equal(p[o:o+K], key)
	}
	return lo, bytes.Equal(t.cellKey(id, p, lo, off), key)
}

// wordBounds bounds the first 8-byte words of a node's keys, as the separators in the
// branches above it say, so that a search can interpolate without first reading the node's
// first and last keys: each is a cache miss in a cold node, and the last one's place
// depends on the node's count, itself a miss. The zero value knows nothing.
type wordBounds struct {
	lo, hi       uint64 // every first word is in [lo, hi], as far as hasLo and hasHi say
	hasLo, hasHi bool
}

// childBounds narrows wb, the bounds of packed branch p's keys, to those of its child i:
// the child's keys are ≥ separator i-1 and < separator i. Only keys of 8 or 16 bytes,
// which search compares as words, get bounds.
func (t *Tree) childBounds(p []byte, i int, wb wordBounds) wordBounds {
	K := t.bkeys.size
	if K != 8 && K != 16 {
		return wordBounds{}
	}
	if i > 0 {
		wb.lo, wb.hasLo = be.Uint64(p[t.bkoff+(i-1)*K:]), true
	}
	if i < nodeCount(p) {
		w := be.Uint64(p[t.bkoff+i*K:])
		if K == 8 {
			if w == 0 {
				return wb // no key is below 0: an empty child, which no valid tree has
			}
			w-- // an 8-byte key below the separator is at most one less
		}
		wb.hi, wb.hasHi = w, true
	}
	return wb
}

// firstWordAtLeast returns the index of the first of the n keys of size bytes in a whose
// first 8 bytes, as a big-endian integer, are ≥ x (n if none). wb bounds those words, if it
// knows both ends; else the first and last keys do.
//
// It interpolates: the keys of a node are mostly entity IDs, handed out in order, so a
// key's place is close to where its value falls between the lowest and the highest. A
// node page is rarely in the CPU's cache, and a binary search of a few hundred keys touches
// about six cache lines of it where a good guess touches one or two. From the guess it
// gallops to the answer, so keys spread unevenly cost at most about twice a binary search.
func firstWordAtLeast(a []byte, size, n int, x uint64, wb wordBounds) int {
	if n == 0 {
		return 0
	}
	word := func(i int) uint64 { return be.Uint64(a[size*i:]) }
	first, last := wb.lo, wb.hi
	if !wb.hasLo || !wb.hasHi {
		first, last = word(0), word(n-1)
	}
	if x <= first {
		return 0
	}
	if x > last {
		return n
	}
	// first < x ≤ last. The guess, (x-first)·(n-1)/(last-first), is at most n-1, so the
	// 128-bit quotient fits 64 bits.
	hi64, lo64 := bits.Mul64(x-first, uint64(n-1))
	q, _ := bits.Div64(hi64, lo64, last-first)
	g := int(q)
	// Narrow the answer to (lo, hi], with word(lo) < x ≤ word(hi), galloping from g; word(-1)
	// is below every x and word(n) above.
	var lo, hi int
	if word(g) >= x {
		hi = g
		for step := 1; ; step <<= 1 {
			lo = hi - step
			if lo < 0 {
				lo = -1
				break
			}
			if word(lo) < x {
				break
			}
			hi = lo
		}
	} else {
		lo = g
		for step := 1; ; step <<= 1 {
			hi = lo + step
			if hi >= n {
				hi = n
				break
			}
			if word(hi) >= x {
				break
			}
			lo = hi
		}
	}
	for lo+1 < hi {
		m := int(uint(lo+hi) >> 1)
		if word(m) < x {
			lo = m
		} else {
			hi = m
		}
	}
	return hi
}

// compareKeys is bytes.Compare, with 8-byte keys (entity IDs, in the slotted trees of
// variable-size values) compared as big-endian integers.
func compareKeys(a, b []byte) int {
	if len(a) == 8 && len(b) == 8 {
		return cmp.Compare(be.Uint64(a), be.Uint64(b))
	}
	return bytes.Compare(a, b)
}

// --- slotted nodes ---

func slotOff(p []byte, i int) int { return int(le.Uint16(p[nodeHeader+2*i:])) }

// scell returns the key and the stored value field of slotted leaf cell i of page id, and
// whether the value is an overflow reference.
func (t *Tree) scell(id PageID, p []byte, i int) (key, val []byte, ovf bool) {
	o := slotOff(p, i)
	if o+4 > PageSize {
		t.corrupt(id, "cell %d at offset %d", i, o)
	}
	kl, vl := int(le.Uint16(p[o:])), int(le.Uint16(p[o+2:]))
	if vl == ovfFlag {
		vl, ovf = ovfRefSize, true
	}
	e := o + 4 + kl + vl
	if e > PageSize {
		t.corrupt(id, "cell %d at offset %d runs past the page (key %d, value %d bytes)", i, o, kl, vl)
	}
	return p[o+4 : o+4+kl : o+4+kl], p[o+4+kl : e : e], ovf
}

// Slotted cells start with the key's length (u16), then a header of the cell's kind, then
// the key: cellKey returns it, for a header of h bytes in all (leafCellHdr, branchCellHdr).
const (
	leafCellHdr   = 4  // klen u16, vlen u16
	branchCellHdr = 10 // klen u16, child u64
)

func (t *Tree) cellKey(id PageID, p []byte, i, h int) []byte {
	o := slotOff(p, i)
	if o+h > PageSize {
		t.corrupt(id, "cell %d at offset %d", i, o)
	}
	kl := int(le.Uint16(p[o:]))
	if o+h+kl > PageSize {
		t.corrupt(id, "cell %d at offset %d runs past the page (key %d bytes)", i, o, kl)
	}
	return p[o+h : o+h+kl : o+h+kl]
}

// skey returns the key of slotted leaf cell i.
func (t *Tree) skey(id PageID, p []byte, i int) []byte { return t.cellKey(id, p, i, leafCellHdr) }

// sbcell returns the key and child of slotted branch cell i.
func (t *Tree) sbcell(id PageID, p []byte, i int) ([]byte, PageID) {
	k := t.cellKey(id, p, i, branchCellHdr)
	return k, PageID(le.Uint64(p[slotOff(p, i)+2:]))
}

// scellLen returns the size of slotted leaf cell i, without its slot.
func scellLen(p []byte, o int) int {
	kl, vl := int(le.Uint16(p[o:])), int(le.Uint16(p[o+2:]))
	if vl == ovfFlag {
		vl = ovfRefSize
	}
	return 4 + kl + vl
}

// sweight returns the bytes a slotted node uses, slots included.
func sweight(p []byte) int {
	n := nodeCount(p)
	return 2*n + PageSize - int(le.Uint16(p[nodeOffHeap:])) - int(le.Uint16(p[nodeOffGarbage:]))
}

// sfree returns the bytes between the slot array and the heap.
func sfree(p []byte) int {
	return int(le.Uint16(p[nodeOffHeap:])) - nodeHeader - 2*nodeCount(p)
}

// sinsert inserts a leaf cell at position i of slotted page p if it fits, compacting the
// heap when that makes room. It reports whether it did.
func (t *Tree) sinsert(p []byte, i int, key, val []byte, ovf bool) bool {
	need := varLeafCell(len(key), len(val))
	free := sfree(p)
	if free < need {
		if free+int(le.Uint16(p[nodeOffGarbage:])) < need {
			return false
		}
		t.compact(p)
	}
	n := nodeCount(p)
	h := int(le.Uint16(p[nodeOffHeap:])) - (need - 2)
	le.PutUint16(p[h:], uint16(len(key)))
	vl := len(val)
	if ovf {
		vl = ovfFlag
	}
	le.PutUint16(p[h+2:], uint16(vl))
	copy(p[h+4:], key)
	copy(p[h+4+len(key):], val)
	copy(p[nodeHeader+2*(i+1):nodeHeader+2*(n+1)], p[nodeHeader+2*i:nodeHeader+2*n])
	le.PutUint16(p[nodeHeader+2*i:], uint16(h))
	le.PutUint16(p[nodeOffHeap:], uint16(h))
	setCount(p, n+1)
	return true
}

// sremove removes cell i of slotted page p (leaf or branch; cellLen is its size).
func sremove(p []byte, i, cellLen int) {
	n := nodeCount(p)
	o := slotOff(p, i)
	copy(p[nodeHeader+2*i:], p[nodeHeader+2*(i+1):nodeHeader+2*n])
	setCount(p, n-1)
	if h := int(le.Uint16(p[nodeOffHeap:])); o == h {
		le.PutUint16(p[nodeOffHeap:], uint16(h+cellLen))
	} else {
		le.PutUint16(p[nodeOffGarbage:], le.Uint16(p[nodeOffGarbage:])+uint16(cellLen))
	}
}

// compact rewrites the heap of slotted leaf p without garbage.
func (t *Tree) compact(p []byte) {
	if t.scratch == nil {
		t.scratch = make([]byte, PageSize)
	}
	old := t.scratch
	copy(old, p)
	h := PageSize
	for i := range nodeCount(p) {
		o := slotOff(old, i)
		l := scellLen(old, o)
		h -= l
		copy(p[h:], old[o:o+l])
		le.PutUint16(p[nodeHeader+2*i:], uint16(h))
	}
	le.PutUint16(p[nodeOffHeap:], uint16(h))
	le.PutUint16(p[nodeOffGarbage:], 0)
}
