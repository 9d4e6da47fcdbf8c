package verb

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// Tree indexes of a verb's variable.
const (
	forward = 0 // (subject, object)
	reverse = 1 // (object, subject)
)

// edgeLayout is the layout of both trees: two IDs, no value.
var edgeLayout = store.Layout{KeySize: 2 * entity.KeySize, ValueSize: 0}

// Verb is a relation between entities: a set of (subject, object) edges kept in two trees,
// forward (subject, object) and reverse (object, subject), each keyed by two 8-byte
// big-endian IDs with empty values, so both directions are range scans.
type Verb struct {
	name string
	cfg  config
}

// Define declares the verb called name in schema s and returns it. A definition that
// cannot be accepted is recorded in s: Open (and s.Err) return the error.
func Define(s *entity.Schema, name string, opts ...Option) *Verb {
	v := &Verb{name: name, cfg: config{state: store.Active}}
	for _, o := range opts {
		o(&v.cfg)
	}
	s.Add(v)
	return v
}

// Lookup returns the verb called name as the catalog holds it, for programs that do not
// declare it. It fails with ErrNoVerb if the catalog has no verb of that name.
func Lookup(tx *entity.Tx, name string) (*Verb, error) {
	return entity.LookupMember(tx, name, store.RoleVerb, fromVar, ErrNoVerb)
}

func fromVar(v store.Var) (*Verb, error) {
	card, err := ParseCardinality(v.Attrs)
	if err != nil || len(v.Trees) != 2 {
		return nil, fmt.Errorf("%w: verb %q: attributes %q, %d trees", store.ErrCorrupt, v.Name, v.Attrs, len(v.Trees))
	}
	return &Verb{name: v.Name, cfg: config{card: card, state: v.State, iri: v.IRI}}, nil
}

// Verbs returns every verb in the catalog, sorted by name, whatever its state. Verbs whose
// definition this version cannot read are left out.
func Verbs(tx *entity.Tx) []*Verb { return entity.Members(tx, store.RoleVerb, fromVar) }

// Name returns the verb's name.
func (v *Verb) Name() string { return v.name }

// String returns the verb's name and cardinality, as in "member_of [many-to-one]".
func (v *Verb) String() string { return fmt.Sprintf("%s [%s]", v.name, v.cfg.card) }

// Cardinality returns the verb's cardinality.
func (v *Verb) Cardinality() Cardinality { return v.cfg.card }

// State returns the verb's state as declared, or as the catalog held it at Lookup.
func (v *Verb) State() store.State { return v.cfg.state }

// IRI returns the IRI behind an imported verb name, or "".
func (v *Verb) IRI() string { return v.cfg.iri }

// Defs returns the verb's catalog variable; it makes Verb an entity.Member.
func (v *Verb) Defs() []store.VarDef {
	return []store.VarDef{{
		Name: v.name, Role: store.RoleVerb, Type: "edge", Attrs: v.cfg.card.String(), IRI: v.cfg.iri,
		Trees: []store.Layout{edgeLayout, edgeLayout}, State: v.cfg.state,
	}}
}

// Bind checks the verb against an opened DB; it makes Verb an entity.Member.
func (v *Verb) Bind(db *entity.DB) error {
	return db.View(func(tx *entity.Tx) error {
		got, err := Lookup(tx, v.name)
		if err != nil {
			return err
		}
		if got.cfg.card != v.cfg.card {
			return fmt.Errorf("%w: verb %q is %s in the store, declared %s", store.ErrIncompatibleSchema, v.name, got.cfg.card, v.cfg.card)
		}
		return nil
	})
}

// edge returns the 16-byte key (a, b).
func edge(a, b entity.ID) [16]byte {
	var k [16]byte
	entity.AppendKey(k[:0], a)
	entity.AppendKey(k[8:8], b)
	return k
}

// first returns the first edge whose first ID is id, if any.
func first(t *store.Tree, id entity.ID) (entity.ID, bool) {
	lo, _ := entity.KeyRange(id)
	k, _, ok := t.Seek(lo)
	if !ok || !bytes.HasPrefix(k, lo) {
		return 0, false
	}
	return entity.FromKey(k[8:]), true
}

func (v *Verb) trees(tx *entity.Tx, write bool) (fwd, rev *store.Tree, err error) {
	if write && !tx.Writable() {
		return nil, nil, fmt.Errorf("verb %q: %w", v.name, store.ErrTxReadOnly)
	}
	if fwd, err = tx.VarTree(v.name, forward, write); err != nil {
		return nil, nil, err
	}
	if rev, err = tx.VarTree(v.name, reverse, write); err != nil {
		return nil, nil, err
	}
	return fwd, rev, nil
}

