// Package pagemap draws the page map of a store (a store.Map) for people: one
// self-contained HTML page, inline SVG and CSS, no script, nothing fetched, that shows the
// memory as a grid of 4 KiB pages in address order, each cell colored by its owner and
// filled as full as the page is; the pages, entries, fill and height of every variable's
// trees; the free list and what a compaction would return; and, on the same grid, the
// pages a query or a message touched, read and dirtied told apart. JSON gives the same
// data for programs. graphctl map and the arena's status page draw with it.
//
// Large stores are binned: a cell then stands for a run of pages (a power of two, stated
// on the page) and shows the mix of owners in it side by side. The colors are Paul Tol's
// "muted" scheme, readable with the common forms of color blindness, and every variable
// also has a letter, shown in the legend and, where cells are large enough, in them.
package pagemap

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/stablegraph/stablegraph/store"
)

// Touch is a set of pages one message touched, drawn over the map.
type Touch struct {
	Name    string          // what touched them: a workload entry, "query", "last tick"
	Query   string          // the query's text, if it was one
	Read    *roaring.Bitmap // the pages read (nil: none)
	Dirtied *roaring.Bitmap // the pages dirtied (nil: none)
}

// Page is what a page map shows.
type Page struct {
	Title     string     // what the map is of, such as the store's file name
	Map       *store.Map // the map
	PagesRead uint64     // the pages that building the map read
	Touches   []Touch    // message footprints to draw over the map
}

// group is one entry of the legend: a variable with all its trees, or one of the store's
// own structures.
type group struct {
	name   string
	role   store.Role // 0 for the store's own structures
	class  string     // CSS class of its color
	color  string     // the color
	code   string     // its letter; "" for the store's own structures
	owners []int      // its owners in the map
	pages  uint64
}

// label returns the group's name as the legend shows it.
func (g *group) label() string {
	if g.role == 0 {
		return g.name
	}
	return fmt.Sprintf("%s (%s)", g.name, g.role)
}

// palette is Paul Tol's "muted" qualitative scheme: nine colors told apart with every
// common form of color blindness.
var palette = []string{"#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499"}

// The colors of the store's own pages and of the footprints, beside the palette.
const (
	colorSuperblock  = "#000000"
	colorCatalog     = "#777777"
	colorFree        = "#FFFFFF"
	colorUnallocated = "#E8E8E8"
	colorRead        = "#000000"
	colorDirtied     = "#EE7733" // Tol's "vibrant" orange, apart from every muted color
)

// model is a Page prepared for drawing: owners grouped and colored.
type model struct {
	Page
	groups  []*group
	groupOf []int // owner index → group index
}

func newModel(p Page) *model {
	m := &model{Page: p, groupOf: make([]int, len(p.Map.Owners))}
	byKey := map[string]*group{}
	var vars []*group
	for i, o := range p.Map.Owners {
		key := fmt.Sprintf("%d/%s", o.Role, o.Name)
		g := byKey[key]
		if g == nil {
			g = &group{name: o.Name, role: o.Role}
			byKey[key] = g
			if o.Role == 0 {
				switch o.Name {
				case store.MapSuperblock:
					g.class, g.color = "ksb", colorSuperblock
				case store.MapCatalog:
					g.class, g.color = "kcat", colorCatalog
				case store.MapFreeList:
					g.class, g.color = "kfree", colorFree
				case store.MapUnallocated:
					g.class, g.color = "kun", colorUnallocated
				default: // a tree kept outside the catalog: colored as a variable
					vars = append(vars, g)
				}
			} else {
				vars = append(vars, g)
			}
			if g.class != "" {
				m.groups = append(m.groups, g)
			}
		}
		g.owners = append(g.owners, i)
		g.pages += o.Pages
	}
	// The largest variables get the palette first, so a small store's colors all differ
	// and a large one's repeats fall on its smallest variables.
	slices.SortStableFunc(vars, func(a, b *group) int {
		return cmp.Or(cmp.Compare(b.pages, a.pages), cmp.Compare(a.name, b.name), cmp.Compare(a.role, b.role))
	})
	for i, g := range vars {
		g.class, g.color = fmt.Sprintf("k%d", i%len(palette)), palette[i%len(palette)]
		g.code = letters(i)
	}
	m.groups = append(vars, m.groups...)
	for gi, g := range m.groups {
		for _, o := range g.owners {
			m.groupOf[o] = gi
		}
	}
	return m
}

// letters returns the letter code of the i-th variable: A … Z, AA, AB, …
func letters(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// treeLabel names tree i of owner o by what the data model keeps in it.
func treeLabel(o store.MapOwner, trees int) string {
	switch {
	case o.Role == store.RoleColumn && o.Tree == 0:
		return "values"
	case o.Role == store.RoleColumn && o.Tree == 1:
		return "index"
	case o.Role == store.RoleVerb && o.Tree == 0:
		return "subject→object"
	case o.Role == store.RoleVerb && o.Tree == 1:
		return "object→subject"
	case o.Role == store.RoleKind:
		return "members"
	case o.Role == 0 && o.Name == store.MapCatalog:
		return "tree and slot pages"
	case o.Role == 0:
		return ""
	case trees > 1:
		return fmt.Sprintf("tree %d", o.Tree)
	}
	return ""
}

// trees counts the trees of owner o's group.
func (m *model) trees(o int) int { return len(m.groups[m.groupOf[o]].owners) }

// ownerName names owner o in a tooltip: its group and tree.
func (m *model) ownerName(o int) string {
	g := m.groups[m.groupOf[o]]
	if l := treeLabel(m.Map.Owners[o], m.trees(o)); l != "" && g.role != 0 {
		return g.label() + " " + l
	}
	return g.label()
}

// xmlText makes s fit a page that is also well-formed XML: invalid UTF-8 and the control
// characters that XML 1.0 forbids become U+FFFD.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < ' ' && r != '\n' && r != '\t' && r != '\r') || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
