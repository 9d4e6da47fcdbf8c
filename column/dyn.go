package column

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"
	"sort"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// Dyn is a column handled without its Go type: values are Values. Lookup finds one in the
// catalog; DefineDyn declares one; Column.Dyn gives the one behind a typed column.
type Dyn struct {
	name  string
	typ   Type
	cfg   config
	codec *codec
	fixed bool // the type has a fixed size
}

func newDyn(name string, t Type, c config, cd *codec) *Dyn {
	if c.state == 0 {
		c.state = store.Active
	}
	return &Dyn{name: name, typ: t, cfg: c, codec: cd, fixed: t.FixedSize() > 0}
}

// Lookup returns the column called name as the catalog holds it, for programs that do not
// declare it (the query engine, the CLI). It fails with ErrNoColumn if the catalog has no
// column of that name.
func Lookup(tx *entity.Tx, name string) (*Dyn, error) {
	return entity.LookupMember(tx, name, store.RoleColumn, fromVar, ErrNoColumn)
}

func fromVar(v store.Var) (*Dyn, error) {
	t, err := ParseType(v.Type)
	if err != nil {
		return nil, fmt.Errorf("%w: column %q: %w", store.ErrCorrupt, v.Name, err)
	}
	c, err := parseAttrs(v.Attrs)
	if err != nil {
		return nil, fmt.Errorf("%w: column %q: %w", store.ErrCorrupt, v.Name, err)
	}
	c.state, c.iri = v.State, v.IRI
	if len(v.Trees) != len(layouts(t, c)) {
		return nil, fmt.Errorf("%w: column %q has %d trees, its type wants %d", store.ErrCorrupt, v.Name, len(v.Trees), len(layouts(t, c)))
	}
	return newDyn(v.Name, t, c, newCodec(t)), nil
}

// Columns returns every column in the catalog, sorted by name, whatever its state. Columns
// whose definition this version cannot read are left out.
func Columns(tx *entity.Tx) []*Dyn { return entity.Members(tx, store.RoleColumn, fromVar) }

// DefineDyn declares a column of type t, as Define does for a Go type: for schemas that are
// data (a schema file, an importer). For string and bytes types, MaxLen may give the length
// that t lacks.
func DefineDyn(s *entity.Schema, name string, t Type, opts ...Option) *Dyn {
	c := configure(opts)
	return define(s, name, t, c, newCodec)
}

func configure(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return c
}

// define checks a definition, records an error in s or adds the column to it.
func define(s *entity.Schema, name string, t Type, c config, mk func(Type) *codec) *Dyn {
	if t.kind == String || t.kind == Bytes {
		switch {
		case t.n == 0:
			t.n = c.maxLen
		case c.maxLen != 0 && c.maxLen != t.n:
			s.Fail(fmt.Errorf("%w: column %q: type %s and MaxLen(%d) disagree", entity.ErrSchema, name, t, c.maxLen))
		}
		if t.n == 0 {
			s.Fail(fmt.Errorf("%w: column %q of %s needs column.MaxLen(n)", entity.ErrSchema, name, t.kind))
		}
	} else if c.maxLen != 0 {
		s.Fail(fmt.Errorf("%w: column %q: MaxLen is for string and []byte columns, not %s", entity.ErrSchema, name, t))
	}
	d := newDyn(name, t, c, nil)
	if t.n != 0 || t.kind != String && t.kind != Bytes {
		if err := check(t, c); err != nil {
			s.Fail(fmt.Errorf("%w: column %q: %w", entity.ErrSchema, name, err))
			return d
		}
		d.codec = mk(t)
		s.Add(d)
	}
	return d
}

// Name returns the column's name.
func (d *Dyn) Name() string { return d.name }

// Type returns the column's value type.
func (d *Dyn) Type() Type { return d.typ }

// Indexed reports whether the column has a value index.
func (d *Dyn) Indexed() bool { return d.cfg.indexed }

