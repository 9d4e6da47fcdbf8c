//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"unsafe"
)

type osFS struct{}

func (osFS) exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

func (osFS) syncDir(name string) error {
	d, err := os.Open(filepath.Dir(name))
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

func (osFS) open(name string, lock *Options) (file, int64, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, 0, err
	}
	if lock != nil {
		if err := lockFile(f, name, syscall.LOCK_EX, lock); err != nil {
			f.Close()
			return nil, 0, err
		}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// fileMemory is a Memory kept in a file: byte i of the memory is byte i of the file. Reads go
// through a read-only shared mapping when the file is an *os.File, so that a page read is a
// slice, not a copy; writes go through WriteAt, which the mapping reflects.
type fileMemory struct {
	f    file
	size uint64 // Wasm pages
	max  uint64
	data []byte // the mapping (nil when the file cannot be mapped); len ≥ size in bytes
	// budget is Options.MapBudget: past budget bytes lent from the mapping, its pages are
	// dropped from the resident set (dropMapped); lent counts them since the last drop.
	budget int64
	lent   atomic.Int64
	// scratch is writeVec's room to join buffers for a file that cannot write a vector
	// (writer only).
	scratch []byte
}

func (m *fileMemory) writeVec(bufs [][]byte, off, n uint64) error {
	if err := checkRange(off, n, m.size); err != nil {
		return err
	}
	return writeVec(m.f, bufs, int64(off), &m.scratch)
}

// hasMagic reports whether f starts with a superblock's magic.
func hasMagic(f file) bool {
	magic := make([]byte, len(sbMagic))
	n, _ := f.ReadAt(magic, 0)
	return n == len(magic) && string(magic) == sbMagic
}

func newFileMemory(f file, fileSize int64, max uint64) (*fileMemory, error) {
	if fileSize%WasmPageSize != 0 {
		// A store's file only ever grows by whole Wasm pages: say whether this is a damaged
		// store or some other file.
		if !hasMagic(f) {
			return nil, fmt.Errorf("%w: file size %d is not a whole number of 64 KiB pages and it does not start with a store's magic", ErrNotStore, fileSize)
		}
		return nil, fmt.Errorf("%w: file size %d is not a whole number of 64 KiB pages", ErrCorrupt, fileSize)
	}
	m := &fileMemory{f: f, size: uint64(fileSize) / WasmPageSize, max: max}
	if err := m.remap(); err != nil {
		return nil, err
	}
	return m, nil
}

// mapSize returns the mapping size for n bytes: doubling up to 1 GiB, then whole GiBs, so
// that a growing store remaps rarely.
func mapSize(n uint64) uint64 {
	const minMap, step = 1 << 20, 1 << 30
	if n <= minMap {
		return minMap
	}
	if n <= step {
		s := uint64(minMap)
		for s < n {
			s <<= 1
		}
		return s
	}
	return (n + step - 1) / step * step
}

// remap maps the file anew if it has outgrown the mapping.
func (m *fileMemory) remap() error {
	osf, ok := m.f.(*os.File)
	if !ok {
		return nil
	}
	need := m.size * WasmPageSize
	if m.data != nil && uint64(len(m.data)) >= need {
		return nil
	}
	if m.data != nil {
		if err := syscall.Munmap(m.data); err != nil {
			return fmt.Errorf("munmap: %w", err)
		}
		m.data = nil
	}
	data, err := syscall.Mmap(int(osf.Fd()), 0, int(mapSize(need)), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mmap: %w", err)
	}
	m.data = data
	return nil
}

func (m *fileMemory) Size() uint64 { return m.size }

func (m *fileMemory) MaxSize() uint64 { return m.max }

func (m *fileMemory) Grow(delta uint64) (uint64, error) {
	old := m.size
	if err := checkGrow(old, delta, m.max); err != nil {
		return old, err
	}
	// Reserve the blocks now: a sparse file's pages would be allocated when first written or,
	// through the mapping, first read, and on a full disk that is a SIGBUS, not an error.
	if err := reserve(m.f, int64(old)*WasmPageSize, int64(delta)*WasmPageSize); err != nil {
		return old, fmt.Errorf("grow: %w", errors.Join(err, m.f.Truncate(int64(old)*WasmPageSize)))
	}
	m.size = old + delta
	return old, m.remap()
}

// reserve extends f by n bytes of zeros from off (its size), allocating the blocks: with
// fallocate where the system and file system have it, else by writing the zeros. The size
// changes first and at once, so a crash in the middle leaves whole Wasm pages.
func reserve(f file, off, n int64) error {
	if err := f.Truncate(off + n); err != nil {
		return err
	}
	if osf, ok := f.(*os.File); ok {
		err := fallocate(osf, off, n)
		if err == nil || !errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, syscall.EOPNOTSUPP) && !errors.Is(err, syscall.ENOSYS) {
			return err
		}
	}
	zeros := make([]byte, min(n, 1<<20))
	for n > 0 {
		k := min(n, int64(len(zeros)))
		if _, err := f.WriteAt(zeros[:k], off); err != nil {
			return err
		}
		off, n = off+k, n-k
	}
	return nil
}

func (m *fileMemory) ReadAt(p []byte, off uint64) error {
	if err := checkRange(off, uint64(len(p)), m.size); err != nil {
		return err
	}
	if m.data != nil {
		copy(p, m.data[off:])
		return nil
	}
	_, err := m.f.ReadAt(p, int64(off))
	return err
}

func (m *fileMemory) WriteAt(p []byte, off uint64) error {
	if err := checkRange(off, uint64(len(p)), m.size); err != nil {
		return err
	}
	_, err := m.f.WriteAt(p, int64(off))
	return err
}

func (m *fileMemory) Sync() error { return m.f.Sync() }

func (m *fileMemory) slice(off, n uint64) ([]byte, bool) {
	if m.data == nil || off+n > m.size*WasmPageSize {
		return nil, false
	}
	if m.budget > 0 && m.lent.Add(int64(n)) > m.budget {
		// Slices lent before stay valid: a shared file mapping reads the file again.
		m.lent.Store(0)
		dropMapped(m.data)
	}
	return m.data[off : off+n : off+n], true
}

func (m *fileMemory) Close() error {
	var err error
	if m.data != nil {
		err = syscall.Munmap(m.data)
		m.data = nil
	}
	return errors.Join(err, m.f.Close())
}

// pageAt returns the page whose bytes the mapping holds at address addr.
func (m *fileMemory) pageAt(addr uintptr) (PageID, bool) {
	if m.data == nil {
		return 0, false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	if addr < base || addr >= base+uintptr(len(m.data)) {
		return 0, false
	}
	return PageID((addr - base) / PageSize), true
}
