package store

import (
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"sync/atomic"
)

// PageSize is the size of the unit the store meters, allocates and logs: one 4 KiB OS page,
// the unit in which the Internet Computer charges stable-memory access.
const PageSize = 4096

// pagesPerWasmPage is how many store pages one Wasm page holds.
const pagesPerWasmPage = WasmPageSize / PageSize

// PageID is the number of a 4 KiB page of stable memory: its byte offset divided by PageSize.
type PageID uint64

// Errors about the format of a store.
var (
	// ErrNotStore reports a file or memory that does not hold a stablegraph store.
	ErrNotStore = errors.New("not a stablegraph store")
	// ErrVersion reports a store written in a format version this code does not know.
	ErrVersion = errors.New("unsupported store format version")
	// ErrCorrupt reports stored bytes that fail a checksum or break an invariant.
	ErrCorrupt = errors.New("store is corrupt")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

func crc32Update(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }

// Every page the store formats carries a CRC-32C of its bytes, so that a flipped bit
// anywhere in it (unused bytes included) is found rather than read. The checksum belongs to
// the page format, not to the file: a store's memory is the same bytes on every backend.
// The store seals (computes the checksum of) each page it formatted when the message that
// dirtied it commits, and checks it when it first reads the page from the memory (once per
// page and commit: Store.verified remembers which pages passed) and always in Check.
//
//	kind        defined in     magic and version           checksum over the page without
//	superblock  superblock.go  "SGRAPH\x00\x01", u32 2     bytes [4092, 4096)
//	trunk       alloc.go       "SGFL", u8 1                bytes [8, 12)
//	slots       catalog.go     "SGSL", u8 1                bytes [24, 28)
//	node        nodepage.go    "BT", u8 2                  bytes [12, 16)
//	overflow    overflow.go    "SGO", u8 2                 bytes [4, 8)
//
// Pages a Raw caller allocates and writes are its own: the store neither seals nor checks
// them. A raw write into a page the store formatted leaves its checksum stale, which is
// what damage looks like, and CheckStore reports it.
type pageKind uint8

const (
	pageRaw pageKind = iota // the caller's bytes: never sealed or checked
	pageSuperblock
	pageTrunk
	pageSlots
	pageNode
	pageOverflow
)

// pageCRCOff is where each kind keeps its checksum.
var pageCRCOff = [...]int{
	pageSuperblock: sbOffChecksum,
	pageTrunk:      trunkOffCRC,
	pageSlots:      slotOffCRC,
	pageNode:       nodeOffCRC,
	pageOverflow:   ovfOffCRC,
}

func (k pageKind) String() string {
	return [...]string{"raw", "superblock", "free-list trunk", "catalog slot", "B-tree node", "overflow"}[k]
}

// article returns "a" or "an" with the kind's name.
func (k pageKind) article() string {
	n := k.String()
	if strings.ContainsRune("aeiou", rune(n[0])) {
		return "an " + n
	}
	return "a " + n
}

// pageCRC returns the CRC-32C of page p without its checksum field at off.
func pageCRC(p []byte, off int) uint32 {
	return crc32Update(crc32c(p[:off]), p[off+4:PageSize])
}

// seal stores the checksum of page p, of kind k.
func seal(p []byte, k pageKind) {
	off := pageCRCOff[k]
	le.PutUint32(p[off:], pageCRC(p, off))
}

// verifyPage checks the checksum of page id, of kind k, whose bytes are p.
func verifyPage(id PageID, p []byte, k pageKind) error {
	off := pageCRCOff[k]
	if got, want := pageCRC(p, off), le.Uint32(p[off:]); got != want {
		return fmt.Errorf("%w: page %d: checksum %08x, stored %08x (a %s page)", ErrCorrupt, id, got, want, k)
	}
	return nil
}

// checkFormat checks that page id starts with the magic of kind k and is of the version
// this code reads (at byte verOff): ErrCorrupt if not the magic, ErrVersion if another
// version.
func checkFormat(id PageID, p []byte, k pageKind, magic string, verOff int, version byte) error {
	switch {
	case string(p[:len(magic)]) != magic:
		return fmt.Errorf("%w: page %d is not %s page (header % x)", ErrCorrupt, id, k.article(), p[:16])
	case p[verOff] != version:
		return fmt.Errorf("%w: page %d: %s page of format version %d (this code reads version %d)",
			ErrVersion, id, k, p[verOff], version)
	}
	return nil
}

// sniffKind returns the kind of formatted page p, as its magic says and its checksum
// confirms, or pageRaw. It is for writes that keep a page's kind without knowing it (a tree
// descriptor lives in a page its owner chose).
func sniffKind(id PageID, p []byte) pageKind {
	k := pageRaw
	switch {
	case id == 0:
		return pageSuperblock
	case string(p[:2]) == nodeMagic:
		k = pageNode
	case string(p[:4]) == trunkMagic:
		k = pageTrunk
	case string(p[:4]) == slotMagic:
		k = pageSlots
	case string(p[:3]) == ovfMagic:
		k = pageOverflow
	default:
		return pageRaw
	}
	if verifyPage(id, p, k) != nil {
		return pageRaw
	}
	return k
}

// pageBits is a set of page numbers that readers running in parallel may test and add to;
// its size changes only while no message reads (Store.applyMu held alone).
type pageBits struct{ w []atomic.Uint64 }

func (b *pageBits) has(id PageID) bool {
	i := uint64(id) / 64
	return i < uint64(len(b.w)) && b.w[i].Load()&(1<<(id%64)) != 0
}

func (b *pageBits) add(id PageID) {
	if i := uint64(id) / 64; i < uint64(len(b.w)) {
		b.w[i].Or(1 << (id % 64))
	}
}

func (b *pageBits) remove(id PageID) {
	if i := uint64(id) / 64; i < uint64(len(b.w)) {
		b.w[i].And(^uint64(1 << (id % 64)))
	}
}

// resize makes room for pages [0, n), keeping the bits of those it had.
func (b *pageBits) resize(n uint64) {
	words := (n + 63) / 64
	if words <= uint64(len(b.w)) {
		return
	}
	w := make([]atomic.Uint64, max(words, 2*uint64(len(b.w))))
	for i := range b.w {
		w[i].Store(b.w[i].Load())
	}
	b.w = w
}
