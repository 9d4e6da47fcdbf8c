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
	t0, t1, err := d.trees(tx, true)
	if err != nil {
		return 0, err
	}
	if t0.Len() > 0 || t1 != nil && t1.Len() > 0 {
		for i, w := range ws {
			if d.cfg.multi {
				err = d.Add(tx, w.ID, w.V)
			} else {
				err = d.Set(tx, w.ID, w.V)
			}
			if err != nil {
				return i, err
			}
		}
		return len(ws), nil
	}
	if err := d.wantMulti(d.cfg.multi, "WriteSorted"); err != nil {
		return 0, err
	}
	keys := make([][]byte, 0, len(ws)) // value-tree keys, then values
	vals := make([][]byte, 0, len(ws))
	var index [][]byte
	for i, w := range ws {
		if i > 0 && (w.ID < ws[i-1].ID || w.ID == ws[i-1].ID && !d.cfg.multi) {
			return 0, d.errorf(fmt.Errorf("write sorted: entry %d, #%d, is not after #%d", i, w.ID, ws[i-1].ID))
		}
		enc, err := d.encode(nil, w.V)
		if err != nil {
			return i, err
		}
		if (i == 0 || w.ID != ws[i-1].ID) && !tx.Exists(w.ID) {
			return i, fmt.Errorf("column %q: set #%d: %w", d.name, w.ID, entity.ErrNoEntity)
		}
		if d.cfg.multi {
			keys, vals = append(keys, multiKey(nil, w.ID, enc)), append(vals, nil)
		} else {
			k := entity.Key(w.ID)
			keys, vals = append(keys, k[:]), append(vals, enc)
		}
		if t1 != nil {
			index = append(index, indexKey(nil, enc, d.fixed, w.ID))
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
	if t1 != nil {
		slices.SortFunc(index, bytes.Compare)
		index = slices.CompactFunc(index, bytes.Equal)
		if err := bulk(t1, index, make([][]byte, len(index))); err != nil {
			return 0, err
		}
	}
	return len(ws), nil
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
