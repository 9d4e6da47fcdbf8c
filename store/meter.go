package store

import (
	"context"
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
	// Context, if set, stops the message with its error (context.Canceled,
	// context.DeadlineExceeded) at the first page the message touches after it is done:
	// the way a server drops the message of a client that went away or ran out of time.
	Context context.Context
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

// ownerMeter holds the counts of one owner's accesses in a message. Which pages it touched
// lives in the meter's page set, under the owner's index.
type ownerMeter struct {
	tag            string
	idx            uint64 // its key space in the page set: 2 and up (1 is the message's own)
	pagesR, pagesW uint64
	bytesR, bytesW uint64
}

// meter records the pages a message touches and enforces its budget. Page numbers are
// 32-bit: 2^32 pages of 4 KiB is 16 TiB, above any Memory maximum we allow.
//
// Which pages were read and dirtied, by the message and by each owner, is one small
// open-addressed set of 64-bit words (pageSet): a message touches few pages, and a probe
// of a hash set in the heap costs less than a roaring container search. The counts are
// kept beside it, so Stats costs nothing per page.
type meter struct {
	set            pageSet
	pagesR, pagesW uint64
	accessed       uint64
	bytesR, bytesW uint64
	budget         Budget
	store          ownerMeter // OwnerStore's counts, owners[0]
	owners         []*ownerMeter
	ownersBuf      [manyOwners]*ownerMeter
	ownerBuf       [ownersKept]ownerMeter // the counts of the first owners after store
	byTag          map[string]*ownerMeter // for a message with many owners; nil until then
	owner          string
	cur            *ownerMeter
	// The last page read and the last page dirtied, and by which owner: touching a page
	// again is a no-op for the counts, and a merge join or a cursor writing in place touches
	// its leaf once per entry, so these skip the set.
	lastR, lastW         *ownerMeter
	lastRPage, lastWPage uint64
	// record makes stats hand out bitmaps of the pages touched (Stats.Touched), built from
	// the set at the end.
	record bool
}

// manyOwners is the number of owners past which setOwner finds them through a map rather
// than a scan of the slice.
const manyOwners = 8

// ownersKept is the number of owners besides OwnerStore whose counts live in the meter:
// a message's state is recycled, so these cost no allocation.
const ownersKept = 4

func (m *meter) init(b Budget) {
	m.budget = b
	m.store = ownerMeter{tag: OwnerStore, idx: pageSetFirstOwner}
	m.ownersBuf[0] = &m.store
	m.owners = m.ownersBuf[:1]
	m.owner, m.cur = OwnerStore, &m.store
}

// setOwner switches the owner tag and returns the previous one.
func (m *meter) setOwner(tag string) string {
	prev := m.owner
	if tag == prev && m.cur != nil {
		return prev
	}
	m.owner, m.cur = tag, m.ownerMeter(tag)
	return prev
}

// ownerMeter returns the counts of owner tag, making them on its first access.
func (m *meter) ownerMeter(tag string) *ownerMeter {
	if m.byTag != nil {
		if om := m.byTag[tag]; om != nil {
			return om
		}
	} else {
		for _, om := range m.owners {
			if om.tag == tag {
				return om
			}
		}
	}
	idx := pageSetFirstOwner + uint64(len(m.owners))
	if idx > pageSetMaxOwner {
		panic(fmt.Sprintf("store: more than %d owner tags in one message", pageSetMaxOwner-pageSetFirstOwner+1))
	}
	var om *ownerMeter
	if n := len(m.owners) - 1; n < ownersKept {
		om = &m.ownerBuf[n]
	} else {
		om = new(ownerMeter)
	}
	*om = ownerMeter{tag: tag, idx: idx}
	m.owners = append(m.owners, om)
	if len(m.owners) > manyOwners {
		if m.byTag == nil {
			m.byTag = make(map[string]*ownerMeter, 2*len(m.owners))
			for _, o := range m.owners {
				m.byTag[o.tag] = o
			}
		}
		m.byTag[tag] = om
	}
	return om
}

// onPageRead records a whole-page read of page pg: PageSize bytes the first time the
// message (and the current owner) reads it. It returns a *BudgetError when the read takes
// the message past its budget.
func (m *meter) onPageRead(pg uint64) error {
	if m.lastR == m.cur && m.lastRPage == pg {
		return nil
	}
	m.lastR, m.lastRPage = m.cur, pg
	if m.set.mark(m.cur.idx, pg, pageSetRead) {
		m.cur.pagesR++
		m.cur.bytesR += PageSize
	}
	return m.msgRead(pg, PageSize)
}

// onRawRead records a read of n bytes inside page pg.
func (m *meter) onRawRead(pg, n uint64) error {
	m.bytesR += n
	m.cur.bytesR += n
	if m.set.mark(m.cur.idx, pg, pageSetRead) {
		m.cur.pagesR++
	}
	return m.msgRead(pg, 0)
}

// msgRead records a read of page pg for the message as a whole; a first read counts
// first bytes (a whole page's, which later reads of it do not count again).
func (m *meter) msgRead(pg, first uint64) error {
	old, added := m.set.markOld(pageSetMessage, pg, pageSetRead)
	if !added {
		return nil
	}
	m.pagesR++
	m.bytesR += first
	if old&pageSetDirty != 0 {
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
	if m.set.mark(m.cur.idx, pg, pageSetDirty) {
		m.cur.pagesW++
		m.cur.bytesW += PageSize
	}
	old, added := m.set.markOld(pageSetMessage, pg, pageSetDirty)
	if !added {
		return nil
	}
	m.bytesW += PageSize
	return m.newDirty(old)
}

// onRawWrite records a write of n bytes inside page pg.
func (m *meter) onRawWrite(pg, n uint64) error {
	m.bytesW += n
	m.cur.bytesW += n
	if m.set.mark(m.cur.idx, pg, pageSetDirty) {
		m.cur.pagesW++
	}
	old, added := m.set.markOld(pageSetMessage, pg, pageSetDirty)
	if !added {
		return nil
	}
	return m.newDirty(old)
}

// newDirty accounts for a page dirtied for the first time in the message, whose flags
// before were old.
func (m *meter) newDirty(old uint64) error {
	m.pagesW++
	if old&pageSetRead == 0 {
		m.accessed++
		if err := m.checkAccessed(); err != nil {
			return err
		}
	}
	if n := m.pagesW; m.budget.MaxDirtied != 0 && n > m.budget.MaxDirtied {
		return &BudgetError{Limit: "dirtied", Max: m.budget.MaxDirtied, Count: n}
	}
	return nil
}

func (m *meter) checkAccessed() error {
	if ctx := m.budget.Context; ctx != nil {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("message stopped: %w", context.Cause(ctx))
		}
	}
	if m.budget.MaxAccessed != 0 && m.accessed > m.budget.MaxAccessed {
		return &BudgetError{Limit: "accessed", Max: m.budget.MaxAccessed, Count: m.accessed}
	}
	return nil
}

func (m *meter) stats() Stats {
	var s Stats
	m.statsInto(&s)
	return s
}

// statsInto writes the counts into *s, reusing the map s.ByOwner holds.
func (m *meter) statsInto(s *Stats) {
	s.reset()
	s.PagesRead, s.PagesDirtied, s.PagesAccessed = m.pagesR, m.pagesW, m.accessed
	s.BytesRead, s.BytesWritten = m.bytesR, m.bytesW
	for _, om := range m.owners {
		os := OwnerStats{PagesRead: om.pagesR, PagesDirtied: om.pagesW, BytesRead: om.bytesR, BytesWritten: om.bytesW}
		if os == (OwnerStats{}) {
			continue
		}
		if s.ByOwner == nil {
			s.ByOwner = make(map[string]OwnerStats, len(m.owners))
		}
		s.ByOwner[om.tag] = os
	}
	if m.record {
		s.Touched = m.set.touched()
	}
}

// reset zeroes the counts of s, if it is not nil, keeping its ByOwner map (emptied) for
// reuse.
func (s *Stats) reset() {
	if s == nil {
		return
	}
	by := s.ByOwner
	clear(by)
	*s = Stats{ByOwner: by}
}
