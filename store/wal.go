package store

import (
	"crypto/rand"
	"fmt"
	"io"
	"slices"
)

// The redo log sits beside the main file (NAME-wal). A commit appends one frame per dirty
// page and then a commit frame, all in one write, and syncs. Every frame carries the log's
// salt and its own CRC-32C, so a torn or stale tail fails its checksum and replay stops
// there; pages are applied only from messages whose commit frame is whole.
//
// Header (32 bytes):
//
//	offset size field
//	     0    8 magic "SGWAL\x00\x00\x01"
//	     8    4 format version (1)
//	    12    4 page size (4096)
//	    16    8 salt: random, new each time the log is reset
//	    24    4 zero
//	    28    4 CRC-32C of bytes [0, 28)
//
// Frame header (40 bytes), then for a page frame the 4096-byte page image:
//
//	offset size field
//	     0    4 kind: 1 page, 2 commit
//	     4    4 commit: number of page frames in the message; page: 0
//	     8    8 salt
//	    16    8 message id
//	    24    8 page: page number; commit: memory size in Wasm pages after the message
//	    32    4 CRC-32C of bytes [0, 32) and the page image
//	    36    4 zero
const (
	walMagic      = "SGWAL\x00\x00\x01"
	walHeaderSize = 32
	frameHeader   = 40
	framePage     = 1
	frameCommit   = 2
)

// wal is the redo log of a file-backed store.
type wal struct {
	f    file
	size int64
	salt uint64
	buf  []byte
}

// openWAL reads the log's header. A log shorter than its header (new, or cut while being
// reset) is reset.
func openWAL(f file, size int64) (*wal, error) {
	w := &wal{f: f, size: size}
	if size < walHeaderSize {
		return w, w.reset()
	}
	var h [walHeaderSize]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("read log header: %w", err)
	}
	if string(h[:8]) != walMagic {
		return nil, fmt.Errorf("%w: log has bad magic %q", ErrNotStore, h[:8])
	}
	if v := le.Uint32(h[8:]); v != formatVersion {
		return nil, fmt.Errorf("%w: log version %d (this code reads version %d)", ErrVersion, v, formatVersion)
	}
	if ps := le.Uint32(h[12:]); ps != PageSize {
		return nil, fmt.Errorf("%w: log page size %d (this code uses %d)", ErrVersion, ps, PageSize)
	}
	if crc32c(h[:28]) != le.Uint32(h[28:]) {
		return nil, fmt.Errorf("%w: log header checksum", ErrCorrupt)
	}
	w.salt = le.Uint64(h[16:])
	return w, nil
}

// reset empties the log and gives it a new salt, so no frame written before can validate.
func (w *wal) reset() error {
	var h [walHeaderSize]byte
	copy(h[:], walMagic)
	le.PutUint32(h[8:], formatVersion)
	le.PutUint32(h[12:], PageSize)
	if _, err := rand.Read(h[16:24]); err != nil {
		return err
	}
	le.PutUint32(h[28:], crc32c(h[:28]))
	if err := w.f.Truncate(0); err != nil {
		return fmt.Errorf("reset log: %w", err)
	}
	if _, err := w.f.WriteAt(h[:], 0); err != nil {
		return fmt.Errorf("reset log: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("reset log: %w", err)
	}
	w.size, w.salt = walHeaderSize, le.Uint64(h[16:])
	return nil
}

func (w *wal) putFrame(kind, count uint32, txid, arg uint64, page []byte) {
	var h [frameHeader]byte
	le.PutUint32(h[0:], kind)
	le.PutUint32(h[4:], count)
	le.PutUint64(h[8:], w.salt)
	le.PutUint64(h[16:], txid)
	le.PutUint64(h[24:], arg)
	crc := crc32c(h[:32])
	if page != nil {
		crc = crc32Update(crc, page)
	}
	le.PutUint32(h[32:], crc)
	w.buf = append(w.buf, h[:]...)
	w.buf = append(w.buf, page...)
}

// append writes the frames of one message (page ids[i] is pages[i]) and, unless noSync, syncs.
func (w *wal) append(txid, memPages uint64, ids []PageID, pages [][]byte, noSync bool) error {
	w.buf = w.buf[:0]
	for i, id := range ids {
		w.putFrame(framePage, 0, txid, uint64(id), pages[i])
	}
	w.putFrame(frameCommit, uint32(len(ids)), txid, memPages, nil)
	if _, err := w.f.WriteAt(w.buf, w.size); err != nil {
		return fmt.Errorf("write log: %w", err)
	}
	if !noSync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("sync log: %w", err)
		}
	}
	w.size += int64(len(w.buf))
	if cap(w.buf) > 4<<20 {
		w.buf = nil // do not keep a large message's buffer alive
	}
	return nil
}

// walRecord is one committed message read back from the log.
type walRecord struct {
	txid     uint64
	memPages uint64
	ids      []PageID
	pages    map[PageID][]byte
}

// sorted returns the record's pages in ids order, once ids is sorted.
func (r *walRecord) sorted() [][]byte {
	out := make([][]byte, len(r.ids))
	for i, id := range r.ids {
		out[i] = r.pages[id]
	}
	return out
}

// replay calls apply for every message whose commit frame is whole, in log order, and
// stops at the first frame that is short, torn, stale or out of place. It returns the
// number of messages applied and the highest message id seen.
func (w *wal) replay(apply func(walRecord) error) (n int, lastTxid uint64, err error) {
	off := int64(walHeaderSize)
	var h [frameHeader]byte
	rec := walRecord{pages: map[PageID][]byte{}}
	for {
		if _, err := w.f.ReadAt(h[:], off); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return n, lastTxid, nil
			}
			return n, lastTxid, fmt.Errorf("read log: %w", err)
		}
		kind, count, salt := le.Uint32(h[0:]), le.Uint32(h[4:]), le.Uint64(h[8:])
		txid, arg := le.Uint64(h[16:]), le.Uint64(h[24:])
		if salt != w.salt || (kind != framePage && kind != frameCommit) {
			return n, lastTxid, nil
		}
		if len(rec.ids) > 0 && txid != rec.txid {
			return n, lastTxid, nil // a message's frames are contiguous
		}
		var page []byte
		if kind == framePage {
			page = make([]byte, PageSize)
			if _, err := w.f.ReadAt(page, off+frameHeader); err != nil {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return n, lastTxid, nil
				}
				return n, lastTxid, fmt.Errorf("read log: %w", err)
			}
		}
		crc := crc32c(h[:32])
		if page != nil {
			crc = crc32Update(crc, page)
		}
		if crc != le.Uint32(h[32:]) {
			return n, lastTxid, nil
		}
		off += frameHeader + int64(len(page))
		if kind == framePage {
			rec.txid = txid
			if _, dup := rec.pages[PageID(arg)]; !dup {
				rec.ids = append(rec.ids, PageID(arg))
			}
			rec.pages[PageID(arg)] = page
			continue
		}
		if int(count) != len(rec.ids) {
			return n, lastTxid, nil
		}
		rec.txid, rec.memPages = txid, arg
		slices.Sort(rec.ids)
		if err := apply(rec); err != nil {
			return n, lastTxid, err
		}
		n++
		lastTxid = max(lastTxid, txid)
		rec = walRecord{pages: map[PageID][]byte{}}
		w.size = off
	}
}
