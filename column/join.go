package column

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
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
// The merge of runs calls m (fn's own, if m is nil), which may work on the runs as a whole.
func join(ta, tb *store.Tree, fn func(ka, va, vb []byte) (set []byte, more bool), m merger) error {
	if m == nil {
		m = &fnMerger{fn: fn}
	}
	ca, cb := ta.Cursor(), tb.Cursor()
	var rs runs // the merges' runs, one value for them all (a merge's own would escape)
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
			r, err := mergeRuns(&rs, ca, cb, m)
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

// merger is what a merge of packed runs calls for each stretch of k common entities, the
// i-th to (i+k-1)-th of a's run and the j-th to (j+k-1)-th of b's: span returns how many
// of them it consumed (all of them, or up to the one after which it changed a tree or
// stopped) and whether the join goes on; it writes a's values with r.set.
type merger interface {
	span(r *runs, i, j, k int) (n int, more bool, err error)
}

// flusher is a merger whose spans wait (leaving the trees as they are) until the merge of
// the two leaves ends: the merge gathers them in r.st instead of calling span, and flush
// does their work, before the cursors move on.
type flusher interface {
	merger
	flush(r *runs) error
}

// runs are the packed runs of the two leaves a merge of runs stands on, from the cursors
// on.
type runs struct {
	ca, cb       *store.Cursor
	keysA, valsA []byte
	valsB        []byte
	na, nb       int
	sa, sb       int  // value sizes
	own          bool // valsA is the message's copy of the leaf: a's values are written in it
	// st are the stretches of common entities the merge found, for a merger that flushes
	// (it takes them all at once).
	st []stretch
	// last is the key of the last pair a merger called its function for, read before the
	// call: a function that changes a tree may move the keys of the leaf's copy.
	last uint64
}

// key returns the key of a's i-th entry, as an integer, and makes it r.last.
func (r *runs) key(i int) []byte {
	k := r.keysA[i*entity.KeySize : (i+1)*entity.KeySize]
	r.last = be.Uint64(k)
	return k
}

// valA and valB return a's i-th value and b's j-th.
func (r *runs) valA(i int) []byte { return r.valsA[i*r.sa : (i+1)*r.sa] }
func (r *runs) valB(j int) []byte { return r.valsB[j*r.sb : (j+1)*r.sb] }

// inStep reports whether both trees are as the runs found them (but for r.set's writes).
func (r *runs) inStep() bool { return r.ca.InStep() && r.cb.InStep() }

// set writes k of a's values from the i-th on (vals, end to end) into a's leaf. The first
// write dirties the leaf (and tells the tree's other cursors so); the leaf's entries stay
// where they are, so later ones go straight into the message's copy.
func (r *runs) set(i, k int, vals []byte) error {
	if r.own && len(vals) == k*r.sa && r.ca.InStep() {
		copy(r.valsA[i*r.sa:], vals)
		return nil
	}
	if err := r.ca.SetValueAhead(i, vals[:min(len(vals), r.sa)]); err != nil {
		return err
	}
	if !r.ca.InStep() {
		return nil
	}
	_, r.valsA, _ = r.ca.Run() // the leaf is the message's copy now
	r.own = true
	copy(r.valsA[i*r.sa:], vals)
	return nil
}

// fnMerger is the merger that calls a join's fn for each pair.
type fnMerger struct {
	fn func(ka, va, vb []byte) ([]byte, bool)
}

func (m *fnMerger) span(r *runs, i, j, k int) (int, bool, error) {
	return r.pairs(i, k, func(n int) ([]byte, bool) { return m.fn(r.key(i+n), r.valA(i+n), r.valB(j+n)) })
}

// pairs is a merger's span taken a pair at a time: it calls pair for the n-th of k pairs
// from a's i-th entry on, writes the value it returns (if not nil) into a's leaf, and stops
// after a pair that says so or that changed a tree.
func (r *runs) pairs(i, k int, pair func(n int) (set []byte, more bool)) (int, bool, error) {
	for n := range k {
		set, more := pair(n)
		if set != nil {
			if err := r.set(i+n, 1, set); err != nil {
				return 0, false, err
			}
		}
		if !more || !r.inStep() {
			return n + 1, more, nil
		}
	}
	return k, true, nil
}

// runEnd is where mergeRuns left the cursors.
type runEnd struct {
	merged bool // the cursors stood on packed runs, and the merge moved them
	stop   bool // fn returned false
	step   bool // the cursors stand on a pair just consumed: both go on with Next
	// The entries the cursors stand on.
	ka, va, kb, vb []byte
}

// mergeRuns merges the runs of ca and cb (in r), which stand on equal keys, calling m for each
// stretch of common keys while both stay in their leaves, and leaves the cursors where the
// merge stopped: a move out of either leaf, or a gallop of more than gallopSteps entries,
// is the caller's, as is the next move after m changed either tree other than by r.set.
func mergeRuns(r *runs, ca, cb *store.Cursor, m merger) (runEnd, error) {
	const ks = entity.KeySize
	keysA, valsA, na := ca.Run()
	keysB, valsB, nb := cb.Run()
	if na == 0 || nb == 0 || len(keysA) != na*ks || len(keysB) != nb*ks {
		return runEnd{}, nil
	}
	*r = runs{ca: ca, cb: cb, keysA: keysA, valsA: valsA, valsB: valsB, na: na, nb: nb, sa: len(valsA) / na, sb: len(valsB) / nb, st: r.st[:0]}
	fl, _ := m.(flusher)
	// skip flushes what m put off and hands the cursors back on a's i-th and b's j-th
	// entries.
	skip := func(i, j int, step bool) (runEnd, error) {
		if fl != nil {
			if err := fl.flush(r); err != nil {
				return runEnd{}, err
			}
		}
		e := runEnd{merged: true, step: step}
		e.ka, e.va = ca.Skip(i)
		e.kb, e.vb = cb.Skip(j)
		return e, nil
	}
	i, j := 0, 0 // the entries of the runs the merge stands on, equal keys at the loop's top
	for {
		// Equal keys, compared as they are (little-endian loads: no byte swaps).
		k, ka, kb := 1, keysA[i*ks:], keysB[j*ks:]
		for lim := min(na-i, nb-j); k < lim && le.Uint64(ka[k*ks:]) == le.Uint64(kb[k*ks:]); k++ {
		}
		n, more := k, true
		if fl != nil {
			r.st = append(r.st, stretch{i, j, k}) // its span waits for the flush
		} else {
			var err error
			if n, more, err = m.span(r, i, j, k); err != nil {
				return runEnd{}, err
			}
		}
		if !more {
			return runEnd{stop: true}, nil
		}
		i, j = i+n-1, j+n-1 // the last pair consumed
		if !r.inStep() {
			// m changed a tree: both cursors find their place again after the last key, as
			// Next would after a change.
			key := r.last
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
			return skip(i, j, true)
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
				return skip(i, j, false)
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
		}, nil)
	}
}

