package store

import (
	"errors"
	"io"
	"math/rand/v2"
	"sync"
)

// errCrashed is what every file operation returns once the simulated machine has crashed.
var errCrashed = errors.New("simulated crash")

// faultFS is an in-memory file system that simulates a crash after a given number of
// mutating operations (WriteAt, Truncate, Sync). The operation at the cut may be torn: a
// prefix of its bytes lands. Afterwards every operation fails, as if the process had died.
// persisted() returns what a machine would find on its disk after the crash.
//
// It can also fail operations without a crash, as a full or failing disk does: failAt
// fails mutating operation number failAt (counting from 1), and the failN after it, with
// failErr; with full, every
// write or truncate that would make a file longer fails from then on (ENOSPC). A failed
// write may land a prefix of its bytes (failLands of them, -1: all).
type faultFS struct {
	mu      sync.Mutex
	files   map[string]*memFile
	ops     int // mutating operations so far
	cutAt   int // crash when ops reaches cutAt (-1: never)
	tornAt  int // bytes of the cut WriteAt that land (-1: none)
	crashed bool
	// loseUnsynced makes the crash drop a random subset of each file's writes since its
	// last Sync, as a power loss may; rnd picks the subset.
	loseUnsynced bool
	rnd          *rand.Rand
	// onOp, when set, is called for each mutating operation that runs whole.
	onOp func(name, kind string)

	failAt    int   // the mutating operation that fails (0: none)
	failN     int   // and so many after it (a burst of errors)
	failErr   error // what it fails with
	full      bool  // from failAt on, nothing can grow: the disk is full
	failLands int   // bytes of a failed write that land (-1: all)
	failed    int   // operations failed so far
	dirSyncs  int
}

// memFile holds a file's durable bytes and its writes since the last Sync.
type memFile struct {
	fs      *faultFS
	name    string
	synced  []byte
	data    []byte // what reads see: synced plus pending
	pending []pendingOp
}

type pendingOp struct {
	truncate bool
	off      int64
	b        []byte
}

func newFaultFS(cutAt, tornAt int) *faultFS {
	return &faultFS{files: map[string]*memFile{}, cutAt: cutAt, tornAt: tornAt}
}

func (fs *faultFS) exists(name string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.files[name] != nil
}

func (fs *faultFS) syncDir(string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.crashed {
		return errCrashed
	}
	fs.dirSyncs++
	return nil
}

// injected returns the error a mutating operation meets (nil: none), for an operation that
// makes a file longer when grows.
func (fs *faultFS) injected(grows bool) error {
	if fs.failAt == 0 || fs.ops < fs.failAt {
		return nil
	}
	if fs.ops <= fs.failAt+fs.failN || fs.full && grows {
		fs.failed++
		return fs.failErr
	}
	return nil
}

func (fs *faultFS) open(name string, _ *Options) (file, int64, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.crashed {
		return nil, 0, errCrashed
	}
	f := fs.files[name]
	if f == nil {
		f = &memFile{fs: fs, name: name}
		fs.files[name] = f
	}
	return f, int64(len(f.data)), nil
}

// step counts one mutating operation; it reports whether the operation runs whole, is cut
// (torn) or is refused after the crash.
func (fs *faultFS) step(name, kind string) (whole bool, cut bool) {
	if fs.crashed {
		return false, false
	}
	fs.ops++
	if fs.cutAt >= 0 && fs.ops > fs.cutAt {
		fs.crashed = true
		return false, true
	}
	return true, false
}

// done reports a mutating operation that ran whole to onOp.
func (fs *faultFS) done(name, kind string) {
	if fs.onOp != nil {
		fs.onOp(name, kind)
	}
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.fs.crashed {
		return 0, errCrashed
	}
	if off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	whole, cut := f.fs.step(f.name, "write")
	if !whole {
		if cut && f.fs.tornAt > 0 {
			f.write(p[:min(f.fs.tornAt, len(p))], off)
		}
		return 0, errCrashed
	}
	if err := f.fs.injected(off+int64(len(p)) > int64(len(f.data))); err != nil {
		n := len(p)
		if f.fs.failLands >= 0 {
			n = min(n, f.fs.failLands)
		}
		f.write(p[:n], off)
		return n, err
	}
	f.write(p, off)
	f.fs.done(f.name, "write")
	return len(p), nil
}

func (f *memFile) write(p []byte, off int64) {
	b := append([]byte(nil), p...)
	f.pending = append(f.pending, pendingOp{off: off, b: b})
	f.data = applyOp(f.data, pendingOp{off: off, b: b})
}

func applyOp(data []byte, op pendingOp) []byte {
	if op.truncate {
		if op.off <= int64(len(data)) {
			return data[:op.off:op.off]
		}
		return append(data, make([]byte, op.off-int64(len(data)))...)
	}
	if end := op.off + int64(len(op.b)); end > int64(len(data)) {
		data = append(data, make([]byte, end-int64(len(data)))...)
	}
	copy(data[op.off:], op.b)
	return data
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if whole, _ := f.fs.step(f.name, "truncate"); !whole {
		return errCrashed
	}
	if err := f.fs.injected(size > int64(len(f.data))); err != nil {
		return err
	}
	op := pendingOp{truncate: true, off: size}
	f.pending = append(f.pending, op)
	f.data = applyOp(f.data, op)
	f.fs.done(f.name, "truncate")
	return nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if whole, _ := f.fs.step(f.name, "sync"); !whole {
		return errCrashed
	}
	if err := f.fs.injected(false); err != nil {
		return err // what reached the disk is unknown: the writes stay pending
	}
	f.synced = append(f.synced[:0:0], f.data...)
	f.pending = nil
	f.fs.done(f.name, "sync")
	return nil
}

func (f *memFile) Close() error { return nil }

// persisted returns a fresh file system holding what survives the crash: everything up to
// the cut, or, with loseUnsynced, the synced bytes plus a random subset of later writes.
func (fs *faultFS) persisted() *faultFS {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := newFaultFS(-1, -1)
	for name, f := range fs.files {
		data := append([]byte(nil), f.data...)
		if fs.loseUnsynced {
			data = append([]byte(nil), f.synced...)
			for _, op := range f.pending {
				if op.truncate || fs.rnd.IntN(2) == 0 {
					data = applyOp(data, op)
				}
			}
		}
		out.files[name] = &memFile{fs: out, name: name, synced: data, data: append([]byte(nil), data...)}
	}
	return out
}
