package store

import (
	"errors"
	"hash/crc32"
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
