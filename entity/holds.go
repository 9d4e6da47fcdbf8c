package entity

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/stablegraph/stablegraph/store"
)

// The holder record ($holds) lists, for each entity, the trees of columns and verbs that
// hold it: one key (entity ID, variable ID, tree) per tree whose keys begin with the
// entity's ID (a column's value tree; each tree of a verb, the forward one for the edges
// the entity is the subject of, the reverse one for those it is the object of). The write
// paths of the column and verb packages keep it in the message that writes: an entity's
// first value in a column or first edge in a direction adds its key, its last one removes
// it. Delete reads the entity's keys, one descent into $holds, and cleans only those
// variables instead of probing every tree of the store.
//
// A store made before the record existed gets it when a writable Open first finds it
// missing; its entities up to the last ID handed out then may hold values the record does
// not list, so Delete probes every tree for them as before ("holds-from" in $meta is the
// first ID the record covers). A read-only Open adds nothing, and the record then covers
// no entity.

const (
	// VarHolds is the holder record: key the entity's 8-byte ID, the variable's 4-byte
	// catalog ID and the tree's index (one byte), empty values.
	VarHolds = "$holds"

	metaHoldsFrom = "holds-from"
	holdsKeySize  = KeySize + 5
)

// holdsDef is VarHolds's definition.
var holdsDef = store.VarDef{Name: VarHolds, Role: store.RoleInternal, Trees: []store.Layout{{KeySize: holdsKeySize, ValueSize: 0}}}

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

// holdsKey returns the record's key for tree i of variable vid holding id.
func holdsKey(id ID, vid uint32, i int) [holdsKeySize]byte {
	var k [holdsKeySize]byte
	binary.BigEndian.PutUint64(k[:], uint64(id))
	binary.BigEndian.PutUint32(k[KeySize:], vid)
	k[KeySize+4] = byte(i)
	return k
}

// Recorded reports whether the holder record covers entity id, so that a write path must
// keep it (SetHolds does nothing for other entities): a path that must look beside an
// entry to know whether it is the entity's first or last can skip the look.
func (tx *Tx) Recorded(id ID) bool { return tx.db.holdsFrom != 0 && id >= tx.db.holdsFrom }

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
	k := holdsKey(id, v.ID, i)
	if held {
		_, err = t.Put(k[:], nil)
	} else {
		_, err = t.Delete(k[:])
	}
	return err
}

// SetHoldsSorted records that tree i of variable v holds each entity of ids, which are in
// ascending order: what a bulk write into an empty tree adds.
func (tx *Tx) SetHoldsSorted(v store.Var, i int, ids []ID) error {
	var t *store.Tree
	for _, id := range ids {
		if !tx.Recorded(id) {
			continue
		}
		if t == nil {
			var err error
			if t, err = tx.VarTree(VarHolds, 0, true); err != nil {
				return err
			}
		}
		k := holdsKey(id, v.ID, i)
		if _, err := t.Put(k[:], nil); err != nil {
			return err
		}
	}
	return nil
}

// holders returns the trees that hold entity id, by variable catalog ID: bit i of the
// value is set if tree i holds it.
func (tx *Tx) holders(id ID) (map[uint32]Trees, error) {
	t, err := tx.VarTree(VarHolds, 0, false)
	if err != nil {
		return nil, err
	}
	out := map[uint32]Trees{}
	lo, hi := KeyRange(id)
	for k := range t.Ascend(lo, hi) {
		out[binary.BigEndian.Uint32(k[KeySize:])] |= 1 << k[KeySize+4]
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
	trees := map[[5]byte]*Prober{}
	prober := func(vid uint32, i int) (*Prober, bool) {
		var slot [5]byte
		binary.BigEndian.PutUint32(slot[:], vid)
		slot[4] = byte(i)
		if p, ok := trees[slot]; ok {
			return p, p != nil
		}
		v, ok := byID[vid]
		if !ok || !(v.Role == store.RoleColumn && i == 0 || v.Role == store.RoleVerb && i < 2) || i >= len(v.Refs) {
			trees[slot] = nil
			return nil, false
		}
		ts, err := open(v)
		if err != nil {
			trees[slot] = nil
			return nil, false
		}
		trees[slot] = NewProber(ts[i])
		return trees[slot], true
	}
	for k := range holds.All() {
		c.stats.Entries++
		if len(k) != holdsKeySize {
			c.Report(hv, 0, "key of %d bytes, not %d", len(k), holdsKeySize)
			continue
		}
		id, vid, i := FromKey(k), binary.BigEndian.Uint32(k[KeySize:]), int(k[KeySize+4])
		switch v, ok := byID[vid]; {
		case !ok:
			continue // dropped
		case !c.live.Contains(uint64(id)):
			c.Report(hv, id, "lists %s %q tree %d for an entity that is not live", v.Role, v.Name, i)
		case !tx.Recorded(id):
			c.Report(hv, id, "lists %s %q tree %d for an entity below %s %d", v.Role, v.Name, i, metaHoldsFrom, tx.db.holdsFrom)
		default:
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
				hk := holdsKey(id, v.ID, i)
				if got, _, ok := p.SeekGE(hk[:]); !ok || !bytes.Equal(got, hk[:]) {
					c.Report(v, id, "tree %d holds it, and %s does not say so", i, VarHolds)
				}
			}
		}
	}
	c.stats.Variables++
	return nil
}
