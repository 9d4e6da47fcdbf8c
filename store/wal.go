package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
)

// The redo log sits beside the main file (NAME-wal). A commit appends one frame per dirty
// page and then a commit frame, all in one write, and syncs (unless Options.NoSync). Every
// frame carries the log's salt and its own CRC-32C; pages are applied only from messages
// whose commit frame is whole. A page the store sealed already carries the CRC-32C of its
// bytes (page.go): its frame's CRC covers that checksum rather than the image again, and
// the image must match it, so each page of a commit is checksummed once.
//
// Header (32 bytes):
//
//	offset size field
//	     0    8 magic "SGWAL\x00\x00\x01"
//	     8    4 log format version: 3 (2, the store's format version, before frames
//	            carried sealed pages; this code reads it too)
//	    12    4 page size (4096)
//	    16    8 salt: random, new each time the log is reset
//	    24    4 zero
//	    28    4 CRC-32C of bytes [0, 28)
//
// Frame header (40 bytes), then for a page frame the 4096-byte page image:
//
//	offset size field
//	     0    1 kind: 1 page, 2 commit, 3 synced mark
//	     1    1 flags: bit 0 synced, the writer syncs the log at every commit
//	     2    1 page frame: the kind of the sealed page it holds (page.go), 0 for raw bytes
//	     3    1 zero
//	     4    4 commit: number of page frames in the message; others: 0
//	     8    8 salt
//	    16    8 message id (a mark: the last message before it)
//	    24    8 page: page number; commit: memory size in Wasm pages after the message
//	    32    4 CRC-32C of bytes [0, 32) and the page image, or for a sealed page of
//	            bytes [0, 32) and the page's own checksum (which its image must match)
//	    36    4 zero
//
// A message too large for the heap may write page frames before its commit (Tx.spill):
// they are frames of the message like the others, contiguous with the rest of it, and a
// later frame of the same page replaces an earlier one. The commit frame counts the
// message's distinct pages. Until the commit frame is whole, they are a tail like any other:
// a message that fails or is rolled back cuts them off again.
//
// Replay stops at the first frame that is short, torn, stale or out of place. That is the
// tail a crash leaves, unless the log shows that what follows had been made durable: a
// frame of a later message from a writer that synced every commit (it wrote that message
// only once the one before was synced), or a mark, which a NoSync writer appends (and syncs)
// when a checkpoint has synced the log and is about to write pages in place. Then the bad
// frame is damage, and replaying only what comes before it would roll pages back over newer
// ones: Open refuses with ErrCorrupt naming the offset.
const (
	walMagic      = "SGWAL\x00\x00\x01"
	walHeaderSize = 32
	frameHeader   = 40
	framePage     = 1
	frameCommit   = 2
	frameMark     = 3
	frameSynced   = 1 // flag
	// walVersion is the log's format version; walVersionRaw (the store's format version) is
	// that of logs whose frames carry no sealed pages, which this code reads too.
	walVersion    = 3
	walVersionRaw = formatVersion
)

// wal is the redo log of a file-backed store.
type wal struct {
	f    file
	name string
	size int64
	salt uint64
	last uint64 // id of the last message appended: messages count from 1 in each log
	// The frames on their way to the log: their headers in hdrs, and in vec each frame's
	// header and page image in turn, written with one writeVec (page images are not
	// copied); vecBytes is their length, scratch writeVec's room to join them.
	hdrs     []byte
	vec      [][]byte
	vecBytes int
	scratch  []byte
	// spillEnd is the end of the frames a message in progress has spilled (0: none); the
	// log's size stays that of the last commit until the message commits.
	spillEnd int64
	// fileEnd is the length of the file: past size when a reset kept the file (frames of
	// an older salt, stale, lie behind the log's end).
	fileEnd int64
	version uint32 // of the header: walVersion, or walVersionRaw until the log is reset
}

