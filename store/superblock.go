package store

import "fmt"

// NumRoots is the number of uint64 root slots the superblock keeps for upper layers.
const NumRoots = 32

// NumTreeSlots is the number of tree descriptor slots the superblock keeps.
const NumTreeSlots = 16

// The superblock is page 0 of the memory. Every multi-byte field is little-endian.
//
//	offset size field
//	     0    8 magic "SGRAPH\x00\x01"
//	     8    4 format version (2): the version of the store's formats as a whole
//	    12    4 page size (4096)
//	    16    8 page count: pages [0, count) are in use or on the free list
//	    24    8 free-list head: first trunk page, 0 when the list is empty
//	    32    8 free pages, trunk pages included
//	    40    8 memory size in Wasm pages: the file may be longer (a grow whose message
//	            did not commit), never shorter
//	    48  256 root slots: 32 × uint64 (slot 0: the catalog's slot pages; 1-31 upper layers')
//	   304 1024 tree descriptor slots: 16 × 64 bytes (slot 0: the catalog's tree)
//	  1328 2764 zero
//	  4092    4 CRC-32C of bytes [0, 4092)
//
// Version 1 (before page checksums) is refused with ErrVersion: its pages have no checksums
// and its trunk, slot and overflow pages other layouts.
const (
	sbMagic       = "SGRAPH\x00\x01"
	formatVersion = 2

	sbOffVersion   = 8
	sbOffPageSize  = 12
	sbOffPageCount = 16
	sbOffFreeHead  = 24
	sbOffFreeCount = 32
	sbOffMemPages  = 40
	sbOffRoots     = 48
	sbOffTreeSlots = 304
	sbOffChecksum  = PageSize - 4
)

// initSuperblock writes a fresh superblock into page: only page 0 is in use.
func initSuperblock(p []byte) {
	clear(p)
	copy(p, sbMagic)
	le.PutUint32(p[sbOffVersion:], formatVersion)
	le.PutUint32(p[sbOffPageSize:], PageSize)
	le.PutUint64(p[sbOffPageCount:], 1)
}

// sealSuperblock stores the checksum of page.
func sealSuperblock(p []byte) { seal(p, pageSuperblock) }

// validateSuperblock checks magic, version, page size and checksum of page 0.
func validateSuperblock(p []byte) error {
	if string(p[:len(sbMagic)]) != sbMagic {
		return fmt.Errorf("%w: bad magic %q in page 0", ErrNotStore, p[:len(sbMagic)])
	}
	if v := le.Uint32(p[sbOffVersion:]); v != formatVersion {
		return fmt.Errorf("%w: version %d (this code reads version %d)", ErrVersion, v, formatVersion)
	}
	if ps := le.Uint32(p[sbOffPageSize:]); ps != PageSize {
		return fmt.Errorf("%w: page size %d (this code uses %d)", ErrVersion, ps, PageSize)
	}
	want := le.Uint32(p[sbOffChecksum:])
	if got := crc32c(p[:sbOffChecksum]); got != want {
		return fmt.Errorf("%w: superblock checksum %08x, stored %08x", ErrCorrupt, got, want)
	}
	return nil
}

// flushSize records in the superblock the memory size of a message that grew the memory.
// Commit calls it.
func (tx *Tx) flushSize() {
	if tx.memPages == tx.basePages {
		return
	}
	prev := tx.meter.setOwner(OwnerStore)
	defer tx.meter.setOwner(prev)
	le.PutUint64(tx.writePage(0, pageSuperblock)[sbOffMemPages:], tx.memPages)
}
