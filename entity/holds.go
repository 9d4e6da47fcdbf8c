package entity

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/stablegraph/stablegraph/store"
)

// The holder record ($holds) lists, for each entity, the trees of columns and verbs that
// hold it: under the entity's 8-byte ID, the slots of those trees (variable catalog ID × 2
// + tree index, as ascending uvarints), for each tree whose keys begin with the entity's ID
// (a column's value tree; each tree of a verb, the forward one for the edges the entity is
// the subject of, the reverse one for those it is the object of). An entity that none
// holds has no entry. The write paths of the column and verb packages keep it in the
// message that writes: an entity's first value in a column or first edge in a direction
// adds its slot, its last one removes it. Delete reads the entity's entry, one path of
// $holds, and cleans only those variables instead of probing every tree of the store.
//
// A store made before the record existed gets it when a writable Open first finds it
// missing; its entities up to the last ID handed out then may hold values the record does
// not list, so Delete probes every tree for them as before ("holds-from" in $meta is the
// first ID the record covers). A read-only Open adds nothing, and the record then covers
// no entity.

const (
	// VarHolds is the holder record: key the entity's 8-byte ID, value the slots of the
	// trees that hold it (variable catalog ID × 2 + tree index) as ascending uvarints.
	VarHolds = "$holds"

	metaHoldsFrom = "holds-from"
)

// holdsDef is VarHolds's definition.
var holdsDef = store.VarDef{Name: VarHolds, Role: store.RoleInternal, Trees: []store.Layout{{KeySize: KeySize, ValueSize: store.Variable}}}

// openHolds returns the first entity ID the store's holder record covers, making the
// record if the store has none and can be written; 0 means it covers none.
func openHolds(st *store.Store) (ID, error) {
	var from ID
	err := st.Update(func(stx *store.Tx) error {
		meta, err := stx.VarTree(VarMeta, 0, true)
		if err != nil {
			return err
		}
		if _, ok := stx.Var(VarHolds); ok {
			b, ok := meta.Get([]byte(metaHoldsFrom))
			if !ok {
				return fmt.Errorf("%w: %s exists without %s %q", store.ErrCorrupt, VarHolds, VarMeta, metaHoldsFrom)
			}
			n, err := strconv.ParseUint(string(b), 10, 64)
			if err != nil {
				return fmt.Errorf("%w: %s %q is %q: %w", store.ErrCorrupt, VarMeta, metaHoldsFrom, b, err)
			}
			from = ID(n)
			return nil
		}
		if _, err := stx.CreateVar(holdsDef); err != nil {
			return err
		}
		from = ID(stx.Raw().Root(RootNextID) + 1)
		_, err = meta.Put([]byte(metaHoldsFrom), strconv.AppendUint(nil, uint64(from), 10))
		return err
	})
	if errors.Is(err, store.ErrStoreReadOnly) {
		return 0, nil
	}
	return from, err
}

// slot returns the record's slot of tree i of variable vid; trees 0 and 1 are the only
// ones keyed by entity.
func slot(vid uint32, i int) uint64 { return uint64(vid)<<1 | uint64(i&1) }

// slots decodes an entry of the record: its slots in ascending order.
func slots(b []byte) ([]uint64, error) { return appendSlots(nil, b) }

// appendSlots appends the slots of entry b to out.
func appendSlots(out []uint64, b []byte) ([]uint64, error) {
	for len(b) > 0 {
		x, n := binary.Uvarint(b)
		if n <= 0 || len(out) > 0 && x <= out[len(out)-1] {
			return out, fmt.Errorf("%w: %s entry of %d bytes is not ascending uvarints", store.ErrCorrupt, VarHolds, len(b))
		}
		out = append(out, x)
		b = b[n:]
	}
	return out, nil
}

// Recorded reports whether the holder record covers entity id, so that a write path must
// keep it (SetHolds does nothing for other entities): a path that must look beside an
// entry to know whether it is the entity's first or last can skip the look.
func (tx *Tx) Recorded(id ID) bool { return tx.db.holdsFrom != 0 && id >= tx.db.holdsFrom }

// Holding reports whether id is a live entity, for a write that may record id's first
// value in a tree: an entity the holder record lists as holding anything is live (Delete
// empties its entry), so the path of $holds that such a write updates anyway proves it, and
// only an entity that holds nothing yet (or that the record does not cover) costs a lookup
// in $kind as Exists does.
func (tx *Tx) Holding(id ID) bool {
	if tx.Recorded(id) {
		key := Key(id)
		if tx.sys(VarHolds, 0).Has(key[:]) {
			return true
		}
	}
	return tx.Exists(id)
}

