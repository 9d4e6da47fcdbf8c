package store

import (
	"fmt"
	"math/bits"
)

// A page map says, for every 4 KiB page of the memory in address order, who owns it, what
// it holds and how full it is: the picture of a store that `graphctl map` draws. Tx.Map
// builds it from the walk that CheckStore makes (the checker tells it of each page it
// reaches), so a map reads every page in use once, no page twice and no free page, and a
// damaged store has no map: Map fails as CheckStore does.

// PageKind says what a page holds.
type PageKind uint8

// The kinds of pages.
const (
	PageSuperblock  PageKind = iota + 1 // page 0: the allocator's state, root and tree slots
	PageSlots                           // a page of the catalog's tree descriptor slots
	PageLeaf                            // a B+tree leaf
	PageBranch                          // a B+tree branch
	PageOverflow                        // a page of a large value's overflow chain
	PageFreeTrunk                       // a free page that lists other free pages
	PageFree                            // a free page
	PageUnallocated                     // memory grown past the allocator's page count
)

// String returns the kind's name: "superblock", "slots", "leaf", "branch", "overflow",
// "free-trunk", "free" or "unallocated".
func (k PageKind) String() string {
	switch k {
	case PageSuperblock:
		return "superblock"
	case PageSlots:
		return "slots"
	case PageLeaf:
		return "leaf"
	case PageBranch:
		return "branch"
	case PageOverflow:
		return "overflow"
	case PageFreeTrunk:
		return "free-trunk"
	case PageFree:
		return "free"
	case PageUnallocated:
		return "unallocated"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// The names of the owners of the store's own pages in a Map; their Role is 0, so that a
// variable of the same name is told apart.
const (
	MapSuperblock  = "superblock"  // page 0
	MapCatalog     = catalogOwner  // the catalog's tree and its slot pages
	MapFreeList    = "free list"   // the free pages, trunks included
	MapUnallocated = "unallocated" // memory past the allocator's page count
)

// MapPage is one page of a Map.
type MapPage struct {
	Owner int32 // the index of its owner in Map.Owners
	Kind  PageKind
	// Fill is the fraction of the page in use, 0 to 1: entries (or children) of a packed
	// node over its capacity; bytes of cells and slots of a slotted node over its body;
	// bytes of an overflow page over its data area; slots of a slot page, entries of a
	// free-list trunk. The superblock counts as full, free and unallocated pages as empty.
	Fill float32
}

// MapOwner is one owner of pages in a Map: a tree of a global variable, a tree given to
// Tx.Map, or one of the store's own structures.
type MapOwner struct {
	// Name is the variable's name; the owner tag of a tree given to Tx.Map; or, with Role 0
	// and no tree, MapSuperblock, MapCatalog, MapFreeList or MapUnallocated.
	Name  string
	Role  Role  // the variable's role; 0 for the store's own structures and given trees
	State State // the variable's lifecycle state; 0 for others
	Tree  int   // which of the variable's trees, in VarDef.Trees order
	// Pages counts the pages it owns; LeafPages, BranchPages and OverflowPages those of
	// its tree (the catalog also owns slot pages, the free list trunk and free pages).
	Pages, LeafPages, BranchPages, OverflowPages uint64
	Entries                                      uint64 // entries of its tree
	Height                                       int    // height of its tree
	LeafFill, BranchFill                         float64
}

// Map is a page map of a store, as one message saw it.
type Map struct {
	// Pages holds every page of the memory, in address order: its size in Wasm pages × 16.
	Pages []MapPage
	// Owners holds every owner: the superblock, the catalog, each tree of each variable
	// (by name, then tree), the trees given to Tx.Map, the free list and the unallocated
	// memory, whether or not it owns a page.
	Owners []MapOwner
	// PageCount is the allocator's page count: pages [0, PageCount) are in use or free.
	PageCount uint64
	// FreePages counts the free pages, trunks included.
	FreePages uint64
}

// WasmPages returns the memory's size in Wasm pages.
func (m *Map) WasmPages() uint64 { return uint64(len(m.Pages)) / pagesPerWasmPage }

// Compaction is what compacting a store would give back, computed from its map.
type Compaction struct {
	// Pages is the page count once every page in use has moved into the free pages below
	// it, and WasmPages the memory that then needs.
	Pages, WasmPages uint64
	// ReturnedPages is the memory that gives back, in pages: the free pages and the
	// unallocated ones, less what rounding up to a whole Wasm page keeps.
	ReturnedPages uint64
	// SlackPages is the unused room inside tree and overflow pages, in pages: at most what
	// rebuilding every tree with full nodes would give back on top.
	SlackPages float64
}

// Compaction returns what compacting the store would give back.
func (m *Map) Compaction() Compaction {
	c := Compaction{Pages: m.PageCount - m.FreePages}
	c.WasmPages = (c.Pages + pagesPerWasmPage - 1) / pagesPerWasmPage
	c.ReturnedPages = uint64(len(m.Pages)) - c.WasmPages*pagesPerWasmPage
	for _, p := range m.Pages {
		if p.Kind == PageLeaf || p.Kind == PageBranch || p.Kind == PageOverflow {
			c.SlackPages += float64(1 - p.Fill)
		}
	}
	return c
}

// Map returns the page map of the store as this message sees it: the owner, kind and
// fill of every page, and each owner's totals. Trees kept outside the catalog are given
// as extra, as to CheckStore. It checks the whole store as CheckStore does, reading every
// page in use once (free pages but trunks are not read), and returns CheckStore's error
// for a damaged store.
func (tx *Tx) Map(extra ...*Tree) (*Map, error) {
	tx.checkOpen()
	st := tx.AllocStats()
	m := &Map{Pages: make([]MapPage, tx.memPages*pagesPerWasmPage), PageCount: st.Pages, FreePages: st.FreePages}
	if st.Pages > uint64(len(m.Pages)) || st.FreePages >= st.Pages {
		return nil, fmt.Errorf("%w: superblock: page count %d, %d free, in a memory of %d pages", ErrCorrupt, st.Pages, st.FreePages, len(m.Pages))
	}
	owner := func(o MapOwner) int32 {
		m.Owners = append(m.Owners, o)
		return int32(len(m.Owners) - 1)
	}
	super := owner(MapOwner{Name: MapSuperblock})
	byRef := map[TreeRef]int32{SuperblockTreeRef(0): owner(MapOwner{Name: MapCatalog})}
	for _, v := range tx.Vars() {
		for i, ref := range v.Refs {
			byRef[ref] = owner(MapOwner{Name: v.Name, Role: v.Role, State: v.State, Tree: i})
		}
	}
	for _, t := range extra {
		byRef[t.ref] = owner(MapOwner{Name: t.owner})
	}
	free := owner(MapOwner{Name: MapFreeList})
	unalloc := owner(MapOwner{Name: MapUnallocated})

	visit := func(t *Tree, id PageID, level int, p []byte) {
		o := byRef[t.ref]
		m.Owners[o].Entries, m.Owners[o].Height = t.d.count, t.d.height
		pg := MapPage{Owner: o, Kind: PageLeaf, Fill: t.pageFill(level, p)}
		switch {
		case level < 0:
			pg.Kind = PageOverflow
		case level > 0:
			pg.Kind = PageBranch
		}
		m.Pages[id] = pg
	}
	if err := tx.checkStore(visit, extra...); err != nil {
		return nil, err
	}

	// CheckStore has proved that these and the trees own every page exactly once.
	m.Pages[0] = MapPage{Owner: super, Kind: PageSuperblock, Fill: 1}
	slots, err := tx.slotPages()
	if err != nil {
		return nil, err
	}
	for _, id := range slots {
		used := le.Uint64(tx.page(id)[slotOffUsed:])
		m.Pages[id] = MapPage{Owner: byRef[SuperblockTreeRef(0)], Kind: PageSlots, Fill: float32(bits.OnesCount64(used)) / slotsPerPage}
	}
	// freePages lists each trunk before the pages it holds.
	list, err := tx.freePages()
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(list); {
		n := int(le.Uint16(tx.trunk(list[i], st.Pages)[trunkOffCount:]))
		m.Pages[list[i]] = MapPage{Owner: free, Kind: PageFreeTrunk, Fill: float32(n) / trunkCap}
		for _, id := range list[i+1 : i+1+n] {
			m.Pages[id] = MapPage{Owner: free, Kind: PageFree}
		}
		i += 1 + n
	}
	for id := st.Pages; id < uint64(len(m.Pages)); id++ {
		m.Pages[id] = MapPage{Owner: unalloc, Kind: PageUnallocated}
	}

	var leafFill, branchFill = make([]float64, len(m.Owners)), make([]float64, len(m.Owners))
	for _, p := range m.Pages {
		o := &m.Owners[p.Owner]
		o.Pages++
		switch p.Kind {
		case PageLeaf:
			o.LeafPages++
			leafFill[p.Owner] += float64(p.Fill)
		case PageBranch:
			o.BranchPages++
			branchFill[p.Owner] += float64(p.Fill)
		case PageOverflow:
			o.OverflowPages++
		}
	}
	for i := range m.Owners {
		o := &m.Owners[i]
		if o.LeafPages > 0 {
			o.LeafFill = leafFill[i] / float64(o.LeafPages)
		}
		if o.BranchPages > 0 {
			o.BranchFill = branchFill[i] / float64(o.BranchPages)
		}
	}
	return m, nil
}

// pageFill returns the fill of page p of t: a node at level, or an overflow page (-1).
func (t *Tree) pageFill(level int, p []byte) float32 {
	switch {
	case level < 0:
		return float32(len(p)-ovfHeader) / ovfData
	case !t.fixed:
		return float32(sweight(p)) / nodeBody
	case level == 0:
		return float32(nodeCount(p)) / float32(t.leafCap)
	default:
		return float32(nodeCount(p)+1) / float32(t.branchCap)
	}
}
