package store

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDescriptorReadOnceThenCached: after a reopen, the first message that opens a tree
// reads its slot page once (under OwnerStore); later messages take the descriptor from the
// Store's cache and a lookup touches only the tree's pages.
func TestDescriptorReadOnceThenCached(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s, err := Open(path, nil)
	require.NoError(t, err)
	newTree(t, s, fixed88, 1000, 1)
	require.NoError(t, s.Close())

	s = openFile(t, path, nil)
	st := view(t, s, func(tr *Tree) {
		assert.Equal(t, uint64(1000), tr.Len())
		assert.Equal(t, 2, tr.Height())
		tr.Get(k8(5))
	})
	assert.Equal(t, uint64(1), st.ByOwner[OwnerStore].PagesRead, "the slot page, once")
	assert.Equal(t, uint64(2), st.ByOwner[testOwner].PagesRead)
	st = view(t, s, func(tr *Tree) { tr.Get(k8(5)) })
	assert.Equal(t, uint64(2), st.PagesRead)
	assert.Equal(t, []string{testOwner}, st.Owners())
	checkStore(t, s)
}

func TestDescriptorRefusesUnknownVersionAndDamage(t *testing.T) {
	for _, c := range []struct {
		name string
		off  int
		b    byte
		want error
	}{
		{"version", descOffVersion, 2, ErrVersion},
		{"magic", 0, 'X', ErrCorrupt},
		{"checksum", descOffCount, 0xFF, ErrCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			mem := NewHeapMemory(0)
			s, err := OpenMemory(mem, nil)
			require.NoError(t, err)
			newTree(t, s, fixed88, 10, 1)
			require.NoError(t, s.Update(func(tx *Tx) error {
				// The slot is in the superblock, which Raw refuses to write: damage it from inside.
				return tx.writeAt([]byte{c.b}, uint64(testRef.Off)+uint64(c.off))
			}))
			s, err = OpenMemory(mem, nil) // a fresh Store: nothing cached
			require.NoError(t, err)
			require.NoError(t, s.View(func(tx *Tx) error {
				_, err := tx.OpenTree(testRef, testOwner)
				assert.ErrorIs(t, err, c.want)
				assert.ErrorContains(t, err, testRef.String())
				return nil
			}))
		})
	}
}

func TestCreateAndOpenErrors(t *testing.T) {
	s := openHeap(t)
	require.NoError(t, s.View(func(tx *Tx) error {
		_, err := tx.CreateTree(testRef, fixed88, testOwner)
		assert.ErrorIs(t, err, ErrTxReadOnly)
		_, err = tx.OpenTree(testRef, testOwner)
		assert.ErrorIs(t, err, ErrNoTree)
		return nil
	}))
	require.NoError(t, s.Update(func(tx *Tx) error {
		for _, l := range []Layout{
			{KeySize: 0, ValueSize: 8},
			{KeySize: MaxKeySize + 1, ValueSize: 8},
			{KeySize: 8, ValueSize: MaxFixedValueSize + 1},
			{KeySize: 8, ValueSize: -2},
			{KeySize: 1000, ValueSize: 1000},
			{KeySize: Variable, MaxKey: MaxKeySize + 1, ValueSize: Variable},
			{KeySize: Variable, ValueSize: 400},
		} {
			_, err := tx.CreateTree(testRef, l, testOwner)
			assert.ErrorIs(t, err, ErrLayout, "%+v", l)
		}
		_, err := tx.CreateTree(TreeRef{Page: 0, Off: 4050}, fixed88, testOwner)
		assert.ErrorIs(t, err, ErrLayout, "a slot must fit its page")

		tr, err := tx.CreateTree(testRef, fixed88, testOwner)
		require.NoError(t, err)
		_, err = tx.CreateTree(testRef, fixed88, testOwner)
		assert.ErrorIs(t, err, ErrTreeExists)
		again, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		assert.Same(t, tr, again, "one tree per message")
		_, err = tx.OpenTree(testRef, "other")
		assert.ErrorIs(t, err, ErrTreeOwner)
		return nil
	}))
	require.NoError(t, s.Update(func(tx *Tx) error {
		_, err := tx.CreateTree(testRef, varVar, testOwner)
		assert.ErrorIs(t, err, ErrTreeExists)
		return nil
	}))
}

