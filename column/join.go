package column

import (
	"bytes"
	"fmt"
	"iter"
	"unsafe"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// Pair holds the values of one entity in two columns, as Join2 yields them.
type Pair[A, B any] struct {
	A A
	B B
}

// gallopSteps is how many entries a merge join walks on one side before it seeks instead.
const gallopSteps = 16

// gallop moves c to the first key ≥ target, walking a few entries along the leaf before it
// falls back to a seek from the root.
func gallop(c *store.Cursor, target []byte) ([]byte, []byte, bool) {
	for range gallopSteps {
		k, v, ok := c.Next()
		if !ok || bytes.Compare(k, target) >= 0 {
			return k, v, ok
		}
	}
	return c.Seek(target)
}

// join runs the merge join of two single-valued column trees, calling fn with the cursor of
// ta on each common entity until fn returns false.
func join(ta, tb *store.Tree, fn func(ca *store.Cursor, ka, va, vb []byte) bool) {
	ca, cb := ta.Cursor(), tb.Cursor()
	ka, va, oka := ca.First()
	kb, vb, okb := cb.First()
	for oka && okb {
		switch c := bytes.Compare(ka, kb); {
		case c == 0:
			if !fn(ca, ka, va, vb) {
				return
			}
			ka, va, oka = ca.Next()
			kb, vb, okb = cb.Next()
		case c < 0:
			ka, va, oka = gallop(ca, kb)
		default:
			kb, vb, okb = gallop(cb, ka)
		}
	}
}

// Join2 iterates over the entities that have a value in both a and b, in ID order: a merge
// join of two cursors that reads each leaf of either column at most once. It aborts the
// message if either column is retired or Multi.
func Join2[A, B any](tx *entity.Tx, a *Column[A], b *Column[B]) iter.Seq2[entity.ID, Pair[A, B]] {
	return func(yield func(entity.ID, Pair[A, B]) bool) {
		for _, d := range []*Dyn{a.d, b.d} {
			if err := d.wantMulti(false, "Join2"); err != nil {
				tx.Abort(err)
			}
		}
		join(a.d.Tree(tx), b.d.Tree(tx), func(_ *store.Cursor, ka, va, vb []byte) bool {
			return yield(entity.FromKey(ka), Pair[A, B]{A: a.dec(va), B: b.dec(vb)})
		})
	}
}

// Apply2 runs fn over the entities that have a value in both a and b, in ID order (a merge
// join, as Join2), and writes a's value back in place whenever fn returns true: what ECS
// calls a system, such as movement, Position += Velocity. Each leaf of either column is read
// once and each changed leaf of a is dirtied once. It fails with store.ErrReadOnly if a
// cannot be written, and with ErrMulti for a Multi column.
func Apply2[A, B any](tx *entity.Tx, a *Column[A], b *Column[B], fn func(id entity.ID, a *A, b B) bool) error {
	for _, d := range []*Dyn{a.d, b.d} {
		if err := d.wantMulti(false, "Apply2"); err != nil {
			return err
		}
	}
	ta, idx, err := a.d.trees(tx, true)
	if err != nil {
		return fmt.Errorf("apply over %q and %q: %w", a.d.name, b.d.name, err)
	}
	tb, err := tx.VarTree(b.d.name, 0, false)
	if err != nil {
		return fmt.Errorf("apply over %q and %q: %w", a.d.name, b.d.name, err)
	}
	// x and y live across the loop: taking x's address for fn would otherwise allocate
	// once per entity.
	var (
		x   A
		y   B
		buf []byte
	)
	px, py := unsafe.Pointer(&x), unsafe.Pointer(&y)
	join(ta, tb, func(ca *store.Cursor, ka, va, vb []byte) bool {
		id := entity.FromKey(ka)
		a.d.codec.decT(va, px)
		b.d.codec.decT(vb, py)
		if !fn(id, &x, y) {
			return true
		}
		if buf, err = a.enc(buf[:0], &x); err != nil {
			return false
		}
		if bytes.Equal(va, buf) {
			return true // unchanged: the leaf stays clean
		}
		if idx != nil {
			if _, err = idx.Delete(indexKey(nil, va, a.d.fixed, id)); err != nil {
				return false
			}
			if _, err = idx.Put(indexKey(nil, buf, a.d.fixed, id), nil); err != nil {
				return false
			}
		}
		err = ca.SetValue(buf)
		return err == nil
	})
	return err
}
