package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
)

// ErrPageBudgetExceeded reports a message that touched more pages than its budget allows.
// The error returned is a *BudgetError that says which limit was hit.
var ErrPageBudgetExceeded = errors.New("page budget exceeded")

// OwnerStore is the owner tag of the accesses the store makes for itself (the superblock,
// the allocator's free list, tree descriptors) and of raw accesses no caller tagged.
const OwnerStore = "store"

// Budget limits the distinct 4 KiB pages one message may touch, as the Internet Computer
// limits each message. A zero field means no limit.
type Budget struct {
	// MaxAccessed limits the distinct pages read or dirtied.
	MaxAccessed uint64
	// MaxDirtied limits the distinct pages dirtied.
	MaxDirtied uint64
}

// Budgets equal to the Internet Computer's per-message stable-memory limits.
var (
	// UpdateBudget is the limit of an update message: 2 GiB accessed, 2 GiB dirtied.
	UpdateBudget = Budget{MaxAccessed: 2 << 30 / PageSize, MaxDirtied: 2 << 30 / PageSize}
	// QueryBudget is the limit of a query message: 1 GiB accessed, 1 GiB dirtied.
	QueryBudget = Budget{MaxAccessed: 1 << 30 / PageSize, MaxDirtied: 1 << 30 / PageSize}
	// UpgradeBudget is the limit of an upgrade: 8 GiB accessed, 8 GiB dirtied.
	UpgradeBudget = Budget{MaxAccessed: 8 << 30 / PageSize, MaxDirtied: 8 << 30 / PageSize}
)

// BudgetError is the error of a message stopped by its page budget.
type BudgetError struct {
	Limit string // "accessed" or "dirtied"
	Max   uint64 // the budget's limit, in pages
	Count uint64 // the count that went past it
}

// Error says which limit was passed, and by how much.
func (e *BudgetError) Error() string {
	return fmt.Sprintf("%v: %d pages %s, limit %d", ErrPageBudgetExceeded, e.Count, e.Limit, e.Max)
}

// Unwrap makes errors.Is(err, ErrPageBudgetExceeded) hold.
func (e *BudgetError) Unwrap() error { return ErrPageBudgetExceeded }

// Stats counts what one message did to stable memory. Page counts are of distinct 4 KiB
// pages; byte counts add up every access.
type Stats struct {
	PagesRead     uint64 // distinct pages read
	PagesDirtied  uint64 // distinct pages written
	PagesAccessed uint64 // distinct pages read or written
	// BytesRead and BytesWritten count bytes moved between stable memory and the heap: a raw
	// ReadAt or WriteAt counts its length every time; a page read or dirtied through the page
	// API (as B-tree nodes are) counts PageSize once per message, as one copy of the page would.
	BytesRead    uint64
	BytesWritten uint64
	// PagesSpilled counts the page images the message wrote to the log ahead of its commit,
	// to keep the heap it uses bounded (Options.SpillPages); a page spilled twice counts twice.
	PagesSpilled uint64
	// ByOwner breaks the counts down by the owner tag that made the access
	// (OwnerStore unless a structure tagged it). A page touched by two owners counts for both.
	ByOwner map[string]OwnerStats
	// Touched holds the pages themselves when the store records them (Options.RecordPages),
	// and is nil otherwise.
	Touched *Touched
}

// Touched is the set of pages one message touched, by page number.
type Touched struct {
	Read    *roaring.Bitmap // the pages read: Stats.PagesRead of them
	Dirtied *roaring.Bitmap // the pages dirtied: Stats.PagesDirtied of them
}

// OwnerStats is the part of a message's Stats made by one owner.
type OwnerStats struct {
	PagesRead    uint64
	PagesDirtied uint64
	BytesRead    uint64
	BytesWritten uint64
}

// Owners returns the owner tags of s in sorted order.
func (s Stats) Owners() []string {
	return slices.Sorted(maps.Keys(s.ByOwner))
}

// ownerMeter holds the distinct pages one owner touched.
type ownerMeter struct {
	read, dirty    roaring.Bitmap
	bytesR, bytesW uint64
}

// meter records the pages a message touches and enforces its budget. Page numbers are
// 32-bit in the bitmaps: 2^32 pages of 4 KiB is 16 TiB, above any Memory maximum we allow.
type meter struct {
	read, dirty    roaring.Bitmap
	accessed       uint64
	bytesR, bytesW uint64
	budget         Budget
	owners         map[string]*ownerMeter
	owner          string
	cur            *ownerMeter
	// The last page read and the last page dirtied, and by which owner: touching a page
	// again is a no-op for the counts, and a merge join or a cursor writing in place touches
	// its leaf once per entry, so these skip the bitmaps.
	lastR, lastW         *ownerMeter
	lastRPage, lastWPage uint64
	// record makes stats hand out copies of the bitmaps of pages (Stats.Touched). The
	// bitmaps are kept either way, so recording costs only that copy, at the end.
	record bool
}

