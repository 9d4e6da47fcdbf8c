package pagemap

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/store"
)

// synthetic returns a map of n pages with a few owners laid out at random, as a store
// that has grown, freed and grown again looks: runs of each variable, free pages, an
// unallocated tail.
func synthetic(n int, seed uint64) *store.Map {
	r := rand.New(rand.NewPCG(seed, 1))
	m := &store.Map{Owners: []store.MapOwner{
		{Name: store.MapSuperblock},
		{Name: store.MapCatalog},
		{Name: "health", Role: store.RoleColumn, State: store.Active},
		{Name: "health", Role: store.RoleColumn, State: store.Active, Tree: 1},
		{Name: "member_of", Role: store.RoleVerb, State: store.Active},
		{Name: "member_of", Role: store.RoleVerb, State: store.Active, Tree: 1},
		{Name: "bio <&\"'>\x01", Role: store.RoleColumn, State: store.Deprecated}, // a name to escape
		{Name: store.MapFreeList},
		{Name: store.MapUnallocated},
	}}
	tail := n / 20
	m.PageCount = uint64(n - tail)
	m.Pages = make([]store.MapPage, n)
	m.Pages[0] = store.MapPage{Owner: 0, Kind: store.PageSuperblock, Fill: 1}
	for id := 1; id < n-tail; {
		o := int32(1 + r.IntN(7))
		run := 1 + r.IntN(40)
		for ; run > 0 && id < n-tail; run, id = run-1, id+1 {
			p := store.MapPage{Owner: o, Kind: store.PageLeaf, Fill: r.Float32()}
			switch {
			case o == 1 && r.IntN(2) == 0:
				p.Kind = store.PageSlots
			case o == 7 && run%9 == 0:
				p.Kind = store.PageFreeTrunk
			case o == 7:
				p.Kind, p.Fill = store.PageFree, 0
				m.FreePages++
			case o == 6 && r.IntN(2) == 0:
				p.Kind = store.PageOverflow
			case r.IntN(30) == 0:
				p.Kind = store.PageBranch
			}
			if p.Kind == store.PageFreeTrunk {
				m.FreePages++
			}
			m.Pages[id] = p
		}
	}
	for id := n - tail; id < n; id++ {
		m.Pages[id] = store.MapPage{Owner: 8, Kind: store.PageUnallocated}
	}
	for _, p := range m.Pages {
		o := &m.Owners[p.Owner]
		o.Pages++
		switch p.Kind {
		case store.PageLeaf:
			o.LeafPages++
		case store.PageBranch:
			o.BranchPages++
		case store.PageOverflow:
			o.OverflowPages++
		}
	}
	return m
}

// element is an XML element of the page, with its attributes.
type element struct {
	name  string
	attrs map[string]string
}

// parse reads the page as XML, as a strict reader would, and returns its elements.
func parse(t *testing.T, page []byte) []element {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	var out []element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err, "the page is well-formed XML")
		if se, ok := tok.(xml.StartElement); ok {
			e := element{name: se.Name.Local, attrs: map[string]string{}}
			for _, a := range se.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
		}
	}
}

func atoi(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	require.NoError(t, err, "%q", s)
	return n
}

func classes(e element) []string { return strings.Fields(e.attrs["class"]) }

func hasClass(e element, c string) bool {
	for _, x := range classes(e) {
		if x == c {
			return true
		}
	}
	return false
}

