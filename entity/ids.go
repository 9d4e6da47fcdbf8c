package entity

import "github.com/RoaringBitmap/roaring/v2/roaring64"

// IDs gathers entity IDs into a bitmap in bulk: IDs that arrive in ascending runs (a tree's
// keys, a probe of a sorted set) are added a run at a time with AddMany, which fills a
// container in one pass, rather than one by one, each a search of the bitmap. The zero
// value is empty and ready to use.
type IDs struct {
	bm  *roaring64.Bitmap
	run []uint64
}

// idRun is the most IDs IDs holds before it adds them to its bitmap.
const idRun = 1024

// Add adds id. IDs out of order are right, only slower.
func (s *IDs) Add(id uint64) {
	if n := len(s.run); n > 0 && id <= s.run[n-1] || n == idRun {
		s.flush()
	}
	if s.run == nil {
		s.run = make([]uint64, 0, 64) // grows to idRun if the IDs are many: most sets are few
	}
	s.run = append(s.run, id)
}

func (s *IDs) flush() {
	if len(s.run) == 0 {
		return
	}
	if s.bm == nil {
		s.bm = roaring64.New()
	}
	s.bm.AddMany(s.run)
	s.run = s.run[:0]
}

// Bitmap returns the IDs added so far. Later Adds change it.
func (s *IDs) Bitmap() *roaring64.Bitmap {
	s.flush()
	if s.bm == nil {
		s.bm = roaring64.New()
	}
	return s.bm
}
