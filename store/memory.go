package store

import (
	"errors"
	"fmt"
	"sync"
)

// WasmPageSize is the unit in which a Memory grows: one 64 KiB WebAssembly page.
const WasmPageSize = 64 << 10

// DefaultMaxWasmPages is the default limit of a Memory: 500 GiB worth of Wasm pages.
const DefaultMaxWasmPages = 500 << 30 / WasmPageSize

// Errors returned by Memory implementations.
var (
	// ErrOutOfBounds reports a read or write outside the memory's current size.
	ErrOutOfBounds = errors.New("stable memory access out of bounds")
	// ErrGrowFailed reports a grow past the memory's maximum (ic0.stable64_grow returning -1).
	ErrGrowFailed = errors.New("stable memory cannot grow")
)

// Memory is a linear, growable byte array addressed with 64-bit offsets, the shape of the
// Internet Computer's stable memory (ic0.stable64_size, _grow, _read, _write). Size and Grow
// count 64 KiB Wasm pages. Reads and writes outside the current size fail with
// ErrOutOfBounds; a Memory never grows by itself.
//
// Implementations must allow concurrent ReadAt calls; WriteAt and Grow are called by one
// goroutine at a time and never concurrently with ReadAt.
type Memory interface {
	// Size returns the current size in Wasm pages.
	Size() uint64
	// Grow adds delta Wasm pages of zeros and returns the previous size.
	Grow(delta uint64) (old uint64, err error)
	// ReadAt copies len(p) bytes starting at off into p.
	ReadAt(p []byte, off uint64) error
	// WriteAt copies p into the memory starting at off.
	WriteAt(p []byte, off uint64) error
}

// slicer is implemented by memories that can lend their bytes without a copy (the heap
// memory, and the file memory through its read-only mapping). The slice is valid until the
// next Grow or WriteAt and must not be modified.
type slicer interface {
	slice(off, n uint64) ([]byte, bool)
}

// syncer is implemented by memories that have a durable medium.
type syncer interface {
	Sync() error
}

// checkRange reports whether [off, off+n) lies inside a memory of the given size in Wasm pages.
func checkRange(off, n, sizePages uint64) error {
	limit := sizePages * WasmPageSize
	if off > limit || n > limit-off {
		return fmt.Errorf("%w: offset %d, length %d, size %d bytes", ErrOutOfBounds, off, n, limit)
	}
	return nil
}

// HeapMemory is a Memory kept in the Go heap: for tests and for worlds that need not outlive
// the process.
type HeapMemory struct {
	mu  sync.RWMutex
	buf []byte
	max uint64
}

// NewHeapMemory returns an empty heap memory that can grow to maxPages Wasm pages
// (0 means DefaultMaxWasmPages).
func NewHeapMemory(maxPages uint64) *HeapMemory {
	if maxPages == 0 {
		maxPages = DefaultMaxWasmPages
	}
	return &HeapMemory{max: maxPages}
}

// MaxSize returns the size in Wasm pages past which Grow fails.
func (m *HeapMemory) MaxSize() uint64 { return m.max }

// Size returns the current size in Wasm pages.
func (m *HeapMemory) Size() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return uint64(len(m.buf)) / WasmPageSize
}

// Grow adds delta zeroed Wasm pages and returns the previous size.
func (m *HeapMemory) Grow(delta uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := uint64(len(m.buf)) / WasmPageSize
	if err := checkGrow(old, delta, m.max); err != nil {
		return old, err
	}
	m.buf = append(m.buf, make([]byte, delta*WasmPageSize)...)
	return old, nil
}

// ReadAt copies len(p) bytes starting at off into p.
func (m *HeapMemory) ReadAt(p []byte, off uint64) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := checkRange(off, uint64(len(p)), uint64(len(m.buf))/WasmPageSize); err != nil {
		return err
	}
	copy(p, m.buf[off:])
	return nil
}

// WriteAt copies p into the memory starting at off.
func (m *HeapMemory) WriteAt(p []byte, off uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := checkRange(off, uint64(len(p)), uint64(len(m.buf))/WasmPageSize); err != nil {
		return err
	}
	copy(m.buf[off:], p)
	return nil
}

func (m *HeapMemory) slice(off, n uint64) ([]byte, bool) {
	// No lock: the store calls slice only while no WriteAt or Grow can run.
	if off+n > uint64(len(m.buf)) {
		return nil, false
	}
	return m.buf[off : off+n : off+n], true
}

// checkGrow refuses growing a memory of old Wasm pages by delta past max, with
// ErrGrowFailed; the sum is checked without overflow.
func checkGrow(old, delta, max uint64) error {
	if delta > max || old > max-delta {
		return fmt.Errorf("%w: %d + %d Wasm pages exceeds the maximum of %d", ErrGrowFailed, old, delta, max)
	}
	return nil
}