// openWAL reads the log's header. A log shorter than its header (new, or cut while being
// reset) is reset.
func openWAL(f file, name string, size int64) (*wal, error) {
	w := &wal{f: f, name: name, size: size, fileEnd: size}
	if size < walHeaderSize {
		return w, w.reset(false)
	}
	var h [walHeaderSize]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("read log header: %w", err)
	}
	if string(h[:8]) != walMagic {
		return nil, fmt.Errorf("%w: log has bad magic %q", ErrNotStore, h[:8])
	}
	if v := le.Uint32(h[8:]); v != walVersion && v != walVersionRaw {
		return nil, fmt.Errorf("%w: log version %d (this code reads versions %d and %d)", ErrVersion, v, walVersionRaw, walVersion)
	}
	if ps := le.Uint32(h[12:]); ps != PageSize {
		return nil, fmt.Errorf("%w: log page size %d (this code uses %d)", ErrVersion, ps, PageSize)
	}
	if crc32c(h[:28]) != le.Uint32(h[28:]) {
		return nil, fmt.Errorf("%w: log header checksum", ErrCorrupt)
	}
	w.salt, w.version = le.Uint64(h[16:]), le.Uint32(h[8:])
	return w, nil
}

// reset empties the log and gives it a new salt, so no frame written before can validate.
// With keep, the file keeps its length, as SQLite's WAL does when it restarts: the frames
// behind the new header are stale (of the old salt), the next ones overwrite them, and the
// file's blocks are neither freed nor allocated again, which for a log of tens of MiB
// costs more than writing it. A crash before the new header is synced leaves the old one:
// its messages are in the main file already (reset follows its sync), and replaying them
// again writes the same pages. Open and Close cut the file back (keep false).
func (w *wal) reset(keep bool) error {
	var h [walHeaderSize]byte
	copy(h[:], walMagic)
	le.PutUint32(h[8:], walVersion)
	le.PutUint32(h[12:], PageSize)
	if _, err := rand.Read(h[16:24]); err != nil {
		return err
	}
	le.PutUint32(h[28:], crc32c(h[:28]))
	if !keep {
		if err := w.f.Truncate(0); err != nil {
			return fmt.Errorf("reset log: %w", err)
		}
		w.fileEnd = 0
	}
	if _, err := w.f.WriteAt(h[:], 0); err != nil {
		return fmt.Errorf("reset log: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("reset log: %w", err)
	}
	w.size, w.salt, w.last, w.version = walHeaderSize, le.Uint64(h[16:]), 0, walVersion
	w.fileEnd = max(w.fileEnd, walHeaderSize)
	return nil
}

// putFrame adds a frame to those on their way to the log: for a page frame, page is the
// image (which must stay as it is until they are written) and pk its kind (pageRaw for
// bytes the store does not seal). It seals a page of any other kind first: a commit's
// pages are checksummed here, just before the log's write reads them again, rather than
// all of them before the first is written (the caches then hold each page for its write).
func (w *wal) putFrame(kind, flags byte, count uint32, txid, arg uint64, page []byte, pk pageKind) {
	if page != nil && pk != pageRaw {
		seal(page, pk)
	}
	// The header goes straight into hdrs. One written before hdrs grew stays in the array
	// it was written to, which vec keeps alive: the headers need not share one array.
	n := len(w.hdrs)
	w.hdrs = append(w.hdrs, make([]byte, frameHeader)...)
	h := w.hdrs[n : n+frameHeader : n+frameHeader]
	h[0], h[1], h[2] = kind, flags, byte(pk)
	le.PutUint32(h[4:], count)
	le.PutUint64(h[8:], w.salt)
	le.PutUint64(h[16:], txid)
	le.PutUint64(h[24:], arg)
	crc := crc32c(h[:32])
	switch {
	case page != nil && pk != pageRaw:
		off := pageCRCOff[pk]
		crc = crc32Update(crc, page[off:off+4])
	case page != nil:
		crc = crc32Update(crc, page)
	}
	le.PutUint32(h[32:], crc)
	w.vec = append(w.vec, h)
	if page != nil {
		w.vec = append(w.vec, page)
	}
	w.vecBytes += frameHeader + len(page)
}

// startFrames drops the frames gathered so far: those of a write that failed.
func (w *wal) startFrames() {
	clear(w.vec)
	w.vec, w.hdrs, w.vecBytes = w.vec[:0], w.hdrs[:0], 0
}

// end returns where the next frame goes: after the frames the message in progress spilled.
func (w *wal) end() int64 {
	if w.spillEnd > 0 {
		return w.spillEnd
	}
	return w.size
}

// flags returns the flags of the frames a writer appends.
func frameFlags(noSync bool) byte {
	if noSync {
		return 0
	}
	return frameSynced
}

// spill writes page frames of the message in progress (page ids[i] is pages[i], of kind
// kinds[i]) ahead of its commit frame, without syncing, and returns the offset of each page
// image. If the write fails, the caller fails the message, and its rollback cuts the
// frames off.
func (w *wal) spill(ids []PageID, pages [][]byte, kinds []pageKind, noSync bool) ([]int64, error) {
	off := w.end()
	w.spillEnd = off + int64(len(ids))*(frameHeader+PageSize) // before the writes: torn ones are cut off too
	offs := make([]int64, len(ids))
	w.startFrames()
	for i, id := range ids {
		offs[i] = off + int64(w.vecBytes) + frameHeader
		w.putFrame(framePage, frameFlags(noSync), 0, w.last+1, uint64(id), pages[i], kinds[i])
		if err := w.writeFull(&off, i == len(ids)-1); err != nil {
			return nil, err
		}
	}
	return offs, nil
}

// walChunk is the most bytes of frames a write of the log takes at once (what the caches
// keep of the pages putFrame sealed), and walVec the most buffers (one pwritev's on Linux).
const (
	walChunk = 1 << 20
	walVec   = 1024
)

// writeFull writes the frames gathered so far at *off and advances it, once they fill a
// chunk or when last says they are the last.
func (w *wal) writeFull(off *int64, last bool) error {
	if w.vecBytes < walChunk && len(w.vec)+2 <= walVec && !last {
		return nil
	}
	err := writeVec(w.f, w.vec, *off, &w.scratch)
	w.fileEnd = max(w.fileEnd, *off+int64(w.vecBytes)) // torn or not
	if err != nil {
		return fmt.Errorf("write log: %w", err)
	}
	*off += int64(w.vecBytes)
	w.startFrames()
	return nil
}

// readSpilled reads back the page image at off that spill wrote, into p.
func (w *wal) readSpilled(p []byte, off int64) error {
	if _, err := w.f.ReadAt(p, off); err != nil {
		return fmt.Errorf("read log: spilled page at offset %d: %w", off, err)
	}
	return nil
}

// dropSpill cuts off the frames that a message which did not commit spilled, and syncs:
// a later message's frames must not be followed by stale ones.
func (w *wal) dropSpill() error {
	if w.spillEnd == 0 {
		return nil
	}
	w.spillEnd = 0
	if err := w.f.Truncate(w.size); err != nil {
		return fmt.Errorf("cut spilled pages off the log: %w", err)
	}
	w.fileEnd = w.size
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("cut spilled pages off the log: %w", err)
	}
	return nil
}