// Link adds the edge s → o; adding an edge that exists is a no-op. Both entities must exist
// (entity.ErrNoEntity). A link the cardinality forbids fails with ErrCardinality. It touches
// both trees (height pages each, one leaf dirtied each) and $kind, and the holder record
// ($holds, one path) when the edge is the first of its subject or of its object.
func (v *Verb) Link(tx *entity.Tx, s, o entity.ID) error {
	fwd, rev, err := v.trees(tx, true)
	if err != nil {
		return err
	}
	for _, id := range []entity.ID{s, o} {
		if !tx.Exists(id) {
			return fmt.Errorf("verb %q: link #%d → #%d: #%d: %w", v.name, s, o, id, entity.ErrNoEntity)
		}
	}
	k := edge(s, o)
	if fwd.Has(k[:]) {
		return nil
	}
	c := v.cfg.card
	if c == CardManyToOne || c == CardOneToOne {
		if other, ok := first(fwd, s); ok {
			return fmt.Errorf("verb %q is %s: link #%d → #%d: %w: #%d already has the edge #%d → #%d",
				v.name, c, s, o, ErrCardinality, s, s, other)
		}
	}
	if c == CardOneToMany || c == CardOneToOne {
		if other, ok := first(rev, o); ok {
			return fmt.Errorf("verb %q is %s: link #%d → #%d: %w: #%d already has the edge #%d → #%d",
				v.name, c, s, o, ErrCardinality, o, other, o)
		}
	}
	if _, err := fwd.Put(k[:], nil); err != nil {
		return err
	}
	r := edge(o, s)
	if _, err = rev.Put(r[:], nil); err != nil {
		return err
	}
	return v.added(tx, fwd, rev, k[:], r[:])
}

// The forward tree keeps the verb's distinct subjects as its count of key groups, the
// reverse tree its distinct objects (store.Tree.Groups): a Link or an Unlink knows when an
// entity's first edge appears or its last one goes from the edges beside the one it
// writes, which are in the leaf it writes (another leaf only when the edge is the first
// or last of its leaf). A tree that does not keep the count (one written by older code,
// or bulk loaded) starts again when it is empty; until then the count stays unknown,
// never wrong. The same first and last edges keep the holder record (entity.Tx.SetHolds):
// the forward tree holds a subject, the reverse tree an object.

// counting reports whether t keeps its count of groups, starting it if t holds no more
// than the edge just put.
func counting(t *store.Tree) bool {
	if _, ok := t.Groups(); ok {
		return true
	}
	return t.Len() == 1 && t.SetGroups(0) == nil
}

