package entity

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"sort"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stablegraph/stablegraph/store"
)

// Kind is a registered kind of entity. Its catalog variable (role store.RoleKind, named as
// the kind) owns one tree: the set of its live entities, keyed by 8-byte big-endian ID with
// empty values, so a kind's count is O(1) and its members are found without touching other
// kinds. Every entity is a member of its own kind ($kind records which, and its URI names
// it) and may be a member of any number of others (Add).
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

// Add makes the live entity id also a member of kind k, beside its own kind (the one in
// its URI, which KindOf returns): an RDF resource with several types belongs to each.
// VarKinds records it, so that Delete and KindsOf find it in a few pages.
// FIND k, Count, All and Bitmap then include it; Delete removes it from every kind. Adding
// an entity to a kind it is a member of already does nothing. It fails with ErrNoEntity
// for an unknown or deleted entity, and with the store's ErrReadOnly or ErrRetired if k is
// deprecated or retired.
func (k *Kind) Add(tx *Tx, id ID) error {
	v, kt, err := k.writeTree(tx)
	if err != nil {
		return err
	}
	if !tx.Exists(id) {
		return fmt.Errorf("add #%d to kind %s: %w", id, k.name, ErrNoEntity)
	}
	key := Key(id)
	if kt.Has(key[:]) {
		return nil
	}
	if _, err := kt.Put(key[:], nil); err != nil {
		return err
	}
	if _, ok := tx.Var(VarKinds); !ok {
		if _, err := tx.CreateVar(kindsDef); err != nil {
			return err
		}
	}
	_, err = tx.Must(tx.VarTree(VarKinds, 0, true)).Put(binary.BigEndian.AppendUint32(key[:], v.ID), nil)
	return err
}