// append writes the frames of one message (page ids[i] is pages[i], of kind kinds[i]) and,
// unless noSync,
// syncs. count is the number of distinct pages of the message: len(ids) plus those it
// spilled and did not write again. If the write or the sync fails, it cuts the log back to
// where it was (with what the message spilled), so that the message is not committed; if
// that fails too, the error wraps ErrInDoubt.
func (w *wal) append(memPages uint64, ids []PageID, pages [][]byte, kinds []pageKind, count int, noSync bool) error {
	txid := w.last + 1
	flags := frameFlags(noSync)
	off := w.end()
	start := off
	w.startFrames()
	for i, id := range ids {
		w.putFrame(framePage, flags, 0, txid, uint64(id), pages[i], kinds[i])
		if err := w.writeFull(&off, false); err != nil {
			return w.undo(err)
		}
	}
	w.putFrame(frameCommit, flags, uint32(count), txid, memPages, nil, pageRaw)
	if err := w.writeFull(&off, true); err != nil {
		return w.undo(err)
	}
	if !noSync {
		if err := w.f.Sync(); err != nil {
			return w.undo(fmt.Errorf("sync log: %w", err))
		}
	} else {
		// The sync before the pages go in place (at a checkpoint) must write the message:
		// let the disk start on it now, while the next messages run.
		startWriteback(w.f, start, off-start)
	}
	w.size, w.spillEnd = off, 0
	w.last = txid
	return nil
}