// added counts the groups and records the holders of the edge k (subject, object) just put
// in fwd and its mirror r in rev.
func (v *Verb) added(tx *entity.Tx, fwd, rev *store.Tree, k, r []byte) error {
	for dir, e := range []struct {
		t   *store.Tree
		key []byte
	}{forward: {fwd, k}, reverse: {rev, r}} {
		id := entity.FromKey(e.key)
		count, record := counting(e.t), tx.Recorded(id)
		if !count && !record || entity.ShareID(e.t, e.key) {
			continue
		}
		if count {
			n, _ := e.t.Groups()
			if err := e.t.SetGroups(n + 1); err != nil {
				return err
			}
		}
		if record {
			if err := v.holds(tx, dir, id, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// holds records in the holder record that tree dir of the verb holds an edge of id, or no
// longer does.
func (v *Verb) holds(tx *entity.Tx, dir int, id entity.ID, held bool) error {
	vr, ok := tx.Var(v.name)
	if !ok {
		return fmt.Errorf("verb %q: %w", v.name, ErrNoVerb)
	}
	return tx.SetHolds(vr, dir, id, held)
}

// Unlink removes the edge s → o and reports whether it was there.
func (v *Verb) Unlink(tx *entity.Tx, s, o entity.ID) (bool, error) {
	fwd, rev, err := v.trees(tx, true)
	if err != nil {
		return false, err
	}
	return v.unlink(tx, fwd, rev, s, o)
}

func (v *Verb) unlink(tx *entity.Tx, fwd, rev *store.Tree, s, o entity.ID) (bool, error) {
	k := edge(s, o)
	if !fwd.Has(k[:]) {
		return false, nil
	}
	r := edge(o, s)
	sLast, oLast := lastOf(tx, fwd, k[:]), lastOf(tx, rev, r[:])
	if _, err := fwd.Delete(k[:]); err != nil {
		return true, err
	}
	if _, err := rev.Delete(r[:]); err != nil {
		return true, err
	}
	if err := v.dropped(tx, fwd, forward, s, sLast); err != nil {
		return true, err
	}
	return true, v.dropped(tx, rev, reverse, o, oLast)
}

// lastOf reports whether k, which t holds, is the last edge of its group, in a tree that
// keeps the count or for an entity the holder record covers.
func lastOf(tx *entity.Tx, t *store.Tree, k []byte) bool {
	_, ok := t.Groups()
	return (ok || tx.Recorded(entity.FromKey(k))) && !entity.ShareID(t, k)
}

// dropped counts one group less in t, and removes id from the holder record, if its edge
// just deleted from tree dir was its last.
func (v *Verb) dropped(tx *entity.Tx, t *store.Tree, dir int, id entity.ID, last bool) error {
	if !last {
		return nil
	}
	if n, ok := t.Groups(); ok && n > 0 {
		if err := t.SetGroups(n - 1); err != nil {
			return err
		}
	}
	return v.holds(tx, dir, id, false)
}

// Has reports whether the edge s → o exists.
func (v *Verb) Has(tx *entity.Tx, s, o entity.ID) (bool, error) {
	fwd, err := tx.VarTree(v.name, forward, false)
	if err != nil {
		return false, err
	}
	k := edge(s, o)
	return fwd.Has(k[:]), nil
}

// Forward returns the (subject, object) tree, for page estimates. It aborts the message if
// the verb is retired.
func (v *Verb) Forward(tx *entity.Tx) *store.Tree { return tx.Must(tx.VarTree(v.name, forward, false)) }

// Reverse returns the (object, subject) tree, for page estimates. It aborts the message if
// the verb is retired.
func (v *Verb) Reverse(tx *entity.Tx) *store.Tree { return tx.Must(tx.VarTree(v.name, reverse, false)) }

// seconds iterates over the second IDs of the edges of t whose first ID is id.
func seconds(t *store.Tree, id entity.ID) iter.Seq[entity.ID] {
	return func(yield func(entity.ID) bool) { eachSecond(t, id, yield) }
}

// eachSecond calls yield with the second IDs of the edges of t whose first ID is id, in
// order, until it returns false. (A function of its own, not seconds' closure, so that the
// iterators over it stay small enough to inline and cost no allocation.)
func eachSecond(t *store.Tree, id entity.ID, yield func(entity.ID) bool) {
	lo, hi := entity.KeyRange(id)
	if !t.Layout().Fixed() {
		for k := range t.Ascend(lo, hi) {
			if !yield(entity.FromKey(k[8:])) {
				return
			}
		}
		return
	}
	// The edges of id, a packed run of each leaf at a time (Cursor.Run): the pages the
	// Ascend above reads, without its call per edge.
	const size = 2 * entity.KeySize
	cur := t.Cursor()
	_, _, ok := cur.Seek(lo)
	for ok {
		keys, _, n := cur.Run()
		j := 0
		for ; j < n; j++ {
			k := keys[j*size : (j+1)*size]
			if entity.FromKey(k) != id {
				return
			}
			second := entity.FromKey(k[entity.KeySize:])
			if !yield(second) {
				return
			}
			if !cur.InStep() {
				// yield changed the tree: go on from the next edge.
				if second == ^entity.ID(0) {
					return
				}
				next := entity.AppendKey(entity.AppendKey(make([]byte, 0, size), id), second+1)
				_, _, ok = cur.Seek(next)
				break
			}
		}
		if j == n {
			cur.Skip(n - 1)
			_, _, ok = cur.Next()
		}
	}
}

func bitmapOf(seq iter.Seq[entity.ID]) *roaring64.Bitmap {
	var buf [256]uint64
	b := idBatch{ids: buf[:0]}
	for id := range seq {
		b.add(uint64(id))
	}
	return b.bitmap()
}

// idBatch gathers IDs for a bitmap and adds them sorted, a batch at a time (AddMany): one
// Add per ID costs a container search each, about twice the sort of the few IDs of a hop.
// Its ids start in the caller's array, on the stack.
type idBatch struct {
	bm  *roaring64.Bitmap
	ids []uint64
}

// idBatchMax is the most IDs an idBatch holds before it adds them to its bitmap.
const idBatchMax = 4096

func (b *idBatch) add(id uint64) {
	if len(b.ids) == idBatchMax {
		b.flush()
	}
	b.ids = append(b.ids, id)
}

func (b *idBatch) flush() {
	if b.bm == nil {
		b.bm = roaring64.New()
	}
	slices.Sort(b.ids)
	b.bm.AddMany(slices.Compact(b.ids))
	b.ids = b.ids[:0]
}

// bitmap returns the IDs added.
func (b *idBatch) bitmap() *roaring64.Bitmap {
	b.flush()
	return b.bm
}

// Objects iterates over the objects of subject s in ID order. For d objects it touches
// about height + d / leaf-capacity pages of the forward tree. It aborts the message if the
// verb is retired.
func (v *Verb) Objects(tx *entity.Tx, s entity.ID) iter.Seq[entity.ID] {
	return func(yield func(entity.ID) bool) {
		for o := range seconds(v.Forward(tx), s) {
			if !yield(o) {
				return
			}
		}
	}
}

// Subjects iterates over the subjects of object o in ID order, from the reverse tree. It
// aborts the message if the verb is retired.
func (v *Verb) Subjects(tx *entity.Tx, o entity.ID) iter.Seq[entity.ID] {
	return func(yield func(entity.ID) bool) {
		for s := range seconds(v.Reverse(tx), o) {
			if !yield(s) {
				return
			}
		}
	}
}

// ObjectsBitmap returns the objects of subject s.
func (v *Verb) ObjectsBitmap(tx *entity.Tx, s entity.ID) *roaring64.Bitmap {
	return bitmapOf(v.Objects(tx, s))
}

// SubjectsBitmap returns the subjects of object o.
func (v *Verb) SubjectsBitmap(tx *entity.Tx, o entity.ID) *roaring64.Bitmap {
	return bitmapOf(v.Subjects(tx, o))
}

// ObjectsOf returns the union of the objects of the given subjects. It seeks once per
// subject, in ID order and forward only, so each leaf is read at most once. It aborts the
// message if the verb is retired.
func (v *Verb) ObjectsOf(tx *entity.Tx, subjects *roaring64.Bitmap) *roaring64.Bitmap {
	return follow(v.Forward(tx), subjects)
}

// SubjectsOf returns the union of the subjects of the given objects, as ObjectsOf does.
func (v *Verb) SubjectsOf(tx *entity.Tx, objects *roaring64.Bitmap) *roaring64.Bitmap {
	return follow(v.Reverse(tx), objects)
}

// AppendObjectsOf appends to dst the distinct objects of the given subjects, in ID order,
// and returns the extended slice: ObjectsOf for a set small enough to keep as a slice,
// which a caller can reuse from message to message, where a bitmap costs a container per
// 2^16 IDs it spans. The subjects may be in any order, and in dst's array (a walk's
// frontier replaced by the next: ids = AppendObjectsOf(tx, ids[:0], ids)). It reads the
// pages ObjectsOf reads. It aborts the message if the verb is retired.
func (v *Verb) AppendObjectsOf(tx *entity.Tx, dst, subjects []entity.ID) []entity.ID {
	return appendFollow(dst, v.Forward(tx), subjects)
}

// AppendSubjectsOf appends to dst the distinct subjects of the given objects, as
// AppendObjectsOf does.
func (v *Verb) AppendSubjectsOf(tx *entity.Tx, dst, objects []entity.ID) []entity.ID {
	return appendFollow(dst, v.Reverse(tx), objects)
}

// appendFollow appends to dst the distinct second IDs of the edges of t whose first ID is
// in ids, in order.
func appendFollow(dst []entity.ID, t *store.Tree, ids []entity.ID) []entity.ID {
	if !slices.IsSorted(ids) {
		// The prober moves forward only.
		ids = slices.Sorted(slices.Values(ids))
	} else if overlaps(dst[len(dst):cap(dst)], ids) {
		// The appends would overwrite IDs not yet read (ids = AppendObjectsOf(tx,
		// ids[:0], ids), a walk reusing its slice).
		ids = slices.Clone(ids)
	}
	n := len(dst)
	for k := range entity.EntriesOfIDs(t, ids, false) {
		dst = append(dst, entity.FromKey(k[entity.KeySize:]))
	}
	sortFew(dst[n:])
	return dst[:n+len(slices.Compact(dst[n:]))]
}

// overlaps reports whether a and b share an element of their arrays.
func overlaps(a, b []entity.ID) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, a1 := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&a[len(a)-1]))
	b0, b1 := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[len(b)-1]))
	return a0 <= b1 && b0 <= a1
}