// Multi reports whether the column holds a set of values per entity.
func (d *Dyn) Multi() bool { return d.cfg.multi }

// State returns the column's state as declared, or as the catalog held it at Lookup.
func (d *Dyn) State() store.State { return d.cfg.state }

// IRI returns the IRI behind an imported column name, or "".
func (d *Dyn) IRI() string { return d.cfg.iri }

// Predicate returns the predicate and datatype IRIs of a column imported from RDF, whose IRI
// records them as predicate^^datatype (the datatype left out when it is the default of the
// column's type); both are "" for a column without an IRI. Columns of one predicate hold
// its values of different datatypes.
func (d *Dyn) Predicate() (pred, datatype string) {
	pred, datatype, _ = strings.Cut(d.cfg.iri, "^^")
	return pred, datatype
}

// String returns the column's name and type, as in "health int32 [indexed]".
func (d *Dyn) String() string {
	s := d.name + " " + d.typ.String()
	if a := d.cfg.attrs(); a != "" {
		s += " [" + a + "]"
	}
	return s
}

// Defs returns the column's catalog variable; it makes Dyn an entity.Member.
func (d *Dyn) Defs() []store.VarDef {
	return []store.VarDef{{
		Name: d.name, Role: store.RoleColumn, Type: d.typ.String(), Attrs: d.cfg.attrs(), IRI: d.cfg.iri,
		Trees: layouts(d.typ, d.cfg), State: d.cfg.state,
	}}
}

// Bind checks the column against an opened DB; it makes Dyn an entity.Member.
func (d *Dyn) Bind(db *entity.DB) error {
	return db.View(func(tx *entity.Tx) error {
		got, err := Lookup(tx, d.name)
		if err != nil {
			return err
		}
		if !got.typ.Equal(d.typ) || got.cfg.attrs() != d.cfg.attrs() {
			return fmt.Errorf("%w: column %q is %s in the store, declared %s", store.ErrIncompatibleSchema, d.name, got, d)
		}
		return nil
	})
}

// errorf wraps err with the column's name.
func (d *Dyn) errorf(err error) error { return fmt.Errorf("column %q: %w", d.name, err) }

// Convert returns v as a Value of the column's type: Go integers, floats, strings, byte
// slices, arrays and structs of the right shape are converted, with range checks. The error
// wraps ErrType, ErrRange, ErrTooLong or ErrNaN and names the column, the expected type and
// what was given.
func (d *Dyn) Convert(v any) (Value, error) {
	x, err := convert(d.typ, v)
	if err != nil {
		return nil, d.errorf(err)
	}
	return x, nil
}

// Encode returns the order-preserving encoding of v (see the package doc): for two values a
// and b of the column's type, bytes.Compare(Encode(a), Encode(b)) == Compare(a, b).
func (d *Dyn) Encode(v any) ([]byte, error) { return d.encode(nil, v) }

func (d *Dyn) encode(dst []byte, v any) ([]byte, error) {
	x, err := convert(d.typ, v)
	if err != nil {
		return nil, d.errorf(err)
	}
	b, err := encV(d.typ, dst, x)
	if err != nil {
		return nil, d.errorf(err)
	}
	return b, nil
}

// Decode returns the Value encoded in b.
func (d *Dyn) Decode(b []byte) (Value, error) {
	if f := d.typ.FixedSize(); f > 0 && len(b) != f || f == 0 && len(b) > d.typ.n {
		return nil, fmt.Errorf("column %q: %w: %d bytes do not encode a %s", d.name, store.ErrCorrupt, len(b), d.typ)
	}
	v, _ := decV(d.typ, b)
	return v, nil
}

func (d *Dyn) decode(b []byte) Value {
	v, _ := decV(d.typ, b)
	return v
}