// Apply2 runs fn over the entities that have a value in both a and b, in ID order (a merge
// join, as Join2), and writes a's value back in place whenever fn returns true: what ECS
// calls a system, such as movement, Position += Velocity. Each leaf of either column is read
// once and each changed leaf of a is dirtied once. It fails with store.ErrReadOnly if a
// cannot be written, and with ErrMulti for a Multi column.
func Apply2[A, B any](tx *entity.Tx, a *Column[A], b *Column[B], fn func(id entity.ID, a *A, b B) bool) error {
	cols, ta, tb, err := openApply(tx, a, b, "Apply2")
	if err != nil {
		return err
	}
	ap := &applier[A, B]{applyCols: cols, fn: fn}
	// x and y live across the loop: taking x's address for fn would otherwise allocate
	// once per entity.
	var (
		x A
		y B
	)
	px, py := unsafe.Pointer(&x), unsafe.Pointer(&y)
	jerr := join(ta, tb, func(ka, va, vb []byte) ([]byte, bool) {
		a.d.codec.decT(va, px)
		b.d.codec.decT(vb, py)
		return ap.call(entity.FromKey(ka), va, &x, y)
	}, ap)
	if ap.err != nil {
		return ap.err
	}
	return jerr
}

// ApplyRuns2 is Apply2 for a function that works on runs of entities rather than one at a
// time: it calls fn with the IDs of a run of entities that have a value in both a and b,
// in ID order, and their values in a (which fn may change) and in b, then writes back the
// values of a that fn changed. A run is what two leaves of the columns hold in common, up
// to a few hundred entities, so that fn's loop over them is the program's own, with no
// call per entity: the fastest way to run an ECS system over a store (for components of
// 4-byte scalars, values are decoded and encoded a word at a time). It reads and dirties
// the same pages as Apply2. fn must not write to a or b (it may to other variables): the
// slices it got would no longer be theirs, and ApplyRuns2 fails with ErrRunFuncWrote when
// it finds that fn did. It fails as Apply2 does otherwise.
func ApplyRuns2[A, B any](tx *entity.Tx, a *Column[A], b *Column[B], fn func(ids []entity.ID, as []A, bs []B)) error {
	cols, ta, tb, err := openApply(tx, a, b, "ApplyRuns2")
	if err != nil {
		return err
	}
	ap := &runApplier[A, B]{applyCols: cols, fn: fn}
	// Where the trees are not packed runs (a variable-size value), or at a join of a tree
	// with itself, entities come one at a time: runs of one.
	var (
		x  [1]A
		y  [1]B
		id [1]entity.ID
	)
	jerr := join(ta, tb, func(ka, va, vb []byte) ([]byte, bool) {
		a.d.codec.decT(va, unsafe.Pointer(&x[0]))
		b.d.codec.decT(vb, unsafe.Pointer(&y[0]))
		id[0] = entity.FromKey(ka)
		fn(id[:], x[:], y[:])
		return ap.changed(id[0], va, &x[0])
	}, ap)
	if ap.err != nil {
		return ap.err
	}
	return jerr
}