func (m *meter) init(b Budget) {
	m.budget = b
	m.owners = make(map[string]*ownerMeter, 4)
	m.setOwner(OwnerStore)
}

// setOwner switches the owner tag and returns the previous one.
func (m *meter) setOwner(tag string) string {
	prev := m.owner
	if tag == prev && m.cur != nil {
		return prev
	}
	om := m.owners[tag]
	if om == nil {
		om = &ownerMeter{}
		m.owners[tag] = om
	}
	m.owner, m.cur = tag, om
	return prev
}

// onPageRead records a whole-page read of page pg: PageSize bytes the first time the
// message (and the current owner) reads it. It returns a *BudgetError when the read takes
// the message past its budget.
func (m *meter) onPageRead(pg uint64) error {
	if m.lastR == m.cur && m.lastRPage == pg {
		return nil
	}
	m.lastR, m.lastRPage = m.cur, pg
	if m.cur.read.CheckedAdd(uint32(pg)) {
		m.cur.bytesR += PageSize
	}
	if !m.read.CheckedAdd(uint32(pg)) {
		return nil
	}
	m.bytesR += PageSize
	if m.dirty.Contains(uint32(pg)) {
		return nil
	}
	m.accessed++
	return m.checkAccessed()
}

// onRawRead records a read of n bytes inside page pg.
func (m *meter) onRawRead(pg, n uint64) error {
	m.bytesR += n
	m.cur.bytesR += n
	m.cur.read.Add(uint32(pg))
	if !m.read.CheckedAdd(uint32(pg)) || m.dirty.Contains(uint32(pg)) {
		return nil
	}
	m.accessed++
	return m.checkAccessed()
}

// onPageWrite records that page pg is dirtied as a whole: PageSize bytes, once.
func (m *meter) onPageWrite(pg uint64) error {
	if m.lastW == m.cur && m.lastWPage == pg {
		return nil
	}
	m.lastW, m.lastWPage = m.cur, pg
	if m.cur.dirty.CheckedAdd(uint32(pg)) {
		m.cur.bytesW += PageSize
	}
	if !m.dirty.CheckedAdd(uint32(pg)) {
		return nil
	}
	m.bytesW += PageSize
	return m.newDirty(pg)
}

// onRawWrite records a write of n bytes inside page pg.
func (m *meter) onRawWrite(pg, n uint64) error {
	m.bytesW += n
	m.cur.bytesW += n
	m.cur.dirty.Add(uint32(pg))
	if !m.dirty.CheckedAdd(uint32(pg)) {
		return nil
	}
	return m.newDirty(pg)
}

// newDirty accounts for page pg, dirtied for the first time in the message.
func (m *meter) newDirty(pg uint64) error {
	if !m.read.Contains(uint32(pg)) {
		m.accessed++
		if err := m.checkAccessed(); err != nil {
			return err
		}
	}
	if n := m.dirty.GetCardinality(); m.budget.MaxDirtied != 0 && n > m.budget.MaxDirtied {
		return &BudgetError{Limit: "dirtied", Max: m.budget.MaxDirtied, Count: n}
	}
	return nil
}

func (m *meter) checkAccessed() error {
	if m.budget.MaxAccessed != 0 && m.accessed > m.budget.MaxAccessed {
		return &BudgetError{Limit: "accessed", Max: m.budget.MaxAccessed, Count: m.accessed}
	}
	return nil
}

func (m *meter) stats() Stats {
	s := Stats{
		PagesRead:     m.read.GetCardinality(),
		PagesDirtied:  m.dirty.GetCardinality(),
		PagesAccessed: m.accessed,
		BytesRead:     m.bytesR,
		BytesWritten:  m.bytesW,
		ByOwner:       make(map[string]OwnerStats, len(m.owners)),
	}
	for tag, om := range m.owners {
		os := OwnerStats{
			PagesRead:    om.read.GetCardinality(),
			PagesDirtied: om.dirty.GetCardinality(),
			BytesRead:    om.bytesR,
			BytesWritten: om.bytesW,
		}
		if os != (OwnerStats{}) {
			s.ByOwner[tag] = os
		}
	}
	if m.record {
		s.Touched = &Touched{Read: m.read.Clone(), Dirtied: m.dirty.Clone()}
	}
	return s
}
