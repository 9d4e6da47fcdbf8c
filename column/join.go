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

// join runs the merge join of two single-valued column trees, calling fn with the key and
// both values of each common entity until fn returns false. When fn returns a value (set
// not nil), it becomes a's value for that entity, written in place.
//
// Where both trees hold the same entities in step, as an ECS's components mostly do, it
// walks the packed entries of both leaves (Cursor.Run) and compares keys as integers, with
// no cursor move per entity; elsewhere (and for a join of a tree with itself, whose
// writes move the other cursor's ground) it moves the cursors as a merge join does. Both
// ways read the same pages.
func join(ta, tb *store.Tree, fn func(ka, va, vb []byte) (set []byte, more bool)) error {
	ca, cb := ta.Cursor(), tb.Cursor()
	ka, va, oka := ca.First()
	kb, vb, okb := cb.First()
	for oka && okb {
		switch c := bytes.Compare(ka, kb); {
		case c < 0:
			ka, va, oka = gallop(ca, kb)
			continue
		case c > 0:
			kb, vb, okb = gallop(cb, ka)
			continue
		}
		keysA, valsA, na := ca.Run()
		keysB, valsB, nb := cb.Run()
		if ta == tb || na == 0 || nb == 0 || len(keysA) != na*entity.KeySize || len(keysB) != nb*entity.KeySize {
			set, more := fn(ka, va, vb)
			if set != nil {
				if err := ca.SetValue(set); err != nil {
					return err
				}
			}
			if !more {
				return nil
			}
			ka, va, oka = ca.Next()
			kb, vb, okb = cb.Next()
			continue
		}
		sa, sb := len(valsA)/na, len(valsB)/nb
		n := 0
		for n < na && n < nb {
			k := keysA[n*entity.KeySize : (n+1)*entity.KeySize]
			if n > 0 && be.Uint64(k) != be.Uint64(keysB[n*entity.KeySize:]) {
				break
			}
			set, more := fn(k, valsA[n*sa:(n+1)*sa], valsB[n*sb:(n+1)*sb])
			if set != nil {
				if err := ca.SetValueAhead(n, set); err != nil {
					return err
				}
				keysA, valsA, _ = ca.Run() // the leaf is now the message's copy
			}
			if !more {
				return nil
			}
			n++
		}
		ca.Skip(n - 1)
		cb.Skip(n - 1)
		ka, va, oka = ca.Next()
		kb, vb, okb = cb.Next()
	}
	return nil
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
		join(a.d.Tree(tx), b.d.Tree(tx), func(ka, va, vb []byte) ([]byte, bool) {
			return nil, yield(entity.FromKey(ka), Pair[A, B]{A: a.dec(va), B: b.dec(vb)})
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
	jerr := join(ta, tb, func(ka, va, vb []byte) ([]byte, bool) {
		id := entity.FromKey(ka)
		a.d.codec.decT(va, px)
		b.d.codec.decT(vb, py)
		if !fn(id, &x, y) {
			return nil, true
		}
		if buf, err = a.enc(buf[:0], &x); err != nil {
			return nil, false
		}
		if bytes.Equal(va, buf) {
			return nil, true // unchanged: the leaf stays clean
		}
		if idx != nil {
			if _, err = idx.Delete(indexKey(nil, va, a.d.fixed, id)); err != nil {
				return nil, false
			}
			if _, err = idx.Put(indexKey(nil, buf, a.d.fixed, id), nil); err != nil {
				return nil, false
			}
		}
		return buf, true
	})
	if err == nil {
		err = jerr
	}
	return err
}
