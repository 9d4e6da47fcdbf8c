package entity

import (
	"bytes"

	"github.com/stablegraph/stablegraph/store"
)

// Prober looks keys up in one tree in ascending order, moving forward only: a probe for a
// key near the last one steps along the leaf it is on instead of descending from the root,
// so probing a sorted set of keys reads each leaf at most once. Query executors use it to
// look up a bitmap of IDs in a column or a verb.
type Prober struct {
	c    *store.Cursor
	k, v []byte
	ok   bool
	on   bool // the cursor has been positioned
}

// probeSteps is how many entries a probe walks before it seeks from the root instead.
const probeSteps = 16

// NewProber returns a prober over t.
func NewProber(t *store.Tree) *Prober { return &Prober{c: t.Cursor()} }

// SeekGE moves to the first entry whose key is ≥ key and returns it; key must not be less
// than the key of the previous call. The slices are valid until the tree changes.
func (p *Prober) SeekGE(key []byte) (k, v []byte, ok bool) {
	if !p.on {
		p.on = true
		p.k, p.v, p.ok = p.c.Seek(key)
		return p.k, p.v, p.ok
	}
	for i := 0; p.ok && bytes.Compare(p.k, key) < 0; i++ {
		if i == probeSteps {
			p.k, p.v, p.ok = p.c.Seek(key)
			break
		}
		p.k, p.v, p.ok = p.c.Next()
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
