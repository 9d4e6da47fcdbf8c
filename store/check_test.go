package store

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// damage is a way to break a store holding the tree at testRef: fn writes raw bytes (or
// frees, or allocates) and returns the page the error must name.
type damage struct {
	name   string
	layout Layout
	fn     func(tx *Tx, tr *Tree, leaves []PageID) PageID
	want   string
}

// leafIDs returns the leaves of tr in key order.
func leafIDs(tr *Tree) []PageID {
	var out []PageID
	id, p := tr.edgeLeaf(false)
	for p != nil {
		out = append(out, id)
		id, p = tr.nextLeaf(p, false)
	}
	return out
}

// The damage below is what a bug in the store would write: bytes that break an invariant in
// a page that is sealed as usual, so that the structural checks, not the checksum, find it.
// (A raw write, or a flipped bit, leaves the checksum stale: TestChecksumsFindFlippedBits.)

func bugWrite(tx *Tx, id PageID, off int, b []byte) { copy(tx.rewritePage(id)[off:], b) }

func writeU64(tx *Tx, id PageID, off int, v uint64) {
	var b [8]byte
	le.PutUint64(b[:], v)
	bugWrite(tx, id, off, b[:])
}

func writeU16(tx *Tx, id PageID, off int, v uint16) {
	var b [2]byte
	le.PutUint16(b[:], v)
	bugWrite(tx, id, off, b[:])
}

// TestCheckFindsDamage: each kind of damage is reported as ErrCorrupt naming the page.
func TestCheckFindsDamage(t *testing.T) {
	for _, d := range []damage{
		{"keys out of order", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			bugWrite(tx, l[1], nodeHeader+8, tx.page(l[1])[nodeHeader:nodeHeader+8])
			return l[1]
		}, "is not above key"},
		{"key outside its separators", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			writeU64(tx, l[2], nodeHeader, 0) // key 0 in the third leaf
			return l[2]
		}, "outside its separators"},
		{"leaf link", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			writeU64(tx, l[1], nodeOffNext, uint64(l[3]))
			return l[2]
		}, "leaf links"},
		{"fill bound", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			writeU16(tx, l[1], nodeOffCount, 10)
			return l[1]
		}, "below its fill bound"},
		{"header", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			writeU16(tx, l[0], 0, 0)
			return l[0]
		}, "expected a leaf"},
		{"child pointing up", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			writeU64(tx, tr.d.root, nodeHeader+8, uint64(tr.d.root))
			return tr.d.root
		}, "reached twice"},
		{"descriptor count", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			tr.d.count++
			return 0
		}, "the descriptor says 1001"},
		{"leak", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			id, _ := tx.Raw().Alloc()
			return id
		}, "is leaked"},
		{"double use", fixed88, func(tx *Tx, tr *Tree, l []PageID) PageID {
			id, _ := tx.Raw().Alloc()
			tx.Raw().Free(id) // now the free list has a trunk page with room
			tx.Raw().Free(l[1])
			return l[1]
		}, "is owned by both the free list and"},
		{"overlapping cells", varVar, func(tx *Tx, tr *Tree, l []PageID) PageID {
			p := tx.Raw().Page(l[1])
			writeU16(tx, l[1], nodeHeader+2, le.Uint16(p[nodeHeader:]))
			return l[1]
		}, "overlap"},
		{"overflow page", varVar, func(tx *Tx, tr *Tree, l []PageID) PageID {
			_, v, ovf := tr.scell(l[0], tx.Raw().Page(l[0]), 1)
			require.True(t, ovf)
			id := PageID(le.Uint64(v[4:]))
			writeU16(tx, id, 0, 0)
			return id
		}, "not an overflow page"},
	} {
		t.Run(d.name, func(t *testing.T) {
			s := openHeap(t)
			if d.layout.Fixed() {
				newTree(t, s, d.layout, 1000, 1) // four leaves of 254 entries and a root
			} else {
				newTree(t, s, d.layout, 0, 1)
				update(t, s, func(tr *Tree) {
					for i := range uint64(200) {
						_, err := tr.Put(k8(i), make([]byte, 30+i%2*3000))
						require.NoError(t, err)
					}
				})
			}
			checkStore(t, s)
			var page PageID
			require.NoError(t, s.Update(func(tx *Tx) error {
				tr, err := tx.OpenTree(testRef, testOwner)
				require.NoError(t, err)
				page = d.fn(tx, tr, leafIDs(tr))
				return nil
			}))
			err := s.View(func(tx *Tx) error {
				tr, err := tx.OpenTree(testRef, testOwner)
				require.NoError(t, err)
				return tx.Check(tr)
			})
			require.ErrorIs(t, err, ErrCorrupt)
			assert.ErrorContains(t, err, d.want)
			if page != 0 {
				assert.ErrorContains(t, err, fmt.Sprintf("page %d", page))
			}
		})
	}
}

// TestCorruptPageTrapsReads: a read that meets a broken page fails the message with an
// error naming the page, rather than returning wrong data.
func TestCorruptPageTrapsReads(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 1000, 1)
	var root PageID
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		root = tr.d.root
		writeU16(tx, root, nodeOffLevel, 7)
		return nil
	}))
	err := s.View(func(tx *Tx) error {
		tr, err := tx.OpenTree(testRef, testOwner)
		require.NoError(t, err)
		tr.Get(k8(1))
		t.Fatal("the read should have trapped")
		return nil
	})
	require.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, fmt.Sprintf("page %d: expected a branch at level 1", root))
}