// Compare orders two values of the column's type as the index does: -1, 0 or +1. Values
// that do not convert order after those that do.
func (d *Dyn) Compare(a, b Value) int {
	ea, erra := d.Encode(a)
	eb, errb := d.Encode(b)
	switch {
	case erra != nil && errb != nil:
		return 0
	case erra != nil:
		return 1
	case errb != nil:
		return -1
	}
	return bytes.Compare(ea, eb)
}

// --- trees ---

// trees opens the value tree and the index (nil if none) for reading or writing.
func (d *Dyn) trees(tx *entity.Tx, write bool) (t0, t1 *store.Tree, err error) {
	if write && !tx.Writable() {
		return nil, nil, d.errorf(store.ErrTxReadOnly)
	}
	if t0, err = tx.VarTree(d.name, 0, write); err != nil {
		return nil, nil, err
	}
	if d.cfg.indexed {
		if t1, err = tx.VarTree(d.name, 1, write); err != nil {
			return nil, nil, err
		}
	}
	return t0, t1, nil
}

// Tree returns the column's value tree, for page estimates. It aborts the message if the
// column is retired.
func (d *Dyn) Tree(tx *entity.Tx) *store.Tree { return tx.Must(tx.VarTree(d.name, 0, false)) }

// IndexTree returns the column's value index, or nil if it has none. It aborts the message
// if the column is retired.
func (d *Dyn) IndexTree(tx *entity.Tx) *store.Tree {
	if !d.cfg.indexed {
		return nil
	}
	return tx.Must(tx.VarTree(d.name, 1, false))
}

func (d *Dyn) index(tx *entity.Tx) (*store.Tree, error) {
	if !d.cfg.indexed {
		return nil, d.errorf(ErrNotIndexed)
	}
	return tx.VarTree(d.name, 1, false)
}

// --- writes on encoded values, shared by Dyn, Column and the entity deleter ---

// checkEntity fails unless id is a live entity, which the path of $holds that a first
// value updates may prove (entity.Tx.Holding).
func (d *Dyn) checkEntity(tx *entity.Tx, id entity.ID) error {
	if !tx.Holding(id) {
		return fmt.Errorf("column %q: set #%d: %w", d.name, id, entity.ErrNoEntity)
	}
	return nil
}

// setLive stores enc as id's value if id is a live entity, keeping the index and the
// holder record in step. A value already there proves the entity live (deleting an entity
// deletes its values); a first value costs the path of $holds that records it, which
// proves the entity live if it holds anything else, and a lookup in $kind otherwise.
func (d *Dyn) setLive(tx *entity.Tx, t0, t1 *store.Tree, id entity.ID, enc []byte) error {
	key := entity.Key(id)
	old, ok := t0.Get(key[:])
	if !ok {
		if err := d.checkEntity(tx, id); err != nil {
			return err
		}
	}
	if err := d.setOld(t0, t1, id, enc, old, ok); err != nil || ok {
		return err
	}
	return d.holds(tx, id, true)
}

// holds records in the holder record that the column holds a value of id, or no longer
// does.
func (d *Dyn) holds(tx *entity.Tx, id entity.ID, held bool) error {
	v, ok := tx.Var(d.name)
	if !ok {
		return fmt.Errorf("column %q: %w", d.name, ErrNoColumn)
	}
	return tx.SetHolds(v, 0, id, held)
}

// setOld stores enc as id's value, keeping the index in step, given id's value before
// (ok false: none), which the index needs.
func (d *Dyn) setOld(t0, t1 *store.Tree, id entity.ID, enc, old []byte, ok bool) error {
	key := entity.Key(id)
	if t1 != nil {
		if ok && bytes.Equal(old, enc) {
			return nil
		}
		var buf [64]byte
		if ok {
			if _, err := t1.Delete(indexKey(buf[:0], old, d.fixed, id)); err != nil {
				return err
			}
		}
		if _, err := t1.Put(indexKey(buf[:0], enc, d.fixed, id), nil); err != nil {
			return err
		}
	}
	_, err := t0.Put(key[:], enc)
	return err
}

