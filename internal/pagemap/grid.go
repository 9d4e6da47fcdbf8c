package pagemap

import (
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dustin/go-humanize"

	"github.com/stablegraph/stablegraph/store"
)

// The grid: one row of cells after another in address order, a label with the first page
// of each row on the left. Small memories get large cells, 32 to a row, with room for the
// owner's letter; larger ones 64 small cells to a row, binned so that at most maxCells
// cells are drawn. Either way the grid is 1048 pixels wide, and a page of it fits a
// 1200-pixel window without scrolling sideways.
const (
	labelW    = 88
	gap       = 2
	bigCell   = 28
	bigCols   = 32
	smallCell = 13
	smallCols = 64
	maxBig    = 1024 // pages drawn with big cells, one per cell
	maxCells  = 4096 // cells drawn at most: 64 rows of 64
	edgeH     = 3    // the dark top edge of a branch page
)

// grid is the geometry of the map.
type grid struct {
	pages      uint64 // pages of the memory
	bin        uint64 // pages per cell, a power of two
	cells      int
	cols, cell int
	rows       int
	width      int
	height     int
}

func newGrid(pages uint64) grid {
	g := grid{pages: pages, bin: 1, cols: bigCols, cell: bigCell}
	if pages > maxBig {
		g.cols, g.cell = smallCols, smallCell
		for (pages+g.bin-1)/g.bin > maxCells {
			g.bin <<= 1
		}
	}
	g.cells = int((pages + g.bin - 1) / g.bin)
	g.rows = (g.cells + g.cols - 1) / g.cols
	g.width = labelW + g.cols*(g.cell+gap)
	g.height = max(g.rows, 1) * (g.cell + gap)
	return g
}

// xy returns the top left corner of cell i.
func (g grid) xy(i int) (int, int) {
	return labelW + i%g.cols*(g.cell+gap), i / g.cols * (g.cell + gap)
}

// span returns the pages [first, end) of cell i.
func (g grid) span(i int) (first, end uint64) {
	first = uint64(i) * g.bin
	return first, min(first+g.bin, g.pages)
}

// binText says what one cell stands for.
func (g grid) binText() string {
	if g.bin == 1 {
		return "one cell per 4 KiB page"
	}
	return fmt.Sprintf("one cell per %d pages (%s): each cell shows the mix of owners in its run of pages", g.bin, humanize.IBytes(g.bin*store.PageSize))
}

// segment is the part of a cell that belongs to one owner.
type segment struct {
	owner       int
	pages       uint64
	fill        float64 // summed over its pages
	branch, ovf uint64  // pages of those kinds
	trunks      uint64
}

// segments returns the owners of cell i in the order of their first page.
func (m *model) segments(g grid, i int) []segment {
	first, end := g.span(i)
	var segs []segment
	for id := first; id < end; id++ {
		p := m.Map.Pages[id]
		k := slices.IndexFunc(segs, func(s segment) bool { return s.owner == int(p.Owner) })
		if k < 0 {
			segs = append(segs, segment{owner: int(p.Owner)})
			k = len(segs) - 1
		}
		s := &segs[k]
		s.pages++
		s.fill += float64(p.Fill)
		switch p.Kind {
		case store.PageBranch:
			s.branch++
		case store.PageOverflow:
			s.ovf++
		case store.PageFreeTrunk:
			s.trunks++
		}
	}
	return segs
}

// svgWriter builds SVG markup; every text it writes is escaped.
type svgWriter struct{ strings.Builder }

func (w *svgWriter) f(format string, args ...any) { fmt.Fprintf(w, format, args...) }

func esc(s string) string { return html.EscapeString(xmlText(s)) }

// writeCells writes the cells of the map, each a <g class="cell"> whose data attributes
// say which pages it stands for and who owns them, with a tooltip.
func (m *model) writeCells(w *svgWriter, g grid) {
	for i := range g.cells {
		m.writeCell(w, g, i)
	}
}

// writeRowLabels writes the first page of each row and its address, left of the row.
func writeRowLabels(w *svgWriter, g grid) {
	for r := 0; r < g.rows; r++ {
		first := uint64(r*g.cols) * g.bin
		w.f(`<text class="row" x="%d" y="%d">%s</text>`+"\n", labelW-6, r*(g.cell+gap)+g.cell/2+4, esc(rowLabel(first)))
	}
}