// undo cuts the log back to its size before a failed append, and syncs, so that no part of
// the append can be replayed: the message is then not committed, and cause is returned as
// it is. If the log cannot be cut back, whether the message committed is unknown.
func (w *wal) undo(cause error) error {
	w.spillEnd = 0
	if err := w.f.Truncate(w.size); err != nil {
		return fmt.Errorf("%w: %w, and cutting the log back failed: %w", ErrInDoubt, cause, err)
	}
	w.fileEnd = w.size
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("%w: %w, and syncing the log after cutting it back failed: %w", ErrInDoubt, cause, err)
	}
	return cause
}

// sync makes everything appended so far durable, for a NoSync writer about to write pages
// in place: it syncs, appends a mark that says so, and syncs again.
func (w *wal) sync() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync log: %w", err)
	}
	if w.spillEnd != 0 {
		panic("store: log mark while a message has spilled pages")
	}
	w.startFrames()
	w.putFrame(frameMark, 0, 0, w.last, 0, nil, pageRaw)
	off := w.size
	if err := w.writeFull(&off, true); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync log: %w", err)
	}
	w.size = off
	return nil
}

// walRecord is one committed message read back from the log: where its pages are, not
// their bytes, so that replaying a message larger than the heap reads one page at a time.
type walRecord struct {
	txid     uint64
	memPages uint64
	ids      []PageID
	offs     map[PageID]int64 // the frame of the page's last image
}

// page reads the image of page ids[i] back, checking its frame again.
func (w *wal) page(r *walRecord, i int) ([]byte, error) {
	off := r.offs[r.ids[i]]
	f, err := w.readFrame(off)
	if err != nil || f.kind != framePage || PageID(f.arg) != r.ids[i] {
		return nil, fmt.Errorf("%w: log %s: frame at offset %d changed under replay (%v)", ErrCorrupt, w.name, off, err)
	}
	return f.page, nil
}

// applyRecord is the apply function of a replay into s: it writes the record's pages in
// place one at a time.
func (s *Store) applyRecord(w *wal) func(walRecord) error {
	return func(r walRecord) error {
		return s.applyEach(r.memPages, r.ids, func(i int) ([]byte, error) { return w.page(&r, i) })
	}
}

// frame is a frame read back from the log.
type frame struct {
	kind, flags byte
	count       uint32
	txid, arg   uint64
	page        []byte // a page frame's image
}

// errBadFrame reports a frame that is short, torn, stale or out of place.
var errBadFrame = errors.New("bad frame")

// readFrame reads the frame at off, or returns errBadFrame (io.EOF at the end of the file).
func (w *wal) readFrame(off int64) (frame, error) {
	var h [frameHeader]byte
	if _, err := w.f.ReadAt(h[:], off); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return frame{}, io.EOF
		}
		return frame{}, fmt.Errorf("read log: %w", err)
	}
	f := frame{kind: h[0], flags: h[1], count: le.Uint32(h[4:]), txid: le.Uint64(h[16:]), arg: le.Uint64(h[24:])}
	pk := pageKind(h[2])
	if le.Uint64(h[8:]) != w.salt || f.kind < framePage || f.kind > frameMark ||
		pk != pageRaw && (f.kind != framePage || int(pk) >= len(pageCRCOff)) {
		return f, errBadFrame
	}
	crc := crc32c(h[:32])
	if f.kind == framePage {
		f.page = make([]byte, PageSize)
		if _, err := w.f.ReadAt(f.page, off+frameHeader); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return f, errBadFrame
			}
			return f, fmt.Errorf("read log: %w", err)
		}
		if pk == pageRaw {
			crc = crc32Update(crc, f.page)
		} else {
			off := pageCRCOff[pk]
			crc = crc32Update(crc, f.page[off:off+4])
		}
	}
	if crc != le.Uint32(h[32:]) || pk != pageRaw && verifyPage(PageID(f.arg), f.page, pk) != nil {
		return f, errBadFrame
	}
	return f, nil
}

