package ichost

import (
	"errors"
	"fmt"
	"os"

	"github.com/stablegraph/stablegraph/store"
)

// The host's stable memory lives in the heap and in a file: byte i of the memory is byte i
// of the file, the layout of a native store's file (store.Open) once its log is empty. A
// message changes only the heap copy; when it ends without a trap (an update), the pages
// it wrote are written to the file, and when it traps (or is a query), the pages are put
// back from an undo copy taken before the message first wrote each of them.

// PageSize is the unit in which the host counts accesses: the IC's 4 KiB page.
const PageSize = 4096

// ErrWALPending reports a stable-memory file whose store log still holds messages: the
// file alone is not the store's state until a native Open checkpoints it.
var ErrWALPending = errors.New("the store's log beside the file holds messages")

// walHeaderSize is the size of an empty store log (store/wal.go).
const walHeaderSize = 32

// Pages counts what one message did through the stable-memory API.
type Pages struct {
	Read     uint64 // distinct 4 KiB pages read (stable64_read)
	Written  uint64 // distinct 4 KiB pages written (stable64_write)
	Accessed uint64 // distinct 4 KiB pages read or written
	// Calls to each function of the API.
	ReadCalls, WriteCalls, GrowCalls, SizeCalls uint64
	// Bytes moved by the calls.
	BytesRead, BytesWritten uint64
}

type stableMemory struct {
	f   *os.File
	buf []byte
	max uint64 // 64 KiB pages
	lim Limits

	// The message under way.
	size0   int               // len(buf) when it began
	undo    map[uint64][]byte // 4 KiB page → its bytes when the message began
	read    map[uint64]struct{}
	written map[uint64]struct{}
	pages   Pages
}

// openStable reads the stable memory kept in the file at path, creating an empty one.
func openStable(path string, max uint64, lim Limits) (*stableMemory, error) {
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > walHeaderSize {
		return nil, fmt.Errorf("stable memory %s: %w (%d bytes): open it natively once to checkpoint it", path, ErrWALPending, fi.Size())
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("stable memory: %w", err)
	}
	buf, err := os.ReadFile(path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stable memory: %w", err)
	}
	if len(buf)%store.WasmPageSize != 0 {
		f.Close()
		return nil, fmt.Errorf("stable memory %s: size %d is not a whole number of 64 KiB pages", path, len(buf))
	}
	if uint64(len(buf)/store.WasmPageSize) > max {
		f.Close()
		return nil, fmt.Errorf("stable memory %s: %d 64 KiB pages exceed the maximum of %d", path, len(buf)/store.WasmPageSize, max)
	}
	return &stableMemory{f: f, buf: buf, max: max, lim: lim}, nil
}

// begin starts counting and journaling a message.
func (m *stableMemory) begin() {
	m.size0 = len(m.buf)
	m.undo = map[uint64][]byte{}
	m.read = map[uint64]struct{}{}
	m.written = map[uint64]struct{}{}
	m.pages = Pages{}
}

// counts returns the message's counts so far.
func (m *stableMemory) counts() Pages {
	p := m.pages
	p.Read, p.Written = uint64(len(m.read)), uint64(len(m.written))
	return p
}

// rollback puts the memory back as the message found it.
func (m *stableMemory) rollback() {
	for id, b := range m.undo {
		copy(m.buf[id*PageSize:], b)
	}
	m.buf = m.buf[:m.size0]
	m.undo = nil
}

// commit writes the pages the message wrote, and its size, to the file.
func (m *stableMemory) commit(sync bool) error {
	m.undo = nil
	if len(m.buf) != m.size0 {
		if err := m.f.Truncate(int64(len(m.buf))); err != nil {
			return fmt.Errorf("stable memory: %w", err)
		}
	}
	for id := range m.written {
		if _, err := m.f.WriteAt(m.buf[id*PageSize:(id+1)*PageSize], int64(id*PageSize)); err != nil {
			return fmt.Errorf("stable memory: page %d: %w", id, err)
		}
	}
	if sync {
		if err := m.f.Sync(); err != nil {
			return fmt.Errorf("stable memory: %w", err)
		}
	}
	return nil
}

func (m *stableMemory) size() uint64 {
	m.pages.SizeCalls++
	return uint64(len(m.buf) / store.WasmPageSize)
}

// grow adds n 64 KiB pages of zeros, returning the old size, or -1 past the maximum.
func (m *stableMemory) grow(n uint64) int64 {
	m.pages.GrowCalls++
	old := uint64(len(m.buf) / store.WasmPageSize)
	if n > m.max || old > m.max-n {
		return -1
	}
	m.buf = append(m.buf, make([]byte, n*store.WasmPageSize)...)
	return int64(old)
}

// span checks [off, off+n) against the memory's size and returns its 4 KiB pages.
func (m *stableMemory) span(off, n uint64) (first, last uint64, err error) {
	if off > uint64(len(m.buf)) || n > uint64(len(m.buf))-off {
		return 0, 0, fmt.Errorf("stable memory access out of bounds: offset %d, length %d, size %d bytes", off, n, len(m.buf))
	}
	if n == 0 {
		return 1, 0, nil
	}
	return off / PageSize, (off + n - 1) / PageSize, nil
}

// readInto copies [off, off+len(dst)) into dst, counting its pages.
func (m *stableMemory) readInto(dst []byte, off uint64) error {
	m.pages.ReadCalls++
	first, last, err := m.span(off, uint64(len(dst)))
	if err != nil {
		return err
	}
	for id := first; id <= last && last >= first; id++ {
		if _, ok := m.read[id]; !ok {
			m.read[id] = struct{}{}
			if _, ok := m.written[id]; !ok {
				m.pages.Accessed++
			}
		}
	}
	if err := m.checkLimits(); err != nil {
		return err
	}
	m.pages.BytesRead += uint64(len(dst))
	copy(dst, m.buf[off:])
	return nil
}

// writeFrom copies src to [off, off+len(src)), counting its pages and keeping what they
// held before the message.
func (m *stableMemory) writeFrom(src []byte, off uint64) error {
	m.pages.WriteCalls++
	first, last, err := m.span(off, uint64(len(src)))
	if err != nil {
		return err
	}
	for id := first; id <= last && last >= first; id++ {
		if _, ok := m.written[id]; !ok {
			m.written[id] = struct{}{}
			if _, ok := m.read[id]; !ok {
				m.pages.Accessed++
			}
		}
		if _, ok := m.undo[id]; !ok && (id+1)*PageSize <= uint64(m.size0) {
			m.undo[id] = append([]byte(nil), m.buf[id*PageSize:(id+1)*PageSize]...)
		}
	}
	if err := m.checkLimits(); err != nil {
		return err
	}
	m.pages.BytesWritten += uint64(len(src))
	copy(m.buf[off:], src)
	return nil
}

// checkLimits fails once the message has touched more pages than the limits allow.
func (m *stableMemory) checkLimits() error {
	if m.lim.MaxWrittenPages > 0 && uint64(len(m.written)) > m.lim.MaxWrittenPages {
		return fmt.Errorf("stable memory: %d pages written, limit %d", len(m.written), m.lim.MaxWrittenPages)
	}
	if m.lim.MaxAccessedPages > 0 && m.pages.Accessed > m.lim.MaxAccessedPages {
		return fmt.Errorf("stable memory: %d pages accessed, limit %d", m.pages.Accessed, m.lim.MaxAccessedPages)
	}
	return nil
}

// bytes returns the memory as it is now (not a copy).
func (m *stableMemory) bytes() []byte { return m.buf }

func (m *stableMemory) close() error { return m.f.Close() }