// multiKey appends the key (id, value) of a Multi column's tree.
func multiKey(dst []byte, id entity.ID, enc []byte) []byte {
	return append(entity.AppendKey(dst, id), enc...)
}

// addEnc adds enc to id's values in a Multi column, recording id in the holder record if
// it is its first value.
func (d *Dyn) addEnc(tx *entity.Tx, t0, t1 *store.Tree, id entity.ID, enc []byte) error {
	var buf [64]byte
	k := multiKey(buf[:0], id, enc)
	if t0.Has(k) {
		return nil
	}
	if _, err := t0.Put(k, nil); err != nil {
		return err
	}
	if t1 != nil {
		if _, err := t1.Put(indexKey(nil, enc, d.fixed, id), nil); err != nil {
			return err
		}
	}
	if !tx.Recorded(id) || entity.ShareID(t0, k) {
		return nil
	}
	return d.holds(tx, id, true)
}

// removeEnc removes enc from id's values in a Multi column, and id from the holder record
// if it was its last value.
func (d *Dyn) removeEnc(tx *entity.Tx, t0, t1 *store.Tree, id entity.ID, enc []byte) (bool, error) {
	var buf [64]byte
	k := multiKey(buf[:0], id, enc)
	if !t0.Has(k) {
		return false, nil
	}
	last := tx.Recorded(id) && !entity.ShareID(t0, k)
	if _, err := t0.Delete(k); err != nil {
		return true, err
	}
	if t1 != nil {
		if _, err := t1.Delete(indexKey(nil, enc, d.fixed, id)); err != nil {
			return true, err
		}
	}
	if !last {
		return true, nil
	}
	return true, d.holds(tx, id, false)
}

// deleteID removes every value of id.
func (d *Dyn) deleteID(tx *entity.Tx, t0, t1 *store.Tree, id entity.ID) (bool, error) {
	key := entity.Key(id)
	if !d.cfg.multi {
		old, ok := t0.Get(key[:])
		if !ok {
			return false, nil
		}
		if t1 != nil {
			if _, err := t1.Delete(indexKey(nil, old, d.fixed, id)); err != nil {
				return true, err
			}
		}
		if _, err := t0.Delete(key[:]); err != nil {
			return true, err
		}
		return true, d.holds(tx, id, false)
	}
	lo, hi := entity.KeyRange(id)
	var encs [][]byte
	for k := range t0.Ascend(lo, hi) {
		encs = append(encs, append([]byte(nil), k[entity.KeySize:]...))
	}
	for _, enc := range encs {
		if _, err := d.removeEnc(tx, t0, t1, id, enc); err != nil {
			return true, err
		}
	}
	return len(encs) > 0, nil
}

func init() {
	entity.RegisterDeleter(store.RoleColumn, func(tx *entity.Tx, v store.Var, trees []*store.Tree, id entity.ID, _ entity.Trees) error {
		d, err := fromVar(v)
		if err != nil {
			return err
		}
		var t1 *store.Tree
		if d.cfg.indexed {
			t1 = trees[1]
		}
		_, err = d.deleteID(tx, trees[0], t1, id)
		return err
	})
}

// --- the dynamic API ---

func (d *Dyn) wantMulti(multi bool, op string) error {
	if d.cfg.multi != multi {
		if multi {
			return fmt.Errorf("column %q: %s: %w: the column is not Multi", d.name, op, ErrMulti)
		}
		return fmt.Errorf("column %q: %s: %w: the column is Multi (use Add, Remove, Values)", d.name, op, ErrMulti)
	}
	return nil
}

// Get returns the value of entity id. For a Multi column it fails with ErrMulti.
func (d *Dyn) Get(tx *entity.Tx, id entity.ID) (Value, bool, error) {
	if err := d.wantMulti(false, "Get"); err != nil {
		return nil, false, err
	}
	t0, err := tx.VarTree(d.name, 0, false)
	if err != nil {
		return nil, false, err
	}
	key := entity.Key(id)
	b, ok := t0.Get(key[:])
	if !ok {
		return nil, false, nil
	}
	return d.decode(b), true, nil
}