// SetHolds records that tree i of variable v holds entity id (held) or no longer does. The
// column and verb packages call it when an entity's first value or edge appears in the tree
// or its last one goes; it touches one path of $holds and dirties its leaf, and nothing for
// an entity the record does not cover.
func (tx *Tx) SetHolds(v store.Var, i int, id ID, held bool) error {
	if !tx.Recorded(id) {
		return nil
	}
	t, err := tx.VarTree(VarHolds, 0, true)
	if err != nil {
		return err
	}
	return setHolds(t, slot(v.ID, i), id, held)
}

// setHolds adds slot s to the entry of id in t (held) or removes it.
func setHolds(t *store.Tree, s uint64, id ID, held bool) error {
	key := Key(id)
	b, _ := t.Get(key[:])
	have, err := slots(b)
	if err != nil {
		return err
	}
	j, found := slices.BinarySearch(have, s)
	switch {
	case found == held:
		return nil
	case held:
		have = slices.Insert(have, j, s)
	default:
		have = slices.Delete(have, j, j+1)
	}
	if len(have) == 0 {
		_, err = t.Delete(key[:])
		return err
	}
	var buf [64]byte
	out := buf[:0]
	for _, x := range have {
		out = binary.AppendUvarint(out, x)
	}
	_, err = t.Put(key[:], out)
	return err
}

// SetHoldsSorted records that tree i of variable v holds each entity of ids, which are
// strictly ascending: what a bulk write into an empty tree adds. It walks $holds forward
// once, rewriting the entries it finds in place, and appends the entities past its last
// entry bottom up (store.Tree.BulkLoad), so a bulk load into a new store writes each page
// of the record about once per variable.
func (tx *Tx) SetHoldsSorted(v store.Var, i int, ids []ID) error {
	ids = ids[sort.Search(len(ids), func(j int) bool { return tx.Recorded(ids[j]) }):]
	if len(ids) == 0 {
		return nil
	}
	t, err := tx.VarTree(VarHolds, 0, true)
	if err != nil {
		return err
	}
	s := slot(v.ID, i)
	tail := 0 // ids[tail:] are past the record's last entry
	if k, _, ok := t.Last(); ok {
		last := FromKey(k)
		tail = sort.Search(len(ids), func(j int) bool { return ids[j] > last })
	}
	// A cursor rather than a Prober: a rewrite that does not fit its leaf splits it, and
	// the cursor finds its place again by its own copy of the key.
	c := t.Cursor()
	var buf []byte
	var have []uint64
	for n, id := range ids[:tail] {
		key := Key(id)
		var k, b []byte
		ok, reached := false, false
		if n > 0 {
			k, b, ok, reached = c.SkipTo(key[:], probeSteps)
		}
		if !reached {
			k, b, ok = c.Seek(key[:])
		}
		if !ok || !bytes.Equal(k, key[:]) {
			if err := setHolds(t, s, id, true); err != nil {
				return err
			}
			continue
		}
		have, err = appendSlots(have[:0], b)
		if err != nil {
			return err
		}
		j, found := slices.BinarySearch(have, s)
		if found {
			continue
		}
		buf = buf[:0]
		for _, x := range slices.Insert(have, j, s) {
			buf = binary.AppendUvarint(buf, x)
		}
		if err := c.SetValue(buf); err != nil {
			return err
		}
	}
	one := binary.AppendUvarint(nil, s)
	_, err = t.BulkLoad(func(yield func([]byte, []byte) bool) {
		for _, id := range ids[tail:] {
			key := Key(id)
			if !yield(key[:], one) {
				return
			}
		}
	})
	return err
}

