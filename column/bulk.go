package column

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// Write is one value of one entity, for WriteSorted.
type Write struct {
	ID entity.ID
	V  any
}

// WriteSorted writes the values, in ascending entity order, as Set (one value per entity)
// or, for a Multi column, Add would one at a time. With an error, it returns the index of the
// value the error is about, and the message should fail: the values before it may be
// written or not. Into a column that has no value yet, it builds the value tree and the index bottom
// up (store.Tree.BulkLoad): every page is written once and full. Into a column with values,
// it writes the values of entities up to its last one one at a time, and appends those of
// entities past it (new entities) to the value tree (full leaves), putting them into the
// index in order.
func (d *Dyn) WriteSorted(tx *entity.Tx, ws []Write) (int, error) {
	return d.PrepareSorted(ws).Write(tx)
}

// PrepareSorted encodes and orders the values for WriteSorted without a message, so that
// a bulk writer can prepare several columns at once, on several cores; Sorted.Write
// writes them. It only reads d and ws.
func (d *Dyn) PrepareSorted(ws []Write) *Sorted {
	s := d.prepare(len(ws), func(i int) entity.ID { return ws[i].ID },
		func(dst []byte, i int) ([]byte, error) { return d.encode(dst, ws[i].V) })
	s.one = func(tx *entity.Tx, i int) error {
		if d.cfg.multi {
			return d.Add(tx, ws[i].ID, ws[i].V)
		}
		return d.Set(tx, ws[i].ID, ws[i].V)
	}
	return s
}

// WriteSorted writes vals[i] as the value of ids[i], in ascending entity order, as
// Dyn.WriteSorted does.
func (c *Column[T]) WriteSorted(tx *entity.Tx, ids []entity.ID, vals []T) (int, error) {
	if len(ids) != len(vals) {
		return 0, c.d.errorf(fmt.Errorf("write sorted: %d entities, %d values", len(ids), len(vals)))
	}
	s := c.d.prepare(len(ids), func(i int) entity.ID { return ids[i] },
		func(dst []byte, i int) ([]byte, error) { return c.enc(dst, &vals[i]) })
	s.one = func(tx *entity.Tx, i int) error {
		if c.d.cfg.multi {
			return c.Add(tx, ids[i], vals[i])
		}
		return c.Set(tx, ids[i], vals[i])
	}
	return s.Write(tx)
}

// Sorted is a column's values prepared for WriteSorted: encoded, checked for order, and
// sorted as its trees hold them.
type Sorted struct {
	d   *Dyn
	n   int                         // the values
	one func(*entity.Tx, int) error // writes value i alone
	// ids are the distinct entities, firsts[j] the index of ids[j]'s first value.
	ids    []entity.ID
	firsts []int
	// at is the index of the first value that is out of order or cannot be encoded, err
	// its error; at == n without one.
	at  int
	err error
	// keys and vals are the value tree's entries, index the value index's keys.
	keys, vals, index [][]byte
}

