package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The B-tree benchmarks run each operation at 10^4, 10^5 and 10^6 entries (8-byte keys,
// 8-byte values; -short skips 10^6) on three systems in the same run, on the same keys:
//
//	ours   a file-backed Store (NoSync; reads through its read-only mmap)
//	bbolt  go.etcd.io/bbolt in a temp file (NoSync, FillPercent 1.0; mmap too)
//	map    a Go map[uint64]uint64 (get only)
//
// Keys are 0 … n-1, big-endian; gets and puts pick keys at random. Reads and writes run in
// messages (transactions) of benchBatch operations on both stores. pages/op is measured on
// separate one-operation messages, the way the Internet Computer charges a message.
//
//	go test -run '^$' -bench 'BenchmarkTree' -benchmem ./store/

const benchBatch = 1000

var benchScales = []int{1e4, 1e5, 1e6}

func benchKey(i uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], i)
	return k[:]
}

// benchIdx is a fixed random sequence of indexes below 2^20 for gets and puts.
var benchIdx = func() []uint64 {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]uint64, 1<<16)
	for i := range x {
		x[i] = r.Uint64N(1 << 20)
	}
	return x
}()

var benchRef = SuperblockTreeRef(1)

// benchSeq yields keys 0 … n-1 with their values.
func benchSeq(n int) func(func([]byte, []byte) bool) {
	return func(yield func([]byte, []byte) bool) {
		var k, v [8]byte
		for i := range uint64(n) {
			binary.BigEndian.PutUint64(k[:], i)
			binary.LittleEndian.PutUint64(v[:], i)
			if !yield(k[:], v[:]) {
				return
			}
		}
	}
}

func newOurs(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "s.sgdb"), &Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Update(func(tx *Tx) error {
		t, err := tx.CreateTree(benchRef, Layout{KeySize: 8, ValueSize: 8}, "bench")
		if err != nil {
			return err
		}
		_, err = t.BulkLoad(benchSeq(n))
		return err
	}); err != nil {
		b.Fatal(err)
	}
	return s
}

var benchBucket = []byte("b")

