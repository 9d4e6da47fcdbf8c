package column

import (
	"bytes"
	"fmt"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

func init() {
	entity.RegisterChecker(store.RoleColumn, checkModel)
}

// checkModel is the column's part of entity.Check: every value belongs to a live entity and
// decodes as the column's type; with an index, every value has its index entry and every
// index entry its value. It reads both trees in key order and probes the other for each
// entry.
func checkModel(_ *entity.Tx, v store.Var, trees []*store.Tree, c *entity.ModelCheck) error {
	d, err := fromVar(v)
	if err != nil {
		return err
	}
	var idx *store.Tree
	if d.cfg.indexed {
		idx = trees[1]
	}
	var buf []byte
	for k, val := range trees[0].All() {
		c.Entries(1)
		id, enc := entity.FromKey(k), val
		if d.cfg.multi {
			enc = k[entity.KeySize:]
		}
		if !c.Live(id) {
			c.Report(v, id, "has the value %s but is not a live entity", d.show(enc))
		}
		if _, err := d.Decode(enc); err != nil {
			c.Report(v, id, "a value that is not a %s: %x", d.typ, enc)
			continue
		}
		if idx != nil {
			buf = indexKey(buf[:0], enc, d.fixed, id)
			if !idx.Has(buf) {
				c.Report(v, id, "its value %s has no index entry", d.show(enc))
			}
		}
	}
	if idx == nil {
		return nil
	}
	minKey := entity.KeySize + 2 // an escaped value ends with 0x00 0x00
	if d.fixed {
		minKey = entity.KeySize + d.typ.FixedSize()
	}
	for k := range idx.All() {
		c.Entries(1)
		if len(k) < minKey {
			c.Report(v, 0, "an index key of %d bytes, too short for a value and an ID: %x", len(k), k)
			continue
		}
		enc, id := splitIndexKey(k, d.fixed)
		if !c.Live(id) {
			c.Report(v, id, "the index holds %s for it, but it is not a live entity", d.show(enc))
		}
		if d.cfg.multi {
			if !trees[0].Has(multiKey(buf[:0], id, enc)) {
				c.Report(v, id, "the index holds %s for it, but it has no such value", d.show(enc))
			}
			continue
		}
		key := entity.Key(id)
		switch have, ok := trees[0].Get(key[:]); {
		case !ok:
			c.Report(v, id, "the index holds %s for it, but it has no value", d.show(enc))
		case !bytes.Equal(have, enc):
			c.Report(v, id, "the index holds %s for it, but its value is %s", d.show(enc), d.show(have))
		}
	}
	return nil
}

// show writes an encoded value for a message: the value if it decodes, else its bytes.
func (d *Dyn) show(enc []byte) string {
	x, err := d.Decode(enc)
	if err != nil {
		return fmt.Sprintf("0x%x", enc)
	}
	switch x := x.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case []byte:
		return fmt.Sprintf("0x%x", x)
	}
	return fmt.Sprint(x)
}