// prepare is PrepareSorted over n values: id(i) is the entity of value i, enc(dst, i)
// appends its encoding to dst.
func (d *Dyn) prepare(n int, id func(int) entity.ID, enc func([]byte, int) ([]byte, error)) *Sorted {
	s := &Sorted{d: d, n: n, at: n,
		keys:   make([][]byte, 0, n), // value-tree keys, then values
		vals:   make([][]byte, 0, n),
		ids:    make([]entity.ID, 0, n),
		firsts: make([]int, 0, n),
	}
	if d.cfg.indexed {
		s.index = make([][]byte, 0, n)
	}
	// The entries' bytes go into blocks of 64 KiB, not one allocation each.
	var block, scratch []byte
	keep := func(b []byte) []byte {
		if len(block)+len(b) > cap(block) {
			block = make([]byte, 0, max(64<<10, len(b)))
		}
		block = append(block, b...)
		return block[len(block)-len(b) : len(block) : len(block)]
	}
	for i := range n {
		cur := id(i)
		if i > 0 && (cur < id(i-1) || cur == id(i-1) && !d.cfg.multi) {
			s.at, s.err = i, d.errorf(fmt.Errorf("write sorted: entry %d, #%d, is not after #%d", i, cur, id(i-1)))
			break
		}
		e, err := enc(scratch[:0], i)
		if err != nil {
			s.at, s.err = i, err
			break
		}
		scratch = e
		if i == 0 || cur != id(i-1) {
			s.ids, s.firsts = append(s.ids, cur), append(s.firsts, i)
		}
		ek := keep(e)
		if d.cfg.multi {
			s.keys, s.vals = append(s.keys, keep(multiKey(scratch[len(e):], cur, e))), append(s.vals, nil)
		} else {
			k := entity.Key(cur)
			s.keys, s.vals = append(s.keys, keep(k[:])), append(s.vals, ek)
		}
		if d.cfg.indexed {
			s.index = append(s.index, keep(indexKey(scratch[len(e):], e, d.fixed, cur)))
		}
	}
	if s.err != nil {
		s.keys, s.vals, s.index = nil, nil, nil
		return s
	}
	if d.cfg.multi {
		// An entity's values sort by their encoding, and a value given twice is one.
		slices.SortFunc(s.keys, bytes.Compare)
		s.keys = slices.CompactFunc(s.keys, bytes.Equal)
		s.vals = s.vals[:len(s.keys)]
	}
	slices.SortFunc(s.index, bytes.Compare)
	s.index = slices.CompactFunc(s.index, bytes.Equal)
	return s
}

// Write writes the prepared values in the message tx, as WriteSorted.
func (s *Sorted) Write(tx *entity.Tx) (int, error) {
	t0, t1, err := s.d.trees(tx, true)
	if err != nil {
		return 0, err
	}
	ids, firsts, keys, vals, index := s.ids, s.firsts, s.keys, s.vals, s.index
	appending := false
	if t0.Len() > 0 || t1 != nil && t1.Len() > 0 {
		// Values of entities past the column's last one have nothing to replace: their
		// entries go after the value tree's last (BulkLoad appends them, leaves full) and
		// into the index in order. The values of the others are written as Set or Add
		// would, one at a time.
		last, _, _ := t0.Last()
		j := len(ids)
		if s.err == nil && len(last) >= 8 {
			lastID := entity.FromKey(last[:8])
			j, _ = slices.BinarySearch(ids, lastID+1)
			if j < len(ids) {
				ids, firsts = ids[j:], firsts[j:]
				k, _ := slices.BinarySearchFunc(keys, ids[0], func(k []byte, id entity.ID) int { return cmp.Compare(entity.FromKey(k[:8]), id) })
				keys, vals = keys[k:], vals[k:]
				index = slices.DeleteFunc(slices.Clone(index), func(k []byte) bool { _, id := splitIndexKey(k, s.d.fixed); return id <= lastID })
			}
		}
		old := s.n
		if j < len(s.ids) {
			old = s.firsts[j]
		}
		for i := range old {
			if err := s.one(tx, i); err != nil {
				return i, err
			}
		}
		if old == s.n {
			return s.n, nil
		}
		appending = true
	}
	exists := tx.Exister()
	for j, id := range ids {
		if !exists(id) {
			return firsts[j], fmt.Errorf("column %q: set #%d: %w", s.d.name, id, entity.ErrNoEntity)
		}
	}
	if s.err != nil {
		return s.at, s.err
	}
	if err := bulk(t0, keys, vals); err != nil {
		return 0, err
	}
	v, ok := tx.Var(s.d.name)
	if !ok {
		return 0, fmt.Errorf("column %q: %w", s.d.name, ErrNoColumn)
	}
	if err := tx.SetHoldsSorted(v, 0, ids); err != nil {
		return 0, err
	}
	switch {
	case t1 == nil:
	case appending:
		for _, k := range index {
			if _, err := t1.Put(k, nil); err != nil {
				return 0, err
			}
		}
	default:
		if err := bulk(t1, index, make([][]byte, len(index))); err != nil {
			return 0, err
		}
	}
	return s.n, nil
}

// bulk loads keys[i] → vals[i] into t.
func bulk(t *store.Tree, keys, vals [][]byte) error {
	_, err := t.BulkLoad(func(yield func([]byte, []byte) bool) {
		for i, k := range keys {
			if !yield(k, vals[i]) {
				return
			}
		}
	})
	return err
}