// Values returns the values of entity id in value order: all of them for a Multi column,
// the one value (if any) for a single-valued one.
func (d *Dyn) Values(tx *entity.Tx, id entity.ID) ([]Value, error) {
	if !d.cfg.multi {
		v, ok, err := d.Get(tx, id)
		if !ok || err != nil {
			return nil, err
		}
		return []Value{v}, nil
	}
	t0, err := tx.VarTree(d.name, 0, false)
	if err != nil {
		return nil, err
	}
	var out []Value
	lo, hi := entity.KeyRange(id)
	for k := range t0.Ascend(lo, hi) {
		out = append(out, d.decode(k[entity.KeySize:]))
	}
	return out, nil
}

// prepareWrite checks that op suits the column (multi-valued or not), opens its trees for
// writing and encodes v.
func (d *Dyn) prepareWrite(tx *entity.Tx, multi bool, op string, v any) (t0, t1 *store.Tree, enc []byte, err error) {
	if err := d.wantMulti(multi, op); err != nil {
		return nil, nil, nil, err
	}
	if t0, t1, err = d.trees(tx, true); err != nil {
		return nil, nil, nil, err
	}
	if enc, err = d.encode(nil, v); err != nil {
		return nil, nil, nil, err
	}
	return t0, t1, enc, nil
}

// Set gives entity id the value v, converted as by Convert. It fails, changing nothing, for
// a wrong type, a value too long, an entity that does not exist (entity.ErrNoEntity), a
// Multi column (ErrMulti), or a deprecated or retired column.
func (d *Dyn) Set(tx *entity.Tx, id entity.ID, v any) error {
	t0, t1, enc, err := d.prepareWrite(tx, false, "Set", v)
	if err != nil {
		return err
	}
	return d.setLive(tx, t0, t1, id, enc)
}

// Add adds v to the values of entity id in a Multi column; adding a value it has is a no-op.
func (d *Dyn) Add(tx *entity.Tx, id entity.ID, v any) error {
	t0, t1, enc, err := d.prepareWrite(tx, true, "Add", v)
	if err != nil {
		return err
	}
	if err := d.checkEntity(tx, id); err != nil {
		return err
	}
	return d.addEnc(tx, t0, t1, id, enc)
}

// Remove removes v from the values of entity id in a Multi column and reports whether it
// was there.
func (d *Dyn) Remove(tx *entity.Tx, id entity.ID, v any) (bool, error) {
	t0, t1, enc, err := d.prepareWrite(tx, true, "Remove", v)
	if err != nil {
		return false, err
	}
	return d.removeEnc(tx, t0, t1, id, enc)
}

// Delete removes every value of entity id and reports whether it had any.
func (d *Dyn) Delete(tx *entity.Tx, id entity.ID) (bool, error) {
	t0, t1, err := d.trees(tx, true)
	if err != nil {
		return false, err
	}
	return d.deleteID(tx, t0, t1, id)
}

// Has reports whether entity id has a value.
func (d *Dyn) Has(tx *entity.Tx, id entity.ID) (bool, error) {
	t0, err := tx.VarTree(d.name, 0, false)
	if err != nil {
		return false, err
	}
	key := entity.Key(id)
	if !d.cfg.multi {
		return t0.Has(key[:]), nil
	}
	k, _, ok := t0.Seek(key[:])
	return ok && bytes.HasPrefix(k, key[:]), nil
}

// HasValue reports whether entity id has the value v (for any column).
func (d *Dyn) HasValue(tx *entity.Tx, id entity.ID, v any) (bool, error) {
	enc, err := d.encode(nil, v)
	if err != nil {
		return false, err
	}
	t0, err := tx.VarTree(d.name, 0, false)
	if err != nil {
		return false, err
	}
	return d.hasEnc(t0, id, enc), nil
}

