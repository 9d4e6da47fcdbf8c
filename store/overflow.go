package store

// A value too large to share a leaf (its cell would pass maxLeafCell, about a third of a
// page) lives in a chain of overflow pages, and the leaf keeps a 12-byte reference: the
// value's length (u32) and the chain's first page (u64). An overflow page:
//
//	offset size field
//	     0    4 magic "SGO" and format version 1: "SGO\x01"
//	     4    4 bytes of the value on this page (1 to 4080)
//	     8    8 next page of the chain, 0 on the last
//	    16      the bytes
//
// The chain belongs to its entry: replacing or deleting the entry frees it, which reads
// each of its pages to find the next.
const (
	ovfMagic  = "SGO\x01"
	ovfHeader = 16
	ovfData   = PageSize - ovfHeader
)

// writeOverflow stores val in a new chain and writes its reference into ref.
func (t *Tree) writeOverflow(ref, val []byte) {
	le.PutUint32(ref, uint32(len(val)))
	var prev []byte
	for off := 0; off < len(val); off += ovfData {
		id, p := t.alloc()
		if prev == nil {
			le.PutUint64(ref[4:], uint64(id))
		} else {
			le.PutUint64(prev[8:], uint64(id))
		}
		chunk := val[off:min(off+ovfData, len(val))]
		copy(p, ovfMagic)
		le.PutUint32(p[4:], uint32(len(chunk)))
		copy(p[ovfHeader:], chunk)
		prev = p
		t.d.overflow++
	}
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
		p := t.page(id)
		n := uint64(le.Uint32(p[4:]))
		if string(p[:4]) != ovfMagic || n == 0 || n > ovfData || got+n > total {
			t.corrupt(id, "not an overflow page of a %d-byte value (header % x, %d bytes so far)", total, p[:16], got)
		}
		next := PageID(le.Uint64(p[8:]))
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
