//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked reports a store file that another Store, in this process or another, has open.
var ErrLocked = errors.New("store file is locked by another process")

// file is the durable medium under a file-backed store. *os.File satisfies it; the crash
// tests substitute one that cuts writes short.
type file interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	Truncate(size int64) error
	Sync() error
	Close() error
}

// fileSystem opens the files of a store: the operating system's, or a test's.
type fileSystem interface {
	// open opens or creates name for reading and writing and returns its size.
	open(name string, lock bool) (file, int64, error)
}

type osFS struct{}

func (osFS) open(name string, lock bool) (file, int64, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, 0, err
	}
	if lock {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, 0, fmt.Errorf("%s: %w", name, ErrLocked)
			}
			return nil, 0, fmt.Errorf("lock %s: %w", name, err)
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
}

func newFileMemory(f file, fileSize int64, max uint64) (*fileMemory, error) {
	if fileSize%WasmPageSize != 0 {
		// A store's file only ever grows by whole Wasm pages: say whether this is a damaged
		// store or some other file.
		magic := make([]byte, len(sbMagic))
		if n, _ := f.ReadAt(magic, 0); n < len(magic) || string(magic) != sbMagic {
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
	if delta > m.max || old > m.max-delta {
		return old, fmt.Errorf("%w: %d + %d Wasm pages exceeds the maximum of %d", ErrGrowFailed, old, delta, m.max)
	}
	if err := m.f.Truncate(int64(old+delta) * WasmPageSize); err != nil {
		return old, fmt.Errorf("grow: %w", err)
	}
	m.size = old + delta
	return old, m.remap()
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