func (d *Dyn) hasEnc(t0 *store.Tree, id entity.ID, enc []byte) bool {
	if d.cfg.multi {
		var buf [64]byte
		return t0.Has(multiKey(buf[:0], id, enc))
	}
	key := entity.Key(id)
	b, ok := t0.Get(key[:])
	return ok && bytes.Equal(b, enc)
}

// Len returns the number of stored values in O(1): entities with a value for a
// single-valued column, (entity, value) pairs for a Multi one. It aborts the message if the
// column is retired.
func (d *Dyn) Len(tx *entity.Tx) uint64 { return d.Tree(tx).Len() }

// Scan iterates over the column in entity-ID order (a Multi column yields each of an
// entity's values in value order). It aborts the message if the column is retired.
func (d *Dyn) Scan(tx *entity.Tx) iter.Seq2[entity.ID, Value] { return d.ScanRange(tx, 0, 0) }

// ScanRange is Scan over the entities lo ≤ id < hi; hi == 0 means no upper limit.
func (d *Dyn) ScanRange(tx *entity.Tx, lo, hi entity.ID) iter.Seq2[entity.ID, Value] {
	return func(yield func(entity.ID, Value) bool) {
		for k, v := range scanRange(d.Tree(tx), lo, hi) {
			var x Value
			if d.cfg.multi {
				x = d.decode(k[entity.KeySize:])
			} else {
				x = d.decode(v)
			}
			if !yield(entity.FromKey(k), x) {
				return
			}
		}
	}
}

// scanRange iterates over the entries of the entities lo ≤ id < hi (hi 0: no limit) of a
// tree keyed by ID first.
func scanRange(t *store.Tree, lo, hi entity.ID) iter.Seq2[[]byte, []byte] {
	var l, h []byte
	if lo > 0 {
		k := entity.Key(lo)
		l = k[:]
	}
	if hi > 0 {
		k := entity.Key(hi)
		h = k[:]
	}
	return t.Ascend(l, h)
}

// --- index lookups ---

// bounds returns the index keys [lo, hi) of a value range.
func (d *Dyn) bounds(lo, hi Bound) (l, h []byte, err error) {
	key := func(b Bound, after bool) ([]byte, error) {
		enc, err := d.encode(nil, b.Value)
		if err != nil {
			return nil, err
		}
		k := indexValue(nil, enc, d.fixed)
		if after {
			k = append(k, afterValue...)
		}
		return k, nil
	}
	switch lo.Kind {
	case Inclusive, Exclusive:
		if l, err = key(lo, lo.Kind == Exclusive); err != nil {
			return nil, nil, err
		}
	}
	switch hi.Kind {
	case Inclusive, Exclusive:
		if h, err = key(hi, hi.Kind == Inclusive); err != nil {
			return nil, nil, err
		}
	}
	return l, h, nil
}

// indexRange returns the index tree and the keys that bound the values between lo and hi
// in it, or ErrNotIndexed for a column without an index.
func (d *Dyn) indexRange(tx *entity.Tx, lo, hi Bound) (t1 *store.Tree, l, h []byte, err error) {
	if t1, err = d.index(tx); err != nil {
		return nil, nil, nil, err
	}
	if l, h, err = d.bounds(lo, hi); err != nil {
		return nil, nil, nil, err
	}
	return t1, l, h, nil
}

// Equal returns the entities whose value (any of whose values, for Multi) equals v, from
// the index. It fails with ErrNotIndexed for a column without an index.
func (d *Dyn) Equal(tx *entity.Tx, v any) (*roaring64.Bitmap, error) {
	return d.Range(tx, Incl(v), Incl(v))
}

