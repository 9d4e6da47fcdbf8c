package entity

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIDsMatchesAdd checks the bulk builder against a bitmap built one Add at a time, for
// ascending runs longer and shorter than a batch, repeats and IDs out of order.
func TestIDsMatchesAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 3))
	var zero IDs
	assert.True(t, zero.Bitmap().IsEmpty())
	for round := range 50 {
		var ids IDs
		want := roaring64.New()
		id := r.Uint64N(1 << 40)
		for range r.IntN(5000) {
			switch r.IntN(20) {
			case 0:
				id = r.Uint64N(1 << 40) // a jump, forward or back
			case 1:
				// a repeat
			default:
				id += 1 + r.Uint64N(70000) // across 16-bit containers now and then
			}
			ids.Add(id)
			want.Add(id)
		}
		assert.True(t, want.Equals(ids.Bitmap()), "round %d", round)
	}
}

// TestIDsModel checks the builder against a plain map on the shapes it has fast paths
// for: consecutive runs (a kind's members), interleaved ascending batches over the same
// windows (an index range, value after value), sparse IDs, IDs past 2^32, and Bitmap
// asked for between Adds.
func TestIDsModel(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 15))
	for round := range 100 {
		var ids IDs
		want := map[uint64]bool{}
		// IDs pending are added in batches: by AddBatch or by Add one at a time.
		var pending []uint64
		flush := func() {
			if r.IntN(2) == 0 {
				ids.AddBatch(pending)
			} else {
				for _, id := range pending {
					ids.Add(id)
				}
			}
			pending = pending[:0]
		}
		add := func(id uint64) {
			pending = append(pending, id)
			want[id] = true
			if len(pending) > r.IntN(300) {
				flush()
			}
		}
		check := func() {
			t.Helper()
			flush()
			bm := ids.Bitmap()
			require.Equal(t, uint64(len(want)), bm.GetCardinality(), "round %d", round)
			for id := range want {
				require.True(t, bm.Contains(id), "round %d: %d missing", round, id)
			}
		}
		base := []uint64{0, 1, 1 << 16, 1<<32 - 3000, 1<<32 + 5, 1<<64 - 5000}[r.IntN(6)]
		for range 1 + r.IntN(6) {
			switch r.IntN(5) {
			case 0: // a run of consecutive IDs, by Add or in ranges (a leaf's keys)
				lo := base + r.Uint64N(200000)
				hi := min(lo+r.Uint64N(3000), 1<<64-1)
				for id := lo; id <= hi; {
					n := min(1+r.Uint64N(600), hi-id)
					if r.IntN(2) == 0 {
						flush()
						ids.AddRange(id, id+n)
					} else {
						for i := range n + 1 {
							add(id + i)
						}
					}
					for i := range n + 1 {
						want[id+i] = true
					}
					if id+n == hi {
						break
					}
					id += n + 1 + r.Uint64N(3)/2
				}
			case 1: // ascending batches, interleaved: the IDs of value after value
				for range 1 + r.IntN(8) {
					step := 1 + r.Uint64N(40)
					for id := base + r.Uint64N(step); id < base+200000 && id >= base; id += 1 + r.Uint64N(2*step) {
						add(id)
					}
				}
			case 2: // sparse
				for range r.IntN(300) {
					add(base + r.Uint64N(1<<30))
				}
			case 3: // any order, repeats
				for range r.IntN(3000) {
					add(base + r.Uint64N(150000))
				}
			case 4:
				check()
			}
		}
		check()
		if round%10 == 0 {
			add(0)
			add(1<<64 - 1)
			add(0)
			check()
		}
	}
}

// TestIDsRunsAreRanges checks that a run of consecutive IDs becomes run containers, not
// an ID per entry: a bitmap of 100000 consecutive IDs is a few bytes.
func TestIDsRunsAreRanges(t *testing.T) {
	var ids IDs
	for id := uint64(1); id <= 100000; id++ {
		ids.Add(id)
	}
	bm := ids.Bitmap()
	require.Equal(t, uint64(100000), bm.GetCardinality())
	require.True(t, bm.HasRunCompression())
	require.Less(t, bm.GetSizeInBytes(), uint64(200))
}

// TestIDsRunToMaxID checks that a run of IDs ending at the largest ID is added whole: a
// range's end past it does not exist.
func TestIDsRunToMaxID(t *testing.T) {
	const top = ^uint64(0)
	var a, b IDs
	for id := top - 19; ; id++ {
		a.Add(id)
		if id == top {
			break
		}
	}
	b.AddRange(top-19, top)
	for _, s := range []*IDs{&a, &b} {
		bm := s.Bitmap()
		require.Equal(t, uint64(20), bm.GetCardinality())
		require.True(t, bm.Contains(top))
		require.True(t, bm.Contains(top-19))
	}
}

// TestIDsAddBatchWraps: a batch that ends a run at the last ID and goes on with ID 0 (not
// the run's next ID) keeps both, as Add of each does.
func TestIDsAddBatchWraps(t *testing.T) {
	var batch []uint64
	for id := uint64(1<<64 - 21); id != 0; id++ {
		batch = append(batch, id)
	}
	batch = append(batch, 0, 1)
	var ids IDs
	ids.AddBatch(batch)
	bm := ids.Bitmap()
	require.Equal(t, uint64(len(batch)), bm.GetCardinality())
	for _, id := range batch {
		require.True(t, bm.Contains(id), "%d missing", id)
	}
}
