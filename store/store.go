package store

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Errors about the fate of a message and the state of a Store.
var (
	// ErrClosed reports use of a Store after Close.
	ErrClosed = errors.New("store is closed")
	// ErrFailed reports a Store that stopped after an I/O error left its memory or its file
	// in a state it cannot vouch for: every later message, View or Update, fails with it.
	// Reopening the store replays the log and recovers every committed message.
	ErrFailed = errors.New("store failed after an I/O error; reopen it")
	// ErrInDoubt reports an Update whose fate cannot be known: an I/O error struck while its
	// commit was being made durable, and undoing the attempt failed too. The message may or
	// may not be committed; the store has failed (ErrFailed), and reopening it shows which.
	// Any other error from Update means the message is not committed; nil means it is.
	ErrInDoubt = errors.New("message may or may not have committed")
	// ErrNested reports a message started inside the function of another message on the
	// same goroutine while it would deadlock: a View or Update inside a View while a commit
	// waits, an Update inside an Update. Use the Tx at hand instead.
	ErrNested = errors.New("message started inside another message")
	// ErrFault reports a read of the store's memory that the operating system could not
	// serve: a page of the file's mapping past the end of a file cut short under the store,
	// or one that a full file system could not provide. The message fails.
	ErrFault = errors.New("memory fault reading the store")
	// ErrStoreReadOnly reports an Update that wrote to a store opened with Options.ReadOnly.
	ErrStoreReadOnly = errors.New("store is open read-only")
	// ErrLocked reports a store file that another Store, in this process or another, has open.
	ErrLocked = errors.New("store file is locked by another process")
)

// DefaultCheckpointBytes is the log size past which a commit checkpoints the log.
const DefaultCheckpointBytes = 64 << 20

// Options configures Open and OpenMemory. The zero value is the safe default.
type Options struct {
	// MaxWasmPages limits the memory's size in Wasm pages; 0 means DefaultMaxWasmPages, or
	// the memory's own maximum when it has a smaller one (as HeapMemory does).
	MaxWasmPages uint64
	// NoSync skips the fsync of the log at each commit. A commit is then durable against a
	// crash of the process but not of the machine: a power loss loses the messages since the
	// log was last synced that had not reached the disk by themselves, whole messages only,
	// the newest first; what remains is the state some commit left. To keep that promise,
	// pages committed under NoSync stay in the heap (4 MiB of them, or one larger message's)
	// and reach the main file only after the log holding them is synced: then the store
	// syncs the log (twice) and writes them in place. A message that rewrites pages still
	// pending replaces them there: messages that dirty the same pages over and over (an ECS
	// tick) write them in place once per checkpoint.
	NoSync bool
	// CheckpointBytes is the log size past which a commit applies, syncs and empties the
	// log; 0 means DefaultCheckpointBytes.
	CheckpointBytes int64
	// ReadOnly makes every Update that writes fail with ErrStoreReadOnly; one that writes
	// nothing succeeds, so that an upper layer that opens with an Update can open a
	// read-only store. Open then leaves the file and its log byte for byte as they are: it
	// refuses a missing or empty file (ErrNotStore) rather than creating a store, replays the
	// log into memory rather than into the file, and shares the file with other read-only
	// Stores, while a writing Store cannot open it (ErrLocked) until they close.
	ReadOnly bool
	// Timeout is how long Open waits for a store whose lock another Store holds (a writer,
	// or for a writing open, any Store) before it fails with a *LockedError that names the
	// holder; 0 fails at once.
	Timeout time.Duration
	// OnWait, if set, is called once when Open begins to wait for the lock, with what it
	// knows of the holder: for a note to the user that the open is waiting, and on whom.
	OnWait func(LockHolder)
	// ServeAddr is recorded in the lock-info record of a writing open, so that a process
	// the lock turns away is told where the store is served instead (see LockHolder).
	ServeAddr string
	// SpillPages is how many dirty pages a message of a file-backed store keeps in the heap:
	// past it, the message writes them to the log ahead of its commit and reads them back
	// from there when it needs them again (see spill.go), so that a message may be larger
	// than memory. 0 means DefaultSpillPages; a negative value keeps every page in the heap.
	// A store without a log (OpenMemory) always keeps them in the heap.
	SpillPages int
	// MapBudget bounds the part of a file-backed store's mapping that stays in the
	// process's resident memory: past MapBudget bytes of pages read through the mapping,
	// the store asks the system to drop them all from its resident set (madvise
	// MADV_DONTNEED on Linux; the file keeps them, and the next read maps them again from
	// the page cache). 0 means no bound: the mapping is resident as far as it is read.
	MapBudget int64
	// RecordPages makes every message's Stats carry the pages it touched (Stats.Touched),
	// for a picture of them; it costs a copy of two bitmaps per message.
	RecordPages bool
	// OnMessage, if set, is called with the counts of every message as it ends, committed
	// or not, on the goroutine that ran it: for a program whose one request runs several
	// messages (a canister's query method plans, then runs) and must add up their pages.
	// It must not start a message. The Stats it gets share their ByOwner map with the
	// caller's (ViewWith's result, or the Stats ViewStats fills and reuses for the next
	// message): copy what it keeps.
	OnMessage func(Stats)

	fs           fileSystem // tests substitute a fault-injecting file system
	pendingPages int        // pages NoSync keeps in the heap; 0 means defaultPendingPages
}

