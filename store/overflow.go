package store

import "fmt"

// A value too large to share a leaf (its cell would pass maxLeafCell, about a third of a
// page) lives in a chain of overflow pages, and the leaf keeps a 12-byte reference: the
// value's length (u32) and the chain's first page (u64). An overflow page:
//
//	offset size field
//	     0    3 magic "SGO"
//	     3    1 format version (2; version 1 had no checksum)
//	     4    4 CRC-32C of the page without these 4 bytes (page.go)
//	     8    8 next page of the chain, 0 on the last
//	    16      the bytes: 4080 on every page but the last, the rest of the value on the last
//
// The chain belongs to its entry: replacing or deleting the entry frees it, which reads
// each of its pages to find the next.
const (
	ovfMagic   = "SGO"
	ovfVersion = 2
	ovfOffCRC  = 4
	ovfOffNext = 8
	ovfHeader  = 16
	ovfData    = PageSize - ovfHeader
)

// writeOverflow stores val in a new chain and writes its reference into ref.
func (t *Tree) writeOverflow(ref, val []byte) {
	le.PutUint32(ref, uint32(len(val)))
	var prev []byte
	for off := 0; off < len(val); off += ovfData {
		id, p := t.alloc(pageOverflow)
		if prev == nil {
			le.PutUint64(ref[4:], uint64(id))
		} else {
			le.PutUint64(prev[ovfOffNext:], uint64(id))
		}
		copy(p, ovfMagic)
		p[len(ovfMagic)] = ovfVersion
		copy(p[ovfHeader:], val[off:min(off+ovfData, len(val))])
		prev = p
		t.d.overflow++
	}
}

// checkOverflow checks the header of overflow page id, which holds bytes [got, got+n) of a
// total-byte value, and returns n.
func checkOverflow(id PageID, p []byte, got, total uint64) (uint64, error) {
	if err := checkFormat(id, p, pageOverflow, ovfMagic, len(ovfMagic), ovfVersion); err != nil {
		return 0, fmt.Errorf("%w (%d of %d bytes so far)", err, got, total)
	}
	return min(total-got, ovfData), nil
}

// overflowPages calls fn with each page of the chain that ref (in leaf page leaf) points
// to and its bytes, checking the chain as it goes.
func (t *Tree) overflowPages(leaf PageID, ref []byte, fn func(id PageID, data []byte)) {
	total := uint64(le.Uint32(ref))
	id := PageID(le.Uint64(ref[4:]))
	var got uint64
	for got < total {
		if id == 0 {
			t.corrupt(leaf, "overflow chain ends after %d of %d bytes", got, total)
		}
		p := t.page(id, pageOverflow)
		n, err := checkOverflow(id, p, got, total)
		if err != nil {
			t.tx.abort(fmt.Errorf("%v (owner %q): %w", t.ref, t.owner, err))
		}
		next := PageID(le.Uint64(p[ovfOffNext:]))
		fn(id, p[ovfHeader:ovfHeader+n])
		got += n
		id = next
	}
	if id != 0 {
		t.corrupt(leaf, "overflow chain of a %d-byte value goes on to page %d", total, id)
	}
}

// readOverflow returns a copy of the value that ref points to.
func (t *Tree) readOverflow(leaf PageID, ref []byte) []byte {
	out := make([]byte, 0, le.Uint32(ref))
	t.overflowPages(leaf, ref, func(_ PageID, data []byte) { out = append(out, data...) })
	return out
}

// freeOverflow frees the chain that ref points to.
func (t *Tree) freeOverflow(leaf PageID, ref []byte) {
	t.overflowPages(leaf, ref, func(id PageID, _ []byte) {
		t.free(id)
		t.d.overflow--
	})
}
