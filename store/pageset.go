package store

import (
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
)

// pageSet is the set of (owner, page) pairs one message touched, with a read and a dirty
// flag for each: an open-addressed hash set of 64-bit words with linear probing. A word is
//
//	bits 62-63  flags: pageSetRead, pageSetDirty
//	bits 32-61  owner index: pageSetMessage for the message as a whole, then one per owner
//	bits  0-31  page number
//
// so no word in use is 0, the mark of an empty slot. The first slots live in the set
// itself: a message that touches few pages allocates nothing.
type pageSet struct {
	slots []uint64
	n     int  // slots in use
	shift uint // 64 - log2(len(slots)): a hash's top bits pick the slot
	inl   [pageSetInline]uint64
}

const (
	pageSetRead  = 1 << 62
	pageSetDirty = 1 << 63
	pageSetFlags = pageSetRead | pageSetDirty

	pageSetMessage    = 1 // the owner index of the message's own counts
	pageSetFirstOwner = 2 // the first owner's
	pageSetMaxOwner   = 1<<30 - 1

	pageSetInlineBits = 6
	pageSetInline     = 1 << pageSetInlineBits // slots kept inline: 32 pairs before the first allocation

	// pageSetMul is 2^64 / φ: Fibonacci hashing, whose top bits depend on every bit of the key.
	pageSetMul = 0x9E3779B97F4A7C15
)

// markOld sets flag on the pair (owner, pg), adding it if needed, and returns the flags it
// had before and whether flag is new.
func (s *pageSet) markOld(owner, pg, flag uint64) (old uint64, added bool) {
	if s.slots == nil {
		s.slots, s.shift = s.inl[:], 64-pageSetInlineBits
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

// grow doubles the table.
func (s *pageSet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
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