// defaultPendingPages is how many committed pages (4 MiB) NoSync keeps in the heap before
// it syncs the log and writes them in place.
const defaultPendingPages = 1024

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
	size    uint64       // committed memory size in Wasm pages (the memory may be larger)
	closed  bool
	failed  error // set holding applyMu alone
	failure atomic.Pointer[error]

	// pending holds the pages committed under NoSync that the main file does not have yet
	// (at most Options.pendingPages of them, or the last message's); messages read them from
	// here. pendingBits says which pages it holds, so that other reads skip the map.
	pending     map[PageID][]byte
	pendingBits pageBits
	// spare holds page buffers that no message or View can reach any more (a pending page
	// a later commit replaced, a page written in place), for the copies the next messages
	// make of the pages they write: a tick that dirties the same pages every time then
	// allocates none. Only the writer touches it, holding writeMu.
	spare [][]byte
	// lastDirty is how many pages the last Update dirtied (at most maxDirtyHint): the next
	// one's map of dirty pages starts that large.
	lastDirty atomic.Int64
	// runVec gathers runs of consecutive pages for applyEach's writes (writer only).
	runVec [][]byte

	treeMu sync.Mutex           // guards trees
	trees  map[TreeRef]treeDesc // committed tree descriptors (treedesc.go)

	catMu sync.RWMutex // guards cat
	cat   catalog      // committed catalog (catalog.go)

	release func() error // removes the lock-info record of a writing file store

	readLogBytes int64 // a read-only store's log size, as it found the file (readonly.go)
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
	if s.opts.pendingPages == 0 {
		s.opts.pendingPages = defaultPendingPages
	}
	s.lender, _ = mem.(slicer)
	return s
}

