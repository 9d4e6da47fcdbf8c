package pagemap

import (
	"encoding/json"
	"io"
	"math"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/stablegraph/stablegraph/store"
)

// Doc is the page map as JSON: the same data as the HTML page.
type Doc struct {
	Title      string     `json:"title"`
	PageSize   int        `json:"page_size"`
	Pages      uint64     `json:"pages"`      // pages of the memory
	WasmPages  uint64     `json:"wasm_pages"` // the memory in 64 KiB Wasm pages
	PageCount  uint64     `json:"page_count"` // pages [0, page_count) are in use or free
	FreePages  uint64     `json:"free_pages"` // trunk pages included
	PagesRead  uint64     `json:"pages_read"` // what building the map read
	Compaction Compaction `json:"compaction"`
	Owners     []Owner    `json:"owners"`
	// Runs cover the memory in address order: each is a run of pages of one owner and one
	// kind.
	Runs    []Run      `json:"runs"`
	Touched []TouchDoc `json:"touched"`
}

// Compaction is store.Compaction in JSON.
type Compaction struct {
	Pages         uint64  `json:"pages"`
	WasmPages     uint64  `json:"wasm_pages"`
	ReturnedPages uint64  `json:"returned_pages"`
	SlackPages    float64 `json:"slack_pages"`
}

// Owner is one owner of pages; Runs and TouchDoc refer to it by its index in Doc.Owners.
type Owner struct {
	Name          string  `json:"name"`
	Role          string  `json:"role"`  // "kind", "column", "verb", "system", or "store" for the store's own pages
	State         string  `json:"state"` // the variable's lifecycle state; "" for the store's own
	Tree          int     `json:"tree"`
	Label         string  `json:"label"` // what the tree holds: "values", "index", …
	Code          string  `json:"code"`  // the variable's letter on the map
	Color         string  `json:"color"` // its color on the map
	Pages         uint64  `json:"pages"`
	LeafPages     uint64  `json:"leaf_pages"`
	BranchPages   uint64  `json:"branch_pages"`
	OverflowPages uint64  `json:"overflow_pages"`
	Entries       uint64  `json:"entries"`
	Height        int     `json:"height"`
	LeafFill      float64 `json:"leaf_fill"`
	BranchFill    float64 `json:"branch_fill"`
}

// Run is a run of pages of one owner and one kind; Fill holds each page's fill, except
// for free and unallocated pages, which are empty.
type Run struct {
	First uint64    `json:"first"`
	Count uint64    `json:"count"`
	Owner int       `json:"owner"`
	Kind  string    `json:"kind"`
	Fill  []float64 `json:"fill,omitempty"`
}

// TouchDoc is a Touch in JSON: its pages as runs [first, count], and per owner.
type TouchDoc struct {
	Name         string      `json:"name"`
	Query        string      `json:"query,omitempty"`
	PagesRead    uint64      `json:"pages_read"`
	PagesDirtied uint64      `json:"pages_dirtied"`
	Read         [][2]uint64 `json:"read"`
	Dirtied      [][2]uint64 `json:"dirtied"`
	// ByOwner counts the pages read and dirtied of each owner that had any.
	ByOwner []OwnerTouch `json:"by_owner"`
}

// OwnerTouch is what a message touched of one owner's pages.
type OwnerTouch struct {
	Owner   int    `json:"owner"`
	Read    uint64 `json:"read"`
	Dirtied uint64 `json:"dirtied"`
}

// NewDoc returns the page map as JSON data.
func NewDoc(p Page) *Doc {
	m := newModel(p)
	mp := p.Map
	c := mp.Compaction()
	d := &Doc{
		Title: p.Title, PageSize: store.PageSize, Pages: uint64(len(mp.Pages)), WasmPages: mp.WasmPages(),
		PageCount: mp.PageCount, FreePages: mp.FreePages, PagesRead: p.PagesRead,
		Compaction: Compaction{Pages: c.Pages, WasmPages: c.WasmPages, ReturnedPages: c.ReturnedPages, SlackPages: round(c.SlackPages)},
		Owners:     []Owner{}, Runs: []Run{}, Touched: []TouchDoc{},
	}
	for i, o := range mp.Owners {
		gr := m.groups[m.groupOf[i]]
		jo := Owner{
			Name: o.Name, Role: "store", Tree: o.Tree, Label: treeLabel(o, len(gr.owners)), Code: gr.code, Color: gr.color,
			Pages: o.Pages, LeafPages: o.LeafPages, BranchPages: o.BranchPages, OverflowPages: o.OverflowPages,
			Entries: o.Entries, Height: o.Height, LeafFill: round(o.LeafFill), BranchFill: round(o.BranchFill),
		}
		if o.Role != 0 {
			jo.Role, jo.State = o.Role.String(), o.State.String()
		}
		d.Owners = append(d.Owners, jo)
	}
	for id := 0; id < len(mp.Pages); {
		p := mp.Pages[id]
		r := Run{First: uint64(id), Owner: int(p.Owner), Kind: p.Kind.String()}
		for ; id < len(mp.Pages) && mp.Pages[id].Owner == p.Owner && mp.Pages[id].Kind == p.Kind; id++ {
			r.Count++
			if p.Kind != store.PageFree && p.Kind != store.PageUnallocated {
				r.Fill = append(r.Fill, round(float64(mp.Pages[id].Fill)))
			}
		}
		d.Runs = append(d.Runs, r)
	}
	for _, t := range p.Touches {
		read, dirtied := orEmpty(t.Read), orEmpty(t.Dirtied)
		td := TouchDoc{
			Name: t.Name, Query: t.Query, PagesRead: read.GetCardinality(), PagesDirtied: dirtied.GetCardinality(),
			Read: runsOf(read), Dirtied: runsOf(dirtied), ByOwner: []OwnerTouch{},
		}
		by := map[int32]*OwnerTouch{}
		var order []int32
		for k, bm := range []*roaring.Bitmap{read, dirtied} {
			it := bm.Iterator()
			for it.HasNext() {
				id := it.Next()
				if int(id) >= len(mp.Pages) {
					continue
				}
				o := mp.Pages[id].Owner
				if by[o] == nil {
					by[o] = &OwnerTouch{Owner: int(o)}
					order = append(order, o)
				}
				if k == 0 {
					by[o].Read++
				} else {
					by[o].Dirtied++
				}
			}
		}
		for _, o := range order {
			td.ByOwner = append(td.ByOwner, *by[o])
		}
		d.Touched = append(d.Touched, td)
	}
	return d
}

// WriteJSON writes the page map as indented JSON.
func WriteJSON(w io.Writer, p Page) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewDoc(p))
}

// runsOf returns the pages of bm as runs [first, count].
func runsOf(bm *roaring.Bitmap) [][2]uint64 {
	out := [][2]uint64{}
	it := bm.Iterator()
	for it.HasNext() {
		id := uint64(it.Next())
		if n := len(out); n > 0 && out[n-1][0]+out[n-1][1] == id {
			out[n-1][1]++
		} else {
			out = append(out, [2]uint64{id, 1})
		}
	}
	return out
}

// round keeps three decimals.
func round(x float64) float64 { return math.Round(x*1000) / 1000 }