// TestRollbackForgetsDescriptors: a message that fails leaves neither its descriptor
// changes in the slot nor in the Store's cache.
func TestRollbackForgetsDescriptors(t *testing.T) {
	s := openHeap(t)
	require.ErrorIs(t, s.Update(func(tx *Tx) error {
		tr, err := tx.CreateTree(testRef, fixed88, testOwner)
		require.NoError(t, err)
		_, err = tr.Put(k8(1), k8(1))
		require.NoError(t, err)
		return errRollback
	}), errRollback)
	require.NoError(t, s.View(func(tx *Tx) error {
		_, err := tx.OpenTree(testRef, testOwner)
		assert.ErrorIs(t, err, ErrNoTree)
		return nil
	}))
	newTree(t, s, fixed88, 500, 1)
	require.ErrorIs(t, s.Update(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		for i := range uint64(3000) {
			_, err := tr.Put(k8(1000+i), k8(i))
			require.NoError(t, err)
		}
		return errRollback
	}), errRollback)
	view(t, s, func(tr *Tree) {
		assert.Equal(t, uint64(500), tr.Len())
		assert.Equal(t, 2, tr.Height())
	})
	checkStore(t, s)
}

// TestDescriptorWriteCountsAgainstTheBudget: the descriptor written at commit is a page
// like any other: if it takes the message past its budget, the message fails whole.
func TestDescriptorWriteCountsAgainstTheBudget(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 500, 1)
	_, err := s.UpdateWith(Budget{MaxDirtied: 1}, func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		_, err = tr.Put(k8(10_000), k8(1))
		return err
	})
	assert.ErrorIs(t, err, ErrPageBudgetExceeded)
	view(t, s, func(tr *Tree) {
		assert.Equal(t, uint64(500), tr.Len())
		assert.False(t, tr.Has(k8(10_000)))
	})
	checkStore(t, s)
}

// TestDropFreesEveryPage: Drop gives back every node and overflow page and clears the
// slot, which can then take a new tree, in the same message or a later one.
func TestDropFreesEveryPage(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, varVar, 0, 1)
	update(t, s, func(tr *Tree) {
		for i := range uint64(3000) {
			_, err := tr.Put(k8(i), make([]byte, i%7*1000))
			require.NoError(t, err)
		}
		assert.Positive(t, tr.Stats().OverflowPages)
	})
	checkStore(t, s)
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		require.NoError(t, tr.Drop())
		_, err = tr.Put(k8(1), nil)
		assert.ErrorIs(t, err, ErrNoTree)
		_, err = tx.OpenTree(testRef, testOwner)
		assert.ErrorIs(t, err, ErrNoTree)
		return nil
	}))
	require.NoError(t, s.View(func(tx *Tx) error {
		_, err := tx.OpenTree(testRef, testOwner)
		assert.ErrorIs(t, err, ErrNoTree)
		as := tx.AllocStats()
		assert.Equal(t, as.Pages-1, as.FreePages)
		assert.Equal(t, make([]byte, descSize), testRef.slot(tx.Raw().Page(0)))
		return tx.Raw().CheckPages(nil)
	}))
	// Drop and create again in one message.
	newTree(t, s, fixed88, 100, 1)
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		require.NoError(t, tr.Drop())
		tr, err = tx.CreateTree(testRef, varVar, testOwner)
		require.NoError(t, err)
		_, err = tr.Put([]byte("a"), []byte("b"))
		return err
	}))
	view(t, s, func(tr *Tree) {
		assert.Equal(t, varVar.KeySize, tr.Layout().KeySize)
		assert.Equal(t, uint64(1), tr.Len())
	})
	checkStore(t, s)
}

// TestTreeInAnotherPage: a descriptor can live in a page its owner allocated (as the
// catalog's will), and survives a reopen there.
func TestTreeInAnotherPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s, err := Open(path, nil)
	require.NoError(t, err)
	var ref TreeRef
	require.NoError(t, s.Update(func(tx *Tx) error {
		id, _ := tx.Raw().Alloc()
		tx.Raw().SetRoot(3, uint64(id))
		ref = TreeRef{Page: id, Off: 128}
		tr, err := tx.CreateTree(ref, Layout{KeySize: 16, ValueSize: 0}, "edges")
		require.NoError(t, err)
		for i := range uint64(2000) {
			_, err := tr.Put(append(k8(i%40), k8(i)...), nil)
			require.NoError(t, err)
		}
		return nil
	}))
	require.NoError(t, s.Close())
	s = openFile(t, path, nil)
	require.NoError(t, s.View(func(tx *Tx) error {
		tr, err := tx.OpenTree(ref, "edges")
		require.NoError(t, err)
		assert.Equal(t, uint64(2000), tr.Len())
		owned, err := tr.Check()
		require.NoError(t, err)
		return tx.Raw().CheckPages(map[string]*roaring.Bitmap{"edges": owned, "catalog": roaring.BitmapOf(uint32(ref.Page))})
	}))
}