func newBolt(b *testing.B, n int) *bolt.DB {
	b.Helper()
	db, err := bolt.Open(filepath.Join(b.TempDir(), "b.db"), 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for lo := 0; lo < max(n, 1); lo += 100_000 {
		if err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(benchBucket)
			if err != nil {
				return err
			}
			bk.FillPercent = 1.0
			for k, v := range benchSeq(n) {
				if i := int(binary.BigEndian.Uint64(k)); i < lo {
					continue
				} else if i >= lo+100_000 {
					break
				}
				if err := bk.Put(k, v); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func forScales(b *testing.B, fn func(b *testing.B, n int)) {
	for _, n := range benchScales {
		if n >= 1e6 && testing.Short() {
			continue
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { fn(b, n) })
	}
}

// pagesPerOp runs op in one-operation messages over a sample of keys and returns the mean
// pages accessed and dirtied per message.
func pagesPerOp(b *testing.B, s *Store, write bool, op func(t *Tree, i int)) (accessed, dirtied float64) {
	const sample = 200
	for i := range sample {
		run := s.ViewWith
		if write {
			run = s.UpdateWith
		}
		st, err := run(Budget{}, func(tx *Tx) error {
			t, err := tx.OpenTree(benchRef, "bench")
			if err != nil {
				return err
			}
			op(t, i)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		accessed += float64(st.PagesAccessed)
		dirtied += float64(st.PagesDirtied)
	}
	return accessed / sample, dirtied / sample
}

// The read-only fixtures of a scale are built once, by the first sub-benchmark that
// needs them, and removed with the scale's benchmark.

func BenchmarkTreeGet(b *testing.B) {
	forScales(b, func(b *testing.B, n int) {
		ours := sync.OnceValue(func() *Store { return newOurs(b, n) })
		bb := sync.OnceValue(func() *bolt.DB { return newBolt(b, n) })
		b.Run("ours", func(b *testing.B) {
			s := ours()
			pages, _ := pagesPerOp(b, s, false, func(t *Tree, i int) { t.Get(benchKey(benchIdx[i] % uint64(n))) })
			var kb [8]byte
			b.ResetTimer()
			for i := 0; i < b.N; {
				if err := s.View(func(tx *Tx) error {
					t, err := tx.OpenTree(benchRef, "bench")
					if err != nil {
						return err
					}
					for j := 0; j < benchBatch && i < b.N; j, i = j+1, i+1 {
						binary.BigEndian.PutUint64(kb[:], benchIdx[i&(1<<16-1)]%uint64(n))
						if _, ok := t.Get(kb[:]); !ok {
							b.Fatal("missing key")
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(pages, "pages/op")
		})
		b.Run("bbolt", func(b *testing.B) {
			db := bb()
			var kb [8]byte
			b.ResetTimer()
			for i := 0; i < b.N; {
				if err := db.View(func(tx *bolt.Tx) error {
					bk := tx.Bucket(benchBucket)
					for j := 0; j < benchBatch && i < b.N; j, i = j+1, i+1 {
						binary.BigEndian.PutUint64(kb[:], benchIdx[i&(1<<16-1)]%uint64(n))
						if bk.Get(kb[:]) == nil {
							b.Fatal("missing key")
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("map", func(b *testing.B) {
			m := make(map[uint64]uint64, n)
			for i := range uint64(n) {
				m[i] = i
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok := m[benchIdx[i&(1<<16-1)]%uint64(n)]; !ok {
					b.Fatal("missing key")
				}
			}
		})
	})
}

func BenchmarkTreePut(b *testing.B) {
	forScales(b, func(b *testing.B, n int) {
		// Random 64-bit keys: inserts (the n existing keys are dense below n).
		r := rand.New(rand.NewPCG(3, 4))
		b.Run("ours", func(b *testing.B) {
			s := newOurs(b, n)
			acc, dirty := pagesPerOp(b, s, true, func(t *Tree, i int) {
				var v [8]byte
				if _, err := t.Put(benchKey(r.Uint64()), v[:]); err != nil {
					b.Fatal(err)
				}
			})
			var kb, v [8]byte
			b.ResetTimer()
			for i := 0; i < b.N; {
				if err := s.Update(func(tx *Tx) error {
					t, err := tx.OpenTree(benchRef, "bench")
					if err != nil {
						return err
					}
					for j := 0; j < benchBatch && i < b.N; j, i = j+1, i+1 {
						binary.BigEndian.PutUint64(kb[:], r.Uint64())
						if _, err := t.Put(kb[:], v[:]); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(acc, "pages/op")
			b.ReportMetric(dirty, "dirtied/op")
		})
		b.Run("bbolt", func(b *testing.B) {
			db := newBolt(b, n)
			var kb, v [8]byte
			b.ResetTimer()
			for i := 0; i < b.N; {
				if err := db.Update(func(tx *bolt.Tx) error {
					bk := tx.Bucket(benchBucket)
					for j := 0; j < benchBatch && i < b.N; j, i = j+1, i+1 {
						binary.BigEndian.PutUint64(kb[:], r.Uint64())
						if err := bk.Put(kb[:], v[:]); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func BenchmarkTreeScan(b *testing.B) {
	forScales(b, func(b *testing.B, n int) {
		ours := sync.OnceValue(func() *Store { return newOurs(b, n) })
		bb := sync.OnceValue(func() *bolt.DB { return newBolt(b, n) })
		b.Run("ours", func(b *testing.B) {
			s := ours()
			st, err := s.ViewWith(Budget{}, func(tx *Tx) error {
				t, err := tx.OpenTree(benchRef, "bench")
				for range t.All() {
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			var sink byte
			b.ResetTimer()
			for i := 0; i < b.N; {
				if err := s.View(func(tx *Tx) error {
					t, err := tx.OpenTree(benchRef, "bench")
					if err != nil {
						return err
					}
					for _, v := range t.All() {
						sink += v[0]
						if i++; i == b.N {
							break
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			_ = sink
			b.ReportMetric(float64(st.PagesAccessed)/float64(n), "pages/op")
		})
		b.Run("bbolt", func(b *testing.B) {
			db := bb()
			var sink byte
			b.ResetTimer()
			for i := 0; i < b.N; {
				if err := db.View(func(tx *bolt.Tx) error {
					c := tx.Bucket(benchBucket).Cursor()
					for k, v := c.First(); k != nil; k, v = c.Next() {
						sink += v[0]
						if i++; i == b.N {
							break
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			_ = sink
		})
	})
}

// BenchmarkTreeBulkLoad loads n entries into an empty tree per op; ns/entry is the time
// per entry, commit included.
func BenchmarkTreeBulkLoad(b *testing.B) {
	forScales(b, func(b *testing.B, n int) {
		b.Run("ours", func(b *testing.B) {
			var dirtied uint64
			for range b.N {
				b.StopTimer()
				s, err := Open(filepath.Join(b.TempDir(), "s.sgdb"), &Options{NoSync: true})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
					t, err := tx.CreateTree(benchRef, Layout{KeySize: 8, ValueSize: 8}, "bench")
					if err != nil {
						return err
					}
					_, err = t.BulkLoad(benchSeq(n))
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				dirtied = st.PagesDirtied
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
			b.ReportMetric(float64(dirtied)/float64(n), "pages/entry")
		})
		b.Run("bbolt", func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				db, err := bolt.Open(filepath.Join(b.TempDir(), "b.db"), 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := db.Update(func(tx *bolt.Tx) error {
					bk, err := tx.CreateBucket(benchBucket)
					if err != nil {
						return err
					}
					bk.FillPercent = 1.0
					for k, v := range benchSeq(n) {
						if err := bk.Put(k, v); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	})
}
