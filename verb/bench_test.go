package verb_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// benchGraph is 100 000 nodes, each with out-degree 10 to random nodes.
func benchGraph(b *testing.B) (*entity.DB, *verb.Verb) {
	const n = 100_000
	s := entity.NewSchema()
	node := s.Kind("node")
	likes := verb.Define(s, "likes")
	db := testutil.OpenDB(b, s, nil)
	testutil.Spawn(b, db, node, n, nil)
	r := rand.New(rand.NewPCG(3, 4))
	for from := 1; from <= n; from += 10_000 {
		if err := db.Update(func(tx *entity.Tx) error {
			for s := from; s < from+10_000; s++ {
				for range 10 {
					if err := likes.Link(tx, entity.ID(s), entity.ID(1+r.IntN(n))); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	return db, likes
}

// BenchmarkLink adds one random edge per op, one message per op.
func BenchmarkLink(b *testing.B) {
	db, likes := benchGraph(b)
	r := rand.New(rand.NewPCG(5, 6))
	var pages, dirtied uint64
	for b.Loop() {
		st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
			return likes.Link(tx, entity.ID(1+r.IntN(100_000)), entity.ID(1+r.IntN(100_000)))
		})
		if err != nil {
			b.Fatal(err)
		}
		pages += st.PagesAccessed
		dirtied += st.PagesDirtied
	}
	b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
	b.ReportMetric(float64(dirtied)/float64(b.N), "dirtied/op")
}

// BenchmarkObjects reads the objects of one random subject per op (about 10), one message
// per op.
func BenchmarkObjects(b *testing.B) {
	db, likes := benchGraph(b)
	benchReads(b, db, func(tx *entity.Tx, s entity.ID) (n int) {
		for range likes.Objects(tx, s) {
			n++
		}
		return n
	})
}

// BenchmarkTwoHops follows the objects of the objects of one random subject per op (about
// 100), one message per op: as a bitmap (ObjectsBitmap, ObjectsOf) and as slices reused
// from op to op (Objects, AppendObjectsOf). Both read the same pages.
func BenchmarkTwoHops(b *testing.B) {
	db, likes := benchGraph(b)
	b.Run("bitmap", func(b *testing.B) {
		benchReads(b, db, func(tx *entity.Tx, s entity.ID) int {
			return int(likes.ObjectsOf(tx, likes.ObjectsBitmap(tx, s)).GetCardinality())
		})
	})
	b.Run("slice", func(b *testing.B) {
		var one, two []entity.ID
		benchReads(b, db, func(tx *entity.Tx, s entity.ID) int {
			one = slices.AppendSeq(one[:0], likes.Objects(tx, s))
			two = likes.AppendObjectsOf(tx, two[:0], one)
			return len(two)
		})
	})
}

// benchReads runs read in a View per op for a random subject of benchGraph and reports the
// pages read and the objects read returns, per op.
func benchReads(b *testing.B, db *entity.DB, read func(tx *entity.Tx, s entity.ID) int) {
	r := rand.New(rand.NewPCG(5, 6))
	var pages uint64
	n := 0
	for b.Loop() {
		st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			n += read(tx, entity.ID(1+r.IntN(100_000)))
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		pages += st.PagesRead
	}
	b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
	b.ReportMetric(float64(n)/float64(b.N), "objects/op")
}