// sortFew sorts ids, by insertion if they are few: the objects of a few subjects come as
// sorted runs, which insertion sorts in about half the time slices.Sort takes (25 IDs in 5
// runs: 280 ns against 570 ns), its loop mispredicting once per ID rather than per compare.
func sortFew(ids []entity.ID) {
	if len(ids) > 64 {
		slices.Sort(ids)
		return
	}
	for i := 1; i < len(ids); i++ {
		x, j := ids[i], i
		for ; j > 0 && ids[j-1] > x; j-- {
			ids[j] = ids[j-1]
		}
		ids[j] = x
	}
}

// follow returns the second IDs of the edges of t whose first ID is in ids.
func follow(t *store.Tree, ids *roaring64.Bitmap) *roaring64.Bitmap {
	var buf [256]uint64
	out := idBatch{ids: buf[:0]}
	for k := range entity.EntriesOf(t, ids, false) {
		out.add(uint64(entity.FromKey(k[entity.KeySize:])))
	}
	return out.bitmap()
}

// count returns the number of edges of t whose first ID is id.
func count(t *store.Tree, id entity.ID) uint64 {
	var n uint64
	for range seconds(t, id) {
		n++
	}
	return n
}

// OutDegree returns the number of objects of subject s. It reads the edges, about height +
// d / leaf-capacity pages.
func (v *Verb) OutDegree(tx *entity.Tx, s entity.ID) uint64 { return count(v.Forward(tx), s) }

