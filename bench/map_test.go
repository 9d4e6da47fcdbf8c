package bench

import (
	"fmt"
	"io"
	"testing"

	"github.com/stablegraph/stablegraph/internal/pagemap"
	"github.com/stablegraph/stablegraph/store"
)

// BenchmarkPageMap measures what `graphctl map` does on our store at each scale: part=map
// builds the page map (store.Tx.Map: the integrity check's walk over every page in use,
// telling each page's owner, kind and fill) in one View, and part=html draws it as the
// self-contained HTML page. It reports the pages the map read per operation (every page in
// use, once), the store's pages, and the cells drawn.
//
//	go test -run '^$' -bench PageMap ./bench/ -args -scales 1e6
func BenchmarkPageMap(b *testing.B) {
	if !wanted("ours") {
		b.Skip("-systems leaves out ours")
	}
	for _, sc := range scales(b) {
		f := NewFixture(sc.n)
		var m *store.Map
		var read uint64
		b.Run(fmt.Sprintf("scale=%s/part=map", sc.label), func(b *testing.B) {
			o := system(b, "ours", f).(*Ours)
			for b.Loop() {
				st, err := o.st.ViewWith(store.Budget{}, func(tx *store.Tx) (err error) {
					m, err = tx.Map()
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				read = st.PagesRead
			}
			b.ReportMetric(float64(read), "pages/op")
			b.ReportMetric(float64(len(m.Pages)), "store-pages")
		})
		if m == nil {
			continue
		}
		b.Run(fmt.Sprintf("scale=%s/part=html", sc.label), func(b *testing.B) {
			for b.Loop() {
				if err := pagemap.WriteHTML(io.Discard, pagemap.Page{Title: "world.sg", Map: m, PagesRead: read}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(m.Pages)), "store-pages")
		})
	}
}
