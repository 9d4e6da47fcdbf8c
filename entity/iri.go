package entity

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/uri"
)

// URI returns the URI of entity id: ic://<scope>/<kind>/<id>. It fails with ErrScope if the
// store has no scope, and with ErrNoEntity for an unknown or deleted entity.
func (tx *Tx) URI(id ID) (uri.EntityURI, error) {
	k, err := tx.KindOf(id)
	if err != nil {
		return uri.EntityURI{}, err
	}
	if tx.db.scope.IsZero() {
		return uri.EntityURI{}, fmt.Errorf("URI of #%d: %w: the store has no scope (give one in Options.Scope)", id, ErrScope)
	}
	return uri.EntityURI{Scope: tx.db.scope, Kind: k.name, ID: uint64(id)}, nil
}

// Resolve returns the live entity that r names. An absolute r must carry the store's scope
// (ErrScope otherwise); a kind in r must be the entity's kind or one it is a member of
// (ErrWrongKind otherwise, or ErrNoKind for a kind the store lacks).
func (tx *Tx) Resolve(r uri.Ref) (ID, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	if r.IsAbsolute() && r.Scope != tx.db.scope {
		return 0, fmt.Errorf("%s: %w: this store is %s", r, ErrScope, scopeText(tx.db.scope))
	}
	id := ID(r.ID)
	k, err := tx.KindOf(id)
	if err != nil {
		if r.Kind != "" {
			if _, ok := tx.Kind(r.Kind); !ok {
				return 0, fmt.Errorf("%s: kind %q: %w", r, r.Kind, ErrNoKind)
			}
		}
		return 0, fmt.Errorf("%s: %w", r, err)
	}
	if r.Kind != "" && r.Kind != k.name {
		rk, ok := tx.Kind(r.Kind)
		if !ok {
			return 0, fmt.Errorf("%s: kind %q: %w", r, r.Kind, ErrNoKind)
		}
		if t, err := tx.VarTree(rk.name, 0, false); err == nil {
			if key := Key(id); t.Has(key[:]) {
				return id, nil // a member of that kind too
			}
		}
		return 0, fmt.Errorf("%s: %w: #%d is of kind %s", r, ErrWrongKind, id, k.name)
	}
	return id, nil
}

func scopeText(s uri.Scope) string {
	if s.IsZero() {
		return "without a scope"
	}
	return s.String()
}

// SetIRI gives entity id the external IRI iri (at most MaxIRI bytes), replacing any IRI it
// had. It fails with ErrIRITaken if another entity carries iri.
func (tx *Tx) SetIRI(id ID, iri string) error {
	if iri == "" || len(iri) > MaxIRI {
		return fmt.Errorf("%w: %d bytes, want 1 to %d", ErrIRI, len(iri), MaxIRI)
	}
	if !tx.Exists(id) {
		return fmt.Errorf("set IRI of #%d: %w", id, ErrNoEntity)
	}
	fwd := tx.Must(tx.VarTree(VarIRI, 0, true))
	idx := tx.Must(tx.VarTree(VarIRI, 1, true))
	if v, ok := idx.Get([]byte(iri)); ok {
		if other := FromKey(v); other != id {
			return fmt.Errorf("set IRI of #%d: %w: <%s> is #%d's", id, ErrIRITaken, iri, other)
		}
		return nil
	}
	if err := tx.clearIRI(id); err != nil {
		return err
	}
	key := Key(id)
	if _, err := fwd.Put(key[:], []byte(iri)); err != nil {
		return err
	}
	_, err := idx.Put([]byte(iri), key[:])
	return err
}

