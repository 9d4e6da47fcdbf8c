package store

import (
	"encoding/binary"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"
)

// The free list is a chain of trunk pages, each listing free pages (as SQLite's does):
//
//	offset size field
//	     0    4 magic "SGFL"
//	     4    1 format version (1)
//	     5    1 zero
//	     6    2 entry count n (at most trunkCap, 509)
//	     8    4 CRC-32C of the page without these 4 bytes (page.go)
//	    12    4 zero
//	    16    8 next trunk page, 0 at the end of the chain
//	    24  8·n free page numbers
//
// Alloc takes the last entry of the head trunk, or the trunk page itself once it is empty;
// Free appends to the head trunk, or makes the freed page the new head when the trunk is
// full. Either way one operation dirties at most two pages (the trunk and the superblock).
const (
	trunkMagic      = "SGFL"
	trunkVersion    = 1
	trunkOffVersion = 4
	trunkOffCount   = 6
	trunkOffCRC     = 8
	trunkOffNext    = 16
	trunkOffEntries = 24
	trunkCap        = (PageSize - trunkOffEntries) / 8
)

var le = binary.LittleEndian

// alloc returns a fresh zeroed page, writable in this message. It takes a page from the
// free list, and grows the memory by one Wasm page only when the free list is empty.
func (tx *Tx) alloc(kind pageKind) (PageID, []byte) {
	if !tx.writable {
		tx.abort(ErrTxReadOnly)
	}
	prev := tx.meter.setOwner(OwnerStore)
	id := tx.allocID()
	tx.meter.setOwner(prev)
	if tx.freed != nil {
		tx.freed.Remove(uint32(id))
	}
	return id, tx.freshPage(id, kind)
}

func (tx *Tx) allocID() PageID {
	sb := tx.page(0)
	count := le.Uint64(sb[sbOffPageCount:])
	if head := PageID(le.Uint64(sb[sbOffFreeHead:])); head != 0 {
		trunk := tx.trunk(head, count)
		w := tx.writePage(0, pageSuperblock)
		le.PutUint64(w[sbOffFreeCount:], le.Uint64(w[sbOffFreeCount:])-1)
		n := int(le.Uint16(trunk[trunkOffCount:]))
		if n == 0 {
			le.PutUint64(w[sbOffFreeHead:], le.Uint64(trunk[trunkOffNext:]))
			return head
		}
		id := PageID(le.Uint64(trunk[trunkOffEntries+8*(n-1):]))
		if id == 0 || uint64(id) >= count || id == head {
			tx.abort(fmt.Errorf("%w: free-list page %d lists page %d, outside [1, %d) or itself", ErrCorrupt, head, id, count))
		}
		le.PutUint16(tx.writePage(head, pageTrunk)[trunkOffCount:], uint16(n-1))
		return id
	}
	if count+1 > tx.memPages*pagesPerWasmPage {
		if _, err := tx.grow(1); err != nil {
			tx.abort(err)
		}
	}
	le.PutUint64(tx.writePage(0, pageSuperblock)[sbOffPageCount:], count+1)
	return PageID(count)
}

// trunk reads and checks free-list trunk page id.
func (tx *Tx) trunk(id PageID, count uint64) []byte {
	if uint64(id) >= count {
		tx.abort(fmt.Errorf("%w: free-list trunk page %d is outside [1, %d)", ErrCorrupt, id, count))
	}
	p := tx.readPage(id, pageTrunk)
	if err := checkTrunk(id, p); err != nil {
		tx.abort(err)
	}
	return p
}

// checkTrunk checks the header of free-list trunk page id.
func checkTrunk(id PageID, p []byte) error {
	if err := checkFormat(id, p, pageTrunk, trunkMagic, trunkOffVersion, trunkVersion); err != nil {
		return err
	}
	if n := le.Uint16(p[trunkOffCount:]); n > trunkCap {
		return fmt.Errorf("%w: free-list trunk page %d lists %d pages, more than %d", ErrCorrupt, id, n, trunkCap)
	}
	return nil
}

