package entity

import (
	"bytes"
	"iter"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/store"
)

// Prober looks keys up in one tree in ascending order, moving forward only: a probe for a
// key near the last one steps along the leaf it is on, and one further on climbs only to
// the lowest branch that holds it (store.Finger) instead of descending from the root, so
// probing a sorted set of keys reads each leaf at most once. Query executors use it to
// look up a bitmap of IDs in a column or a verb.
type Prober struct {
	c    store.Finger
	k, v []byte
	ok   bool
	on   bool // the cursor has been positioned
}

// probeSteps is how many entries a probe walks before it seeks from the root instead.
const probeSteps = 16

// NewProber returns a prober over t.
func NewProber(t *store.Tree) *Prober {
	p := new(Prober)
	p.c.Reset(t)
	return p
}

// SeekGE moves to the first entry whose key is ≥ key and returns it; key must not be less
// than the key of the previous call. The slices are valid until the tree changes.
func (p *Prober) SeekGE(key []byte) (k, v []byte, ok bool) {
	if !p.on {
		p.on = true
		p.k, p.v, p.ok = p.c.Seek(key)
		return p.k, p.v, p.ok
	}
	if !p.ok || bytes.Compare(p.k, key) >= 0 {
		return p.k, p.v, p.ok
	}
	var reached bool
	if p.k, p.v, p.ok, reached = p.c.SkipTo(key, probeSteps); !reached {
		p.k, p.v, p.ok = p.c.Seek(key)
	}
	return p.k, p.v, p.ok
}

// Next moves to the entry after the current one and returns it.
func (p *Prober) Next() (k, v []byte, ok bool) {
	if !p.on || !p.ok {
		return nil, nil, false
	}
	p.k, p.v, p.ok = p.c.Next()
	return p.k, p.v, p.ok
}

// EntriesOf iterates, in key order, over the entries of t whose keys start with the key of
// an ID of ids: a column's values or a verb's edges for a set of entities. It probes
// forward only, so each leaf is read at most once. With firstOnly it yields one entry per
// ID, all that a tree keyed by the ID alone holds, without stepping past it. The slices are
// valid until the tree changes.
func EntriesOf(t *store.Tree, ids *roaring64.Bitmap, firstOnly bool) iter.Seq2[[]byte, []byte] {
	return func(yield func(k, v []byte) bool) {
		entriesOf(t, firstOnly, yield, idSource{it: ids.Iterator()})
	}
}

// EntriesOfIDs is EntriesOf for a set kept in a slice, as a small set is best kept. The
// IDs must be ascending: the probes move forward only, so the entries of an ID after a
// greater one are not found. A repeated ID yields its entries once, but its first entry
// again if firstOnly.
func EntriesOfIDs(t *store.Tree, ids []ID, firstOnly bool) iter.Seq2[[]byte, []byte] {
	return func(yield func(k, v []byte) bool) {
		entriesOf(t, firstOnly, yield, idSource{ids: ids})
	}
}

// idSource hands out ascending IDs from a bitmap's iterator (it) or a slice (ids).
type idSource struct {
	it  roaring64.IntPeekable64
	ids []ID
}

// next puts the keys of the next IDs in buf and returns how many (0 at the end).
func (s *idSource) next(buf *[store.PrefetchMax][KeySize]byte) int {
	n := 0
	if s.it != nil {
		for ; n < len(buf) && s.it.HasNext(); n++ {
			buf[n] = Key(ID(s.it.Next()))
		}
		return n
	}
	for ; n < len(buf) && len(s.ids) > 0; n++ {
		buf[n] = Key(s.ids[0])
		s.ids = s.ids[1:]
	}
	return n
}

// entriesOf is EntriesOf over the IDs of src. Its prober lives on the stack: a probe of a
// few IDs costs no allocation.
func entriesOf(t *store.Tree, firstOnly bool, yield func(k, v []byte) bool, src idSource) {
	var p Prober
	p.c.Reset(t)
	// The IDs in groups: the leaves of a group are loaded into the CPU's caches together
	// (store.Finger.Prefetch), then probed one by one as ever.
	var buf [store.PrefetchMax][KeySize]byte
	var keys [store.PrefetchMax][]byte
	for {
		n := src.next(&buf)
		if n == 0 {
			return
		}
		for i := range n {
			keys[i] = buf[i][:]
		}
		p.c.Prefetch(keys[:n])
		for _, key := range keys[:n] {
			k, v, ok := p.SeekGE(key)
			if !ok {
				return
			}
			for ok && bytes.HasPrefix(k, key) {
				if !yield(k, v) {
					return
				}
				if firstOnly {
					break
				}
				k, v, ok = p.Next()
			}
		}
	}
}