// recover applies the messages the log holds whole, then checkpoints.
func (s *Store) recover() error {
	n, err := s.log.replay(s.applyRecord(s.log))
	if err != nil {
		return err
	}
	if n == 0 && s.log.size == walHeaderSize && s.log.version == walVersion {
		return nil
	}
	// Also an empty log of version 2: its header must say version 3 before frames that
	// code reading version 2 would misread are appended to it.
	return s.checkpoint(true, false)
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
		if s.log != nil && s.opts.NoSync {
			// A new store is durable when Open returns, whatever the sync mode: a store whose
			// creation a power cut lost would leave a file of zeros, which is not a store.
			if err := s.checkpoint(true, false); err != nil {
				return err
			}
		}
		return s.loadCatalog()
	}
	sb := make([]byte, PageSize)
	if err := s.mem.ReadAt(sb, 0); err != nil {
		return err
	}
	if err := validateSuperblock(sb); err != nil {
		return err
	}
	s.size = le.Uint64(sb[sbOffMemPages:])
	count := le.Uint64(sb[sbOffPageCount:])
	switch {
	case s.size > s.mem.Size():
		return fmt.Errorf("%w: the store has %d Wasm pages but its memory only %d: it was cut short", ErrCorrupt, s.size, s.mem.Size())
	case count > s.size*pagesPerWasmPage || count == 0:
		return fmt.Errorf("%w: superblock counts %d pages in a memory of %d Wasm pages", ErrCorrupt, count, s.size)
	}
	s.verified.resize(s.size * pagesPerWasmPage)
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
//
// Update returns nil if and only if the message committed. An error wrapping ErrInDoubt
// says that an I/O error made its fate unknown (reopen the store to see); any other error
// means it did not commit. A commit is durable as Options.NoSync says. If an I/O error
// strikes after the message is durable (while writing its pages in place), Update returns
// nil, and the store fails: later messages get ErrFailed.
//
// Do not start a message inside fn: use tx. An Update inside an Update, or a message
// inside a View while a commit waits for that View, would deadlock, and fails with
// ErrNested instead (found on the same goroutine only).
func (s *Store) Update(fn func(*Tx) error) error {
	_, err := s.update(Budget{}, fn, false)
	return err
}

// View runs fn as a read-only message over the last committed state. Views run in parallel
// with each other and with an Update's function; a commit waits for the Views running when it
// applies its pages, so keep Views short, and do not start a message inside fn (see Update).
func (s *Store) View(fn func(*Tx) error) error {
	return s.view(Budget{}, fn, nil)
}

// UpdateWith is Update under a page budget; it returns the message's page counts, also when
// the message fails.
func (s *Store) UpdateWith(b Budget, fn func(*Tx) error) (Stats, error) {
	return s.update(b, fn, true)
}

// update is UpdateWith; it skips making the Stats unless stats is set.
func (s *Store) update(b Budget, fn func(*Tx) error, stats bool) (Stats, error) {
	if !s.writeMu.TryLock() {
		if inMessage() {
			return Stats{}, fmt.Errorf("%w: an Update waits for the Update it is in", ErrNested)
		}
		s.writeMu.Lock()
	}
	defer s.writeMu.Unlock()
	if s.closed {
		return Stats{}, ErrClosed
	}
	if s.failed != nil {
		return Stats{}, s.failed
	}
	tx := s.begin(true, b)
	if err := tx.run(fn); err != nil {
		s.dropSpill()
		return tx.end(stats), err
	}
	if err := s.commit(tx); err != nil {
		s.dropSpill()
		return tx.end(stats), err
	}
	return tx.end(stats), nil
}

// ViewWith is View under a page budget; it returns the message's page counts.
func (s *Store) ViewWith(b Budget, fn func(*Tx) error) (Stats, error) {
	var st Stats
	err := s.view(b, fn, &st)
	return st, err
}

// ViewStats is ViewWith writing the message's page counts into *st, also when the message
// fails. It reuses the map st.ByOwner holds (emptied first), so a caller that keeps one
// Stats for the counts of every message allocates nothing for them.
func (s *Store) ViewStats(b Budget, st *Stats, fn func(*Tx) error) error {
	return s.view(b, fn, st)
}

// view is ViewStats; it skips making the Stats when st is nil.
func (s *Store) view(b Budget, fn func(*Tx) error, st *Stats) error {
	if !s.applyMu.TryRLock() {
		// A commit holds the lock or waits for it; if it waits for a View this goroutine is
		// in, waiting here would never end.
		if inMessage() {
			st.reset()
			return fmt.Errorf("%w: a View waits for a commit that waits for the View it is in", ErrNested)
		}
		s.applyMu.RLock()
	}
	defer s.applyMu.RUnlock()
	if s.closed {
		st.reset()
		return ErrClosed
	}
	if s.failed != nil {
		st.reset()
		return s.failed
	}
	tx := s.begin(false, b)
	err := tx.run(fn)
	tx.endInto(st)
	return err
}

