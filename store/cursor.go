package store

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrNoEntry reports a cursor operation that needs an entry where the cursor has none: it
// was never positioned, ran off an end, or its entry was deleted.
var ErrNoEntry = errors.New("cursor is not at an entry")

// Cursor walks a tree in key order and can change the value at its position in place. It
// reads the leaf it stands on once, then moves along the leaf links, so a merge join of
// cursors over several trees touches each leaf once.
//
// If the tree changes other than through the cursor, the cursor finds its key again on its
// next move: Next goes to the first key after it, Prev to the last key before it.
//
// Keys and values returned by a cursor are only valid until the tree changes, and never
// past the end of the message, as with Tree: copy what you keep. The cursor itself dies
// with its message.
type Cursor struct {
	t   *Tree
	id  PageID
	p   []byte
	i   int
	gen uint64
	key []byte // the current key: a copy in an Update, where the tree may change
	ok  bool
	// dirty is the leaf this cursor last wrote through SetValue: while the tree has not
	// changed otherwise (gen), p is that leaf's copy in the message, and the next write to
	// it needs neither the overlay nor the meter, which have counted it.
	dirty PageID
}

// Cursor returns an unpositioned cursor over t.
func (t *Tree) Cursor() *Cursor { return &Cursor{t: t} }

// set moves c to entry i of leaf p (p nil: off the end) and returns the entry.
func (c *Cursor) set(id PageID, p []byte, i int) ([]byte, []byte, bool) {
	c.id, c.p, c.i, c.gen, c.ok = id, p, i, c.t.gen, p != nil
	if p == nil {
		c.key = c.key[:0]
		return nil, nil, false
	}
	k, v := c.t.entryAt(id, p, i)
	if c.t.tx.writable {
		c.key = append(c.key[:0], k...)
	} else {
		// No page changes under a View (a commit waits for it to end): the key in the
		// page is as good as a copy, and costs no allocation.
		c.key = k
	}
	return k, v, true
}

// First moves to the smallest key.
func (c *Cursor) First() (key, value []byte, ok bool) { return c.set(c.t.seekGE(nil)) }

// Last moves to the largest key.
func (c *Cursor) Last() (key, value []byte, ok bool) { return c.set(c.t.seekLT(nil)) }

// Seek moves to the first key ≥ key.
func (c *Cursor) Seek(key []byte) (k, v []byte, ok bool) { return c.set(c.t.seekGE(key)) }

// Next moves to the next key.
func (c *Cursor) Next() (key, value []byte, ok bool) {
	if !c.ok {
		return nil, nil, false
	}
	if c.gen != c.t.gen {
		return c.set(c.t.seekGT(c.key))
	}
	if c.i+1 < nodeCount(c.p) {
		return c.set(c.id, c.p, c.i+1)
	}
	id, p := c.t.nextLeaf(c.p, false)
	return c.set(id, p, 0)
}

// Run returns the entries of the leaf the cursor stands on, from its entry to the leaf's
// end, packed, for a tree of fixed-size keys and values: entry j's key is
// keys[j*KeySize:(j+1)*KeySize] and its value likewise in vals. It reads no page; n is 0
// off the tree, after a change to the tree the cursor has not caught up with, or for
// other layouts. The slices are only valid until the tree changes, and must not be
// modified: a merge join reads them to compare and decode whole runs of entries without a
// call per entry.
func (c *Cursor) Run() (keys, vals []byte, n int) {
	if !c.ok || !c.t.fixed || c.gen != c.t.gen {
		return nil, nil, 0
	}
	n = nodeCount(c.p) - c.i
	ko := nodeHeader + c.i*c.t.ksize
	vo := c.t.voff + c.i*c.t.vsize
	return c.p[ko : ko+n*c.t.ksize], c.p[vo : vo+n*c.t.vsize], n
}

// InStep reports whether the cursor stands on an entry of the tree as it is: false off the
// tree, or after a change to the tree the cursor has not caught up with. While it holds, the
// slices of the cursor's last Run are the tree's; it is cheap enough to ask once per entry.
func (c *Cursor) InStep() bool { return c.ok && c.gen == c.t.gen }