// TestEveryPageDrawnOnce draws maps of every size class and checks, from the page read
// as XML, that the cells cover every page exactly once, in order, with its owner (or, in a
// binned map, its owners and their counts), and that the footprint cells count exactly the
// pages read and dirtied.
func TestEveryPageDrawnOnce(t *testing.T) {
	for _, n := range []int{16, 384, 1025, 4096, 4097, 50_000} {
		m := synthetic(n, uint64(n))
		r := rand.New(rand.NewPCG(uint64(n), 2))
		read, dirtied := roaring.New(), roaring.New()
		for range 1 + n/50 {
			read.Add(uint32(r.IntN(n)))
			if r.IntN(3) == 0 {
				dirtied.Add(uint32(r.IntN(n)))
			}
		}
		var b bytes.Buffer
		require.NoError(t, WriteHTML(&b, Page{Title: "t.sg", Map: m, PagesRead: 7, Touches: []Touch{
			{Name: "update <1>", Read: read, Dirtied: dirtied},
			{Name: "nothing"},
		}}))
		g := newGrid(uint64(n))
		assert.LessOrEqual(t, g.width, 1100, "fits a 1200-pixel window with the page's margins")
		assert.LessOrEqual(t, g.cells, maxCells)
		if n > maxBig {
			assert.Equal(t, g.cells, (n+int(g.bin)-1)/int(g.bin))
		}

		md := newModel(Page{Map: m})
		next := uint64(0)
		var nr, nd uint64
		touchSections := 0
		for _, e := range parse(t, b.Bytes()) {
			switch {
			case e.name == "g" && hasClass(e, "cell"):
				first, pages := atoi(t, e.attrs["data-first"]), atoi(t, e.attrs["data-pages"])
				require.Equal(t, next, first, "n=%d: cells in address order, none missing or twice", n)
				require.Equal(t, min(g.bin, uint64(n)-first), pages, "n=%d: page %d", n, first)
				next += pages
				if g.bin == 1 {
					o := m.Owners[m.Pages[first].Owner]
					assert.Equal(t, xmlText(o.Name), e.attrs["data-owner"], "n=%d page %d", n, first)
					assert.Equal(t, strconv.Itoa(int(o.Role)), e.attrs["data-role"])
					assert.Equal(t, strconv.Itoa(o.Tree), e.attrs["data-tree"])
					assert.Equal(t, m.Pages[first].Kind.String(), e.attrs["data-kind"])
				} else {
					want := map[string]uint64{}
					for id := first; id < first+pages; id++ {
						want[xmlText(md.ownerName(int(m.Pages[id].Owner)))]++
					}
					got := map[string]uint64{}
					for _, part := range strings.Split(e.attrs["data-owners"], "; ") {
						i := strings.LastIndex(part, ":")
						got[part[:i]] = atoi(t, part[i+1:])
					}
					assert.Equal(t, want, got, "n=%d cell at page %d", n, first)
				}
			case e.name == "g" && hasClass(e, "touch"):
				nr += atoi(t, e.attrs["data-read"])
				nd += atoi(t, e.attrs["data-dirtied"])
			case e.name == "section" && strings.HasPrefix(e.attrs["id"], "touch-"):
				touchSections++
			}
		}
		assert.Equal(t, uint64(n), next, "n=%d: every page drawn", n)
		assert.Equal(t, read.GetCardinality(), nr, "n=%d: the pages read", n)
		assert.Equal(t, dirtied.GetCardinality(), nd, "n=%d: the pages dirtied", n)
		assert.Equal(t, 2, touchSections)
	}
}

// TestBinnedCellsStateTheirSize: a binned map says how many pages a cell stands for.
func TestBinnedCellsStateTheirSize(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, Page{Title: "big", Map: synthetic(50_000, 3)}))
	assert.Contains(t, b.String(), "one cell per 16 pages (64 KiB)")
	b.Reset()
	require.NoError(t, WriteHTML(&b, Page{Title: "small", Map: synthetic(300, 3)}))
	assert.Contains(t, b.String(), "one cell per 4 KiB page")
}

// TestColorsAndLetters: the largest variables get the palette first, and every variable a
// letter of its own.
func TestColorsAndLetters(t *testing.T) {
	m := synthetic(2000, 4)
	md := newModel(Page{Map: m})
	seen := map[string]bool{}
	var prev uint64 = 1 << 62
	for _, g := range md.groups {
		if g.role == 0 {
			assert.Empty(t, g.code)
			continue
		}
		assert.False(t, seen[g.code], "letter %s twice", g.code)
		seen[g.code] = true
		assert.LessOrEqual(t, g.pages, prev, "largest first")
		prev = g.pages
	}
	assert.Equal(t, []string{"A", "Z", "AA", "AZ", "BA"}, []string{letters(0), letters(25), letters(26), letters(51), letters(52)})
}

// TestJSONCoversTheMap: the JSON runs cover the memory in order with the map's owners and
// fills, and the footprints' runs hold exactly their pages.
func TestJSONCoversTheMap(t *testing.T) {
	m := synthetic(3000, 5)
	read := roaring.BitmapOf(0, 1, 2, 7, 2999)
	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, Page{Title: "t", Map: m, PagesRead: 9, Touches: []Touch{{Name: "q", Query: "FIND x", Read: read}}}))
	var d Doc
	require.NoError(t, json.Unmarshal(b.Bytes(), &d))
	assert.Equal(t, uint64(3000), d.Pages)
	assert.Equal(t, len(m.Owners), len(d.Owners))
	next := uint64(0)
	for _, r := range d.Runs {
		require.Equal(t, next, r.First)
		for i := range r.Count {
			p := m.Pages[r.First+i]
			assert.Equal(t, int(p.Owner), r.Owner)
			assert.Equal(t, p.Kind.String(), r.Kind)
			if r.Fill != nil {
				assert.InDelta(t, p.Fill, r.Fill[i], 0.0006)
			}
		}
		next += r.Count
	}
	assert.Equal(t, uint64(3000), next)
	require.Len(t, d.Touched, 1)
	assert.Equal(t, [][2]uint64{{0, 3}, {7, 1}, {2999, 1}}, d.Touched[0].Read)
	assert.Equal(t, uint64(5), d.Touched[0].PagesRead)
	assert.Equal(t, [][2]uint64{}, d.Touched[0].Dirtied)
	var sum uint64
	for _, o := range d.Touched[0].ByOwner {
		sum += o.Read
	}
	assert.Equal(t, uint64(5), sum)
}
