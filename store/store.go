package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// ErrClosed reports use of a Store after Close.
var ErrClosed = errors.New("store is closed")

// ErrFailed reports a Store that stopped accepting writes after an I/O error left its file
// in an unknown state. Reopening it replays the log and recovers every committed message.
var ErrFailed = errors.New("store failed after an I/O error; reopen it")

// DefaultCheckpointBytes is the log size past which a commit checkpoints the log.
const DefaultCheckpointBytes = 64 << 20

// Options configures Open and OpenMemory. The zero value is the safe default.
type Options struct {
	// MaxWasmPages limits the memory's size in Wasm pages; 0 means DefaultMaxWasmPages, or
	// the memory's own maximum when it has a smaller one (as HeapMemory does).
	MaxWasmPages uint64
	// NoSync skips the fsync of the log at each commit. A commit is then durable against a
	// crash of the process but not of the machine: a power loss can lose the last messages
	// that returned (never a part of one, and never anything before the last checkpoint).
	NoSync bool
	// CheckpointBytes is the log size past which a commit applies, syncs and empties the
	// log; 0 means DefaultCheckpointBytes.
	CheckpointBytes int64

	fs fileSystem // tests substitute a fault-injecting file system
}

// Store is a stable memory organised in 4 KiB pages and changed by messages: at most one
// Update at a time, any number of concurrent Views, each seeing the last committed state.
type Store struct {
	mem      Memory
	lender   slicer // mem, when it can lend its bytes
	log      *wal   // nil for a store over a plain Memory
	maxPages uint64
	opts     Options

	writeMu sync.Mutex   // one Update at a time
	applyMu sync.RWMutex // Views hold it shared; a commit applies its pages holding it alone
	txid    uint64       // id of the last committed message
	closed  bool
	failed  error

	treeMu sync.Mutex           // guards trees
	trees  map[TreeRef]treeDesc // committed tree descriptors (treedesc.go)

	catMu sync.RWMutex // guards cat
	cat   catalog      // committed catalog (catalog.go)

	// verified holds the formatted pages whose checksum a read has checked (or a commit
	// computed) since they were last written: a page is checked once, not on every read.
	verified pageBits
}

// OpenMemory opens the store held in mem, or creates one if mem is empty. It adds no
// durability to what mem itself gives: a heap memory lives as long as the process.
func OpenMemory(mem Memory, opts *Options) (*Store, error) {
	s := newStore(mem, opts)
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Open opens the store in the file at path, or creates it, together with its redo log
// path+"-wal". It replays every message the log holds whole, and refuses a file that is not
// a store, a store of an unknown format version, or one whose superblock fails its checksum.
// One Store at a time may have the file open.
func Open(path string, opts *Options) (*Store, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	fs := o.fs
	if fs == nil {
		fs = osFS{}
	}
	max := o.MaxWasmPages
	if max == 0 {
		max = DefaultMaxWasmPages
	}
	mf, size, err := fs.open(path, true)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	mem, err := newFileMemory(mf, size, max)
	if err != nil {
		mf.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	lf, lsize, err := fs.open(path+"-wal", false)
	if err != nil {
		mem.Close()
		return nil, fmt.Errorf("open store log: %w", err)
	}
	s := newStore(mem, &o)
	fail := func(err error) (*Store, error) {
		mem.Close()
		lf.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if s.log, err = openWAL(lf, lsize); err != nil {
		return fail(err)
	}
	if err := s.recover(); err != nil {
		return fail(err)
	}
	if err := s.start(); err != nil {
		return fail(err)
	}
	return s, nil
}

func newStore(mem Memory, opts *Options) *Store {
	s := &Store{mem: mem}
	if opts != nil {
		s.opts = *opts
	}
	s.maxPages = s.opts.MaxWasmPages
	if s.maxPages == 0 {
		s.maxPages = DefaultMaxWasmPages
	}
	if m, ok := mem.(interface{ MaxSize() uint64 }); ok {
		s.maxPages = min(s.maxPages, m.MaxSize())
	}
	if s.opts.CheckpointBytes == 0 {
		s.opts.CheckpointBytes = DefaultCheckpointBytes
	}
	s.lender, _ = mem.(slicer)
	return s
}

// recover applies the messages the log holds whole, then checkpoints.
func (s *Store) recover() error {
	n, last, err := s.log.replay(func(r walRecord) error { return s.apply(r.memPages, r.ids, r.sorted()) })
	if err != nil {
		return err
	}
	s.txid = last
	if n == 0 && s.log.size == walHeaderSize {
		return nil
	}
	return s.checkpoint()
}

// start checks the superblock, or writes the first one into an empty memory, and loads the
// catalog.
func (s *Store) start() error {
	if s.mem.Size() == 0 {
		_, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
			if _, err := tx.grow(1); err != nil {
				return err
			}
			initSuperblock(tx.freshPage(0, pageSuperblock))
			return nil
		})
		if err != nil {
			return err
		}
	} else {
		sb := make([]byte, PageSize)
		if err := s.mem.ReadAt(sb, 0); err != nil {
			return err
		}
		if err := validateSuperblock(sb); err != nil {
			return err
		}
	}
	return s.loadCatalog()
}

// lend returns n bytes of committed memory at off without a copy, if the memory can.
func (s *Store) lend(off, n uint64) ([]byte, bool) {
	if s.lender == nil {
		return nil, false
	}
	return s.lender.slice(off, n)
}

// Update runs fn as a writing message and commits its writes if fn returns nil. If fn
// returns an error or panics, or the message traps, nothing it wrote is kept (a panic is
// re-raised after the rollback).
func (s *Store) Update(fn func(*Tx) error) error {
	_, err := s.UpdateWith(Budget{}, fn)
	return err
}

// View runs fn as a read-only message over the last committed state. Views run in parallel
// with each other and with an Update's function; a commit waits for the Views running when it
// applies its pages, so keep Views short.
func (s *Store) View(fn func(*Tx) error) error {
	_, err := s.ViewWith(Budget{}, fn)
	return err
}

// UpdateWith is Update under a page budget; it returns the message's page counts, also when
// the message fails.
func (s *Store) UpdateWith(b Budget, fn func(*Tx) error) (Stats, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return Stats{}, ErrClosed
	}
	if s.failed != nil {
		return Stats{}, s.failed
	}
	tx := s.begin(true, b)
	if err := tx.run(fn); err != nil {
		return tx.end(), err
	}
	if err := s.commit(tx); err != nil {
		return tx.end(), err
	}
	return tx.end(), nil
}