// txRun is the name of the function that runs every message's function.
var txRun = runtime.FuncForPC(reflect.ValueOf((*Tx).run).Pointer()).Name()

// inMessage reports whether the calling goroutine runs the function of a message. It reads
// the stack, so messages call it only where they would otherwise block.
func inMessage() bool {
	pcs := make([]uintptr, 256)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if f.Function == txRun {
			return true
		}
		if !more {
			return false
		}
	}
}

func (s *Store) begin(writable bool, b Budget) *Tx {
	tx := newTx()
	tx.s, tx.writable, tx.memPages, tx.basePages = s, writable, s.size, s.size
	if writable {
		// As many as the last message dirtied: a tick dirties the same pages each time.
		tx.dirty = make(map[PageID]*dirtyPage, s.lastDirty.Load())
	}
	tx.meter.init(b)
	tx.meter.record = s.opts.RecordPages
	return tx
}

// end closes tx and returns its counts, if stats is set. Its state goes to a later
// message: tx is not used again.
func (tx *Tx) end(stats bool) Stats {
	var st Stats
	if stats {
		tx.endInto(&st)
	} else {
		tx.endInto(nil)
	}
	return st
}

// endInto closes tx and writes its counts into *st, if st is not nil. Its state goes to a
// later message: tx is not used again.
func (tx *Tx) endInto(st *Stats) {
	tx.done = true
	onMessage := tx.s.opts.OnMessage
	var own Stats
	if st == nil && onMessage != nil {
		st = &own
	}
	if st != nil {
		tx.meter.statsInto(st)
		st.PagesSpilled = tx.spills
	}
	tx.meter.set.release()
	tx.recycle()
	if onMessage != nil {
		onMessage(*st)
	}
}

// fail stops the store with err: every later message gets it. The caller holds applyMu
// alone, so that no View starts between the damage and the refusal.
func (s *Store) fail(err error) {
	if s.failed == nil {
		s.failed = fmt.Errorf("%w: %w", ErrFailed, err)
		s.failure.Store(&s.failed)
	}
}

// commit makes tx's writes durable and visible. The steps, and what a failure at each means
// for the message:
//
//  1. flush the tree descriptors and the memory size into the superblock: a failure (the
//     budget) leaves the message uncommitted;
//  2. grow the main file, reserving its blocks: a full disk leaves it uncommitted;
//  3. append the pages and a commit frame to the log and sync it, sealing each page the
//     message formatted as it frames it (a store without a log seals them all here): the
//     message is committed when this returns; a failure is undone by cutting the log
//     back, and if that fails too, the message is in doubt;
//  4. write the pages in place (under NoSync, keep them pending until the log is synced) and
//     install the message's descriptors and catalog: a failure fails the store, but the
//     message is committed (the log replays it);
//  5. checkpoint when the log is large, or flush the pending pages when they are many
//     beyond the message's own (messages that rewrite the same pages keep them pending):
//     likewise.
func (s *Store) commit(tx *Tx) error {
	ids, pages, kinds, err := tx.seal()
	if err != nil || len(ids) == 0 && len(tx.spilled) == 0 {
		return err
	}
	all, page := s.allPages(tx, ids, pages)
	if !s.applyMu.TryLock() {
		// A View holds it: if that View is the one this Update runs in, the apply below
		// would wait for it forever. Say so before the message is logged.
		if inMessage() {
			return fmt.Errorf("%w: an Update's commit waits for the View it is in", ErrNested)
		}
	} else {
		s.applyMu.Unlock()
	}
	if s.opts.ReadOnly {
		return fmt.Errorf("%w: the message wrote %d pages", ErrStoreReadOnly, len(all))
	}
	if s.size > 0 && tx.memPages > s.mem.Size() {
		// Not the first commit: a store whose creation is lost must leave an empty file.
		if err := s.exclusive(func() error { _, err := s.mem.Grow(tx.memPages - s.mem.Size()); return err }); err != nil {
			return err
		}
	}
	if s.log != nil {
		if err := s.log.append(tx.memPages, ids, pages, kinds, len(all), s.opts.NoSync); err != nil {
			if errors.Is(err, ErrInDoubt) {
				s.exclusive(func() error { s.fail(err); return nil })
			}
			return err
		}
	} else {
		sealAll(pages, kinds)
	}
	if err := s.install(tx, ids, pages, all, page); err != nil || s.failed != nil {
		return err // a failed store keeps its log as it is: it holds the committed message
	}
	switch {
	case s.log != nil && s.log.size > s.opts.CheckpointBytes:
		err = s.checkpoint(false, true)
	case len(s.pending) >= s.opts.pendingPages && len(s.pending) > len(ids):
		// Pages beyond this message's own: flush. A message that rewrites the pages
		// pending before it (an ECS tick, every tick) replaces them in the heap instead, and
		// they reach the main file once per checkpoint, not once per message.
		err = s.flushPending(false)
	}
	if err != nil {
		s.exclusive(func() error { s.fail(err); return nil })
	}
	return nil
}

