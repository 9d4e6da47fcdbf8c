package store

import (
	"fmt"
	"maps"
	"slices"
)

// A message keeps the pages it writes in the heap until it commits. One larger than the
// heap can hold (an import of millions of entities) spills them to the redo log instead:
// past Options.SpillPages dirty pages, it writes them as page frames of the message ahead
// of its commit frame (see wal.go) and drops them from the heap. A spilled page read again
// is read back from the log; written again, it becomes dirty again and a later spill or the
// commit writes it anew. The commit frame still makes the message all or nothing; a message
// that fails or is rolled back cuts its spilled frames off the log. A store without a log
// (OpenMemory) never spills.
//
// A message spills only where no code of this package holds a page it is writing: at the
// start of Tree.Put and Tree.Delete, and between the leaves of a BulkLoad. Pages handed out
// by Raw for writing are the caller's to hold, and never spill.

// DefaultSpillPages is how many dirty pages (256 MiB) a message of a file-backed store keeps
// in the heap before it spills them to the log.
const DefaultSpillPages = 1 << 16

// spillRef is where a spilled page's last image is in the log.
type spillRef struct {
	off  int64 // of the page image
	kind pageKind
}

// spillLimit returns how many dirty pages tx keeps before it spills, or 0 for never.
func (tx *Tx) spillLimit() int {
	n := tx.s.opts.SpillPages
	switch {
	case tx.s.log == nil || n < 0:
		return 0
	case n == 0:
		return DefaultSpillPages
	}
	return n
}

// maybeSpill spills the message's dirty pages, all but keep (0: none) and those Raw handed
// out, if they (with the read copies of spilled pages) are more than the limit. The caller
// holds no page it writes but keep.
func (tx *Tx) maybeSpill(keep PageID) {
	limit := tx.spillLimit()
	if limit == 0 || len(tx.dirty)+len(tx.spillCopies)-len(tx.pinned) <= limit {
		return
	}
	ids := make([]PageID, 0, len(tx.dirty))
	for id := range tx.dirty {
		if _, pinned := tx.pinned[id]; !pinned && (id != keep || keep == 0) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	pages, kinds := tx.dirtyPages(ids) // sealed as the log frames them
	offs, err := tx.s.log.spill(ids, pages, kinds, tx.s.opts.NoSync)
	if err != nil {
		tx.abort(fmt.Errorf("spill %d pages of the message to the log: %w", len(ids), err))
	}
	if tx.spilled == nil {
		tx.spilled = make(map[PageID]spillRef, len(ids))
	}
	for i, id := range ids {
		dp := tx.dirty[id]
		tx.spilled[id] = spillRef{off: offs[i], kind: dp.kind}
		// The dirtyPage stays in its array (newDirty) until the message ends: drop its
		// buffer, so a spill frees what it spilled.
		dp.b = nil
		delete(tx.dirty, id)
	}
	tx.spillCopies = nil
	tx.spills += uint64(len(ids))
}

// spilledPage returns the last image of page id that the message spilled, if it did, read
// back from the log (once until the next spill).
func (tx *Tx) spilledPage(id PageID) ([]byte, bool) {
	ref, ok := tx.spilled[id]
	if !ok {
		return nil, false
	}
	if b, ok := tx.spillCopies[id]; ok {
		return b, true
	}
	b := make([]byte, PageSize)
	if err := tx.s.log.readSpilled(b, ref.off); err != nil {
		tx.abort(err)
	}
	if ref.kind != pageRaw {
		if err := verifyPage(id, b, ref.kind); err != nil {
			tx.abort(fmt.Errorf("spilled page read back from the log: %w", err))
		}
	}
	if tx.spillCopies == nil {
		tx.spillCopies = make(map[PageID][]byte)
	}
	tx.spillCopies[id] = b
	return b, true
}

// pin keeps page id, which Raw handed out for writing, from spilling.
func (tx *Tx) pin(id PageID) {
	if tx.pinned == nil {
		tx.pinned = make(map[PageID]struct{})
	}
	tx.pinned[id] = struct{}{}
}

// isDirty reports whether the message wrote page id: it is dirty, or it spilled it.
func (tx *Tx) isDirty(id PageID) bool {
	if _, ok := tx.dirty[id]; ok {
		return true
	}
	_, ok := tx.spilled[id]
	return ok
}

// allPages returns every page of the message in order, the dirty ones (ids) and the
// spilled ones it did not write again, and reads page i of them: from the heap, or back
// from the log.
func (s *Store) allPages(tx *Tx, ids []PageID, pages [][]byte) ([]PageID, func(int) ([]byte, error)) {
	if len(tx.spilled) == 0 {
		return ids, func(i int) ([]byte, error) { return pages[i], nil }
	}
	all := slices.Concat(ids, slices.Collect(maps.Keys(tx.spilled)))
	slices.Sort(all)
	all = slices.Compact(all)
	return all, func(i int) ([]byte, error) {
		id := all[i]
		if dp, ok := tx.dirty[id]; ok {
			return dp.b, nil
		}
		off := tx.spilled[id].off - frameHeader
		f, err := s.log.readFrame(off)
		if err != nil || f.kind != framePage || PageID(f.arg) != id {
			return nil, fmt.Errorf("%w: log %s: spilled page %d at offset %d reads back wrong (%v)", ErrCorrupt, s.log.name, id, off, err)
		}
		return f.page, nil
	}
}

// kindOf returns the kind of page id, which the message wrote.
func (tx *Tx) kindOf(id PageID) pageKind {
	if dp, ok := tx.dirty[id]; ok {
		return dp.kind
	}
	return tx.spilled[id].kind
}

// dropSpill cuts the frames of a message that did not commit off the log. If that fails,
// the store fails: its log ends with frames it cannot vouch for.
func (s *Store) dropSpill() {
	if s.log == nil || s.log.spillEnd == 0 {
		return
	}
	if err := s.log.dropSpill(); err != nil {
		s.exclusive(func() error { s.fail(err); return nil })
	}
}
