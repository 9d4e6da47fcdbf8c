package store

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"slices"
)

// ErrUnsorted reports bulk-load input whose keys are not in strictly ascending order.
var ErrUnsorted = errors.New("bulk-load keys are not strictly ascending")

// BulkLoad adds the entries of src, whose keys must be strictly ascending, and returns how
// many it added. Into an empty tree it builds the tree bottom up: every leaf but the last
// is full, every branch but the last of each level is full, and each page is written once.
// Into a non-empty tree the keys must all be greater than its last key; they are appended
// one by one, and since an insert past the last key leaves the full leaf behind, the new
// leaves are full too.
//
// An entry that does not fit the layout, or a key out of order, stops the load with an
// error; if the load had already changed the tree, the error also fails the message.
func (t *Tree) BulkLoad(src iter.Seq2[[]byte, []byte]) (n uint64, err error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	t.d.groups = 0 // the owner counts groups as it writes; a bulk load bypasses it
	if t.d.height > 0 {
		return t.appendAll(src)
	}
	t.gen++
	var (
		leaf  PageID
		lp    []byte // the leaf being filled
		cnt   int
		last  []byte
		kids  []PageID // leaves, in order
		seps  [][]byte // seps[i] separates kids[i] and kids[i+1]
		stuck error
	)
	for k, v := range src {
		if err := t.checkEntry(k, v); err != nil {
			stuck = fmt.Errorf("bulk load entry %d: %w", n, err)
			break
		}
		if lp != nil && bytes.Compare(k, last) <= 0 {
			stuck = fmt.Errorf("bulk load entry %d: %w: %x after %x", n, ErrUnsorted, k, last)
			break
		}
		stored, ovf := v, false
		if !t.fixed && varLeafCell(len(k), len(v)) > maxLeafCell {
			stored, ovf = make([]byte, ovfRefSize), true
			t.writeOverflow(stored, v)
		}
		if lp == nil || !t.leafAppend(lp, cnt, k, stored, ovf) {
			id, p := t.alloc(pageNode)
			t.d.leaves++
			t.encode(&mnode{id: id}, p)
			if lp != nil {
				le.PutUint64(lp[nodeOffNext:], uint64(id))
				le.PutUint64(p[nodeOffPrev:], uint64(leaf))
				seps = append(seps, t.separator(last, k))
			}
			kids = append(kids, id)
			leaf, lp, cnt = id, p, 0
			t.leafAppend(lp, 0, k, stored, ovf)
			t.tx.maybeSpill(leaf) // the leaves before it are whole
		}
		cnt++
		n++
		t.d.count++
		last = append(last[:0], k...)
	}
	if lp != nil {
		t.d.root, t.d.height = kids[0], 1
		for level := 1; len(kids) > 1; level++ {
			kids, seps = t.buildLevel(level, kids, seps)
			t.d.root = kids[0]
			t.d.height++
		}
	}
	if stuck != nil && n > 0 {
		t.tx.poison(stuck)
	}
	return n, stuck
}

// leafAppend adds an entry after the cnt entries of the leaf being bulk loaded, if it fits.
func (t *Tree) leafAppend(p []byte, cnt int, key, val []byte, ovf bool) bool {
	if !t.fixed {
		return t.sinsert(p, cnt, key, val, ovf)
	}
	if cnt == t.leafCap {
		return false
	}
	copy(t.pkey(p, cnt), key)
	copy(t.pval(p, cnt), val)
	setCount(p, cnt+1)
	return true
}

// buildLevel writes the branches over kids (separated by seps), each full but the last,
// which shares with the one before it if it would fall below the fill bound. It returns
// the new branches and the separators between them.
func (t *Tree) buildLevel(level int, kids []PageID, seps [][]byte) ([]PageID, [][]byte) {
	var nodes []*mnode
	var up [][]byte
	cur := &mnode{level: level, kids: []PageID{kids[0]}}
	for j, s := range seps {
		if t.weight(cur)+t.keyW(s) > t.branchCapW {
			nodes, up = append(nodes, cur), append(up, s)
			cur = &mnode{level: level, kids: []PageID{kids[j+1]}}
			continue
		}
		cur.keys = append(cur.keys, s)
		cur.kids = append(cur.kids, kids[j+1])
	}
	nodes = append(nodes, cur)
	if len(nodes) > 1 && t.weight(cur) < t.branchMinW {
		a, s := nodes[len(nodes)-2], len(up)-1
		keys := append(append(slices.Clip(a.keys), up[s]), cur.keys...)
		ks := append(slices.Clip(a.kids), cur.kids...)
		m := t.splitBranchAt(keys)
		a.keys, a.kids, up[s] = keys[:m], ks[:m+1], keys[m]
		cur.keys, cur.kids = keys[m+1:], ks[m+1:]
	}
	ids := make([]PageID, len(nodes))
	for i, m := range nodes {
		var p []byte
		m.id, p = t.alloc(pageNode)
		t.d.branches++
		t.encode(m, p)
		ids[i] = m.id
	}
	return ids, up
}

// appendAll puts entries whose keys follow the tree's last key.
func (t *Tree) appendAll(src iter.Seq2[[]byte, []byte]) (n uint64, err error) {
	lk, _, _ := t.Last()
	last := slices.Clone(lk)
	for k, v := range src {
		if err := t.checkEntry(k, v); err != nil {
			err = fmt.Errorf("bulk load entry %d: %w", n, err)
			if n > 0 {
				t.tx.poison(err)
			}
			return n, err
		}
		if bytes.Compare(k, last) <= 0 {
			err := fmt.Errorf("bulk load entry %d: %w: %x after %x", n, ErrUnsorted, k, last)
			if n > 0 {
				t.tx.poison(err)
			}
			return n, err
		}
		if _, err := t.Put(k, v); err != nil {
			return n, err
		}
		last = append(last[:0], k...)
		n++
	}
	return n, nil
}
