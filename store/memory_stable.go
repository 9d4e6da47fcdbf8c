//go:build wasip1

package store

import (
	"fmt"
	"runtime"
	"unsafe"
)

// The Internet Computer's system API for stable memory (64-bit variants). Addresses in the
// module's own memory are passed as i64, as the API declares them.

//go:wasmimport ic0 stable64_size
func ic0StableSize() uint64

//go:wasmimport ic0 stable64_grow
func ic0StableGrow(newPages uint64) int64

//go:wasmimport ic0 stable64_read
func ic0StableRead(dst, offset, size uint64)

//go:wasmimport ic0 stable64_write
func ic0StableWrite(offset, src, size uint64)

// StableMemory is the stable memory of the canister the program runs in, reached through
// the system API (ic0.stable64_size, _grow, _read and _write). It is the Memory for a store
// inside a Wasm guest: OpenMemory(NewStableMemory(0), nil) opens the store the canister's
// stable memory holds, or creates one in an empty stable memory. A store over it has no
// redo log: the replica discards every write of a message that traps, so a message is
// atomic without one.
//
// Accesses outside the memory's size fail with ErrOutOfBounds before they reach the system
// API, which would trap. A program that does not use StableMemory imports nothing from ic0
// (the linker drops the imports), so a wasip1 program with a HeapMemory store runs on any
// WASI runtime.
type StableMemory struct {
	size uint64 // Wasm pages; only Grow changes it while the module runs
	max  uint64
}

// NewStableMemory returns the canister's stable memory, limited to maxPages Wasm pages
// (0 means DefaultMaxWasmPages; the replica may refuse to grow sooner).
func NewStableMemory(maxPages uint64) *StableMemory {
	if maxPages == 0 {
		maxPages = DefaultMaxWasmPages
	}
	return &StableMemory{size: ic0StableSize(), max: maxPages}
}

// MaxSize returns the size in Wasm pages past which Grow fails.
func (m *StableMemory) MaxSize() uint64 { return m.max }

// Size returns the current size in Wasm pages.
func (m *StableMemory) Size() uint64 { return m.size }

// Grow adds delta zeroed Wasm pages and returns the previous size.
func (m *StableMemory) Grow(delta uint64) (uint64, error) {
	old := m.size
	if err := checkGrow(old, delta, m.max); err != nil {
		return old, err
	}
	if r := ic0StableGrow(delta); r < 0 {
		return old, fmt.Errorf("%w: the system refused %d more Wasm pages at %d", ErrGrowFailed, delta, old)
	}
	m.size = old + delta
	return old, nil
}

// ReadAt copies len(p) bytes starting at off into p.
func (m *StableMemory) ReadAt(p []byte, off uint64) error {
	if err := checkRange(off, uint64(len(p)), m.size); err != nil {
		return err
	}
	if len(p) > 0 {
		ic0StableRead(uint64(uintptr(unsafe.Pointer(unsafe.SliceData(p)))), off, uint64(len(p)))
		runtime.KeepAlive(p)
	}
	return nil
}

// WriteAt copies p into the memory starting at off.
func (m *StableMemory) WriteAt(p []byte, off uint64) error {
	if err := checkRange(off, uint64(len(p)), m.size); err != nil {
		return err
	}
	if len(p) > 0 {
		ic0StableWrite(off, uint64(uintptr(unsafe.Pointer(unsafe.SliceData(p)))), uint64(len(p)))
		runtime.KeepAlive(p)
	}
	return nil
}