// Range returns the entities with a value between lo and hi, from the index. It fails with
// ErrNotIndexed for a column without an index. It reads the pages RangeIDs reads, taking
// the IDs of an index of fixed-size values from each leaf's packed keys in one loop.
func (d *Dyn) Range(tx *entity.Tx, lo, hi Bound) (*roaring64.Bitmap, error) {
	t1, l, h, err := d.indexRange(tx, lo, hi)
	if err != nil {
		return nil, err
	}
	var ids entity.IDs // ascending runs, one per value
	var batch [256]uint64
	c := t1.Cursor()
	for k, _, ok := c.Seek(l); ok; k, _, ok = c.Next() {
		keys, _, n := c.Run()
		if n == 0 { // keys of different lengths: one at a time
			if h != nil && bytes.Compare(k, h) >= 0 {
				break
			}
			ids.Add(uint64(entity.FromKey(k[len(k)-entity.KeySize:])))
			continue
		}
		ks := len(keys) / n
		key := func(i int) []byte { return keys[i*ks : (i+1)*ks] }
		end := n
		if h != nil && bytes.Compare(key(n-1), h) >= 0 {
			// The range ends in this leaf, as a scan's does: the next one is not read.
			end = sort.Search(n, func(i int) bool { return bytes.Compare(key(i), h) >= 0 })
		}
		for i := 0; i < end; {
			m := min(end-i, len(batch))
			for j := range m {
				batch[j] = binary.BigEndian.Uint64(keys[(i+j+1)*ks-entity.KeySize:])
			}
			ids.AddBatch(batch[:m])
			i += m
		}
		if end < n {
			break
		}
		c.Skip(n - 1) // to the leaf's last key: Next moves to the next leaf
	}
	return ids.Bitmap(), nil
}

// ByValue iterates in value order (descending if desc) over the index entries between lo
// and hi; entities with equal values come in ID order (reversed if desc). A Multi column
// yields an entity once for each of its values in the range. It fails with ErrNotIndexed
// for a column without an index.
func (d *Dyn) ByValue(tx *entity.Tx, lo, hi Bound, desc bool) (iter.Seq2[entity.ID, Value], error) {
	t1, l, h, err := d.indexRange(tx, lo, hi)
	if err != nil {
		return nil, err
	}
	seq := t1.Ascend(l, h)
	if desc {
		seq = t1.Descend(l, h)
	}
	return func(yield func(entity.ID, Value) bool) {
		for k := range seq {
			enc, id := splitIndexKey(k, d.fixed)
			if !yield(id, d.decode(enc)) {
				return
			}
		}
	}, nil
}

// Filter returns the entities of ids that have a value (for Multi: any value) for which
// pred holds (a nil pred: that have a value). It probes the column in ID order, moving
// forward only, so each leaf is read at most once. It aborts the message if the column is
// retired.
func (d *Dyn) Filter(tx *entity.Tx, ids *roaring64.Bitmap, pred func(Value) bool) *roaring64.Bitmap {
	if pred == nil {
		return d.FilterMatch(tx, ids, nil)
	}
	var out entity.IDs
	var last entity.ID
	for id, v := range d.Gather(tx, ids) {
		if id == last && d.cfg.multi {
			continue
		}
		if pred(v) {
			out.Add(uint64(id))
			last = id
		}
	}
	return out.Bitmap()
}

// Gather iterates in ID order over the values of the entities of ids that have one (each
// value, for Multi), with forward-only probes as Filter: how a query reads the selected
// columns of its result. It aborts the message if the column is retired.
func (d *Dyn) Gather(tx *entity.Tx, ids *roaring64.Bitmap) iter.Seq2[entity.ID, Value] {
	return func(yield func(entity.ID, Value) bool) {
		for k, v := range entity.EntriesOf(d.Tree(tx), ids, !d.cfg.multi) {
			if d.cfg.multi {
				v = k[entity.KeySize:]
			}
			if !yield(entity.FromKey(k), d.decode(v)) {
				return
			}
		}
	}
}
