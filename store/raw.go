package store

import (
	"errors"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"
)

// ErrMisuse reports a call that breaks the store's contract: a Raw call with a root slot
// out of range or reserved, a write to the superblock, a page freed twice or never
// allocated (the message fails and nothing it wrote is kept); or the use of a Tx, or of
// a Tree of it, after its message ended (a panic, with ErrTxClosed).
var ErrMisuse = errors.New("misuse of the store API")

// Raw is the escape hatch to the stable memory under a message: byte ranges, whole pages,
// the page allocator and the superblock's root slots, all metered like every other access.
// Trees, the catalog and the checks are Tx's business; Raw is for structures of one's own
// (and for tests that damage a store on purpose). Nothing but the owner of a page may write
// it: a raw write into a tree's page corrupts the tree, and CheckStore will say so.
//
// A Raw is valid as long as its message. Slices it returns alias the message's pages or the
// store's mapping: they must not be kept past the message, and those from Page must not be
// modified.
type Raw struct{ tx *Tx }

// Raw returns the message's escape hatch to raw memory.
func (tx *Tx) Raw() Raw { return Raw{tx} }

func (r Raw) misuse(format string, args ...any) {
	r.tx.abort(fmt.Errorf("%w: %s", ErrMisuse, fmt.Sprintf(format, args...)))
}

// Size returns the memory size in Wasm pages as this message sees it.
func (r Raw) Size() uint64 {
	r.tx.checkOpen()
	return r.tx.memPages
}

// Grow adds delta Wasm pages of zeros and returns the previous size. The growth takes effect
// for other messages when this one commits, and is undone if it rolls back.
func (r Raw) Grow(delta uint64) (old uint64, err error) {
	r.tx.checkOpen()
	return r.tx.grow(delta)
}

// ReadAt copies len(p) bytes of stable memory starting at off into p.
func (r Raw) ReadAt(p []byte, off uint64) error {
	r.tx.checkOpen()
	return r.tx.readAt(p, off)
}

// WriteAt copies p into stable memory starting at off. Raw writes are for pages the caller
// owns (those Alloc handed it); the superblock, page 0, is the store's and refused.
func (r Raw) WriteAt(p []byte, off uint64) error {
	r.tx.checkOpen()
	if len(p) > 0 && off < PageSize {
		r.misuse("write at offset %d: page 0 is the superblock (use SetRoot)", off)
	}
	return r.tx.writeAt(p, off)
}

// Page returns page id for reading. The slice must not be modified, and dies with the
// message.
func (r Raw) Page(id PageID) []byte {
	r.tx.checkOpen()
	return r.tx.page(id)
}

// WritePage returns page id for writing: the message's private copy, which it commits or
// discards as a whole. Page 0, the superblock, is refused.
func (r Raw) WritePage(id PageID) []byte {
	r.tx.checkOpen()
	if id == 0 {
		r.misuse("write of page 0, the superblock (use SetRoot)")
	}
	r.tx.pin(id) // the caller holds it: it must not spill
	return r.tx.writePage(id, pageRaw)
}

// Alloc returns a fresh zeroed page, writable in this message, and the caller owns it until
// it frees it. It takes a page from the free list, and grows the memory by one Wasm page only
// when the free list is empty.
func (r Raw) Alloc() (PageID, []byte) {
	r.tx.checkOpen()
	id, p := r.tx.alloc(pageRaw)
	r.tx.pin(id) // the caller holds it: it must not spill
	return id, p
}

// Free returns page id to the free list. The caller must own the page and drop every
// reference to it; its contents are undefined from now on. Freeing page 0, a page past the
// allocator's count, or a page that is free already (in this message, or recently enough to
// be in the free list's head) fails the message with ErrMisuse.
func (r Raw) Free(id PageID) {
	r.tx.checkOpen()
	r.tx.free(id, ErrMisuse)
}

// Root returns the value of root slot i, where upper layers keep small values that must
// outlive the process. Slots 1 to NumRoots-1 are the upper layers'; slot 0 is the catalog's,
// and any other i fails the message with ErrMisuse.
func (r Raw) Root(i int) uint64 {
	r.tx.checkOpen()
	r.checkRoot(i)
	return r.tx.root(i)
}

// SetRoot sets root slot i (1 ≤ i < NumRoots) to v.
func (r Raw) SetRoot(i int, v uint64) {
	r.tx.checkOpen()
	r.checkRoot(i)
	r.tx.setRoot(i, v)
}

func (r Raw) checkRoot(i int) {
	switch {
	case i == rootSlotPages:
		r.misuse("root slot %d is the catalog's", i)
	case i < 0 || i >= NumRoots:
		r.misuse("root slot %d is outside [1, %d)", i, NumRoots)
	}
}

// SetOwner tags the raw accesses that follow with tag, for the per-owner breakdown of
// Stats, and returns the previous tag so that a caller can restore it. Trees tag their own
// accesses.
func (r Raw) SetOwner(tag string) (prev string) { return r.tx.meter.setOwner(tag) }

// CheckPages verifies that the superblock, the free list and the given sets of pages
// (named, typically by Tree.Check) partition the store's pages [0, count): that no page is
// owned twice and none is leaked, and it checks the checksums of the superblock and the free
// list's trunk pages. It returns an error wrapping ErrCorrupt naming the first page that
// fails.
func (r Raw) CheckPages(owned map[string]*roaring.Bitmap) error {
	r.tx.checkOpen()
	return r.tx.checkPages(owned)
}