// SetIRIs gives entity ids[i] the IRI iris[i], as SetIRI one at a time would; the IDs must
// be ascending. With an error, it returns the index of the entry the error is about, and
// the message should fail: the entries before it may be written or not. Entities past the
// last one with an IRI (new entities) are written in bulk: appended to the ID → IRI tree
// (full leaves; an empty one built bottom up), and put into the IRI index in IRI order (an
// empty one built bottom up), each page of it written once per call however many of its
// IRIs the call brings.
func (tx *Tx) SetIRIs(ids []ID, iris []string) (int, error) {
	if len(ids) != len(iris) {
		return 0, fmt.Errorf("set IRIs: %d entities, %d IRIs", len(ids), len(iris))
	}
	fwd := tx.Must(tx.VarTree(VarIRI, 0, true))
	idx := tx.Must(tx.VarTree(VarIRI, 1, true))
	if last, _, ok := fwd.Last(); len(ids) == 0 || ok && ids[0] <= FromKey(last) {
		for i, id := range ids {
			if err := tx.SetIRI(id, iris[i]); err != nil {
				return i, err
			}
		}
		return len(ids), nil
	}
	// The first refusal SetIRI one at a time would meet, by index.
	at, fault := len(ids), error(nil)
	refuse := func(i int, err error) {
		if i < at {
			at, fault = i, err
		}
	}
	exists := tx.Exister()
	for i, id := range ids {
		switch iri := iris[i]; {
		case i > 0 && id <= ids[i-1]:
			refuse(i, fmt.Errorf("set IRIs: entry %d, #%d, is not after #%d", i, id, ids[i-1]))
		case iri == "" || len(iri) > MaxIRI:
			refuse(i, fmt.Errorf("%w: %d bytes, want 1 to %d", ErrIRI, len(iri), MaxIRI))
		case !exists(id):
			refuse(i, fmt.Errorf("set IRI of #%d: %w", id, ErrNoEntity))
		}
		if i >= at {
			break
		}
	}
	order := make([]int, at)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Or(strings.Compare(iris[a], iris[b]), cmp.Compare(a, b)) })
	for j, i := range order {
		if j > 0 && iris[order[j-1]] == iris[i] {
			refuse(i, fmt.Errorf("set IRI of #%d: %w: <%s> is #%d's", ids[i], ErrIRITaken, iris[i], ids[order[j-1]]))
		} else if v, ok := idx.Get([]byte(iris[i])); ok {
			refuse(i, fmt.Errorf("set IRI of #%d: %w: <%s> is #%d's", ids[i], ErrIRITaken, iris[i], FromKey(v)))
		}
	}
	if fault != nil {
		return at, fault
	}
	if _, err := fwd.BulkLoad(func(yield func([]byte, []byte) bool) {
		for i, id := range ids {
			k := Key(id)
			if !yield(k[:], []byte(iris[i])) {
				return
			}
		}
	}); err != nil {
		return 0, err
	}
	if idx.Len() == 0 {
		_, err := idx.BulkLoad(func(yield func([]byte, []byte) bool) {
			for _, i := range order {
				k := Key(ids[i])
				if !yield([]byte(iris[i]), k[:]) {
					return
				}
			}
		})
		return len(ids), err
	}
	for _, i := range order {
		k := Key(ids[i])
		if _, err := idx.Put([]byte(iris[i]), k[:]); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// clearIRI removes id's IRI, if it has one.
func (tx *Tx) clearIRI(id ID) error {
	fwd := tx.Must(tx.VarTree(VarIRI, 0, true))
	key := Key(id)
	old, ok := fwd.Get(key[:])
	if !ok {
		return nil
	}
	old = append([]byte(nil), old...)
	if _, err := fwd.Delete(key[:]); err != nil {
		return err
	}
	_, err := tx.Must(tx.VarTree(VarIRI, 1, true)).Delete(old)
	return err
}

// IRI returns the external IRI of entity id, if it has one.
func (tx *Tx) IRI(id ID) (string, bool) {
	key := Key(id)
	v, ok := tx.sys(VarIRI, 0).Get(key[:])
	return string(v), ok
}

// ByIRI returns the entity that carries the external IRI iri.
func (tx *Tx) ByIRI(iri string) (ID, bool) {
	if iri == "" || len(iri) > MaxIRI {
		return 0, false
	}
	v, ok := tx.sys(VarIRI, 1).Get([]byte(iri))
	if !ok {
		return 0, false
	}
	return FromKey(v), true
}

// Intern returns the entity of kind k that carries the IRI iri, creating it if no entity
// does: the way an importer maps an external node to a local entity. It fails with
// ErrWrongKind if the IRI belongs to an entity of another kind.
func (k *Kind) Intern(tx *Tx, iri string) (ID, error) {
	if id, ok := tx.ByIRI(iri); ok {
		if kk, err := tx.KindOf(id); err != nil {
			return 0, err
		} else if kk.name != k.name {
			return 0, fmt.Errorf("<%s>: %w: #%d is of kind %s, not %s", iri, ErrWrongKind, id, kk.name, k.name)
		}
		return id, nil
	}
	if iri == "" || len(iri) > MaxIRI {
		return 0, fmt.Errorf("%w: %d bytes, want 1 to %d", ErrIRI, len(iri), MaxIRI)
	}
	id, err := k.New(tx)
	if err != nil {
		return 0, err
	}
	return id, tx.SetIRI(id, iri)
}

// BlankLabel returns the blank-node label of entity id, _:b<id>: how RDF names an entity
// without an external IRI (export writes it so, and queries select it as its IRI).
func BlankLabel(id ID) string { return "_:b" + strconv.FormatUint(uint64(id), 10) }

// ParseBlankLabel returns the entity a blank-node label _:b<id> names, as BlankLabel
// writes it (decimal, no leading zeros).
func ParseBlankLabel(s string) (ID, bool) {
	rest, ok := strings.CutPrefix(s, "_:b")
	if !ok || rest == "" || rest[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 10, 64)
	if err != nil {
		return 0, false
	}
	return ID(n), true
}