// seal flushes the message's tree descriptors and memory size into their pages and returns
// the dirty pages in order (pages[i] is page ids[i], of kind kinds[i]), not yet sealed: the
// log seals each page as it frames it (wal.putFrame), while it is in the caches; a store
// without a log seals them with sealAll.
func (tx *Tx) seal() (ids []PageID, pages [][]byte, kinds []pageKind, err error) {
	if err := tx.run(func(tx *Tx) error { tx.flushTrees(); tx.flushSize(); return nil }); err != nil {
		return nil, nil, nil, err
	}
	ids = slices.Sorted(maps.Keys(tx.dirty))
	tx.s.lastDirty.Store(int64(min(len(ids), maxDirtyHint)))
	pages, kinds = tx.dirtyPages(ids)
	return ids, pages, kinds, nil
}

// maxDirtyHint bounds the size a message's map of dirty pages starts at.
const maxDirtyHint = 1 << 16

// dirtyPages returns the bytes and kinds of the dirty pages ids (page 0 as the superblock).
func (tx *Tx) dirtyPages(ids []PageID) ([][]byte, []pageKind) {
	pages := make([][]byte, len(ids))
	kinds := make([]pageKind, len(ids))
	for i, id := range ids {
		dp := tx.dirty[id]
		if id == 0 {
			dp.kind = pageSuperblock
		}
		pages[i], kinds[i] = dp.b, dp.kind
	}
	return pages, kinds
}

// sealAll seals pages[i] as a page of kind kinds[i], unless raw.
func sealAll(pages [][]byte, kinds []pageKind) {
	for i, p := range pages {
		if kinds[i] != pageRaw {
			seal(p, kinds[i])
		}
	}
}

// install makes a logged message's pages what messages read, in place or (under NoSync)
// pending, and its descriptors and catalog what they see, while no View runs. A failure
// fails the store; the message is committed if there is a log, in doubt if not. ids and
// pages are the pages the message holds in the heap; all and page(i) every page it wrote,
// those it spilled included.
func (s *Store) install(tx *Tx, ids []PageID, pages [][]byte, all []PageID, page func(int) ([]byte, error)) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	var err error
	switch {
	case s.log != nil && s.opts.NoSync && len(tx.spilled) > 0:
		// Too large to keep pending: sync the log that holds it (and the pages pending
		// before it), write those in place, then this message's, in commit order.
		if err = s.log.sync(); err == nil {
			err = s.writePending(true)
		}
		if err == nil {
			err = s.applyEach(tx.memPages, all, page)
		}
	case s.log != nil && s.opts.NoSync:
		s.keepPending(tx.memPages, ids, pages)
	default:
		if err = s.applyEach(tx.memPages, all, page); err == nil {
			s.keepSpare(pages...) // in the memory now: no View reads them from the heap
		}
	}
	s.markVerified(tx, all, err == nil)
	switch {
	case err == nil:
		s.installTrees(tx)
		s.installCatalog(tx)
		s.size = tx.memPages
		return nil
	case s.log != nil:
		s.fail(err)
		return nil // committed: the log holds it
	default:
		// Without a log, nothing can tell a reopened store what this message was.
		s.fail(fmt.Errorf("%w: writing its pages failed half way: %w", ErrInDoubt, err))
		return s.failed
	}
}

