package store_test

import (
	"fmt"

	"github.com/stablegraph/stablegraph/store"
)

// The page map of a store with one variable: who owns each page, and what the map read.
func ExampleTx_Map() {
	s, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	if err != nil {
		panic(err)
	}
	err = s.Update(func(tx *store.Tx) error {
		if _, err := tx.CreateVar(store.VarDef{Name: "score", Role: store.RoleColumn, Type: "uint64",
			Trees: []store.Layout{{KeySize: 8, ValueSize: 8}}}); err != nil {
			return err
		}
		t, err := tx.VarTree("score", 0, true)
		if err != nil {
			return err
		}
		for id := range uint64(1000) {
			k, v := store.EncodeUint64(id), store.EncodeUint64(id*id)
			if _, err := t.Put(k[:], v[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	var m *store.Map
	st, err := s.ViewWith(store.Budget{}, func(tx *store.Tx) (err error) {
		m, err = tx.Map()
		return err
	})
	if err != nil {
		panic(err)
	}
	for _, o := range m.Owners {
		if o.Pages > 0 {
			fmt.Printf("%-12s %2d pages (%d leaf, %d branch), %d entries, height %d\n", o.Name, o.Pages, o.LeafPages, o.BranchPages, o.Entries, o.Height)
		}
	}
	fmt.Println("pages 0 to 2:", m.Pages[0].Kind, m.Pages[1].Kind, m.Pages[2].Kind)
	fmt.Printf("%d pages in a memory of %d; the map read %d\n", m.PageCount, len(m.Pages), st.PagesRead)
	// Output:
	// superblock    1 pages (0 leaf, 0 branch), 0 entries, height 0
	// catalog       2 pages (1 leaf, 0 branch), 1 entries, height 1
	// score         5 pages (4 leaf, 1 branch), 1000 entries, height 2
	// unallocated   8 pages (0 leaf, 0 branch), 0 entries, height 0
	// pages 0 to 2: superblock slots leaf
	// 8 pages in a memory of 16; the map read 8
}
