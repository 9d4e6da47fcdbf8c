package column

import (
	"bytes"
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
// up (store.Tree.BulkLoad): every page is written once and full. Otherwise it writes them
// one at a time.
func (d *Dyn) WriteSorted(tx *entity.Tx, ws []Write) (int, error) {
	return d.writeSorted(tx, len(ws), func(i int) entity.ID { return ws[i].ID },
		func(i int) ([]byte, error) { return d.encode(nil, ws[i].V) },
		func(i int) error {
			if d.cfg.multi {
				return d.Add(tx, ws[i].ID, ws[i].V)
			}
			return d.Set(tx, ws[i].ID, ws[i].V)
		})
}

// WriteSorted writes vals[i] as the value of ids[i], in ascending entity order, as
// Dyn.WriteSorted does.
func (c *Column[T]) WriteSorted(tx *entity.Tx, ids []entity.ID, vals []T) (int, error) {
	if len(ids) != len(vals) {
		return 0, c.d.errorf(fmt.Errorf("write sorted: %d entities, %d values", len(ids), len(vals)))
	}
	return c.d.writeSorted(tx, len(ids), func(i int) entity.ID { return ids[i] },
		func(i int) ([]byte, error) { return c.enc(nil, &vals[i]) },
		func(i int) error {
			if c.d.cfg.multi {
				return c.Add(tx, ids[i], vals[i])
			}
			return c.Set(tx, ids[i], vals[i])
		})
}

// writeSorted is WriteSorted over n values: id(i) is the entity of value i, enc(i) its
// encoding, and one(i) writes it alone.
func (d *Dyn) writeSorted(tx *entity.Tx, n int, id func(int) entity.ID, enc func(int) ([]byte, error), one func(int) error) (int, error) {
	t0, t1, err := d.trees(tx, true)
	if err != nil {
		return 0, err
	}
	if t0.Len() > 0 || t1 != nil && t1.Len() > 0 {
		for i := range n {
			if err := one(i); err != nil {
				return i, err
			}
		}
		return n, nil
	}
	keys := make([][]byte, 0, n) // value-tree keys, then values
	vals := make([][]byte, 0, n)
	var index [][]byte
	for i := range n {
		cur := id(i)
		if i > 0 && (cur < id(i-1) || cur == id(i-1) && !d.cfg.multi) {
			return i, d.errorf(fmt.Errorf("write sorted: entry %d, #%d, is not after #%d", i, cur, id(i-1)))
		}
		e, err := enc(i)
		if err != nil {
			return i, err
		}
		if (i == 0 || cur != id(i-1)) && !tx.Exists(cur) {
			return i, fmt.Errorf("column %q: set #%d: %w", d.name, cur, entity.ErrNoEntity)
		}
		if d.cfg.multi {
			keys, vals = append(keys, multiKey(nil, cur, e)), append(vals, nil)
		} else {
			k := entity.Key(cur)
			keys, vals = append(keys, k[:]), append(vals, e)
		}
		if t1 != nil {
			index = append(index, indexKey(nil, e, d.fixed, cur))
		}
	}
	if d.cfg.multi {
		// An entity's values sort by their encoding, and a value given twice is one.
		slices.SortFunc(keys, bytes.Compare)
		keys = slices.CompactFunc(keys, bytes.Equal)
		vals = vals[:len(keys)]
	}
	if err := bulk(t0, keys, vals); err != nil {
		return 0, err
	}
	v, ok := tx.Var(d.name)
	if !ok {
		return 0, fmt.Errorf("column %q: %w", d.name, ErrNoColumn)
	}
	held := make([]entity.ID, 0, n)
	for i := range n {
		if cur := id(i); i == 0 || cur != id(i-1) {
			held = append(held, cur)
		}
	}
	if err := tx.SetHoldsSorted(v, 0, held); err != nil {
		return 0, err
	}
	if t1 != nil {
		slices.SortFunc(index, bytes.Compare)
		index = slices.CompactFunc(index, bytes.Equal)
		if err := bulk(t1, index, make([][]byte, len(index))); err != nil {
			return 0, err
		}
	}
	return n, nil
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