// mappedPage returns the page of the memory's mapping at address addr, if it has one and
// addr is in it.
func (s *Store) mappedPage(addr uintptr) (PageID, bool) {
	if m, ok := s.mem.(interface{ pageAt(uintptr) (PageID, bool) }); ok {
		return m.pageAt(addr)
	}
	return 0, false
}

// exclusive runs fn holding applyMu alone.
func (s *Store) exclusive(fn func() error) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	return fn()
}

// markVerified records, for the pages a commit just wrote, whether their bytes are known to
// match their checksums: those the message sealed are, if they were written.
func (s *Store) markVerified(tx *Tx, ids []PageID, written bool) {
	s.verified.resize(tx.memPages * pagesPerWasmPage)
	for _, id := range ids {
		if written && tx.kindOf(id) != pageRaw {
			s.verified.add(id)
		} else {
			s.verified.remove(id)
		}
	}
}

// keepPending keeps a NoSync commit's pages in the heap until they are flushed. The caller
// holds applyMu alone.
func (s *Store) keepPending(memPages uint64, ids []PageID, pages [][]byte) {
	if s.pending == nil {
		s.pending = make(map[PageID][]byte, len(ids))
	}
	s.pendingBits.resize(memPages * pagesPerWasmPage)
	for i, id := range ids {
		if old, ok := s.pending[id]; ok {
			s.keepSpare(old) // no View runs, and the next ones read pages[i]
		}
		s.pending[id] = pages[i]
		s.pendingBits.add(id)
	}
}

// keepSpare keeps page buffers that no message or View can reach any more for the next
// copies (Tx.overlay), up to as many as the store keeps pending.
func (s *Store) keepSpare(pages ...[]byte) {
	n := min(len(pages), max(s.opts.pendingPages, len(s.pending))-len(s.spare))
	if n > 0 {
		s.spare = append(s.spare, pages[:n]...)
	}
}

// copyPage returns a copy of page src, in a spare buffer if the store has one.
func (s *Store) copyPage(src []byte) []byte {
	if n := len(s.spare); n > 0 {
		b := s.spare[n-1]
		s.spare[n-1] = nil
		s.spare = s.spare[:n-1]
		copy(b, src)
		return b
	}
	b := make([]byte, len(src)) // with the copy below, allocated without zeroing
	copy(b, src)
	return b
}

// flushPending writes the pages committed under NoSync in place, once the log that holds
// them is synced and marked so: a power cut after that finds them all in the log. locked
// says whether the caller holds applyMu alone.
func (s *Store) flushPending(locked bool) error {
	if len(s.pending) == 0 {
		return nil
	}
	if err := s.log.sync(); err != nil {
		return err
	}
	return s.writePending(locked)
}

// writePending writes the pages committed under NoSync in place, the log that holds them
// being synced, and drops them from the heap.
func (s *Store) writePending(locked bool) error {
	ids := slices.Sorted(maps.Keys(s.pending))
	pages := make([][]byte, len(ids))
	for i, id := range ids {
		pages[i] = s.pending[id]
	}
	// Messages read these pages from pending, not from the memory, until it is cleared: no
	// View needs to wait for the writes.
	if err := s.apply(s.size, ids, pages); err != nil {
		return err
	}
	drop := func() error {
		s.keepSpare(pages...) // in place now, and no View runs
		s.pending, s.pendingBits = nil, pageBits{}
		return nil
	}
	if locked {
		return drop()
	}
	return s.exclusive(drop)
}