// Skip moves the cursor n entries forward within the leaf it stands on, as n calls of Next
// that stay in the leaf would, reading no page, and returns the entry it moved to: for a
// caller that consumed n entries of a Run. It panics if the leaf has fewer entries left.
func (c *Cursor) Skip(n int) (key, value []byte) {
	if !c.ok || c.gen != c.t.gen || c.i+n >= nodeCount(c.p) {
		panic("store: Cursor.Skip past the leaf or after a change")
	}
	if n == 0 {
		return c.t.entryAt(c.id, c.p, c.i)
	}
	key, value, _ = c.set(c.id, c.p, c.i+n)
	return key, value
}

// SetValueAhead sets the value of the entry j entries ahead of the cursor in its leaf (0:
// its own), which must be in the cursor's Run, for a tree of fixed-size keys and values;
// the cursor stays where it is, and its Run afterwards holds the new value. It is SetValue
// for a merge join that walks a Run: it costs no move per entry.
func (c *Cursor) SetValueAhead(j int, value []byte) error {
	t := c.t
	if err := t.writable(); err != nil {
		return err
	}
	if !t.fixed || !c.ok || c.gen != t.gen || j < 0 || c.i+j >= nodeCount(c.p) {
		return ErrNoEntry
	}
	if len(value) != t.vsize {
		return fmt.Errorf("%w: %d bytes, the tree's values have %d", ErrValueSize, len(value), t.vsize)
	}
	if c.dirty != c.id {
		c.p, c.dirty = t.writePage(c.id), c.id
	}
	copy(t.pval(c.p, c.i+j), value)
	t.gen++
	c.gen = t.gen
	return nil
}

// SeekInLeaf moves to the first key ≥ key if that key is in the leaf the cursor stands
// on, by a binary search of the leaf, and reports whether it was (in). It reads no page
// and leaves the cursor where it is when the key is past the leaf (or before the entry it
// stands on), so the caller seeks from the root instead.
func (c *Cursor) SeekInLeaf(key []byte) (k, v []byte, ok, in bool) {
	if !c.ok || c.gen != c.t.gen {
		return nil, nil, false, false
	}
	cnt := nodeCount(c.p)
	if bytes.Compare(key, c.t.keyAt(c.id, c.p, c.i)) < 0 || bytes.Compare(key, c.t.keyAt(c.id, c.p, cnt-1)) > 0 {
		return nil, nil, false, false
	}
	j, _ := c.t.lowerBound(c.id, c.p, key, wordBounds{})
	k, v, ok = c.set(c.id, c.p, j)
	return k, v, ok, true
}

// SkipTo moves forward to the first key ≥ key, as at most n calls of Next would, and
// reports whether it got there (reached). It finds keys in a leaf by a binary search
// rather than one by one, and reads only the leaves those calls of Next would read. When
// key is more than n entries ahead it stops where the n-th call of Next would, with
// reached false: the caller seeks instead. At the end of the tree it returns ok false and
// reached true.
func (c *Cursor) SkipTo(key []byte, n int) (k, v []byte, ok, reached bool) {
	if !c.ok {
		return nil, nil, false, true
	}
	if c.gen != c.t.gen {
		k, v, ok = c.set(c.t.seekGE(c.key)) // the tree changed: find the place again
		for i := 0; ok && bytes.Compare(k, key) < 0; i++ {
			if i == n {
				return k, v, ok, false
			}
			k, v, ok = c.Next()
		}
		return k, v, ok, true
	}
	id, p, i := c.id, c.p, c.i
	for {
		cnt := nodeCount(p)
		if bytes.Compare(key, c.t.keyAt(id, p, cnt-1)) <= 0 {
			j, _ := c.t.lowerBound(id, p, key, wordBounds{})
			j = max(j, i)
			if j-i <= n {
				k, v, ok = c.set(id, p, j)
				return k, v, ok, true
			}
			k, v, ok = c.set(id, p, i+n)
			return k, v, ok, false
		}
		if n < cnt-i {
			k, v, ok = c.set(id, p, i+n)
			return k, v, ok, false
		}
		n -= cnt - i // the calls that reach the next leaf's first entry
		if id, p = c.t.nextLeaf(p, false); p == nil {
			c.set(0, nil, 0)
			return nil, nil, false, true
		}
		i = 0
	}
}

