package store

import (
	"encoding/binary"
	"fmt"
)

// The free list is a chain of trunk pages, each listing free pages (as SQLite's does):
//
//	offset size field
//	     0    4 magic "SGFL"
//	     4    4 entry count n (at most trunkCap)
//	     8    8 next trunk page, 0 at the end of the chain
//	    16  8·n free page numbers
//
// Alloc takes the last entry of the head trunk, or the trunk page itself once it is empty;
// Free appends to the head trunk, or makes the freed page the new head when the trunk is
// full. Either way one operation dirties at most two pages (the trunk and the superblock).
const (
	trunkMagic      = "SGFL"
	trunkOffCount   = 4
	trunkOffNext    = 8
	trunkOffEntries = 16
	trunkCap        = (PageSize - trunkOffEntries) / 8
)

var le = binary.LittleEndian

// Alloc returns a fresh zeroed page, writable in this message. It takes a page from the free
// list, and grows the memory by one Wasm page only when the free list is empty.
func (tx *Tx) Alloc() (PageID, []byte) {
	tx.checkOpen()
	if !tx.writable {
		tx.abort(ErrTxReadOnly)
	}
	prev := tx.meter.setOwner(OwnerSystem)
	id := tx.allocID()
	tx.meter.setOwner(prev)
	return id, tx.freshPage(id)
}

func (tx *Tx) allocID() PageID {
	sb := tx.Page(0)
	count := le.Uint64(sb[sbOffPageCount:])
	if head := PageID(le.Uint64(sb[sbOffFreeHead:])); head != 0 {
		trunk := tx.trunk(head, count)
		w := tx.WritePage(0)
		le.PutUint64(w[sbOffFreeCount:], le.Uint64(w[sbOffFreeCount:])-1)
		n := le.Uint32(trunk[trunkOffCount:])
		if n == 0 {
			le.PutUint64(w[sbOffFreeHead:], le.Uint64(trunk[trunkOffNext:]))
			return head
		}
		id := PageID(le.Uint64(trunk[trunkOffEntries+8*(n-1):]))
		if id == 0 || uint64(id) >= count {
			tx.abort(fmt.Errorf("%w: free-list page %d lists page %d, outside [1, %d)", ErrCorrupt, head, id, count))
		}
		le.PutUint32(tx.WritePage(head)[trunkOffCount:], n-1)
		return id
	}
	if count+1 > tx.memPages*pagesPerWasmPage {
		if _, err := tx.Grow(1); err != nil {
			tx.abort(err)
		}
	}
	le.PutUint64(tx.WritePage(0)[sbOffPageCount:], count+1)
	return PageID(count)
}

// trunk reads and checks free-list trunk page id.
func (tx *Tx) trunk(id PageID, count uint64) []byte {
	if uint64(id) >= count {
		tx.abort(fmt.Errorf("%w: free-list trunk page %d is outside [1, %d)", ErrCorrupt, id, count))
	}
	p := tx.Page(id)
	if string(p[:4]) != trunkMagic || le.Uint32(p[trunkOffCount:]) > trunkCap {
		tx.abort(fmt.Errorf("%w: page %d is not a free-list trunk page", ErrCorrupt, id))
	}
	return p
}

// Free returns page id to the free list. The caller must own the page and drop every
// reference to it; its contents are undefined from now on.
func (tx *Tx) Free(id PageID) {
	tx.checkOpen()
	if !tx.writable {
		tx.abort(ErrTxReadOnly)
	}
	prev := tx.meter.setOwner(OwnerSystem)
	defer tx.meter.setOwner(prev)
	sb := tx.Page(0)
	count := le.Uint64(sb[sbOffPageCount:])
	if id == 0 || uint64(id) >= count {
		tx.abort(fmt.Errorf("%w: free of page %d, outside [1, %d)", ErrCorrupt, id, count))
	}
	head := PageID(le.Uint64(sb[sbOffFreeHead:]))
	w := tx.WritePage(0)
	le.PutUint64(w[sbOffFreeCount:], le.Uint64(w[sbOffFreeCount:])+1)
	if head != 0 {
		if n := le.Uint32(tx.trunk(head, count)[trunkOffCount:]); n < trunkCap {
			t := tx.WritePage(head)
			le.PutUint64(t[trunkOffEntries+8*n:], uint64(id))
			le.PutUint32(t[trunkOffCount:], n+1)
			return
		}
	}
	t := tx.freshPage(id)
	copy(t, trunkMagic)
	le.PutUint64(t[trunkOffNext:], uint64(head))
	le.PutUint64(w[sbOffFreeHead:], uint64(id))
}

// AllocStats describes the allocator's state.
type AllocStats struct {
	Pages     uint64 // pages in use or free: the high-water mark, superblock included
	FreePages uint64 // pages on the free list, trunk pages included
}

// AllocStats returns the allocator's state as this message sees it.
func (tx *Tx) AllocStats() AllocStats {
	tx.checkOpen()
	prev := tx.meter.setOwner(OwnerSystem)
	defer tx.meter.setOwner(prev)
	sb := tx.Page(0)
	return AllocStats{Pages: le.Uint64(sb[sbOffPageCount:]), FreePages: le.Uint64(sb[sbOffFreeCount:])}
}

// freePages returns every page on the free list, trunk pages included, in list order.
func (tx *Tx) freePages() []PageID {
	prev := tx.meter.setOwner(OwnerSystem)
	defer tx.meter.setOwner(prev)
	sb := tx.Page(0)
	count := le.Uint64(sb[sbOffPageCount:])
	var out []PageID
	for id := PageID(le.Uint64(sb[sbOffFreeHead:])); id != 0; {
		if uint64(len(out)) > count {
			tx.abort(fmt.Errorf("%w: free list has a cycle through page %d", ErrCorrupt, id))
		}
		t := tx.trunk(id, count)
		out = append(out, id)
		n := le.Uint32(t[trunkOffCount:])
		for i := range n {
			out = append(out, PageID(le.Uint64(t[trunkOffEntries+8*i:])))
		}
		id = PageID(le.Uint64(t[trunkOffNext:]))
	}
	return out
}

// Root returns the value of root slot i (0 ≤ i < NumRoots), where upper layers keep
// small values that must outlive the process.
func (tx *Tx) Root(i int) uint64 {
	tx.checkOpen()
	prev := tx.meter.setOwner(OwnerSystem)
	defer tx.meter.setOwner(prev)
	return le.Uint64(tx.Page(0)[sbOffRoots+8*i:])
}

// SetRoot sets root slot i to v.
func (tx *Tx) SetRoot(i int, v uint64) {
	tx.checkOpen()
	prev := tx.meter.setOwner(OwnerSystem)
	defer tx.meter.setOwner(prev)
	if le.Uint64(tx.Page(0)[sbOffRoots+8*i:]) != v {
		le.PutUint64(tx.WritePage(0)[sbOffRoots+8*i:], v)
	}
}