// applyCols is what Apply2 and ApplyRuns2 keep while they merge: the columns, a's index,
// and the values of the span the merge stands on, decoded.
type applyCols[A, B any] struct {
	a   *Column[A]
	b   *Column[B]
	idx *store.Tree // a's index, if it has one
	as  []A         // a's values of the span, decoded
	bs  []B         // b's values of the span, decoded
	buf []byte      // room for one encoded value of a
	err error       // what stopped the join
}

// openApply checks that op (Apply2, ApplyRuns2) can run over a and b, and opens a's tree
// for writing (with its index, if it has one) and b's for reading.
func openApply[A, B any](tx *entity.Tx, a *Column[A], b *Column[B], op string) (applyCols[A, B], *store.Tree, *store.Tree, error) {
	cols := applyCols[A, B]{a: a, b: b, buf: make([]byte, a.d.codec.fixed)}
	for _, d := range []*Dyn{a.d, b.d} {
		if err := d.wantMulti(false, op); err != nil {
			return cols, nil, nil, err
		}
	}
	ta, idx, err := a.d.trees(tx, true)
	if err != nil {
		return cols, nil, nil, fmt.Errorf("apply over %q and %q: %w", a.d.name, b.d.name, err)
	}
	tb, err := tx.VarTree(b.d.name, 0, false)
	if err != nil {
		return cols, nil, nil, fmt.Errorf("apply over %q and %q: %w", a.d.name, b.d.name, err)
	}
	cols.idx = idx
	return cols, ta, tb, nil
}

// decode decodes the span of k entities from a's i-th and b's j-th into p.as and p.bs from
// their off-th value on (which they have room for), a word at a time for a component of
// 4-byte scalars.
func (p *applyCols[A, B]) decode(r *runs, i, j, k, off int) {
	as, bs := p.as[off:off+k], p.bs[off:off+k]
	p.a.d.codec.decRun(r.valsA[i*r.sa:], r.sa, k, unsafe.Pointer(unsafe.SliceData(as)), unsafe.Sizeof(as[0]))
	p.b.d.codec.decRun(r.valsB[j*r.sb:], r.sb, k, unsafe.Pointer(unsafe.SliceData(bs)), unsafe.Sizeof(bs[0]))
}

// grow makes p.as and p.bs k values long.
func (p *applyCols[A, B]) grow(k int) {
	p.as = slices.Grow(p.as[:0], k)[:k]
	p.bs = slices.Grow(p.bs[:0], k)[:k]
}