// free returns page id to the free list; errKind is what a page that cannot be freed (page
// 0, past the page count, or free already) traps with: ErrCorrupt when the store's own
// structures name it, ErrMisuse when a Raw caller does.
//
// A page freed twice would sit on the list twice and be handed out twice. A message knows
// every page it freed itself, and the head trunk, which free reads anyway, holds the pages
// freed most recently; a page freed long ago is found by CheckStore ("on the free list
// twice").
func (tx *Tx) free(id PageID, errKind error) {
	if !tx.writable {
		tx.abort(ErrTxReadOnly)
	}
	prev := tx.meter.setOwner(OwnerStore)
	defer tx.meter.setOwner(prev)
	sb := tx.page(0)
	count := le.Uint64(sb[sbOffPageCount:])
	if id == 0 || uint64(id) >= count {
		tx.abort(fmt.Errorf("%w: free of page %d, outside [1, %d)", errKind, id, count))
	}
	head := PageID(le.Uint64(sb[sbOffFreeHead:]))
	var trunk []byte
	if head != 0 {
		trunk = tx.trunk(head, count)
	}
	if tx.freed == nil {
		tx.freed = roaring.New()
	}
	if tx.freed.Contains(uint32(id)) || id == head || trunkLists(trunk, id) {
		tx.abort(fmt.Errorf("%w: free of page %d, which is free already", errKind, id))
	}
	tx.freed.Add(uint32(id))
	w := tx.writePage(0, pageSuperblock)
	le.PutUint64(w[sbOffFreeCount:], le.Uint64(w[sbOffFreeCount:])+1)
	if head != 0 {
		if n := int(le.Uint16(trunk[trunkOffCount:])); n < trunkCap {
			t := tx.writePage(head, pageTrunk)
			le.PutUint64(t[trunkOffEntries+8*n:], uint64(id))
			le.PutUint16(t[trunkOffCount:], uint16(n+1))
			return
		}
	}
	t := tx.freshPage(id, pageTrunk)
	copy(t, trunkMagic)
	t[trunkOffVersion] = trunkVersion
	le.PutUint64(t[trunkOffNext:], uint64(head))
	le.PutUint64(w[sbOffFreeHead:], uint64(id))
}

// trunkLists reports whether trunk page p (nil: none) lists page id.
func trunkLists(p []byte, id PageID) bool {
	if p == nil {
		return false
	}
	for i := range int(le.Uint16(p[trunkOffCount:])) {
		if PageID(le.Uint64(p[trunkOffEntries+8*i:])) == id {
			return true
		}
	}
	return false
}

// AllocStats describes the allocator's state.
type AllocStats struct {
	Pages     uint64 // pages in use or free: the high-water mark, superblock included
	FreePages uint64 // pages on the free list, trunk pages included
}

// AllocStats returns the allocator's state as this message sees it.
func (tx *Tx) AllocStats() AllocStats {
	tx.checkOpen()
	prev := tx.meter.setOwner(OwnerStore)
	defer tx.meter.setOwner(prev)
	sb := tx.page(0)
	return AllocStats{Pages: le.Uint64(sb[sbOffPageCount:]), FreePages: le.Uint64(sb[sbOffFreeCount:])}
}

// freePages returns every page on the free list, trunk pages included, in list order, or
// an error wrapping ErrCorrupt (or ErrVersion) naming the first bad trunk page. It checks
// the checksum of every trunk page, as Check does of every page.
func (tx *Tx) freePages() ([]PageID, error) {
	prev := tx.meter.setOwner(OwnerStore)
	defer tx.meter.setOwner(prev)
	sb := tx.page(0)
	count := le.Uint64(sb[sbOffPageCount:])
	var out []PageID
	for id := PageID(le.Uint64(sb[sbOffFreeHead:])); id != 0; {
		switch {
		case uint64(len(out)) > count:
			return nil, fmt.Errorf("%w: free list has a cycle through page %d", ErrCorrupt, id)
		case uint64(id) >= count:
			return nil, fmt.Errorf("%w: free-list trunk page %d is outside [1, %d)", ErrCorrupt, id, count)
		}
		t, err := tx.checkedPage(id, pageTrunk, checkTrunk)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
		for i := range int(le.Uint16(t[trunkOffCount:])) {
			out = append(out, PageID(le.Uint64(t[trunkOffEntries+8*i:])))
		}
		id = PageID(le.Uint64(t[trunkOffNext:]))
	}
	return out, nil
}

// root returns the value of root slot i.
func (tx *Tx) root(i int) uint64 {
	prev := tx.meter.setOwner(OwnerStore)
	defer tx.meter.setOwner(prev)
	return le.Uint64(tx.page(0)[sbOffRoots+8*i:])
}

// setRoot sets root slot i to v, dirtying the superblock only if v is new.
func (tx *Tx) setRoot(i int, v uint64) {
	prev := tx.meter.setOwner(OwnerStore)
	defer tx.meter.setOwner(prev)
	if le.Uint64(tx.page(0)[sbOffRoots+8*i:]) != v {
		le.PutUint64(tx.writePage(0, pageSuperblock)[sbOffRoots+8*i:], v)
	}
}
