package store

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// ErrTxReadOnly reports a write attempted inside a View message.
var ErrTxReadOnly = errors.New("write in a read-only message")

// ErrTxClosed reports use of a Tx after its message ended.
var ErrTxClosed = errors.New("message has ended")

// Tx is one message: a View (read-only) or an Update. Writes land in an overlay of dirty
// 4 KiB pages that becomes visible to other messages only when the message commits, all at
// once. Every access passes the page meter.
//
// Its methods are about trees and the variables of the catalog, as bbolt's Tx is about
// buckets. Raw memory (byte ranges, pages, the allocator, the root slots) is behind one
// explicit escape hatch, Raw.
//
// A Tx belongs to the goroutine running the message function and ends with it. Failures that
// the code inside the message cannot sensibly handle (the page budget running out, an I/O
// error, a page that fails its invariants) abort the message: they unwind to Update or View,
// which roll the message back and return the error, as a trap does on the Internet Computer.
//
// A Tx used after its message ended (kept by the message function, or a Tree of it) panics
// with an error that is both ErrTxClosed and ErrMisuse; it never reaches the state of a
// later message.
type Tx struct {
	*txState
	gen uint64 // the txState's gen while the message runs
}

// txState is the state of a running message. A message's Tx is a handle no other message
// ever gets (see newTx), and txState is recycled: when the message ends its gen moves on,
// so a handle kept past its message no longer matches it and fails instead of reaching a
// later message's state.
type txState struct {
	gen       uint64
	s         *Store
	writable  bool
	done      bool
	memPages  uint64 // memory size in Wasm pages as this message sees it
	basePages uint64 // memory size in Wasm pages when the message began
	dirty     map[PageID]*dirtyPage
	dirtyBuf  []dirtyPage       // where newDirty takes the next dirtyPage from
	cache     map[PageID][]byte // read copies, for memories that cannot lend their bytes
	meter     meter
	err       error           // set by the first trap; a trapped message never commits
	trees     txTrees         // trees opened in this message (treedesc.go)
	freed     *roaring.Bitmap // pages this message freed (alloc.go), nil for none
	cat       txCatalog       // catalog changes of this message (catalog.go)

	// The pages this message spilled to the log (spill.go), the read copies of those read
	// since the last spill, the pages Raw handed out (never spilled), and how many page
	// images it spilled.
	spilled     map[PageID]spillRef
	spillCopies map[PageID][]byte
	pinned      map[PageID]struct{}
	spills      uint64

	// spareTrees are tree states of earlier messages over this state, for newTree.
	spareTrees []*treeState
	// handles and treeHandles are the handles newTx and newTree cut for the messages
	// over this state, never the same twice.
	handles     []Tx
	treeHandles []Tree
}

// dirtyPage is a page the message wrote: its bytes, and the kind of page it formatted them
// as, which commit seals (pageRaw: the caller's bytes, left as they are).
type dirtyPage struct {
	b    []byte
	kind pageKind
}

// trap is the panic value that carries an aborting error to the message boundary.
type trap struct{ err error }

// abort ends the message with err.
func (tx *Tx) abort(err error) {
	if tx.err == nil {
		tx.err = err
	}
	panic(trap{err})
}

// run calls fn and turns a trap into its error; any other panic is re-raised. A memory
// fault (a read of the file's mapping that the file system cannot serve: a file cut short
// under a running store, a full disk) becomes an error too, rather than killing the process.
func (tx *Tx) run(fn func(*Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if t, ok := r.(trap); ok {
				err = t.err
				return
			}
			if f, ok := r.(interface{ Addr() uintptr }); ok {
				if id, ok := tx.s.mappedPage(f.Addr()); ok {
					err = fmt.Errorf("%w: page %d: %v", ErrFault, id, r)
					tx.err = err
					return
				}
			}
			tx.done = true
			panic(r)
		}
	}()
	err = fn(tx)
	if err == nil {
		err = tx.err // a trap that fn recovered from still fails the message
	}
	return err
}

// errTxEnded is the panic of a Tx used after its message ended.
var errTxEnded = fmt.Errorf("%w (%w: the Tx was kept past its message)", ErrTxClosed, ErrMisuse)

// live panics if tx is a handle kept past its message, before anything reaches the state
// it held, which a later message may have now: for the paths of a Tree, which a message
// function can keep too.
func (tx *Tx) live() {
	if tx.gen != tx.txState.gen {
		panic(errTxEnded)
	}
}

// checkOpen panics if tx's message has ended.
func (tx *Tx) checkOpen() {
	if tx.gen != tx.txState.gen || tx.done {
		panic(errTxEnded)
	}
}