// TestViewsSeeCommittedDescriptors: Views running beside a writer (filling the descriptor
// cache as they go) always see a descriptor that matches the pages: the count they read is
// the number of entries they scan.
func TestViewsSeeCommittedDescriptors(t *testing.T) {
	s := openFile(t, filepath.Join(t.TempDir(), "s.sgdb"), &Options{NoSync: true})
	newTree(t, s, fixed88, 100, 1)
	done := make(chan struct{})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if err := s.View(func(tx *Tx) error {
					tr, err := tx.OpenTree(testRef, testOwner)
					if err != nil {
						return err
					}
					n := uint64(0)
					for range tr.All() {
						n++
					}
					if n != tr.Len() {
						return fmt.Errorf("scanned %d entries, the descriptor says %d", n, tr.Len())
					}
					return nil
				}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range uint64(200) {
		update(t, s, func(tr *Tree) {
			for j := range uint64(20) {
				_, err := tr.Put(k8(1000+i*20+j), k8(j))
				require.NoError(t, err)
			}
			if i%3 == 0 {
				_, err := tr.Delete(k8(i))
				require.NoError(t, err)
			}
		})
	}
	close(done)
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	checkStore(t, s)
}

// TestGroupsKeptWithTheDescriptor: the owner's count of key groups rides in the descriptor,
// so keeping it costs no page of its own; it survives a reopen, a bulk load and Clear forget
// it, and a descriptor written without it (as older code writes them) reads as not kept.
func TestGroupsKeptWithTheDescriptor(t *testing.T) {
	mem := NewHeapMemory(0)
	s, err := OpenMemory(mem, nil)
	require.NoError(t, err)
	newTree(t, s, fixed88, 1000, 1)
	view(t, s, func(tr *Tree) {
		_, ok := tr.Groups()
		assert.False(t, ok, "a new tree's owner has not counted yet")
		assert.Equal(t, uint64(tr.Height()), uint64(2))
		assert.Equal(t, tr.LeafPages()+tr.BranchPages(), tr.Stats().PagesByLevel[0]+tr.Stats().PagesByLevel[1])
		assert.Equal(t, uint64(1), tr.BranchPages())
		assert.Zero(t, tr.OverflowPages())
	})
	withPut := update(t, s, func(tr *Tree) { _, err := tr.Put(k8(5000), k8(1)); require.NoError(t, err) })
	withGroups := update(t, s, func(tr *Tree) {
		_, err := tr.Put(k8(5001), k8(1))
		require.NoError(t, err)
		require.NoError(t, tr.SetGroups(1<<39))
	})
	assert.Equal(t, withPut.PagesDirtied, withGroups.PagesDirtied, "the count shares the descriptor's page")
	assert.Equal(t, withPut.PagesRead, withGroups.PagesRead)

	s, err = OpenMemory(mem, nil) // nothing cached: read the slot again
	require.NoError(t, err)
	view(t, s, func(tr *Tree) {
		n, ok := tr.Groups()
		assert.True(t, ok)
		assert.Equal(t, uint64(1<<39), n)
	})
	update(t, s, func(tr *Tree) { require.NoError(t, tr.SetGroups(maxGroups)) })
	view(t, s, func(tr *Tree) {
		_, ok := tr.Groups()
		assert.False(t, ok, "too large for 40 bits: forgotten, not wrapped")
	})
	update(t, s, func(tr *Tree) { require.NoError(t, tr.SetGroups(7)) })
	update(t, s, func(tr *Tree) {
		_, err := tr.BulkLoad(func(yield func([]byte, []byte) bool) { yield(k8(9000), k8(1)) })
		require.NoError(t, err)
		_, ok := tr.Groups()
		assert.False(t, ok, "a bulk load bypasses the owner's count")
		require.NoError(t, tr.SetGroups(7))
		require.NoError(t, tr.Clear())
		_, ok = tr.Groups()
		assert.False(t, ok, "Clear forgets the count")
	})

	// A descriptor in the older layout, bytes 11 to 15 zero, reads as not kept.
	var d treeDesc
	b := make([]byte, descSize)
	l, err := fixed88.normalize()
	require.NoError(t, err)
	(&treeDesc{layout: l, groups: 42}).encode(b)
	clear(b[descOffGroups : descOffGroups+5])
	le.PutUint32(b[descOffChecksum:], crc32c(b[:descOffChecksum]))
	d, err = decodeDesc(b)
	require.NoError(t, err)
	assert.Zero(t, d.groups)
	checkStore(t, s)
}