// changed returns the encoding of entity id's value x in a, if it is not va (its stored
// encoding), having moved the index entry; nil if it is, or if it fails (p.err).
func (p *applyCols[A, B]) changed(id entity.ID, va []byte, x *A) ([]byte, bool) {
	buf, err := p.a.d.codec.encFixed(p.buf, unsafe.Pointer(x))
	if err != nil {
		p.err = p.a.d.errorf(err)
		return nil, false
	}
	p.buf = buf // grown, for a variable-size value
	if string(va) == string(buf) {
		return nil, true // unchanged: the leaf stays clean
	}
	if p.idx != nil {
		if _, p.err = p.idx.Delete(indexKey(nil, va, p.a.d.fixed, id)); p.err != nil {
			return nil, false
		}
		if _, p.err = p.idx.Put(indexKey(nil, buf, p.a.d.fixed, id), nil); p.err != nil {
			return nil, false
		}
	}
	return buf, true
}

// applier is Apply2's merger: it calls fn for each common entity on the decoded runs.
type applier[A, B any] struct {
	applyCols[A, B]
	fn func(id entity.ID, a *A, b B) bool
}

func (p *applier[A, B]) span(r *runs, i, j, k int) (int, bool, error) {
	p.grow(k)
	p.decode(r, i, j, k, 0)
	return r.pairs(i, k, func(n int) ([]byte, bool) {
		return p.call(entity.FromKey(r.key(i+n)), r.valA(i+n), &p.as[n], p.bs[n])
	})
}

// call runs fn for entity id, whose value in a is x, encoded va, and returns x's new
// encoding if fn changed it.
func (p *applier[A, B]) call(id entity.ID, va []byte, x *A, y B) ([]byte, bool) {
	if !p.fn(id, x, y) {
		return nil, true
	}
	return p.changed(id, va, x)
}

// runApplier is ApplyRuns2's merger: it puts off the stretches of common entities a merge
// of two leaves finds, and calls fn once for all of them when the merge leaves the leaves.
type runApplier[A, B any] struct {
	applyCols[A, B]
	fn  func(ids []entity.ID, as []A, bs []B)
	ids []entity.ID
	enc []byte
}

// stretch is k common entities from a's i-th and b's j-th on.
type stretch struct{ i, j, k int }

// span takes one stretch alone: the merge of runs hands them to flush instead.
func (p *runApplier[A, B]) span(r *runs, i, j, k int) (int, bool, error) {
	r.st = append(r.st[:0], stretch{i, j, k})
	return k, true, p.flush(r)
}

func (p *runApplier[A, B]) flush(r *runs) error {
	st := r.st
	if len(st) == 0 {
		return nil
	}
	r.st = r.st[:0]
	total := 0
	for _, s := range st {
		total += s.k
	}
	p.grow(total)
	p.ids = p.ids[:0]
	off := 0
	for _, s := range st {
		for n := range s.k {
			p.ids = append(p.ids, entity.FromKey(r.keysA[(s.i+n)*entity.KeySize:]))
		}
		p.decode(r, s.i, s.j, s.k, off)
		off += s.k
	}
	xs := p.as
	p.fn(p.ids, xs, p.bs)
	if !r.inStep() {
		return p.wrote()
	}
	if p.idx == nil {
		// One encoding of the values, then per stretch one copy into the leaf if any of
		// its values changed.
		enc, err := p.a.d.codec.encRun(p.enc[:0], unsafe.Pointer(unsafe.SliceData(xs)), total, unsafe.Sizeof(xs[0]))
		p.enc = enc
		if err != nil {
			return p.a.d.errorf(err)
		}
		off := 0
		for _, s := range st {
			e := enc[off*r.sa : (off+s.k)*r.sa]
			// Once the leaf is the message's copy, an unchanged value may as well be
			// copied too: no comparison.
			if r.own || string(e) != string(r.valsA[s.i*r.sa:(s.i+s.k)*r.sa]) {
				if err := r.set(s.i, s.k, e); err != nil {
					return err
				}
			}
			off += s.k
		}
		return nil
	}
	off = 0
	for _, s := range st {
		for n := range s.k {
			set, _ := p.changed(p.ids[off+n], r.valA(s.i+n), &xs[off+n])
			if p.err != nil {
				return p.err
			}
			if set != nil {
				if err := r.set(s.i+n, 1, set); err != nil {
					return err
				}
			}
		}
		off += s.k
	}
	return nil
}

// wrote is the error of a run function that wrote to a column it runs over.
func (p *runApplier[A, B]) wrote() error {
	return fmt.Errorf("%w: ApplyRuns2 over %q and %q", ErrRunFuncWrote, p.a.d.name, p.b.d.name)
}