// txHandleSlab is how many handles newTx allocates at once.
const txHandleSlab = 256

// txStates are the states of ended messages, for the next ones.
var txStates = sync.Pool{New: func() any { return new(txState) }}

// newTx returns the handle of a new message over a cleared state. Handles are cut from
// arrays that the state keeps (only one message runs over a state at a time, so this
// takes no lock): a handle is never reused, so one kept past its message can only ever
// fail its gen check.
func newTx() *Tx {
	st := txStates.Get().(*txState)
	if len(st.handles) == 0 {
		st.handles = make([]Tx, txHandleSlab)
	}
	tx := &st.handles[0]
	st.handles = st.handles[1:]
	tx.txState, tx.gen = st, st.gen
	return tx
}

// recycle ends tx's hold on its state and hands the state to a later message: every
// later use of tx fails its gen check.
func (tx *Tx) recycle() {
	st := tx.txState
	gen := st.gen + 1
	spare, handles, treeHandles := st.trees.spare(st.spareTrees), st.handles, st.treeHandles
	// Cleared in place, then the fields that carry over set: a composite literal would be
	// built aside and copied, twice the work.
	*st = txState{}
	st.gen, st.spareTrees, st.handles, st.treeHandles = gen, spare, handles, treeHandles
	txStates.Put(st)
}

// Writable reports whether tx is an Update.
func (tx *Tx) Writable() bool { tx.checkOpen(); return tx.writable }

// Stats returns the counts of the message so far.
func (tx *Tx) Stats() Stats { tx.checkOpen(); return tx.meter.stats() }

// grow adds delta Wasm pages of zeros and returns the previous size.
func (tx *Tx) grow(delta uint64) (old uint64, err error) {
	if !tx.writable {
		return tx.memPages, ErrTxReadOnly
	}
	max := tx.s.maxPages
	old = tx.memPages
	if err := checkGrow(old, delta, max); err != nil {
		return old, err
	}
	tx.memPages += delta
	return old, nil
}

// readAt copies len(p) bytes of stable memory starting at off into p.
func (tx *Tx) readAt(p []byte, off uint64) error {
	if err := checkRange(off, uint64(len(p)), tx.memPages); err != nil {
		return err
	}
	for len(p) > 0 {
		id, in := PageID(off/PageSize), off%PageSize
		n := min(uint64(len(p)), PageSize-in)
		if err := tx.meter.onRawRead(uint64(id), n); err != nil {
			tx.err = err
			return err
		}
		copy(p[:n], tx.current(id)[in:])
		p, off = p[n:], off+n
	}
	return nil
}

// writeAt copies p into stable memory starting at off.
func (tx *Tx) writeAt(p []byte, off uint64) error {
	if !tx.writable {
		return ErrTxReadOnly
	}
	if err := checkRange(off, uint64(len(p)), tx.memPages); err != nil {
		return err
	}
	for len(p) > 0 {
		id, in := PageID(off/PageSize), off%PageSize
		n := min(uint64(len(p)), PageSize-in)
		if err := tx.meter.onRawWrite(uint64(id), n); err != nil {
			tx.err = err
			return err
		}
		dp := tx.overlay(id)
		dp.kind = pageRaw // a raw write leaves a formatted page's checksum stale: damage
		copy(dp.b[in:], p[:n])
		p, off = p[n:], off+n
	}
	return nil
}

// page returns page id for reading, as this message sees it.
func (tx *Tx) page(id PageID) []byte { return tx.readPage(id, pageRaw) }

// readPage returns page id, a page of the given kind, for reading as this message sees it.
// A formatted page read from the memory is checked against its checksum, the first time
// only (Store.verified); a damaged one traps the message with ErrCorrupt.
func (tx *Tx) readPage(id PageID, kind pageKind) []byte {
	tx.live()
	if err := tx.meter.onPageRead(uint64(id)); err != nil {
		tx.abort(err)
	}
	if dp, ok := tx.dirty[id]; ok {
		return dp.b
	}
	if b, ok := tx.spilledPage(id); ok {
		return b
	}
	p := tx.committedPage(id)
	if kind != pageRaw && !tx.s.verified.has(id) {
		if err := verifyPage(id, p, kind); err != nil {
			tx.abort(err)
		}
		tx.s.verified.add(id)
	}
	return p
}

// checksum checks the checksum of page id, of the given kind, whose bytes p the message
// read: for Check, which checks every page it reads whether or not it was checked before.
// A page this message dirtied has none yet (commit seals it).
func (tx *Tx) checksum(id PageID, p []byte, kind pageKind) error {
	if tx.isDirty(id) {
		return nil
	}
	return verifyPage(id, p, kind)
}

