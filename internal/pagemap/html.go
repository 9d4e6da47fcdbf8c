package pagemap

import (
	"bufio"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dustin/go-humanize"

	"github.com/stablegraph/stablegraph/store"
)

// The page is also well-formed XML (void elements closed, attributes quoted, only the
// character references XML knows), so that a test can read it with encoding/xml, and
// html/template escapes every text that comes from the store or the user. The grid is
// written as markup in Go (grid.go), escaped there.

// htmlPage is what the template shows.
type htmlPage struct {
	Title, Summary, BinText string
	Palette                 []string
	Colors                  map[string]string
	Width, Height           int
	Label                   string
	Cells, RowLabels        template.HTML
	Legend                  []htmlLegend
	Repeats                 bool // more variables than colors
	Touches                 []htmlTouch
	Owners                  []htmlOwner
	Free                    []string
}

type htmlLegend struct {
	Class, Code, Label, Pages string
}

type htmlTouch struct {
	ID, Name, Query, Summary string
	Marks                    template.HTML
	Owners                   []htmlTouchOwner
}

type htmlTouchOwner struct {
	Class, Code, Label        string
	Read, Dirtied, Of, Pct    string
	ReadW, DirtiedW, BarWidth int
}

type htmlOwner struct {
	Class, Code, Name, Role, Tree, State  string
	Pages, Leaf, Branch, Overflow         string
	Entries, Height, LeafFill, BranchFill string
	LeafW, BranchW, OverflowW, OtherW     int
	OverflowX, OtherX                     int
	First                                 bool // the first tree of its group: shows the name
}

// ownerBarW is the width of the widest bar of the variables' table.
const ownerBarW = 150

// WriteHTML writes the page map as one self-contained HTML page.
func WriteHTML(w io.Writer, p Page) error {
	m := newModel(p)
	g := newGrid(uint64(len(p.Map.Pages)))
	hp := htmlPage{
		Title:   xmlText(p.Title),
		Summary: m.summary(),
		BinText: g.binText(),
		Palette: palette,
		Colors: map[string]string{
			"ksb": colorSuperblock, "kcat": colorCatalog, "kfree": colorFree, "kun": colorUnallocated,
			"read": colorRead, "dirtied": colorDirtied,
		},
		Width: g.width, Height: g.height,
		Label: fmt.Sprintf("the memory of %s: %d pages, %s", xmlText(p.Title), g.pages, g.binText()),
	}
	var cells svgWriter
	m.writeCells(&cells, g)
	hp.Cells = template.HTML(cells.String())
	var labels svgWriter
	writeRowLabels(&labels, g)
	hp.RowLabels = template.HTML(labels.String())
	for _, gr := range m.groups {
		if gr.pages == 0 && gr.role == 0 && gr.name != store.MapFreeList {
			continue
		}
		hp.Legend = append(hp.Legend, htmlLegend{Class: gr.class, Code: gr.code, Label: xmlText(gr.label()), Pages: count(gr.pages, "page")})
	}
	hp.Repeats = len(m.groups) > len(palette)+4 // the store's own four have colors of their own
	for i, t := range p.Touches {
		hp.Touches = append(hp.Touches, m.htmlTouch(g, i, t))
	}
	hp.Owners = m.htmlOwners()
	hp.Free = m.freeText()
	bw := bufio.NewWriter(w)
	if err := mapPage.Execute(bw, hp); err != nil {
		return err
	}
	return bw.Flush()
}

// summary is the line under the title.
func (m *model) summary() string {
	mp := m.Map
	s := fmt.Sprintf("%s in %d pages of 4 KiB (%s): %d allocated, of them %d free; %d never allocated.",
		count(mp.WasmPages(), "Wasm page"), len(mp.Pages), humanize.IBytes(uint64(len(mp.Pages))*store.PageSize),
		mp.PageCount, mp.FreePages, uint64(len(mp.Pages))-mp.PageCount)
	return s + fmt.Sprintf(" Drawing this map read %s, every page in use once.", count(m.PagesRead, "page"))
}