// rowLabel is the first page of a row and its byte address.
func rowLabel(first uint64) string {
	if first == 0 {
		return "page 0"
	}
	return fmt.Sprintf("%d · %s", first, shortBytes(first*store.PageSize))
}

// shortBytes writes a byte address compactly: 256K, 1.5M, 2G.
func shortBytes(n uint64) string {
	for _, u := range []struct {
		shift uint
		unit  string
	}{{40, "T"}, {30, "G"}, {20, "M"}, {10, "K"}} {
		if n >= 1<<u.shift {
			v := float64(n) / float64(uint64(1)<<u.shift)
			if v == float64(uint64(v)) {
				return fmt.Sprintf("%d%s", uint64(v), u.unit)
			}
			return fmt.Sprintf("%.1f%s", v, u.unit)
		}
	}
	return fmt.Sprint(n)
}

func (m *model) writeCell(w *svgWriter, g grid, i int) {
	x, y := g.xy(i)
	first, end := g.span(i)
	segs := m.segments(g, i)
	s := g.cell
	if g.bin == 1 {
		p := m.Map.Pages[first]
		o := m.Map.Owners[p.Owner]
		w.f(`<g class="cell" data-first="%d" data-pages="1" data-owner="%s" data-role="%d" data-tree="%d" data-kind="%s">`,
			first, esc(o.Name), o.Role, o.Tree, p.Kind)
		w.f(`<title>%s</title>`, esc(m.pageTitle(first)))
	} else {
		var own []string
		for _, sg := range segs {
			own = append(own, fmt.Sprintf("%s:%d", m.ownerName(sg.owner), sg.pages))
		}
		w.f(`<g class="cell" data-first="%d" data-pages="%d" data-owners="%s">`, first, end-first, esc(strings.Join(own, "; ")))
		w.f(`<title>%s</title>`, esc(m.binTitle(first, end, segs)))
	}
	// Owners side by side, each as wide as its share of the cell's pages.
	xs := float64(x)
	for k, sg := range segs {
		cls := m.groups[m.groupOf[sg.owner]].class
		wd := float64(s) * float64(sg.pages) / float64(end-first)
		if k == len(segs)-1 {
			wd = float64(x+s) - xs
		}
		fill := sg.fill / float64(sg.pages)
		w.f(`<rect class="bg %s" x="%.2f" y="%d" width="%.2f" height="%d"/>`, cls, xs, y, wd, s)
		if fill > 0 {
			h := float64(s) * fill
			w.f(`<rect class="fg %s" x="%.2f" y="%.2f" width="%.2f" height="%.2f"/>`, cls, xs, float64(y+s)-h, wd, h)
		}
		if sg.ovf*2 > sg.pages {
			w.f(`<rect class="hatch" x="%.2f" y="%d" width="%.2f" height="%d"/>`, xs, y, wd, s)
		}
		if sg.branch*2 > sg.pages {
			w.f(`<rect class="edge" x="%.2f" y="%d" width="%.2f" height="%d"/>`, xs, y, wd, edgeH)
		}
		xs += wd
	}
	if g.bin == 1 {
		switch p := m.Map.Pages[first]; p.Kind {
		case store.PageFree, store.PageFreeTrunk, store.PageUnallocated:
			w.f(`<rect class="frame %s" x="%d" y="%d" width="%d" height="%d"/>`, p.Kind, x, y, s, s)
		}
		m.writeCode(w, g, x, y, segs[0].owner)
	}
	w.WriteString("</g>\n")
}

// writeCode writes the letter of owner o's variable in the cell at x, y, if cells are
// large enough to hold it.
func (m *model) writeCode(w *svgWriter, g grid, x, y, o int) {
	if code := m.groups[m.groupOf[o]].code; code != "" && g.cell >= 20 {
		w.f(`<text class="code" x="%d" y="%d">%s</text>`, x+3, y+12, esc(code))
	}
}

// pageTitle is the tooltip of one page.
func (m *model) pageTitle(id uint64) string {
	p := m.Map.Pages[id]
	t := fmt.Sprintf("page %d (at %s): %s, %s", id, shortBytes(id*store.PageSize), m.ownerName(int(p.Owner)), p.Kind)
	switch p.Kind {
	case store.PageLeaf, store.PageBranch, store.PageOverflow, store.PageSlots, store.PageFreeTrunk:
		t += fmt.Sprintf(", %.0f%% full", 100*p.Fill)
	}
	return t
}