// apply grows the memory to memPages and writes the pages in place (pages[i] is page ids[i]).
func (s *Store) apply(memPages uint64, ids []PageID, pages [][]byte) error {
	return s.applyEach(memPages, ids, func(i int) ([]byte, error) { return pages[i], nil })
}

// applyEach is apply with the pages read one at a time (page(i) is page ids[i]). Into a
// file, it writes each run of consecutive pages (up to applyRun of them) with one write.
func (s *Store) applyEach(memPages uint64, ids []PageID, page func(int) ([]byte, error)) error {
	if cur := s.mem.Size(); memPages > cur {
		if _, err := s.mem.Grow(memPages - cur); err != nil {
			return err
		}
	}
	vw, file := s.mem.(vecWriter)
	run, first := s.runVec[:0], PageID(0) // the pages gathered so far, from page first on
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		n := PageID(len(run))
		err := vw.writeVec(run, uint64(first)*PageSize, uint64(n)*PageSize)
		clear(run) // the pages are not the store's to keep
		run = run[:0]
		if err != nil {
			if n == 1 {
				return fmt.Errorf("apply page %d: %w", first, err)
			}
			return fmt.Errorf("apply pages %d to %d: %w", first, first+n-1, err)
		}
		return nil
	}
	for i, id := range ids {
		p, err := page(i)
		if err != nil {
			return err
		}
		if !file {
			if err := s.mem.WriteAt(p, uint64(id)*PageSize); err != nil {
				return fmt.Errorf("apply page %d: %w", id, err)
			}
			continue
		}
		if len(run) > 0 && (id != first+PageID(len(run)) || len(run) == applyRun) {
			if err := flush(); err != nil {
				return err
			}
		}
		if len(run) == 0 {
			first = id
		}
		run = append(run, p[:PageSize])
	}
	err := flush()
	s.runVec = run[:0]
	return err
}

// vecWriter is a memory whose writes are system calls: applyEach gathers runs of pages
// for it to write with one.
type vecWriter interface {
	// writeVec writes bufs, n bytes in all, end to end at off, as WriteAt would write them
	// joined.
	writeVec(bufs [][]byte, off, n uint64) error
}

// applyRun is the most pages applyEach writes into a file at once (64 KiB): pages dirtied
// in runs go in place in a sixteenth of the writes. Not more: the page cache then keeps
// a file's pages in larger folios, and a fault of the mapping maps a whole one, which would
// make Options.MapBudget's bound that much looser.
const applyRun = 16

// checkpoint makes the main file hold everything the log holds (flushing what NoSync kept
// pending), syncs it and empties the log; with keepFile (a commit's checkpoint) the log's
// file keeps its length for the next frames (wal.reset), Open and Close cut it back.
// locked says whether the caller holds applyMu alone (or no other goroutine can have the
// store yet).
func (s *Store) checkpoint(locked, keepFile bool) error {
	if err := s.flushPending(locked); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if sy, ok := s.mem.(syncer); ok {
		if err := sy.Sync(); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	return s.log.reset(keepFile)
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
		// A store that wrote nothing since it opened leaves both files untouched.
		if s.failed == nil && (s.log.size > walHeaderSize || s.log.fileEnd > walHeaderSize) {
			err = s.checkpoint(true, false)
		}
		err = errors.Join(err, s.log.f.Close())
	}
	if s.release != nil {
		// Before the lock goes with the file: the next holder writes its own record.
		err = errors.Join(err, s.release())
	}
	if c, ok := s.mem.(interface{ Close() error }); ok {
		err = errors.Join(err, c.Close())
	}
	return err
}

// Err returns the error that stopped the store (wrapping ErrFailed), or nil.
func (s *Store) Err() error {
	if p := s.failure.Load(); p != nil {
		return *p
	}
	return nil
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
	} else {
		in.LogBytes = s.readLogBytes
	}
	s.writeMu.Unlock()
	return in, err
}