// Prev moves to the previous key.
func (c *Cursor) Prev() (key, value []byte, ok bool) {
	if !c.ok {
		return nil, nil, false
	}
	if c.gen != c.t.gen {
		return c.set(c.t.seekLT(c.key))
	}
	if c.i > 0 {
		return c.set(c.id, c.p, c.i-1)
	}
	id, p := c.t.nextLeaf(c.p, true)
	if p == nil {
		return c.set(0, nil, 0)
	}
	return c.set(id, p, nodeCount(p)-1)
}

// sync finds the cursor's key again after the tree changed, and reports whether it is
// still there.
func (c *Cursor) sync() bool {
	if !c.ok {
		return false
	}
	if c.gen == c.t.gen {
		return true
	}
	id, p, i := c.t.seekGE(c.key)
	if p == nil || !bytes.Equal(c.t.keyAt(id, p, i), c.key) {
		return false
	}
	c.id, c.p, c.i, c.gen = id, p, i, c.t.gen
	return true
}

// Key returns the key at the cursor, or nil if it has none.
func (c *Cursor) Key() []byte {
	if !c.sync() {
		return nil
	}
	return c.t.keyAt(c.id, c.p, c.i)
}

// Value returns the value at the cursor, or nil if it has none.
func (c *Cursor) Value() []byte {
	if !c.sync() {
		return nil
	}
	_, v := c.t.entryAt(c.id, c.p, c.i)
	return v
}

// SetValue replaces the value at the cursor. With fixed-size values it dirties the leaf
// and nothing else; a variable-size value that fits the leaf (without taking it below its
// fill bound) does the same, plus the overflow pages it frees or writes, and one that does
// not is put as by Put.
func (c *Cursor) SetValue(value []byte) error {
	t := c.t
	if err := t.writable(); err != nil {
		return err
	}
	if t.fixed && c.ok && c.gen == t.gen && c.dirty == c.id && len(value) == t.vsize {
		copy(t.pval(c.p, c.i), value) // an ECS system writing entity after entity
		t.gen++
		c.gen = t.gen
		return nil
	}
	if !c.sync() {
		return ErrNoEntry
	}
	key := t.keyAt(c.id, c.p, c.i)
	if err := t.checkEntry(key, value); err != nil {
		return err
	}
	if t.fixed {
		w := t.writePage(c.id)
		copy(t.pval(w, c.i), value)
		t.gen++
		c.p, c.gen, c.dirty = w, t.gen, c.id
		return nil
	}
	ovf := varLeafCell(len(key), len(value)) > maxLeafCell
	need := 4 + len(key) + len(value)
	if ovf {
		need = 4 + len(key) + ovfRefSize
	}
	if !t.sfits(c.p, scellLen(c.p, slotOff(c.p, c.i)), need) {
		_, err := t.Put(c.key, value) // the leaf must split or rebalance
		return err
	}
	stored := value
	if ovf {
		stored = make([]byte, ovfRefSize)
		t.writeOverflow(stored, value)
	}
	if _, old, oldOvf := t.scell(c.id, c.p, c.i); oldOvf {
		t.freeOverflow(c.id, old)
	}
	w := t.sreplace(c.id, c.p, c.i, c.key, stored, ovf)
	t.gen++
	c.p, c.gen = w, t.gen
	return nil
}

// Delete removes the entry at the cursor. The cursor stays between its neighbours: Next
// moves to the entry after the deleted one, Prev to the one before.
func (c *Cursor) Delete() error {
	if err := c.t.writable(); err != nil {
		return err
	}
	if !c.sync() {
		return ErrNoEntry
	}
	_, err := c.t.Delete(c.key)
	return err
}