// ViewWith is View under a page budget; it returns the message's page counts.
func (s *Store) ViewWith(b Budget, fn func(*Tx) error) (Stats, error) {
	s.applyMu.RLock()
	defer s.applyMu.RUnlock()
	if s.closed {
		return Stats{}, ErrClosed
	}
	tx := s.begin(false, b)
	err := tx.run(fn)
	return tx.end(), err
}

func (s *Store) begin(writable bool, b Budget) *Tx {
	size := s.mem.Size()
	tx := &Tx{s: s, writable: writable, memPages: size, basePages: size}
	if writable {
		tx.dirty = make(map[PageID]*dirtyPage)
	}
	tx.meter.init(b)
	return tx
}

// run calls fn and turns a trap into its error; any other panic is re-raised.
func (tx *Tx) run(fn func(*Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			t, ok := r.(trap)
			if !ok {
				tx.done = true
				panic(r)
			}
			err = t.err
		}
	}()
	err = fn(tx)
	if err == nil {
		err = tx.err // a trap that fn recovered from still fails the message
	}
	return err
}

// end closes tx and returns its counts.
func (tx *Tx) end() Stats {
	tx.done = true
	st := tx.meter.stats()
	tx.dirty, tx.cache, tx.trees = nil, nil, nil
	return st
}

// commit makes tx's writes durable (log, then sync) and then applies them in place.
func (s *Store) commit(tx *Tx) error {
	if err := tx.flushTrees(); err != nil {
		return err
	}
	if len(tx.dirty) == 0 && tx.memPages == tx.basePages {
		return nil
	}
	ids := slices.Sorted(maps.Keys(tx.dirty))
	pages := make([][]byte, len(ids))
	for i, id := range ids {
		dp := tx.dirty[id]
		if id == 0 {
			dp.kind = pageSuperblock
		}
		if dp.kind != pageRaw {
			seal(dp.b, dp.kind)
		}
		pages[i] = dp.b
	}
	txid := s.txid + 1
	if s.log != nil {
		if err := s.log.append(txid, tx.memPages, ids, pages, s.opts.NoSync); err != nil {
			s.failed = fmt.Errorf("%w: %w", ErrFailed, err)
			return s.failed
		}
	}
	s.applyMu.Lock()
	err := s.apply(tx.memPages, ids, pages)
	for _, id := range ids {
		// A page sealed just now is the bytes its checksum was computed from.
		if dp := tx.dirty[id]; err == nil && dp.kind != pageRaw {
			s.verified.add(id)
		} else {
			s.verified.remove(id)
		}
	}
	if err == nil {
		s.installTrees(tx)
		s.installCatalog(tx)
	}
	s.applyMu.Unlock()
	if err != nil {
		s.failed = fmt.Errorf("%w: %w", ErrFailed, err)
		return s.failed
	}
	s.txid = txid
	if s.log != nil && s.log.size > s.opts.CheckpointBytes {
		if err := s.checkpoint(); err != nil {
			s.failed = fmt.Errorf("%w: %w", ErrFailed, err)
			return s.failed
		}
	}
	return nil
}

// apply grows the memory to memPages and writes the pages in place (pages[i] is page ids[i]).
func (s *Store) apply(memPages uint64, ids []PageID, pages [][]byte) error {
	if cur := s.mem.Size(); memPages > cur {
		if _, err := s.mem.Grow(memPages - cur); err != nil {
			return err
		}
	}
	s.verified.resize(memPages * pagesPerWasmPage)
	for i, id := range ids {
		if err := s.mem.WriteAt(pages[i], uint64(id)*PageSize); err != nil {
			return fmt.Errorf("apply page %d: %w", id, err)
		}
	}
	return nil
}

// checkpoint syncs the main file and empties the log: everything the log held is then in
// the main file.
func (s *Store) checkpoint() error {
	if sy, ok := s.mem.(syncer); ok {
		if err := sy.Sync(); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	return s.log.reset()
}

// Close checkpoints the log and releases the memory. It waits for running messages.
func (s *Store) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.log != nil {
		// A store that wrote nothing since its last checkpoint leaves both files untouched.
		if s.failed == nil && s.log.size > walHeaderSize {
			err = s.checkpoint()
		}
		err = errors.Join(err, s.log.f.Close())
	}
	if c, ok := s.mem.(interface{ Close() error }); ok {
		err = errors.Join(err, c.Close())
	}
	return err
}

// Info describes a store as a whole.
type Info struct {
	WasmPages uint64 // memory size in Wasm pages
	AllocStats
	LogBytes int64 // size of the redo log (0 for a store without one)
}

// Info returns the store's sizes as of the last commit.
func (s *Store) Info() (Info, error) {
	var in Info
	err := s.View(func(tx *Tx) error {
		in.WasmPages = tx.memPages
		in.AllocStats = tx.AllocStats()
		return nil
	})
	s.writeMu.Lock()
	if s.log != nil {
		in.LogBytes = s.log.size
	}
	s.writeMu.Unlock()
	return in, err
}
