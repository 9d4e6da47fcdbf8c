package entity

import (
	"maps"
	"math"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// IDs gathers entity IDs into a bitmap in bulk, without a search of the bitmap per ID: a
// run of consecutive IDs (a kind's members, a tree's keys) is added as one range, and IDs
// that come in ascending batches, even several interleaved ones (an index range: the
// entities of each value in ID order), are set as bits of a dense 2^16-ID window, which
// becomes a roaring container once, when the bitmap is asked for. A window is made dense
// only when a batch holds enough of its IDs, so a sparse set costs no more than its IDs.
// The zero value is empty and ready to use.
type IDs struct {
	bm *roaring64.Bitmap
	// lo..hi is the run of consecutive IDs being gathered, if inRun.
	lo, hi uint64
	inRun  bool
	// list holds ascending IDs, not in a long run, not yet in bm or a window.
	list []uint64
	// wins holds the dense windows by their number (ID >> 16), IDs below 2^32 only.
	wins map[uint64]*idWindow
}

type idWindow [1 << 16 / 64]uint64

const (
	// idList is the most IDs IDs holds in its list before it sorts them into windows.
	idList = 1024
	// idRange is the shortest run of consecutive IDs added as a range rather than as IDs.
	idRange = 16
	// idDense is the fewest IDs of one window in a batch that make the window dense: a
	// dense window costs 8 KiB and a scan of it, fewer IDs go into the bitmap one by one.
	idDense = 64
	// idWindows is the number of windows below 2^32, the IDs a 32-bit bitmap holds.
	idWindows = 1 << 16
)

// Add adds id. IDs in any order are right, ascending ones are fastest.
func (s *IDs) Add(id uint64) {
	if s.inRun && id == s.hi+1 && id != 0 {
		s.hi = id
		return
	}
	if s.inRun && s.lo == s.hi { // the common case of IDs apart: no run to end
		s.push(s.lo)
		s.lo, s.hi = id, id
		return
	}
	s.endRun()
	s.lo, s.hi, s.inRun = id, id, true
}

// AddBatch adds the IDs of batch, as Add of each in turn would, without a call per ID in
// the common cases: the next ID of a run, or an ID apart from the previous one, after the
// IDs listed so far.
func (s *IDs) AddBatch(batch []uint64) {
	for _, id := range batch {
		switch n := len(s.list); {
		case s.inRun && id == s.hi+1 && id != 0:
			s.hi = id
		case s.inRun && s.lo == s.hi && n > 0 && n < idList && s.lo > s.list[n-1]:
			s.list = append(s.list, s.lo) // push's common case
			s.lo, s.hi = id, id
		default:
			s.Add(id)
		}
	}
}

// AddRange adds the IDs lo to hi, both included, as Adds of each in order would.
func (s *IDs) AddRange(lo, hi uint64) {
	if s.inRun && lo == s.hi+1 && lo != 0 {
		s.hi = hi
		return
	}
	s.endRun()
	s.lo, s.hi, s.inRun = lo, hi, true
}

// endRun adds the run being gathered: a range if it is long, else its IDs to the list.
func (s *IDs) endRun() {
	if !s.inRun {
		return
	}
	s.inRun = false
	if s.hi-s.lo >= idRange-1 { // not hi-lo+1, which overflows for the whole ID space
		if s.hi == math.MaxUint64 { // a range's end past it does not exist
			s.bitmap().AddRange(s.lo, s.hi)
			s.bitmap().Add(s.hi)
			return
		}
		s.bitmap().AddRange(s.lo, s.hi+1)
		return
	}
	for id := s.lo; ; id++ {
		s.push(id)
		if id == s.hi {
			return
		}
	}
}

// push appends id to the list, sorting the list into windows first if id does not come
// after its last ID or it is full.
func (s *IDs) push(id uint64) {
	if n := len(s.list); n > 0 && id <= s.list[n-1] || n == idList {
		s.flushList()
	}
	if s.list == nil {
		s.list = make([]uint64, 0, 64) // grows to idList if the IDs are many: most sets are few
	}
	s.list = append(s.list, id)
}

// flushList sets the list's IDs in their windows, window by window (the list is
// ascending), or adds them to the bitmap where a window would hold too few.
func (s *IDs) flushList() {
	for ids := s.list; len(ids) > 0; {
		w := ids[0] >> 16
		n := 1
		for n < len(ids) && ids[n]>>16 == w {
			n++
		}
		seg := ids[:n]
		ids = ids[n:]
		win := s.wins[w]
		if win == nil && w < idWindows && n >= idDense {
			if s.wins == nil {
				s.wins = map[uint64]*idWindow{}
			}
			win = new(idWindow)
			s.wins[w] = win
		}
		if win == nil {
			s.bitmap().AddMany(seg)
			continue
		}
		for _, id := range seg {
			win[id>>6&(uint64(len(win))-1)] |= 1 << (id & 63)
		}
	}
	s.list = s.list[:0]
}

func (s *IDs) bitmap() *roaring64.Bitmap {
	if s.bm == nil {
		s.bm = roaring64.New()
	}
	return s.bm
}

// Bitmap returns the IDs added so far. Later Adds change it.
func (s *IDs) Bitmap() *roaring64.Bitmap {
	s.endRun()
	s.flushList()
	bm := s.bitmap()
	if len(s.wins) == 0 {
		return bm
	}
	// The windows as one 32-bit bitmap, in window order, each a container made from its
	// bits in one pass.
	acc := roaring.New()
	for _, w := range slices.Sorted(maps.Keys(s.wins)) {
		c := roaring.FromDense(s.wins[w][:], false)
		if w != 0 {
			c = roaring.AddOffset(c, uint32(w)<<16)
		}
		acc.Or(c)
	}
	clear(s.wins)
	if bm.IsEmpty() {
		s.bm = roaring64.Roaring32AsRoaring64(acc)
		return s.bm
	}
	bm.Or(roaring64.Roaring32AsRoaring64(acc))
	return bm
}