// checkedPage reads page id, of the given kind, for a check: its checksum must hold, and
// then its header (check), or the error says which does not.
func (tx *Tx) checkedPage(id PageID, kind pageKind, check func(PageID, []byte) error) ([]byte, error) {
	p := tx.page(id)
	if err := tx.checksum(id, p, kind); err != nil {
		return nil, err
	}
	return p, check(id, p)
}

// writePage returns page id for writing as a page of the given kind: the message's private
// copy, which it commits or discards as a whole.
func (tx *Tx) writePage(id PageID, kind pageKind) []byte {
	tx.checkOpen()
	if !tx.writable {
		tx.abort(ErrTxReadOnly)
	}
	if err := tx.meter.onPageWrite(uint64(id)); err != nil {
		tx.abort(err)
	}
	dp := tx.overlay(id)
	dp.kind = kind
	return dp.b
}

// rewritePage returns page id for writing, keeping the kind it has: for a tree descriptor,
// which lives in a page of its owner's choosing (the superblock, a catalog slot page, a raw
// page).
func (tx *Tx) rewritePage(id PageID) []byte {
	if !tx.writable {
		tx.abort(ErrTxReadOnly)
	}
	if err := tx.meter.onPageWrite(uint64(id)); err != nil {
		tx.abort(err)
	}
	if dp, ok := tx.dirty[id]; ok {
		return dp.b
	}
	dp := tx.overlay(id)
	dp.kind = sniffKind(id, dp.b)
	return dp.b
}

// freshPage returns page id zeroed for writing as a page of the given kind, without reading
// its old contents: for pages the allocator hands out.
func (tx *Tx) freshPage(id PageID, kind pageKind) []byte {
	if err := tx.meter.onPageWrite(uint64(id)); err != nil {
		tx.abort(err)
	}
	dp, ok := tx.dirty[id]
	if !ok {
		dp = tx.newDirty(id, make([]byte, PageSize))
	} else {
		clear(dp.b)
	}
	dp.kind = kind
	return dp.b
}

// overlay returns the dirty copy of page id, making it from the committed page if needed
// (of kind pageRaw until the caller says otherwise).
func (tx *Tx) overlay(id PageID) *dirtyPage {
	if dp, ok := tx.dirty[id]; ok {
		return dp
	}
	return tx.newDirty(id, tx.s.copyPage(tx.current(id)[:PageSize]))
}

// newDirty makes b the dirty page id, of kind pageRaw. The dirtyPages come from arrays of
// dirtyChunk (a tick dirties thousands of pages), new ones for each message: no dirtyPage
// outlives its message's use of it.
func (tx *Tx) newDirty(id PageID, b []byte) *dirtyPage {
	if len(tx.dirtyBuf) == cap(tx.dirtyBuf) {
		tx.dirtyBuf = make([]dirtyPage, 0, dirtyChunk)
	}
	tx.dirtyBuf = append(tx.dirtyBuf, dirtyPage{b: b})
	dp := &tx.dirtyBuf[len(tx.dirtyBuf)-1]
	tx.dirty[id] = dp
	return dp
}

// dirtyChunk is how many dirtyPages newDirty allocates at once.
const dirtyChunk = 256

// current returns page id as this message sees it: dirty, spilled or committed.
func (tx *Tx) current(id PageID) []byte {
	if dp, ok := tx.dirty[id]; ok {
		return dp.b
	}
	if b, ok := tx.spilledPage(id); ok {
		return b
	}
	return tx.committedPage(id)
}

// zeroPage is what a page grown in this message holds until it is written.
var zeroPage = make([]byte, PageSize)

// committedPage returns page id as the last commit left it (zero if the message grew the
// memory to reach it).
func (tx *Tx) committedPage(id PageID) []byte {
	off := uint64(id) * PageSize
	if uint64(id) >= tx.memPages*pagesPerWasmPage {
		tx.abort(fmt.Errorf("%w: page %d is outside the memory (%d pages)", ErrCorrupt, id, tx.memPages*pagesPerWasmPage))
	}
	if uint64(id) >= tx.basePages*pagesPerWasmPage {
		return zeroPage
	}
	if tx.s.pendingBits.has(id) {
		return tx.s.pending[id]
	}
	if b, ok := tx.s.lend(off, PageSize); ok {
		return b
	}
	if b, ok := tx.cache[id]; ok {
		return b
	}
	b := make([]byte, PageSize)
	if err := tx.s.mem.ReadAt(b, off); err != nil {
		tx.abort(fmt.Errorf("read page %d: %w", id, err))
	}
	if tx.cache == nil {
		tx.cache = make(map[PageID][]byte)
	}
	tx.cache[id] = b
	return b
}
