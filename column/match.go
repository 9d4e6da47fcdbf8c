package column

import (
	"bytes"
	"fmt"
	"iter"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/entity"
)

// Matcher tests the encoded values of one column, as its tree holds them, for membership in
// a union of value ranges. The encodings order as the values do, so it compares them
// bytewise (a fixed-size encoding of at most 8 bytes as one integer) and decodes nothing:
// a filter pays for a value only if the query returns it.
type Matcher struct {
	r    []encRange
	word int // the encoding's size when it is fixed and at most 8 bytes, else 0
}

// encRange is one range of a Matcher, its bounds encoded.
type encRange struct {
	lo, hi         []byte
	loKind, hiKind BoundKind
	lw, hw         uint64 // lo and hi as integers, for word-sized encodings
}

// Matcher returns the test of the values in any of the ranges, each a pair (lo, hi) of
// bounds. A bound must convert to the column's type (ErrType, ErrRange, …), and the type
// must order its values: not an array or a struct (ErrType).
func (d *Dyn) Matcher(ranges ...[2]Bound) (*Matcher, error) {
	switch d.typ.kind {
	case Array, Struct:
		return nil, d.errorf(fmt.Errorf("%w: %s values have no order to match ranges of", ErrType, d.typ))
	}
	m := &Matcher{}
	if f := d.typ.FixedSize(); f > 0 && f <= 8 {
		m.word = f
	}
	for _, rg := range ranges {
		r := encRange{loKind: rg[0].Kind, hiKind: rg[1].Kind}
		var err error
		if r.loKind != Unbounded {
			if r.lo, err = d.encode(nil, rg[0].Value); err != nil {
				return nil, err
			}
			r.lw = word(r.lo)
		}
		if r.hiKind != Unbounded {
			if r.hi, err = d.encode(nil, rg[1].Value); err != nil {
				return nil, err
			}
			r.hw = word(r.hi)
		}
		m.r = append(m.r, r)
	}
	return m, nil
}

// word returns a big-endian encoding of at most 8 bytes as an integer.
func word(b []byte) uint64 {
	switch len(b) {
	case 4:
		return uint64(be.Uint32(b))
	case 8:
		return be.Uint64(b)
	}
	var w uint64
	for _, c := range b {
		w = w<<8 | uint64(c)
	}
	return w
}

// Match reports whether the value encoded in enc is in one of m's ranges.
func (m *Matcher) Match(enc []byte) bool {
	if m.word > 0 {
		w := word(enc)
		for i := range m.r {
			r := &m.r[i]
			if r.loKind != Unbounded && (w < r.lw || w == r.lw && r.loKind == Exclusive) {
				continue
			}
			if r.hiKind != Unbounded && (w > r.hw || w == r.hw && r.hiKind == Exclusive) {
				continue
			}
			return true
		}
		return false
	}
	for i := range m.r {
		r := &m.r[i]
		if r.loKind != Unbounded {
			if c := bytes.Compare(enc, r.lo); c < 0 || c == 0 && r.loKind == Exclusive {
				continue
			}
		}
		if r.hiKind != Unbounded {
			if c := bytes.Compare(enc, r.hi); c > 0 || c == 0 && r.hiKind == Exclusive {
				continue
			}
		}
		return true
	}
	return false
}

// FilterMatch is Filter with a Matcher (nil: any value) in place of a predicate on
// decoded values: no value is decoded.
func (d *Dyn) FilterMatch(tx *entity.Tx, ids *roaring64.Bitmap, m *Matcher) *roaring64.Bitmap {
	var out entity.IDs
	for id := range d.Matching(tx, ids, m) {
		out.Add(uint64(id))
	}
	return out.Bitmap()
}

// Matching iterates in ID order over the entities of ids with a value that m matches (nil:
// any value), each once, with that value encoded (for Multi, the first that matches), as
// FilterMatch finds them: a caller that returns the values decodes only those it keeps.
// The encodings are valid until the tree changes.
func (d *Dyn) Matching(tx *entity.Tx, ids *roaring64.Bitmap, m *Matcher) iter.Seq2[entity.ID, []byte] {
	return func(yield func(entity.ID, []byte) bool) {
		last := uint64(0)
		for k, v := range entity.EntriesOf(d.Tree(tx), ids, !d.cfg.multi) {
			if d.cfg.multi {
				v = k[entity.KeySize:]
			}
			id := uint64(entity.FromKey(k))
			if id == last {
				continue // a Multi column's entity already found
			}
			if m == nil || m.Match(v) {
				if !yield(entity.ID(id), v) {
					return
				}
				last = id
			}
		}
	}
}

// ScanMatch returns the entities with a value (any value, for Multi) that m matches, from
// a scan of the whole column: no value is decoded.
func (d *Dyn) ScanMatch(tx *entity.Tx, m *Matcher) *roaring64.Bitmap {
	var out entity.IDs
	last := uint64(0)
	for k, v := range d.Tree(tx).All() {
		if d.cfg.multi {
			v = k[entity.KeySize:]
		}
		id := uint64(entity.FromKey(k))
		if id != last && m.Match(v) {
			out.Add(id)
			last = id
		}
	}
	return out.Bitmap()
}

// RangeLeaves returns the leaves of the index that RangeIDs reads for the values between
// lo and hi, and the index entries in range in the first and the last of them
// (store.Tree.EntriesBetween: the branch pages above the leaves and those two leaves are
// read). It fails with ErrNotIndexed for a column without an index.
func (d *Dyn) RangeLeaves(tx *entity.Tx, lo, hi Bound) (leaves uint64, first, last int, err error) {
	t1, l, h, err := d.indexRange(tx, lo, hi)
	if err != nil {
		return 0, 0, 0, err
	}
	leaves, first, last = t1.EntriesBetween(l, h)
	return leaves, first, last, nil
}

// RangeIDs iterates over the entities with a value between lo and hi, from the index, in
// index order (by value, then ID), without decoding the values. An entity of a Multi
// column comes once per value in the range. It fails with ErrNotIndexed for a column
// without an index.
func (d *Dyn) RangeIDs(tx *entity.Tx, lo, hi Bound) (iter.Seq[entity.ID], error) {
	t1, l, h, err := d.indexRange(tx, lo, hi)
	if err != nil {
		return nil, err
	}
	return func(yield func(entity.ID) bool) {
		for k := range t1.Ascend(l, h) {
			if !yield(entity.FromKey(k[len(k)-entity.KeySize:])) {
				return
			}
		}
	}, nil
}