// forgetHolds removes the slots of v's trees from every entry of the holder record.
func (tx *Tx) forgetHolds(v store.Var) error {
	if _, ok := tx.Var(VarHolds); !ok {
		return nil
	}
	t, err := tx.VarTree(VarHolds, 0, true)
	if err != nil {
		return err
	}
	var ids []ID
	for k, b := range t.All() {
		have, err := slots(b)
		if err != nil {
			return err
		}
		for _, s := range have {
			if uint32(s>>1) == v.ID {
				ids = append(ids, FromKey(k))
				break
			}
		}
	}
	for _, id := range ids {
		for i := range 2 {
			if err := setHolds(t, slot(v.ID, i), id, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// holders returns the trees that hold entity id, by variable catalog ID.
func (tx *Tx) holders(id ID) (map[uint32]Trees, error) {
	t, err := tx.VarTree(VarHolds, 0, false)
	if err != nil {
		return nil, err
	}
	key := Key(id)
	b, _ := t.Get(key[:])
	have, err := slots(b)
	if err != nil {
		return nil, err
	}
	out := map[uint32]Trees{}
	for _, s := range have {
		out[uint32(s>>1)] |= 1 << (s & 1)
	}
	return out, nil
}

// Trees is a set of a variable's trees, by index: bit i stands for tree i.
type Trees uint8

// AllTrees is the set of every tree, for an entity the holder record does not cover.
const AllTrees Trees = 0xFF

// Has reports whether the set holds tree i.
func (s Trees) Has(i int) bool { return s&(1<<i) != 0 }

// ShareID reports whether t holds a key other than k, which it holds, that begins with the
// same entity ID: whether k is not the entity's only entry (its only value in a Multi
// column, its only edge in one direction of a verb). The keys beside k are in k's leaf, or
// in the leaf next to it when k is the first or last of its leaf.
func ShareID(t *store.Tree, k []byte) bool {
	c := t.Cursor()
	c.Seek(k)
	if p, _, ok := c.Prev(); ok && bytes.Equal(p[:KeySize], k[:KeySize]) {
		return true
	}
	c.Seek(k)
	n, _, ok := c.Next()
	return ok && bytes.Equal(n[:KeySize], k[:KeySize])
}

// checkHolds checks the holder record against the trees it speaks of, both ways: every
// key names a live entity the record covers and a column's value tree or a verb's tree
// that holds it (a variable dropped since holds nothing, and is left for Delete to
// forget), and every live entity the record covers that such a tree holds has its key. It
// walks the record and each tree once, in key order, probing the other side forward only.
func checkHolds(tx *Tx, vars []store.Var, open func(store.Var) ([]*store.Tree, error), c *ModelCheck) error {
	var hv store.Var
	byID := map[uint32]store.Var{}
	for _, v := range vars {
		byID[v.ID] = v
		if v.Name == VarHolds && v.Role == store.RoleInternal {
			hv = v
		}
	}
	if hv.Name == "" {
		return nil
	}
	ht, err := open(hv)
	if err != nil {
		return err
	}
	holds := ht[0]
	// A tree's keys begin with an entity ID: tree 0 of a column, both trees of a verb.
	trees := map[uint64]*Prober{}
	prober := func(vid uint32, i int) (*Prober, bool) {
		s := slot(vid, i)
		if p, ok := trees[s]; ok {
			return p, p != nil
		}
		v, ok := byID[vid]
		if !ok || !(v.Role == store.RoleColumn && i == 0 || v.Role == store.RoleVerb && i < 2) || i >= len(v.Refs) {
			trees[s] = nil
			return nil, false
		}
		ts, err := open(v)
		if err != nil {
			trees[s] = nil
			return nil, false
		}
		trees[s] = NewProber(ts[i])
		return trees[s], true
	}
	for k, b := range holds.All() {
		c.stats.Entries++
		id := FromKey(k)
		have, err := slots(b)
		switch {
		case err != nil:
			c.Report(hv, id, "%v", err)
			continue
		case !c.live.Contains(uint64(id)):
			c.Report(hv, id, "lists %d trees for an entity that is not live", len(have))
			continue
		case !tx.Recorded(id):
			c.Report(hv, id, "lists %d trees for an entity below %s %d", len(have), metaHoldsFrom, tx.db.holdsFrom)
			continue
		}
		for _, s := range have {
			vid, i := uint32(s>>1), int(s&1)
			v, ok := byID[vid]
			if !ok {
				continue // dropped
			}
			p, ok := prober(vid, i)
			if !ok {
				c.Report(hv, id, "lists %s %q tree %d, which is not keyed by entity", v.Role, v.Name, i)
				continue
			}
			key := Key(id)
			if got, _, ok := p.SeekGE(key[:]); !ok || !bytes.HasPrefix(got, key[:]) {
				c.Report(hv, id, "lists %s %q tree %d, which does not hold it", v.Role, v.Name, i)
			}
		}
	}
	for _, v := range vars {
		n := 0
		switch v.Role {
		case store.RoleColumn:
			n = 1
		case store.RoleVerb:
			n = 2
		}
		ts, err := open(v)
		if err != nil && n > 0 {
			return err
		}
		for i := range min(n, len(ts)) {
			p := NewProber(holds)
			last := ID(0)
			for k := range ts[i].All() {
				id := FromKey(k)
				if id == last || !tx.Recorded(id) || !c.live.Contains(uint64(id)) { // a dead one's values are the checkers' to report
					continue
				}
				last = id
				key := Key(id)
				got, b, ok := p.SeekGE(key[:])
				var have []uint64
				if ok && bytes.Equal(got, key[:]) {
					have, _ = slots(b)
				}
				if _, found := slices.BinarySearch(have, slot(v.ID, i)); !found {
					c.Report(v, id, "tree %d holds it, and %s does not say so", i, VarHolds)
				}
			}
		}
	}
	c.stats.Variables++
	return nil
}
