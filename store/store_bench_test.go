package store

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// benchPages allocates n pages in a fresh file store and returns them.
func benchPages(b *testing.B, opts *Options, n int) (*Store, []PageID) {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.sgdb"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ids := make([]PageID, n)
	if err := s.Update(func(tx *Tx) error {
		for i := range ids {
			ids[i], _ = tx.Raw().Alloc()
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return s, ids
}

// BenchmarkCommit measures a message that dirties n pages, with and without the per-commit
// fsync of the log.
func BenchmarkCommit(b *testing.B) {
	for _, sync := range []bool{true, false} {
		for _, n := range []int{0, 1, 16, 256} {
			name := fmt.Sprintf("dirty=%d/fsync=%v", n, sync)
			if n == 0 {
				name = fmt.Sprintf("empty/fsync=%v", sync)
			}
			b.Run(name, func(b *testing.B) {
				s, ids := benchPages(b, &Options{NoSync: !sync}, max(n, 1))
				var pages uint64
				b.SetBytes(int64(n) * PageSize)
				b.ResetTimer()
				for i := range b.N {
					st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
						for _, id := range ids[:n] {
							le.PutUint64(tx.Raw().WritePage(id), uint64(i))
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					pages += st.PagesDirtied
				}
				b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
			})
		}
	}
}

// BenchmarkViewRead8 measures a View that reads 8 bytes at a random offset of a 64 MiB store.
func BenchmarkViewRead8(b *testing.B) {
	s, _ := benchPages(b, &Options{NoSync: true}, 64<<20/PageSize)
	var size uint64
	s.View(func(tx *Tx) error { size = tx.Raw().Size() * WasmPageSize; return nil })
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 8)
	var pages uint64
	b.ResetTimer()
	for range b.N {
		off := r.Uint64N(size - 8)
		st, err := s.ViewWith(Budget{}, func(tx *Tx) error { return tx.Raw().ReadAt(buf, off) })
		if err != nil {
			b.Fatal(err)
		}
		pages += st.PagesRead
	}
	b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
}

// BenchmarkEmptyView measures the fixed cost of a message: a View that touches no page.
func BenchmarkEmptyView(b *testing.B) {
	s := openHeap(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.View(func(*Tx) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