// binTitle is the tooltip of a cell of several pages.
func (m *model) binTitle(first, end uint64, segs []segment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pages %d to %d (at %s):", first, end-1, shortBytes(first*store.PageSize))
	for _, sg := range segs {
		fmt.Fprintf(&b, "\n%s: %d", m.ownerName(sg.owner), sg.pages)
		var parts []string
		if sg.branch > 0 {
			parts = append(parts, fmt.Sprintf("%d branch", sg.branch))
		}
		if sg.ovf > 0 {
			parts = append(parts, fmt.Sprintf("%d overflow", sg.ovf))
		}
		if sg.trunks > 0 {
			parts = append(parts, fmt.Sprintf("%d trunk", sg.trunks))
		}
		if sg.fill > 0 {
			parts = append(parts, fmt.Sprintf("%.0f%% full", 100*sg.fill/float64(sg.pages)))
		}
		if len(parts) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
		}
	}
	return b.String()
}

// writeTouch writes one footprint: the map faded (a <use> of the cells, not a copy), and
// over it each cell holding pages the message touched, in its owner's color, framed in
// black if it was only read and in orange, with a mark in its lower right corner, if it
// was dirtied: the shape says it as well as the color. Each
// such cell's data attributes count its pages read and dirtied.
func (m *model) writeTouch(w *svgWriter, g grid, t Touch) {
	writeRowLabels(w, g)
	w.f(`<use href="#cells" class="faded"/>` + "\n")
	read, dirtied := orEmpty(t.Read), orEmpty(t.Dirtied)
	touched := read.Clone()
	touched.Or(dirtied)
	it := touched.Iterator()
	for it.HasNext() {
		id := uint64(it.Next())
		if id >= g.pages {
			break // past the memory the map saw: the message grew it later
		}
		i := int(id / g.bin)
		first, end := g.span(i)
		nr := read.CardinalityInRange(first, end)
		nd := dirtied.CardinalityInRange(first, end)
		it.AdvanceIfNeeded(uint32(end)) // the rest of this cell's pages
		x, y := g.xy(i)
		owner := m.majority(first, end, touched)
		cls := m.groups[m.groupOf[owner]].class
		kind := "read"
		if nd > 0 {
			kind = "dirtied"
		}
		w.f(`<g class="touch %s" data-first="%d" data-read="%d" data-dirtied="%d">`, kind, first, nr, nd)
		what := fmt.Sprintf("%d read, %d dirtied", nr, nd)
		if g.bin == 1 {
			w.f(`<title>%s: %s</title>`, esc(m.pageTitle(first)), what)
		} else {
			w.f(`<title>pages %d to %d: %s</title>`, first, end-1, what)
		}
		w.f(`<rect class="fg %s" x="%d" y="%d" width="%d" height="%d"/>`, cls, x, y, g.cell, g.cell)
		if g.bin == 1 {
			m.writeCode(w, g, x, y, owner)
		}
		w.f(`<rect class="mark-%s" x="%.1f" y="%.1f" width="%d" height="%d"/>`, kind, float64(x)+0.5, float64(y)+0.5, g.cell-1, g.cell-1)
		if nd > 0 {
			c := max(g.cell/2, 6) // bottom right, clear of the letter at the top left
			w.f(`<path class="corner" d="M%d %dh%dL%d %dz"/>`, x+g.cell, y+g.cell, -c, x+g.cell, y+g.cell-c)
		}
		w.WriteString("</g>\n")
	}
}

// majority returns the owner of most of the touched pages in [first, end).
func (m *model) majority(first, end uint64, touched *roaring.Bitmap) int {
	counts := map[int32]int{}
	best, n := int32(0), -1
	for id := first; id < end; id++ {
		if !touched.Contains(uint32(id)) {
			continue
		}
		o := m.Map.Pages[id].Owner
		counts[o]++
		if counts[o] > n || counts[o] == n && o < best {
			best, n = o, counts[o]
		}
	}
	return int(best)
}

// orEmpty returns bm, or an empty bitmap for nil.
func orEmpty(bm *roaring.Bitmap) *roaring.Bitmap {
	if bm == nil {
		return roaring.New()
	}
	return bm
}
