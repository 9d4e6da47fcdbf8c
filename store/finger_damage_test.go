package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPeekDamaged: peekKid and the prefetch of leaves read only offsets within the page,
// whatever a damaged page holds: real branches and leaves of each layout Prefetch walks
// (packed 8- and 16-byte keys, slotted 8-byte keys), copied, with a few of their counts,
// slots and cell lengths set to values at or past their limits.
func TestPeekDamaged(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 1))
	for _, l := range []Layout{fixed88, {KeySize: 16}, {KeySize: 8, ValueSize: Variable}} {
		t.Run(fmt.Sprintf("%d/%d", l.KeySize, l.ValueSize), func(t *testing.T) {
			s := openHeap(t)
			require.NoError(t, s.Update(func(tx *Tx) error {
				tr, err := tx.CreateTree(testRef, l, testOwner)
				require.NoError(t, err)
				_, err = tr.BulkLoad(func(yield func([]byte, []byte) bool) {
					for i := range uint64(60000) {
						k, v := k8(i*3), k8(i)
						if l.KeySize == 16 {
							k, v = append(k8(i/4), k8(i)...), nil
						}
						if !yield(k, v) {
							return
						}
					}
				})
				return err
			}))
			view(t, s, func(tr *Tree) {
				require.GreaterOrEqual(t, tr.Height(), 2)
				root := tr.node(tr.d.root, tr.Height()-1)
				type page struct {
					p     []byte
					level int
				}
				// Nodes of every level: the root, then the first children of those above.
				pages := []page{{root, tr.Height() - 1}}
				ids := []PageID{tr.d.root}
				for level := tr.Height() - 1; level > 0; level-- {
					var kids []PageID
					for _, id := range ids {
						b := tr.node(id, level)
						for i := range min(nodeCount(b)+1, 4) {
							kid := tr.kid(id, b, i)
							kids = append(kids, kid)
							pages = append(pages, page{tr.node(kid, level-1), level - 1})
						}
					}
					ids = kids
				}
				extreme := func() uint16 {
					switch r.IntN(4) {
					case 0:
						return uint16(r.IntN(16))
					case 1:
						return uint16(PageSize - r.IntN(24))
					case 2:
						return uint16(1<<16 - 1 - r.IntN(4))
					}
					return uint16(r.IntN(1 << 16))
				}
				p := make([]byte, PageSize)
				for range 30000 {
					pg := pages[r.IntN(len(pages))]
					copy(p, pg.p)
					c := max(nodeCount(p), 1)
					slot := func() int { // the first, the last (searched first) or any
						return [3]int{0, c - 1, r.IntN(c)}[r.IntN(3)]
					}
					for range 1 + r.IntN(3) {
						switch r.IntN(3) {
						case 0:
							le.PutUint16(p[nodeOffCount:], extreme())
						case 1: // a slot
							le.PutUint16(p[nodeHeader+2*slot():], extreme())
						case 2: // the length at the start of a slotted cell
							if o := slotOff(p, slot()); !tr.fixed && o+2 <= PageSize {
								le.PutUint16(p[o:], extreme())
							}
						}
					}
					key := k8(uint64(r.IntN(60000 * 3)))
					if r.IntN(8) == 0 {
						key = k8(1<<64 - 1)
					}
					if pg.level > 0 {
						tr.peekKid(p, pg.level, key)
						continue
					}
					if tr.fixed {
						tr.prefetchPacked([][]byte{p}, [][]byte{key})
					} else {
						tr.prefetchSlotted([][]byte{p}, [][]byte{key})
					}
				}
			})
		})
	}
}