// count returns "1 page", "2 pages".
func count(n uint64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (m *model) htmlTouch(g grid, i int, t Touch) htmlTouch {
	read, dirtied := orEmpty(t.Read), orEmpty(t.Dirtied)
	ht := htmlTouch{
		ID:    fmt.Sprintf("touch-%d", i+1),
		Name:  xmlText(t.Name),
		Query: xmlText(t.Query),
		Summary: fmt.Sprintf("Read %s and dirtied %s of the %d pages in use.",
			count(read.GetCardinality(), "page"), count(dirtied.GetCardinality(), "page"), m.Map.PageCount-m.Map.FreePages),
	}
	var marks svgWriter
	m.writeTouch(&marks, g, t)
	ht.Marks = template.HTML(marks.String())

	nr, nd := make([]uint64, len(m.Map.Owners)), make([]uint64, len(m.Map.Owners))
	for _, s := range []struct {
		bm *roaring.Bitmap
		n  []uint64
	}{{read, nr}, {dirtied, nd}} {
		it := s.bm.Iterator()
		for it.HasNext() {
			if id := it.Next(); int(id) < len(m.Map.Pages) {
				s.n[m.Map.Pages[id].Owner]++
			}
		}
	}
	var idx []int
	top := uint64(1)
	for o := range m.Map.Owners {
		if nr[o]+nd[o] > 0 {
			idx = append(idx, o)
			top = max(top, nr[o], nd[o])
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Or(cmp.Compare(nr[b]+nd[b], nr[a]+nd[a]), cmp.Compare(a, b)) })
	for _, o := range idx {
		gr := m.groups[m.groupOf[o]]
		of := m.Map.Owners[o].Pages
		ht.Owners = append(ht.Owners, htmlTouchOwner{
			Class: gr.class, Code: gr.code, Label: xmlText(m.ownerName(o)),
			Read: fmt.Sprint(nr[o]), Dirtied: fmt.Sprint(nd[o]), Of: fmt.Sprint(of),
			Pct:   fmt.Sprintf("%.0f%%", 100*float64(max(nr[o], nd[o]))/float64(max(of, 1))),
			ReadW: int(nr[o] * ownerBarW / top), DirtiedW: int(nd[o] * ownerBarW / top), BarWidth: ownerBarW,
		})
	}
	return ht
}

// htmlOwners returns the rows of the variables' table: the groups in legend order, one
// row per tree.
func (m *model) htmlOwners() []htmlOwner {
	top := uint64(1)
	for _, o := range m.Map.Owners {
		top = max(top, o.Pages)
	}
	scale := func(n uint64) int { return int(n * ownerBarW / top) }
	var rows []htmlOwner
	for _, gr := range m.groups {
		if gr.role == 0 && gr.name == store.MapUnallocated {
			continue // said with the free list
		}
		for k, o := range gr.owners {
			mo := m.Map.Owners[o]
			r := htmlOwner{
				Class: gr.class, Code: gr.code, Name: xmlText(gr.name), Tree: treeLabel(mo, len(gr.owners)),
				Pages: fmt.Sprint(mo.Pages), First: k == 0,
			}
			if gr.role != 0 {
				r.Role, r.State = gr.role.String(), mo.State.String()
			}
			if gr.role != 0 || gr.name != store.MapSuperblock && gr.name != store.MapFreeList {
				r.Leaf, r.Branch, r.Overflow = fmt.Sprint(mo.LeafPages), fmt.Sprint(mo.BranchPages), fmt.Sprint(mo.OverflowPages)
				r.Entries, r.Height = fmt.Sprint(mo.Entries), fmt.Sprint(mo.Height)
				if mo.LeafPages > 0 {
					r.LeafFill = fmt.Sprintf("%.1f%%", 100*mo.LeafFill)
				}
				if mo.BranchPages > 0 {
					r.BranchFill = fmt.Sprintf("%.1f%%", 100*mo.BranchFill)
				}
			}
			r.LeafW, r.BranchW, r.OverflowW = scale(mo.LeafPages), scale(mo.BranchPages), scale(mo.OverflowPages)
			r.OtherW = max(scale(mo.Pages)-r.LeafW-r.BranchW-r.OverflowW, 0)
			r.OverflowX = r.LeafW + r.BranchW
			r.OtherX = r.OverflowX + r.OverflowW
			rows = append(rows, r)
		}
	}
	return rows
}

// freeText says what the free list holds and what a compaction would return.
func (m *model) freeText() []string {
	mp := m.Map
	n := uint64(len(mp.Pages))
	var trunks uint64
	for _, p := range mp.Pages {
		if p.Kind == store.PageFreeTrunk {
			trunks++
		}
	}
	c := mp.Compaction()
	pct := func(x uint64) string { return fmt.Sprintf("%.1f%%", 100*float64(x)/float64(max(n, 1))) }
	free := "The free list is empty: no page has been freed, or every freed page has been taken again."
	if mp.FreePages > 0 {
		lists := fmt.Sprintf("%d of them trunk pages that list the others", trunks)
		if trunks == 1 {
			lists = "one of them a trunk page that lists the others"
		}
		free = fmt.Sprintf("The free list holds %s (%s of the memory), %s; the allocator takes them before it grows the memory.",
			count(mp.FreePages, "page"), pct(mp.FreePages), lists)
	}
	out := []string{
		free,
		fmt.Sprintf("%s past the allocator's page count (%s) are grown but never allocated: the memory grows a Wasm page (16 pages) at a time.",
			count(n-mp.PageCount, "page"), pct(n-mp.PageCount)),
	}
	if c.ReturnedPages == 0 {
		out = append(out, fmt.Sprintf("A compaction would return nothing: the %d pages in use fill the %s.", c.Pages, count(c.WasmPages, "Wasm page")))
	} else {
		out = append(out, fmt.Sprintf("A compaction, moving every page in use into the free pages below it, would return %s (%s): the memory would shrink from %s to %s.",
			count(c.ReturnedPages, "page"), humanize.IBytes(c.ReturnedPages*store.PageSize), count(mp.WasmPages(), "Wasm page"), count(c.WasmPages, "Wasm page")))
	}
	out = append(out, fmt.Sprintf("Rebuilding every tree with full nodes could save up to %.0f of the pages in use besides: the room left inside partly filled tree pages adds up to that many.", c.SlackPages))
	return out
}

var mapPage = template.Must(template.New("map").Parse(`<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>Page map: {{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.2em auto; max-width: 1100px; padding: 0 12px; color: #1d2733; }
h1 { font-size: 1.45em; margin: 0 0 0.2em; }
h2 { font-size: 1.15em; margin: 0 0 0.4em; }
section { border-top: 2px solid #e3e7ec; margin-top: 1.2em; padding-top: 0.8em; }
.meta { color: #5b6773; }
pre { background: #f4f6f8; padding: 0.5em 0.8em; white-space: pre-wrap; margin: 0.4em 0; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 13px; }
th, td { padding: 0.15em 0.55em; border-bottom: 1px solid #e3e7ec; text-align: left; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.legend { list-style: none; padding: 0; margin: 0.4em 0; display: flex; flex-wrap: wrap; gap: 0.2em 1.2em; }
ul.legend li { display: flex; align-items: center; gap: 0.35em; }
svg { display: block; }
text { font: 11px system-ui, sans-serif; fill: #1d2733; }
.row { font: 11px ui-monospace, monospace; text-anchor: end; fill: #5b6773; }
.code { font: 700 11px system-ui, sans-serif; fill: #000000; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
{{range $i, $c := .Palette}}.k{{$i}} { fill: {{$c}}; }
{{end}}.ksb { fill: {{index .Colors "ksb"}}; }
.kcat { fill: {{index .Colors "kcat"}}; }
.kfree { fill: {{index .Colors "kfree"}}; }
.fg.kfree { fill: #b0b6bc; }
.kun { fill: {{index .Colors "kun"}}; }
.bg { fill-opacity: 0.3; }
.kun.bg { fill-opacity: 1; }
.hatch { fill: url(#hatch); }
.edge { fill: #1d2733; }
.frame { fill: none; }
.frame.free, .frame.free-trunk { stroke: #8a939c; stroke-width: 1; stroke-dasharray: 3 2; }
.frame.unallocated { stroke: #d4d4d4; stroke-width: 1; }
.faded { opacity: 0.25; }
.mark-read { fill: none; stroke: {{index .Colors "read"}}; stroke-width: 2; }
.mark-dirtied { fill: none; stroke: {{index .Colors "dirtied"}}; stroke-width: 3; }
.corner { fill: {{index .Colors "dirtied"}}; }
.bar-read { fill: {{index .Colors "read"}}; }
.bar-dirtied { fill: {{index .Colors "dirtied"}}; }
.bar-branch { fill: #1d2733; }
</style>
</head>
<body>
<h1>Page map of {{.Title}}</h1>
<p class="meta">{{.Summary}}</p>
<section id="memory">
<h2>The memory, page by page</h2>
<ul class="legend">
{{range .Legend}}<li><svg xmlns="http://www.w3.org/2000/svg" width="26" height="16"><rect class="bg {{.Class}}" x="0" y="0" width="26" height="16"/><rect class="{{.Class}}" x="0" y="7" width="26" height="9"/>{{if eq .Class "kfree"}}<rect class="frame free" x="0.5" y="0.5" width="25" height="15"/>{{end}}{{if .Code}}<text class="code" x="3" y="12">{{.Code}}</text>{{end}}</svg>{{.Label}} <span class="meta">{{.Pages}}</span></li>
{{end}}</ul>{{if .Repeats}}
<p class="meta">The colors repeat after nine variables, largest first; the letters tell them apart.</p>{{end}}
<ul class="legend meta">
<li><svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect class="bg k4" x="0" y="0" width="16" height="16"/><rect class="k4" x="0" y="6" width="16" height="10"/></svg>a page: the solid part is how full it is</li>
<li><svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect class="bg k4" x="0" y="0" width="16" height="16"/><rect class="k4" x="0" y="4" width="16" height="12"/><rect class="edge" x="0" y="0" width="16" height="3"/></svg>branch (dark top edge)</li>
<li><svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect class="k4" x="0" y="0" width="16" height="16"/><rect class="hatch" x="0" y="0" width="16" height="16"/></svg>overflow (hatched)</li>
<li><svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect class="frame free" x="0.5" y="0.5" width="15" height="15"/></svg>free (dashed)</li>
</ul>
<p class="meta">Address order, left to right and top to bottom; {{.BinText}}. Each row starts with its first page and that page's address. Hover a cell for its page, owner, kind and fill.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="{{.Label}}">
<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect x="0" y="0" width="2.5" height="6" fill="#ffffff" fill-opacity="0.75"/></pattern></defs>
{{.RowLabels}}<g id="cells">
{{.Cells}}</g>
</svg>
</section>
{{$w := .Width}}{{$h := .Height}}{{range .Touches}}<section id="{{.ID}}">
<h2>Pages touched: {{.Name}}</h2>
{{if .Query}}<pre><code>{{.Query}}</code></pre>
{{end}}<p>{{.Summary}} On the map below, the pages it touched are in full color over the faded memory:
<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14" style="display:inline; vertical-align: -2px"><rect class="mark-read" x="1" y="1" width="12" height="12"/></svg> read,
<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14" style="display:inline; vertical-align: -2px"><rect class="mark-dirtied" x="1.5" y="1.5" width="11" height="11"/><path class="corner" d="M14 14h-7L14 7z"/></svg> dirtied.</p>
<table>
<thead><tr><th>owner</th><th class="num">read</th><th class="num">dirtied</th><th class="num">its pages</th><th class="num">share</th><th></th></tr></thead>
<tbody>
{{range .Owners}}<tr><td>{{if .Code}}<b>{{.Code}}</b> {{end}}{{.Label}}</td><td class="num">{{.Read}}</td><td class="num">{{.Dirtied}}</td><td class="num">{{.Of}}</td><td class="num">{{.Pct}}</td><td><svg xmlns="http://www.w3.org/2000/svg" width="{{.BarWidth}}" height="12"><rect class="bar-read" x="0" y="0" width="{{.ReadW}}" height="5"/><rect class="bar-dirtied" x="0" y="6" width="{{.DirtiedW}}" height="5"/></svg></td></tr>
{{else}}<tr><td colspan="6">no page touched</td></tr>
{{end}}</tbody>
</table>
<svg xmlns="http://www.w3.org/2000/svg" width="{{$w}}" height="{{$h}}" viewBox="0 0 {{$w}} {{$h}}" role="img" aria-label="the pages touched by {{.Name}}">
{{.Marks}}</svg>
</section>
{{end}}<section id="variables">
<h2>Pages per variable</h2>
<table>
<thead><tr><th></th><th>variable</th><th>role</th><th>tree</th><th>state</th><th class="num">pages</th><th></th><th class="num">leaf</th><th class="num">branch</th><th class="num">overflow</th><th class="num">entries</th><th class="num">height</th><th class="num">leaf fill</th><th class="num">branch fill</th></tr></thead>
<tbody>
{{range .Owners}}<tr><td>{{if .First}}<svg xmlns="http://www.w3.org/2000/svg" width="22" height="14"><rect class="{{.Class}}" x="0" y="0" width="22" height="14"/>{{if .Code}}<text class="code" x="3" y="11">{{.Code}}</text>{{end}}</svg>{{end}}</td><td>{{if .First}}{{.Name}}{{end}}</td><td>{{if .First}}{{.Role}}{{end}}</td><td>{{.Tree}}</td><td>{{if .First}}{{.State}}{{end}}</td><td class="num">{{.Pages}}</td><td><svg xmlns="http://www.w3.org/2000/svg" width="150" height="12"><rect class="{{.Class}}" x="0" y="0" width="{{.LeafW}}" height="12"/><rect class="bar-branch" x="{{.LeafW}}" y="0" width="{{.BranchW}}" height="12"/><rect class="{{.Class}}" x="{{.OverflowX}}" y="0" width="{{.OverflowW}}" height="12"/><rect class="hatch" x="{{.OverflowX}}" y="0" width="{{.OverflowW}}" height="12"/><rect class="{{.Class}}" x="{{.OtherX}}" y="0" width="{{.OtherW}}" height="12"/>{{if eq .Class "kfree"}}<rect class="frame free" x="0.5" y="0.5" width="{{.OtherW}}" height="11"/>{{end}}</svg></td><td class="num">{{.Leaf}}</td><td class="num">{{.Branch}}</td><td class="num">{{.Overflow}}</td><td class="num">{{.Entries}}</td><td class="num">{{.Height}}</td><td class="num">{{.LeafFill}}</td><td class="num">{{.BranchFill}}</td></tr>
{{end}}</tbody>
</table>
<p class="meta">A column's trees are its values and its index; a verb's, its two directions; a kind's, its members. The bar: leaf pages in the variable's color, branch pages dark, overflow pages hatched. Fill is the mean share of a page in use.</p>
</section>
<section id="free">
<h2>Free list and compaction</h2>
{{range .Free}}<p>{{.}}</p>
{{end}}</section>
</body>
</html>
`))
