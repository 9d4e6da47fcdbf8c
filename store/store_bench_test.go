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

// BenchmarkPageRead measures one read of a formatted page (a B-tree leaf) through the
// metered page API, in a View of a 64 MiB file store:
//
//	unchecked  as a raw page: no checksum (what every read cost before page checksums)
//	first      the first read since the page was written: its CRC-32C is checked
//	again      every later read: one bit of Store.verified is tested
func BenchmarkPageRead(b *testing.B) {
	s := newOurs(b, 1e6) // 3940 leaves
	var leaves []PageID
	if err := s.View(func(tx *Tx) error {
		t, err := tx.OpenTree(benchRef, "bench")
		leaves = leafIDs(t)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		kind  pageKind
		reset bool
	}{{"unchecked", pageRaw, false}, {"first", pageNode, true}, {"again", pageNode, false}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; {
				if err := s.View(func(tx *Tx) error {
					for _, id := range leaves {
						if c.reset {
							s.verified.remove(id)
						}
						tx.readPage(id, c.kind)
						if i++; i == b.N {
							break
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