// InDegree returns the number of subjects of object o.
func (v *Verb) InDegree(tx *entity.Tx, o entity.ID) uint64 { return count(v.Reverse(tx), o) }

// Len returns the number of edges, in O(1).
func (v *Verb) Len(tx *entity.Tx) uint64 { return v.Forward(tx).Len() }

// Counts returns the verb's edges, distinct subjects and distinct objects, in O(1) from the
// trees' descriptors. ok is false if the store does not keep the distinct counts for this
// verb (its edges were written by older code or bulk loaded): Recount restores them.
func (v *Verb) Counts(tx *entity.Tx) (edges, subjects, objects uint64, ok bool) {
	fwd, rev := v.Forward(tx), v.Reverse(tx)
	s, ok1 := fwd.Groups()
	o, ok2 := rev.Groups()
	return fwd.Len(), s, o, ok1 && ok2
}

// Recount counts the verb's distinct subjects and objects by reading both trees whole, and
// keeps them from then on (see Counts).
func (v *Verb) Recount(tx *entity.Tx) error {
	fwd, rev, err := v.trees(tx, true)
	if err != nil {
		return err
	}
	for _, t := range []*store.Tree{fwd, rev} {
		n, last := uint64(0), []byte(nil)
		for k := range t.All() {
			if last == nil || !bytes.Equal(k[:entity.KeySize], last) {
				n++
				last = append(last[:0], k[:entity.KeySize]...)
			}
		}
		if err := t.SetGroups(n); err != nil {
			return err
		}
	}
	return nil
}

// All iterates over every edge (subject, object) in subject, then object order.
func (v *Verb) All(tx *entity.Tx) iter.Seq2[entity.ID, entity.ID] {
	return func(yield func(entity.ID, entity.ID) bool) {
		for k := range v.Forward(tx).All() {
			if !yield(entity.FromKey(k), entity.FromKey(k[8:])) {
				return
			}
		}
	}
}

// deleteEntity removes every edge of id in the directions of held: those of the forward
// tree (id the subject) and of the reverse tree (id the object).
func (v *Verb) deleteEntity(tx *entity.Tx, fwd, rev *store.Tree, id entity.ID, held entity.Trees) error {
	for dir, d := range []struct{ from, to *store.Tree }{forward: {fwd, rev}, reverse: {rev, fwd}} {
		if !held.Has(dir) {
			continue
		}
		var others []entity.ID
		for o := range seconds(d.from, id) {
			others = append(others, o)
		}
		for _, o := range others {
			s, obj := id, o
			if dir == reverse {
				s, obj = o, id
			}
			if _, err := v.unlink(tx, fwd, rev, s, obj); err != nil {
				return err
			}
		}
	}
	return nil
}

func init() {
	entity.RegisterDeleter(store.RoleVerb, func(tx *entity.Tx, vr store.Var, trees []*store.Tree, id entity.ID, held entity.Trees) error {
		// Only the name matters here: a verb whose attributes this version cannot read is
		// cleaned all the same.
		v := &Verb{name: vr.Name}
		return v.deleteEntity(tx, trees[forward], trees[reverse], id, held)
	})
}
