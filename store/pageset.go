package store

import (
	"math/bits"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// pageSet is the set of (owner, page) pairs one message touched, with a read and a dirty
// flag for each: an open-addressed hash set of 64-bit words with linear probing. A word is
//
//	bits 62-63  flags: pageSetRead, pageSetDirty
//	bits 32-61  owner index: pageSetMessage for the message as a whole, then one per owner
//	bits  0-31  page number
//
// so no word in use is 0, the mark of an empty slot. Tables come from pools and go back to
// them when the message ends: most messages allocate nothing for their meter.
type pageSet struct {
	slots []uint64
	box   *[]uint64 // holds slots, for the pool: a table goes back in the box it came in
	n     int       // slots in use
	shift uint      // 64 - log2(len(slots)): a hash's top bits pick the slot
}

const (
	pageSetRead  = 1 << 62
	pageSetDirty = 1 << 63
	pageSetFlags = pageSetRead | pageSetDirty

	pageSetMessage    = 1 // the owner index of the message's own counts
	pageSetFirstOwner = 2 // the first owner's
	pageSetMaxOwner   = 1<<30 - 1

	pageSetInlineBits = 6
	pageSetInline     = 1 << pageSetInlineBits // the first table's slots: 32 pairs

	// pageSetMul is 2^64 / φ: Fibonacci hashing, whose top bits depend on every bit of the key.
	pageSetMul = 0x9E3779B97F4A7C15
)

// markOld sets flag on the pair (owner, pg), adding it if needed, and returns the flags it
// had before and whether flag is new.
func (s *pageSet) markOld(owner, pg, flag uint64) (old uint64, added bool) {
	if s.slots == nil {
		s.box = s.table(pageSetInline)
		s.slots, s.shift = *s.box, 64-pageSetInlineBits
	}
	key := owner<<32 | pg
	mask := uint64(len(s.slots) - 1)
	for i := (key * pageSetMul) >> s.shift; ; i = (i + 1) & mask {
		w := s.slots[i]
		if w == 0 {
			s.slots[i] = key | flag
			s.n++
			if 2*s.n > len(s.slots) {
				s.grow()
			}
			return 0, true
		}
		if w&^pageSetFlags == key {
			old = w & pageSetFlags
			if old&flag != 0 {
				return old, false
			}
			s.slots[i] = w | flag
			return old, true
		}
	}
}

// mark sets flag on the pair (owner, pg) and reports whether it is new.
func (s *pageSet) mark(owner, pg, flag uint64) bool {
	_, added := s.markOld(owner, pg, flag)
	return added
}

// pageSetPools keep the tables of ended messages for later ones, by size: pageSetPools[i]
// holds tables of pageSetInline << i slots, up to 16 MiB of them.
var pageSetPools [19]sync.Pool

func pageSetPool(slots int) *sync.Pool {
	i := bits.Len(uint(slots)) - 1 - pageSetInlineBits
	if i < 0 || i >= len(pageSetPools) {
		return nil
	}
	return &pageSetPools[i]
}

// table returns an empty table of n slots (a power of two), from a pool if it can.
func (s *pageSet) table(n int) *[]uint64 {
	if p := pageSetPool(n); p != nil {
		if b, ok := p.Get().(*[]uint64); ok {
			return b
		}
	}
	b := make([]uint64, n)
	return &b
}

// grow doubles the table.
func (s *pageSet) grow() {
	old, oldBox := s.slots, s.box
	s.box = s.table(2 * len(old))
	s.slots = *s.box
	s.shift--
	mask := uint64(len(s.slots) - 1)
	for _, w := range old {
		if w == 0 {
			continue
		}
		i := ((w &^ pageSetFlags) * pageSetMul) >> s.shift
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = w
	}
	s.free(oldBox)
}

// free hands a table the set no longer uses to later messages.
func (s *pageSet) free(box *[]uint64) {
	if box == nil {
		return
	}
	if p := pageSetPool(len(*box)); p != nil {
		clear(*box)
		p.Put(box)
	}
}

// release empties the set and frees its table: at the end of the message, so that a Tx used
// after its end cannot reach a table a later message took.
func (s *pageSet) release() {
	s.free(s.box)
	s.slots, s.box, s.n = nil, nil, 0
}

// touched returns the pages the message read and dirtied, as bitmaps.
func (s *pageSet) touched() *Touched {
	var read, dirty []uint32
	for _, w := range s.slots {
		if w == 0 || (w&^pageSetFlags)>>32 != pageSetMessage {
			continue
		}
		if w&pageSetRead != 0 {
			read = append(read, uint32(w))
		}
		if w&pageSetDirty != 0 {
			dirty = append(dirty, uint32(w))
		}
	}
	slices.Sort(read)
	slices.Sort(dirty)
	return &Touched{Read: roaring.BitmapOf(read...), Dirtied: roaring.BitmapOf(dirty...)}
}
