package column

import (
	"bytes"
	"fmt"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// Cursor walks a column in entity-ID order and can change the value it stands on in place,
// dirtying only that value's leaf (and the index, for an indexed column). Over a Multi
// column it visits each (entity, value) pair, and Set fails with ErrMulti.
type Cursor[T any] struct {
	col  *Column[T]
	tx   *entity.Tx
	c    *store.Cursor
	idx  *store.Tree // the index, open for writing, if the column has one and can be written
	k, v []byte
	ok   bool
	on   bool // positioned at least once
	buf  []byte
}

func (c *Cursor[T]) set(k, v []byte, ok bool) bool {
	c.k, c.v, c.ok, c.on = k, v, ok, true
	return ok
}

// First moves to the first entry and reports whether there is one.
func (c *Cursor[T]) First() bool { return c.set(c.c.First()) }

// Seek moves to the first entry of an entity ≥ id and reports whether there is one.
func (c *Cursor[T]) Seek(id entity.ID) bool {
	key := entity.Key(id)
	return c.set(c.c.Seek(key[:]))
}

// Next moves to the next entry and reports whether there is one. On a cursor not yet
// positioned it moves to the first.
func (c *Cursor[T]) Next() bool {
	if !c.on {
		return c.First()
	}
	return c.set(c.c.Next())
}

// Valid reports whether the cursor stands on an entry.
func (c *Cursor[T]) Valid() bool { return c.ok }

// ID returns the entity the cursor stands on, or 0.
func (c *Cursor[T]) ID() entity.ID {
	if !c.ok {
		return 0
	}
	k := c.c.Key()
	if k == nil {
		return 0
	}
	return entity.FromKey(k)
}

// Value returns the value the cursor stands on, or the zero T.
func (c *Cursor[T]) Value() T {
	if !c.ok {
		var zero T
		return zero
	}
	if c.col.d.cfg.multi {
		return c.col.dec(c.k[entity.KeySize:])
	}
	return c.col.dec(c.c.Value())
}

// Set replaces the value the cursor stands on, in place, and keeps the index in step. It
// fails with store.ErrReadOnly for a deprecated column and store.ErrTxReadOnly in a View.
func (c *Cursor[T]) Set(v T) error {
	d := c.col.d
	if err := d.wantMulti(false, "Cursor.Set"); err != nil {
		return err
	}
	if !c.ok {
		return fmt.Errorf("column %q: %w", d.name, store.ErrNoEntry)
	}
	if _, err := c.tx.VarTree(d.name, 0, true); err != nil {
		return err
	}
	enc, err := c.col.enc(c.buf[:0], &v)
	if err != nil {
		return err
	}
	c.buf = enc
	if err := c.setEnc(enc); err != nil {
		return err
	}
	return nil
}

// setEnc writes enc at the cursor, and into the index if there is one.
func (c *Cursor[T]) setEnc(enc []byte) error {
	d := c.col.d
	if c.idx != nil {
		old := c.c.Value()
		if bytes.Equal(old, enc) {
			return nil
		}
		id := entity.FromKey(c.c.Key())
		if _, err := c.idx.Delete(indexKey(nil, old, d.fixed, id)); err != nil {
			return err
		}
		if _, err := c.idx.Put(indexKey(nil, enc, d.fixed, id), nil); err != nil {
			return err
		}
	}
	return c.c.SetValue(enc)
}
