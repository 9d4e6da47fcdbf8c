package store

import (
	"fmt"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRawMisuseIsRefused: each way of misusing the raw API fails its message with
// ErrMisuse and leaves the store exactly as it was, where it used to corrupt it silently
// (SetRoot(-3) overwrote the page count, SetRoot(40) a tree descriptor, a double free made
// the free list point at itself).
func TestRawMisuseIsRefused(t *testing.T) {
	var kept, trunk, entry PageID // in use; the free list's trunk page; the trunk's entry
	setup := func(t *testing.T) *Store {
		s := openHeap(t)
		newTree(t, s, fixed88, 1000, 1)
		require.NoError(t, s.Update(func(tx *Tx) error {
			r := tx.Raw()
			kept, _ = r.Alloc()
			trunk, _ = r.Alloc()
			entry, _ = r.Alloc()
			r.SetRoot(2, uint64(kept))
			r.Free(trunk) // the first free page becomes the list's trunk page
			r.Free(entry)
			return nil
		}))
		return s
	}
	for _, c := range []struct {
		name string
		fn   func(r Raw)
		want string
	}{
		{"root slot below range", func(r Raw) { r.SetRoot(-3, 7) }, "root slot -3 is outside [1, 32)"},
		{"root slot above range", func(r Raw) { r.SetRoot(40, 7) }, "root slot 40 is outside [1, 32)"},
		{"root slot NumRoots", func(r Raw) { r.Root(NumRoots) }, "root slot 32 is outside"},
		{"catalog's root slot", func(r Raw) { r.SetRoot(0, 7) }, "root slot 0 is the catalog's"},
		{"read the catalog's slot", func(r Raw) { r.Root(0) }, "root slot 0 is the catalog's"},
		{"write into the superblock", func(r Raw) { _ = r.WriteAt([]byte{1}, 16) }, "page 0 is the superblock"},
		{"write across the superblock's end", func(r Raw) { _ = r.WriteAt(make([]byte, 8), PageSize-4) }, "page 0 is the superblock"},
		{"write page 0", func(r Raw) { r.WritePage(0) }, "page 0, the superblock"},
		{"free page 0", func(r Raw) { r.Free(0) }, "free of page 0"},
		{"free past the count", func(r Raw) { r.Free(1 << 20) }, "free of page 1048576"},
		{"double free in one message", func(r Raw) { r.Free(kept); r.Free(kept) }, "which is free already"},
		{"double free past a full trunk", func(r Raw) {
			var ids []PageID
			for range trunkCap + 1 {
				id, _ := r.Alloc()
				ids = append(ids, id)
			}
			r.Free(kept)
			for _, id := range ids { // fill the trunk that lists kept, and start another
				r.Free(id)
			}
			r.Free(kept)
		}, "which is free already"},
		{"free of the trunk page", func(r Raw) { r.Free(trunk) }, "which is free already"},
		{"free of a trunk's entry", func(r Raw) { r.Free(entry) }, "which is free already"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := setup(t)
			before := image(t, s)
			err := s.Update(func(tx *Tx) error { c.fn(tx.Raw()); return nil })
			require.ErrorIs(t, err, ErrMisuse)
			assert.ErrorContains(t, err, c.want)
			assert.Equal(t, before, image(t, s), "the store is as it was")
			require.NoError(t, checkWith(s, kept))
		})
	}
}

// checkWith checks a store holding the tree at testRef and the raw pages given.
func checkWith(s *Store, raw ...PageID) error {
	return s.View(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		if err != nil {
			return err
		}
		bm, err := tr.Check()
		if err != nil {
			return err
		}
		owned := roaring.New()
		for _, id := range raw {
			owned.Add(uint32(id))
		}
		return tx.Raw().CheckPages(map[string]*roaring.Bitmap{"the tree": bm, "raw": owned})
	})
}

// TestRawDoubleFreeLongAgoIsFoundByCheck: a page freed in one message and again in a later
// one, after enough frees that its trunk is no longer the list's head, is the one double
// free that Free cannot see without reading the whole list. CheckPages names it.
func TestRawDoubleFreeLongAgoIsFoundByCheck(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 10, 1)
	var victim PageID
	require.NoError(t, s.Update(func(tx *Tx) error {
		r := tx.Raw()
		var ids []PageID
		for range trunkCap + 3 {
			id, _ := r.Alloc()
			ids = append(ids, id)
		}
		victim = ids[1]
		for _, id := range ids {
			r.Free(id)
		}
		return nil
	}))
	require.NoError(t, s.Update(func(tx *Tx) error { tx.Raw().Free(victim); return nil }))
	err := checkWith(s)
	require.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, fmt.Sprintf("page %d is on the free list twice", victim))
}
