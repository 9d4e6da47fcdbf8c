package entity

import (
	"encoding/binary"
	"fmt"
	"iter"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stablegraph/stablegraph/store"
)

// Kind is a registered kind of entity. Its catalog variable (role store.RoleKind, named as
// the kind) owns one tree: the set of its live entities, keyed by 8-byte big-endian ID with
// empty values, so a kind's count is O(1) and its members are found without touching other
// kinds.
type Kind struct {
	name string
	def  store.VarDef
}

// Name returns the kind's name.
func (k *Kind) Name() string { return k.name }

// String returns the kind's name.
func (k *Kind) String() string { return k.name }

// Def returns the kind's catalog definition as declared (or as found in the catalog).
func (k *Kind) Def() store.VarDef { return k.def }

// Tree returns the kind's member tree, for page estimates (Height, Len, LeafCapacity). It
// aborts the message if the kind is retired or unknown.
func (k *Kind) Tree(tx *Tx) *store.Tree { return tx.Must(tx.VarTree(k.name, 0, false)) }

// New creates an entity of kind k and returns its ID. It fails with the store's ErrReadOnly
// or ErrRetired if the kind is deprecated or retired.
func (k *Kind) New(tx *Tx) (ID, error) {
	v, kt, err := k.writeTree(tx)
	if err != nil {
		return 0, err
	}
	id := tx.nextID()
	key := Key(id)
	if _, err := kt.Put(key[:], nil); err != nil {
		return 0, err
	}
	var val [4]byte
	binary.BigEndian.PutUint32(val[:], v.ID)
	if _, err := tx.Must(tx.VarTree(VarKind, 0, true)).Put(key[:], val[:]); err != nil {
		return 0, err
	}
	return id, nil
}

// NewN creates n entities of kind k, with consecutive IDs, and returns the first. Their IDs
// are greater than every ID handed out before, so they are appended to the kind's trees
// bottom up (store.Tree.BulkLoad): every page is written once and full.
func (k *Kind) NewN(tx *Tx, n int) (ID, error) {
	v, kt, err := k.writeTree(tx)
	if err != nil {
		return 0, err
	}
	first := tx.LastID() + 1
	if n <= 0 {
		return first, nil
	}
	tx.stx.Raw().SetRoot(RootNextID, uint64(first)+uint64(n)-1)
	var val [4]byte
	binary.BigEndian.PutUint32(val[:], v.ID)
	keys := func(yield func([]byte, []byte) bool) {
		for id := first; id < first+ID(n); id++ {
			key := Key(id)
			if !yield(key[:], nil) {
				return
			}
		}
	}
	if _, err := kt.BulkLoad(keys); err != nil {
		return 0, err
	}
	_, err = tx.Must(tx.VarTree(VarKind, 0, true)).BulkLoad(func(yield func([]byte, []byte) bool) {
		for k := range keys {
			if !yield(k, val[:]) {
				return
			}
		}
	})
	return first, err
}

// writeTree returns the kind's variable and its member tree, open for writing.
func (k *Kind) writeTree(tx *Tx) (store.Var, *store.Tree, error) {
	v, ok := tx.Var(k.name)
	if !ok || v.Role != store.RoleKind {
		return v, nil, fmt.Errorf("kind %q: %w", k.name, ErrNoKind)
	}
	kt, err := tx.VarTree(k.name, 0, true)
	return v, kt, err
}

// Count returns the number of live entities of kind k, in O(1).
func (k *Kind) Count(tx *Tx) uint64 { return k.Tree(tx).Len() }

// Has reports whether id is a live entity of kind k.
func (k *Kind) Has(tx *Tx, id ID) bool {
	key := Key(id)
	return k.Tree(tx).Has(key[:])
}

// All iterates over the live entities of kind k in ID order.
func (k *Kind) All(tx *Tx) iter.Seq[ID] {
	return func(yield func(ID) bool) {
		for key := range k.Tree(tx).All() {
			if !yield(FromKey(key)) {
				return
			}
		}
	}
}

// Bitmap returns the live entities of kind k as a bitmap. It reads every leaf of the kind's
// tree once, and no page of any other kind.
func (k *Kind) Bitmap(tx *Tx) *roaring64.Bitmap {
	bm := roaring64.New()
	buf := make([]uint64, 0, 1024)
	for key := range k.Tree(tx).All() {
		if buf = append(buf, uint64(FromKey(key))); len(buf) == cap(buf) {
			bm.AddMany(buf)
			buf = buf[:0]
		}
	}
	bm.AddMany(buf)
	return bm
}