// otherKinds returns the catalog IDs of the kinds entity id is a member of besides its
// own, from VarKinds (none if the store has no such variable).
func (tx *Tx) otherKinds(id ID) []uint32 {
	if _, ok := tx.Var(VarKinds); !ok {
		return nil
	}
	var out []uint32
	lo, hi := KeyRange(id)
	for k := range tx.sys(VarKinds, 0).Ascend(lo, hi) {
		out = append(out, binary.BigEndian.Uint32(k[KeySize:]))
	}
	return out
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

// Filter returns the entities of ids that are live entities of kind k: Has for each, in
// ID order, reading exactly the pages those calls of Has would. A set of many IDs is
// merged with the leaves' keys (filterMerge), a few IDs are looked up with prefetch
// (filterSpread).
func (k *Kind) Filter(tx *Tx, ids *roaring64.Bitmap) *roaring64.Bitmap {
	if ids.GetCardinality() < filterMergeMin {
		return k.filterSpread(tx, ids)
	}
	return k.filterMerge(tx, ids)
}

// filterMergeMin is the fewest IDs Filter merges with the kind tree's leaves rather than
// looking each up with prefetch. Both read the same pages; the merge wins when IDs share
// leaves, the prefetched lookups when they are few and spread, each in a leaf of its own.
// Reasoned from two measurements (about 20 IDs in 10^6 members, 10,000 in 10^5), not
// timed at the crossover.
const filterMergeMin = 256

// filterSpread is Filter by lookups in ID order with one finger: an ID near the last
// climbs only to the lowest branch that holds it, and the leaves of a group of IDs are
// loaded into the CPU's caches together (store.Finger.Prefetch).
func (k *Kind) filterSpread(tx *Tx, ids *roaring64.Bitmap) *roaring64.Bitmap {
	f := k.Tree(tx).Finger()
	var buf [store.PrefetchMax][KeySize]byte
	var keys [store.PrefetchMax][]byte
	var group [store.PrefetchMax]uint64
	var out IDs
	for it := ids.Iterator(); it.HasNext(); {
		n := 0
		for ; n < len(keys) && it.HasNext(); n++ {
			group[n] = it.Next()
			buf[n] = Key(ID(group[n]))
			keys[n] = buf[n][:]
		}
		f.Prefetch(keys[:n])
		for j, key := range keys[:n] {
			if f.Has(key) {
				out.Add(group[j])
			}
		}
	}
	return out.Bitmap()
}

// filterMerge is Filter by a merge: an ID within the leaf the previous one was found in is
// looked up in that leaf, without descending from the root again (a descent for it would
// end in that leaf), so a dense set costs a descent per leaf rather than per ID, and a
// search of the leaf's packed keys per ID. A leaf whose keys from the ID found on are
// consecutive holds every candidate up to its last key: those are kept in one range,
// without a look at each (a kind's members are mostly such runs).
func (k *Kind) filterMerge(tx *Tx, ids *roaring64.Bitmap) *roaring64.Bitmap {
	// A finger: the descent for the next leaf climbs only to the branch that holds it, and
	// the seek after Has finds the leaf Has read without a descent.
	f := k.Tree(tx).Finger()
	var out IDs // members found one by one
	// whole holds ranges in which every candidate is a member, and from is where the next
	// may start: after the last candidate that is not a member, and past the last range,
	// so that ranges of neighbouring leaves join into one.
	var whole IDs
	from := ids.Minimum()
	// run holds the keys of the leaf the finger stands on, from the last ID found on; nil
	// if the tree does not hand them out packed (Cursor.Run).
	var run []byte
	var last uint64 // the last key of run
	for it := ids.Iterator(); it.HasNext(); {
		id := it.Next()
		if len(run) > 0 && id <= last {
			run = run[KeySize*seekRun(run, len(run)/KeySize, id):]
			if keyAt(run, 0) == id {
				out.Add(id)
			} else {
				from = id + 1
			}
			continue
		}
		key := Key(ID(id))
		if run == nil {
			if got, _, _, in := f.SeekInLeaf(key[:]); in {
				if bytes.Equal(got, key[:]) {
					out.Add(id)
				} else {
					from = id + 1
				}
				continue
			}
		}
		// A descent, as Has makes; the finger moves to the key only if the tree holds it,
		// since a seek past a leaf's last key would read the next leaf as well.
		if !f.Has(key[:]) {
			from = id + 1
			continue
		}
		f.Seek(key[:])
		var n int
		if run, _, n = f.Run(); n == 0 {
			out.Add(id)
			continue
		}
		if last = keyAt(run, n-1); last-id != uint64(n-1) {
			out.Add(id)
			continue
		}
		whole.AddRange(from, last)
		if last == math.MaxUint64 {
			break
		}
		from = last + 1
		it.AdvanceIfNeeded(from)
	}
	got, w := out.Bitmap(), whole.Bitmap()
	if w.IsEmpty() {
		return got
	}
	w.And(ids)
	if !got.IsEmpty() {
		w.Or(got)
	}
	return w
}

// keyAt returns the ID of the i-th key of packed 8-byte keys.
func keyAt(run []byte, i int) uint64 { return binary.BigEndian.Uint64(run[i*KeySize:]) }

// seekRun returns the index of the first of the n packed keys of run that is ≥ id, by
// galloping from the front: the IDs of a set probed in order are near each other.
func seekRun(run []byte, n int, id uint64) int {
	lo, hi := 0, 1
	for hi < n && keyAt(run, hi) < id {
		lo, hi = hi+1, min(2*hi, n)
	}
	hi = min(hi, n)
	return lo + sort.Search(hi-lo, func(i int) bool { return keyAt(run, lo+i) >= id })
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
// tree once, and no page of any other kind. A leaf whose IDs are consecutive, as a kind's
// mostly are, is added as one range, from its first and last keys.
func (k *Kind) Bitmap(tx *Tx) *roaring64.Bitmap {
	var ids IDs
	c := k.Tree(tx).Cursor()
	for key, _, ok := c.First(); ok; key, _, ok = c.Next() {
		run, _, n := c.Run()
		if n == 0 { // a tree that does not hand out its keys packed
			ids.Add(uint64(FromKey(key)))
			continue
		}
		if lo, hi := keyAt(run, 0), keyAt(run, n-1); hi-lo == uint64(n-1) {
			ids.AddRange(lo, hi)
		} else {
			for i := range n {
				ids.Add(keyAt(run, i))
			}
		}
		c.Skip(n - 1) // to the leaf's last key: Next moves to the next leaf
	}
	return ids.Bitmap()
}
