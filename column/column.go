package column

import (
	"fmt"
	"iter"
	"reflect"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// Column is a column of Go type T: an attribute that entities may have, stored as a B-tree
// from entity ID to the encoded value (or, with Multi, a B-tree of (entity ID, value)
// pairs). Its methods encode and decode T directly, without Values.
type Column[T any] struct {
	d *Dyn
}

// Define declares the column called name, of Go type T, in schema s. T is bool, a sized
// integer, float32 or float64, an array or struct of these (no pointers), or string or
// []byte with MaxLen. A definition that cannot be accepted is recorded in s: Open (and
// s.Err) return the error.
func Define[T any](s *entity.Schema, name string, opts ...Option) *Column[T] {
	rt := reflect.TypeFor[T]()
	c := configure(opts)
	t, err := typeOf(rt)
	if err != nil {
		s.Fail(fmt.Errorf("%w: column %q: %w", entity.ErrSchema, name, err))
		return &Column[T]{d: newDyn(name, t, c, nil)}
	}
	return &Column[T]{d: define(s, name, t, c, func(t Type) *codec { return newTypedCodec(t, rt) })}
}

// Dyn returns the column without its Go type.
func (c *Column[T]) Dyn() *Dyn { return c.d }

// Name returns the column's name.
func (c *Column[T]) Name() string { return c.d.name }

// Type returns the column's value type.
func (c *Column[T]) Type() Type { return c.d.typ }

func (c *Column[T]) enc(dst []byte, v *T) ([]byte, error) {
	b, err := c.d.codec.encT(dst, unsafe.Pointer(v))
	if err != nil {
		return nil, c.d.errorf(err)
	}
	return b, nil
}

func (c *Column[T]) dec(b []byte) T {
	var v T
	c.d.codec.decT(b, unsafe.Pointer(&v))
	return v
}

// Get returns the value of entity id. It touches the pages of one lookup: the tree's height.
func (c *Column[T]) Get(tx *entity.Tx, id entity.ID) (T, bool, error) {
	var zero T
	if err := c.d.wantMulti(false, "Get"); err != nil {
		return zero, false, err
	}
	t0, err := tx.VarTree(c.d.name, 0, false)
	if err != nil {
		return zero, false, err
	}
	key := entity.Key(id)
	b, ok := t0.Get(key[:])
	if !ok {
		return zero, false, nil
	}
	return c.dec(b), true, nil
}

// Set gives entity id the value v. It touches the column's tree (height pages, one dirtied);
// an entity's first value in the column also records it in the holder record ($holds, one
// path), whose entry proves the entity live, or else a lookup in $kind does. It fails, changing nothing, for a string or slice
// longer than MaxLen, a NaN, an entity that does not exist, a Multi column, or a deprecated
// or retired column.
func (c *Column[T]) Set(tx *entity.Tx, id entity.ID, v T) error {
	if err := c.d.wantMulti(false, "Set"); err != nil {
		return err
	}
	t0, t1, err := c.d.trees(tx, true)
	if err != nil {
		return err
	}
	var buf [64]byte
	enc, err := c.enc(buf[:0], &v)
	if err != nil {
		return err
	}
	return c.d.setLive(tx, t0, t1, id, enc)
}

// Delete removes every value of entity id and reports whether it had any.
func (c *Column[T]) Delete(tx *entity.Tx, id entity.ID) (bool, error) { return c.d.Delete(tx, id) }

// Has reports whether entity id has a value.
func (c *Column[T]) Has(tx *entity.Tx, id entity.ID) (bool, error) { return c.d.Has(tx, id) }

// Len returns the number of stored values, in O(1); see Dyn.Len.
func (c *Column[T]) Len(tx *entity.Tx) uint64 { return c.d.Len(tx) }

// All iterates over the column in entity-ID order (for Multi, each value of an entity in
// value order). It aborts the message if the column is retired.
func (c *Column[T]) All(tx *entity.Tx) iter.Seq2[entity.ID, T] { return c.Range(tx, 0, 0) }

// Range iterates over the entities lo ≤ id < hi in ID order; hi == 0 means no upper limit.
func (c *Column[T]) Range(tx *entity.Tx, lo, hi entity.ID) iter.Seq2[entity.ID, T] {
	return func(yield func(entity.ID, T) bool) {
		t := c.d.Tree(tx)
		if !c.d.cfg.multi && t.Layout().Fixed() {
			c.rangeFixed(t, lo, hi, yield)
			return
		}
		for k, v := range scanRange(t, lo, hi) {
			if c.d.cfg.multi {
				v = k[entity.KeySize:]
			}
			if !yield(entity.FromKey(k), c.dec(v)) {
				return
			}
		}
	}
}

// rangeBatch is how many values rangeFixed decodes at once.
const rangeBatch = 64

// rangeFixed is Range over a tree of fixed-size values: it walks the packed entries of
// each leaf (Cursor.Run) and decodes them a batch at a time (codec.decRun), reading the
// pages an Ascend would. If yield changes the tree, it drops what it decoded ahead and
// finds its place again by key.
func (c *Column[T]) rangeFixed(t *store.Tree, lo, hi entity.ID, yield func(entity.ID, T) bool) {
	var buf [rangeBatch]T
	stride := unsafe.Sizeof(buf[0])
	cur := t.Cursor()
	from := entity.Key(max(lo, 1))
	_, _, ok := cur.Seek(from[:])
	for ok {
		keys, vals, n := cur.Run()
		if n == 0 {
			return // not a layout with runs: the caller checked
		}
		size := len(vals) / n
		j := 0
	run:
		for j < n {
			m := min(n-j, rangeBatch)
			c.d.codec.decRun(vals[j*size:], size, m, unsafe.Pointer(&buf[0]), stride)
			for b := range m {
				id := entity.ID(be.Uint64(keys[(j+b)*entity.KeySize:]))
				if hi > 0 && id >= hi {
					return
				}
				if !yield(id, buf[b]) {
					return
				}
				if !cur.InStep() {
					// yield changed the tree: go on from the next ID.
					next := entity.Key(id + 1)
					_, _, ok = cur.Seek(next[:])
					break run
				}
			}
			j += m
		}
		if j == n {
			cur.Skip(n - 1)
			_, _, ok = cur.Next()
		}
	}
}

// Equal returns the entities whose value (any value, for Multi) is v, from the index. It
// fails with ErrNotIndexed for a column without an index.
func (c *Column[T]) Equal(tx *entity.Tx, v T) (*roaring64.Bitmap, error) {
	return c.Between(tx, v, v)
}

// Between returns the entities with a value in [lo, hi], from the index. It fails with
// ErrNotIndexed for a column without an index.
func (c *Column[T]) Between(tx *entity.Tx, lo, hi T) (*roaring64.Bitmap, error) {
	return c.d.Range(tx, Incl(lo), Incl(hi))
}

// ByValue iterates in value order (descending if desc) over the index entries between lo
// and hi; see Dyn.ByValue. Bound values may be T values.
func (c *Column[T]) ByValue(tx *entity.Tx, lo, hi Bound, desc bool) (iter.Seq2[entity.ID, T], error) {
	t1, l, h, err := c.d.indexRange(tx, lo, hi)
	if err != nil {
		return nil, err
	}
	seq := t1.Ascend(l, h)
	if desc {
		seq = t1.Descend(l, h)
	}
	return func(yield func(entity.ID, T) bool) {
		for k := range seq {
			enc, id := splitIndexKey(k, c.d.fixed)
			if !yield(id, c.dec(enc)) {
				return
			}
		}
	}, nil
}

// Add adds v to the values of entity id in a Multi column; adding a value it has is a no-op.
func (c *Column[T]) Add(tx *entity.Tx, id entity.ID, v T) error {
	if err := c.d.wantMulti(true, "Add"); err != nil {
		return err
	}
	t0, t1, err := c.d.trees(tx, true)
	if err != nil {
		return err
	}
	enc, err := c.enc(nil, &v)
	if err != nil {
		return err
	}
	if err := c.d.checkEntity(tx, id); err != nil {
		return err
	}
	return c.d.addEnc(tx, t0, t1, id, enc)
}

// Remove removes v from the values of entity id in a Multi column and reports whether it
// was there.
func (c *Column[T]) Remove(tx *entity.Tx, id entity.ID, v T) (bool, error) {
	if err := c.d.wantMulti(true, "Remove"); err != nil {
		return false, err
	}
	t0, t1, err := c.d.trees(tx, true)
	if err != nil {
		return false, err
	}
	enc, err := c.enc(nil, &v)
	if err != nil {
		return false, err
	}
	return c.d.removeEnc(tx, t0, t1, id, enc)
}

// Values returns the values of entity id in value order (the one value, if any, of a
// single-valued column).
func (c *Column[T]) Values(tx *entity.Tx, id entity.ID) ([]T, error) {
	if !c.d.cfg.multi {
		v, ok, err := c.Get(tx, id)
		if !ok || err != nil {
			return nil, err
		}
		return []T{v}, nil
	}
	t0, err := tx.VarTree(c.d.name, 0, false)
	if err != nil {
		return nil, err
	}
	var out []T
	lo, hi := entity.KeyRange(id)
	for k := range t0.Ascend(lo, hi) {
		out = append(out, c.dec(k[entity.KeySize:]))
	}
	return out, nil
}

// HasValue reports whether entity id has the value v.
func (c *Column[T]) HasValue(tx *entity.Tx, id entity.ID, v T) (bool, error) {
	enc, err := c.enc(nil, &v)
	if err != nil {
		return false, err
	}
	t0, err := tx.VarTree(c.d.name, 0, false)
	if err != nil {
		return false, err
	}
	return c.d.hasEnc(t0, id, enc), nil
}

// Cursor returns a cursor over the column, not yet positioned. It aborts the message if the
// column is retired.
func (c *Column[T]) Cursor(tx *entity.Tx) *Cursor[T] {
	cur := &Cursor[T]{col: c, tx: tx, c: c.d.Tree(tx).Cursor()}
	if v, ok := tx.Var(c.d.name); ok && v.State == store.Active && tx.Writable() && c.d.cfg.indexed {
		cur.idx = tx.Must(tx.VarTree(c.d.name, 1, true))
	}
	return cur
}