// replay calls apply for every message whose commit frame is whole, in log order, and
// stops at the first frame that is short, torn, stale or out of place. It returns the
// number of messages applied. If the frame where it stops
// is damage rather than a tail (see the top of this file), it applies nothing and returns
// an error wrapping ErrCorrupt: it reads the log once to find where it ends, then again to
// apply it.
func (w *wal) replay(apply func(walRecord) error) (int, error) {
	if _, _, err := w.scan(nil); err != nil {
		return 0, err
	}
	n, last, err := w.scan(apply)
	w.last = last
	return n, err
}

// scan is one pass of replay; apply nil only checks.
func (w *wal) scan(apply func(walRecord) error) (n int, lastTxid uint64, err error) {
	rec := walRecord{offs: map[PageID]int64{}}
	off := int64(walHeaderSize)
	for {
		f, err := w.readFrame(off)
		if err == io.EOF {
			return n, lastTxid, nil
		}
		// A message's frames are contiguous, and its commit frame counts them: anything
		// else is a bad frame too.
		bad := errors.Is(err, errBadFrame) ||
			err == nil && len(rec.ids) > 0 && f.txid != rec.txid ||
			err == nil && f.kind == frameCommit && int(f.count) != len(rec.ids)
		if bad {
			return n, lastTxid, w.checkTail(off, lastTxid, rec)
		}
		if err != nil {
			return n, lastTxid, err
		}
		at := off
		off += frameHeader + int64(len(f.page))
		switch f.kind {
		case framePage:
			rec.txid = f.txid
			if _, dup := rec.offs[PageID(f.arg)]; !dup {
				rec.ids = append(rec.ids, PageID(f.arg))
			}
			rec.offs[PageID(f.arg)] = at
			continue
		case frameMark:
			continue
		}
		rec.txid, rec.memPages = f.txid, f.arg
		slices.Sort(rec.ids)
		w.size = off
		if apply != nil {
			if err := apply(rec); err != nil {
				return n, lastTxid, err
			}
		}
		n++
		lastTxid = max(lastTxid, f.txid)
		rec = walRecord{offs: map[PageID]int64{}}
	}
}

// checkTail decides whether the bad frame at off ends the log (a tail that a crash left) or
// is damage in front of frames that had been made durable: it looks for a whole frame of
// this log after off that is a mark, or a synced writer's frame of a message later than the
// one in progress at off.
func (w *wal) checkTail(off int64, done uint64, cur walRecord) error {
	// Read the rest of the log a chunk at a time and try, at every 8-byte offset, only the
	// frames whose salt field is this log's.
	buf := make([]byte, 1<<20)
	step := int64(len(buf) - 16)
	for base := off + 8; ; base += step {
		n, err := w.f.ReadAt(buf, base)
		if err != nil && err != io.EOF {
			return fmt.Errorf("read log: %w", err)
		}
		for i := 0; i+16 <= n && int64(i) < step; i += 8 {
			if le.Uint64(buf[i+8:]) != w.salt {
				continue
			}
			f, err := w.readFrame(base + int64(i))
			if errors.Is(err, errBadFrame) || err == io.EOF {
				continue
			}
			if err != nil {
				return err
			}
			if f.kind == frameMark || f.flags&frameSynced != 0 && f.txid > done+1 {
				return w.damaged(off, base+int64(i), done, cur)
			}
		}
		if n < len(buf) {
			return nil
		}
	}
}

// damaged is the error of a log with a bad frame at off before a durable frame at later.
func (w *wal) damaged(off, later int64, done uint64, cur walRecord) error {
	what := fmt.Sprintf("message %d", done+1)
	if len(cur.ids) > 0 {
		what = fmt.Sprintf("message %d, after %d of its pages", cur.txid, len(cur.ids))
	}
	return fmt.Errorf("%w: log %s is damaged at offset %d (%s), yet a later frame at offset %d "+
		"was made durable after it: this is not a torn tail, and replaying only what comes before "+
		"could roll pages back. If only the process crashed, the main file already holds every "+
		"message: move %s aside to open it, then run graphctl verify",
		ErrCorrupt, w.name, off, what, later, w.name)
}
