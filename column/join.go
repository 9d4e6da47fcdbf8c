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
// It moves the cursors as a merge join does (gallop), but where both cursors stand on
// leaves of packed entries (Cursor.Run), it merges the two leaves' runs as slices,
// comparing keys as integers, with no cursor move per entity: as an ECS's components
// mostly are, the two trees hold mostly the same entities. The merge of runs makes exactly
// the moves the cursors would (a gallop that stays in both leaves), and hands the cursors
// back wherever a move would leave a leaf, so both ways read the same pages. A join of a
// tree with itself, whose writes move the other cursor's ground, always moves the cursors.
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
		if packedJoin && ta != tb {
			r, err := mergeRuns(ca, cb, fn)
			switch {
			case err != nil || r.stop:
				return err
			case r.merged:
				// The cursors stand where the merge stopped: on equal keys just consumed
				// (step), or on the keys to compare next.
				ka, va, oka = r.ka, r.va, true
				kb, vb, okb = r.kb, r.vb, true
				if r.step {
					ka, va, oka = ca.Next()
					kb, vb, okb = cb.Next()
				}
				continue
			}
		}
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
	}
	return nil
}

// packedJoin lets join merge packed runs; a test turns it off to compare the pages of both
// ways.
var packedJoin = true

// runEnd is where mergeRuns left the cursors.
type runEnd struct {
	merged bool // the cursors stood on packed runs, and the merge moved them
	stop   bool // fn returned false
	step   bool // the cursors stand on a pair just consumed: both go on with Next
	// The entries the cursors stand on.
	ka, va, kb, vb []byte
}

// mergeRuns merges the runs of ca and cb, which stand on equal keys, calling fn for each
// common key while both stay in their leaves, and leaves the cursors where the merge
// stopped: a move out of either leaf, or a gallop of more than gallopSteps entries, is the
// caller's, as is the next move after fn changed either tree other than by its result.
func mergeRuns(ca, cb *store.Cursor, fn func(ka, va, vb []byte) ([]byte, bool)) (runEnd, error) {
	const ks = entity.KeySize
	keysA, valsA, na := ca.Run()
	keysB, valsB, nb := cb.Run()
	if na == 0 || nb == 0 || len(keysA) != na*ks || len(keysB) != nb*ks {
		return runEnd{}, nil
	}
	sa, sb := len(valsA)/na, len(valsB)/nb
	i, j := 0, 0 // the entries of the runs the merge stands on, equal keys at the loop's top
	for {
		key := be.Uint64(keysA[i*ks:])
		set, more := fn(keysA[i*ks:(i+1)*ks], valsA[i*sa:(i+1)*sa], valsB[j*sb:(j+1)*sb])
		if set != nil {
			if err := ca.SetValueAhead(i, set); err != nil {
				return runEnd{}, err
			}
		}
		if !more {
			return runEnd{stop: true}, nil
		}
		if set != nil && ca.InStep() {
			keysA, valsA, na = ca.Run() // after a write, the leaf is the message's copy
		}
		if !ca.InStep() || !cb.InStep() {
			// fn changed a tree: both cursors find their place again after key, as Next
			// would after a change.
			next := entity.Key(entity.ID(key + 1))
			r := runEnd{merged: true}
			var oka, okb bool
			r.ka, r.va, oka = ca.Seek(next[:])
			r.kb, r.vb, okb = cb.Seek(next[:])
			if key == ^uint64(0) || !oka || !okb {
				return runEnd{stop: true}, nil
			}
			return r, nil
		}
		if i+1 == na || j+1 == nb {
			r := runEnd{merged: true, step: true}
			r.ka, r.va = ca.Skip(i)
			r.kb, r.vb = cb.Skip(j)
			return r, nil
		}
		i, j = i+1, j+1
		ki, kj := be.Uint64(keysA[i*ks:]), be.Uint64(keysB[j*ks:])
		for ki != kj {
			// A gallop within the leaf, as gallop would make it with Next.
			ok := false
			if ki < kj {
				for s := 1; s <= gallopSteps && i+s < na; s++ {
					if k := be.Uint64(keysA[(i+s)*ks:]); k >= kj {
						i, ki, ok = i+s, k, true
						break
					}
				}
			} else {
				for s := 1; s <= gallopSteps && j+s < nb; s++ {
					if k := be.Uint64(keysB[(j+s)*ks:]); k >= ki {
						j, kj, ok = j+s, k, true
						break
					}
				}
			}
			if !ok {
				r := runEnd{merged: true}
				r.ka, r.va = ca.Skip(i)
				r.kb, r.vb = cb.Skip(j)
				return r, nil
			}
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
