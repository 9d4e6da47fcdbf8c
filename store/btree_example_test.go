package store_test

import (
	"fmt"

	"github.com/stablegraph/stablegraph/store"
)

// A column of entity IDs to scores: fixed 8-byte keys and values, the fast path.
func ExampleTx_CreateTree() {
	s, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	if err != nil {
		panic(err)
	}
	ref := store.SuperblockTreeRef(1)
	err = s.Update(func(tx *store.Tx) error {
		t, err := tx.CreateTree(ref, store.Layout{KeySize: 8, ValueSize: 8}, "score")
		if err != nil {
			return err
		}
		for id := uint64(1); id <= 5; id++ {
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
	st, _ := s.ViewWith(store.Budget{}, func(tx *store.Tx) error {
		t, err := tx.OpenTree(ref, "score")
		if err != nil {
			return err
		}
		lo, hi := store.EncodeUint64(2), store.EncodeUint64(5)
		for k, v := range t.Ascend(lo[:], hi[:]) {
			fmt.Println(store.DecodeUint64(k), store.DecodeUint64(v))
		}
		fmt.Println("entries:", t.Len(), "height:", t.Height())
		return nil
	})
	fmt.Println("pages read:", st.ByOwner["score"].PagesRead)
	// Output:
	// 2 4
	// 3 9
	// 4 16
	// entries: 5 height: 1
	// pages read: 1
}
