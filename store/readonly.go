//go:build unix

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openReadOnly opens the store at path for reading only (Options.ReadOnly). The log's
// committed messages are replayed into an overlay in the heap, so that the store reads as
// a writing Open would leave it, while neither file changes.
func openReadOnly(path string, o Options) (*Store, error) {
	max := o.MaxWasmPages
	if max == 0 {
		max = DefaultMaxWasmPages
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := lockFile(f, path, syscall.LOCK_SH, &o); err != nil {
		f.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	fm, err := newFileMemory(f, fi.Size(), max)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	fm.budget = o.MapBudget
	mem := &overlayMemory{base: fm, size: fm.Size(), max: max, pages: map[uint64][]byte{}}
	s := newStore(mem, &o)
	fail := func(err error) (*Store, error) {
		mem.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.replayInto(path + "-wal"); err != nil {
		return fail(err)
	}
	if mem.Size() == 0 {
		return fail(fmt.Errorf("%w: the file is empty", ErrNotStore))
	}
	if err := s.start(); err != nil {
		return fail(err)
	}
	return s, nil
}

// replayInto applies the messages that the log at path holds whole to s's memory, which
// for a read-only store is the overlay. A missing log, or one shorter than its header (a
// log being created or reset), holds none.
func (s *Store) replayInto(path string) error {
	lf, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open store log: %w", err)
	}
	defer lf.Close()
	fi, err := lf.Stat()
	if err != nil {
		return fmt.Errorf("open store log: %w", err)
	}
	s.readLogBytes = fi.Size()
	if fi.Size() < walHeaderSize {
		return nil
	}
	w, err := openWAL(lf, path, fi.Size())
	if err != nil {
		return err
	}
	_, err = w.replay(s.applyRecord(w))
	return err
}

// overlayMemory is a file memory seen through the pages written over it in the heap: what
// a read-only store writes (the log's replay) never reaches the file.
type overlayMemory struct {
	base  *fileMemory
	size  uint64 // Wasm pages; grows past base's size with the replay
	max   uint64
	pages map[uint64][]byte // by 4 KiB page number
}

func (m *overlayMemory) Size() uint64 { return m.size }

func (m *overlayMemory) MaxSize() uint64 { return m.max }

func (m *overlayMemory) Grow(delta uint64) (uint64, error) {
	old := m.size
	if err := checkGrow(old, delta, m.max); err != nil {
		return old, err
	}
	m.size += delta
	return old, nil
}

// page returns page pg for writing: the overlay's copy, made from the file on first use.
func (m *overlayMemory) page(pg uint64) ([]byte, error) {
	if p, ok := m.pages[pg]; ok {
		return p, nil
	}
	p := make([]byte, PageSize)
	if pg < m.base.Size()*pagesPerWasmPage {
		if err := m.base.ReadAt(p, pg*PageSize); err != nil {
			return nil, err
		}
	}
	m.pages[pg] = p
	return p, nil
}

func (m *overlayMemory) ReadAt(p []byte, off uint64) error {
	if err := checkRange(off, uint64(len(p)), m.size); err != nil {
		return err
	}
	for len(p) > 0 {
		pg, in := off/PageSize, off%PageSize
		n := min(uint64(len(p)), PageSize-in)
		switch src, ok := m.pages[pg]; {
		case ok:
			copy(p[:n], src[in:])
		case pg < m.base.Size()*pagesPerWasmPage:
			if err := m.base.ReadAt(p[:n], off); err != nil {
				return err
			}
		default:
			clear(p[:n])
		}
		p, off = p[n:], off+n
	}
	return nil
}

func (m *overlayMemory) WriteAt(p []byte, off uint64) error {
	if err := checkRange(off, uint64(len(p)), m.size); err != nil {
		return err
	}
	for len(p) > 0 {
		pg, in := off/PageSize, off%PageSize
		n := min(uint64(len(p)), PageSize-in)
		dst, err := m.page(pg)
		if err != nil {
			return err
		}
		copy(dst[in:], p[:n])
		p, off = p[n:], off+n
	}
	return nil
}

// slice lends a page of the overlay, or of the file where the overlay has none.
func (m *overlayMemory) slice(off, n uint64) ([]byte, bool) {
	pg := off / PageSize
	if n == 0 || (off+n-1)/PageSize != pg || off+n > m.size*WasmPageSize {
		return nil, false
	}
	if p, ok := m.pages[pg]; ok {
		return p[off%PageSize : off%PageSize+n : off%PageSize+n], true
	}
	return m.base.slice(off, n)
}

func (m *overlayMemory) Close() error { return m.base.Close() }
