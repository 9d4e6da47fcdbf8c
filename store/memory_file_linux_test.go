package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// residentPages returns the pages of m's mapping in the process's resident set, from
// its Rss in /proc/self/smaps (mincore would say what the page cache holds instead).
func residentPages(t *testing.T, m *fileMemory) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	require.NoError(t, err)
	start := fmt.Sprintf("%x-", uintptr(unsafe.Pointer(unsafe.SliceData(m.data))))
	in := false
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, start) {
			in = true
		} else if in && strings.HasPrefix(line, "Rss:") {
			kb, err := strconv.Atoi(strings.Fields(line)[1])
			require.NoError(t, err)
			return kb * 1024 / PageSize
		}
	}
	t.Fatalf("no mapping at %s in /proc/self/smaps", start)
	return 0
}

// TestMapBudget reads every page of a store of ~1,600 pages and checks how much of the
// mapping stays resident: all of it read without a budget, at most the budget with one,
// and every value read right either way.
func TestMapBudget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s, err := Open(path, nil)
	require.NoError(t, err)
	const n = 50_000 // 100-byte values: ~1,500 leaves
	require.NoError(t, s.Update(func(tx *Tx) error { return fillSpillTree(tx, n) }))
	require.NoError(t, s.Close())

	for _, budget := range []int64{0, 64 * PageSize} {
		s, err := Open(path, &Options{MapBudget: budget})
		require.NoError(t, err)
		m := s.mem.(*fileMemory)
		dropMapped(m.data) // what opening read, for a clean count
		require.NoError(t, s.View(func(tx *Tx) error {
			tr, err := spillTree(tx, 0)
			require.NoError(t, err)
			for k := range uint64(n) {
				v, ok := tr.Get(beKey(k))
				require.True(t, ok)
				require.Len(t, v, 100)
			}
			return nil
		}))
		res := residentPages(t, m)
		if budget == 0 {
			require.Greater(t, res, 1_400, "without a budget every leaf read stays resident")
		} else {
			require.LessOrEqual(t, res, int(budget/PageSize)+8, "resident pages past the budget")
		}
		require.NoError(t, s.Close())
	}
}

// TestWriteVec checks that writeVec writes its buffers end to end at the offset, into a
// file of the system (pwritev) and into one that is not (joined), empty buffers and all.
func TestWriteVec(t *testing.T) {
	var bufs [][]byte
	var want []byte
	for i := range 2000 { // more than one pwritev takes
		b := make([]byte, i%7*13)
		for j := range b {
			b[j] = byte(i + j)
		}
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "vec"))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, writeVec(f, bufs, 100, new([]byte)))
	got, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	require.Equal(t, want, got[100:])

	fs := newFaultFS(-1, -1)
	mf, _, err := fs.open("vec", nil)
	require.NoError(t, err)
	require.NoError(t, writeVec(mf, bufs, 100, new([]byte)))
	got = make([]byte, len(want))
	_, err = mf.ReadAt(got, 100)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

// TestSkipWritten checks where writeVec goes on after a short pwritev, which a test's
// files never make: after every count of bytes written, the buffers left hold exactly the
// rest, and the caller's buffers are left as they were.
func TestSkipWritten(t *testing.T) {
	bufs := [][]byte{[]byte("ab"), nil, []byte("cde"), {}, []byte("f")}
	all := "abcdef"
	for n := 0; n <= len(all); n++ {
		left := skipWritten(bufs, n)
		var got []byte
		for _, b := range left {
			got = append(got, b...)
		}
		require.Equal(t, all[n:], string(got), "after %d bytes", n)
		require.Equal(t, [][]byte{[]byte("ab"), nil, []byte("cde"), {}, []byte("f")}, bufs, "after %d bytes", n)
	}
}
