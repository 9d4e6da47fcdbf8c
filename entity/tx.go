package entity

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/stablegraph/stablegraph/store"
)

// Tx is one message over a DB. It embeds the store's Tx, so Stats, Var, Vars, VarTree,
// SetVarState, DropVar and CheckStore are at hand.
type Tx struct {
	*store.Tx
	db  *DB
	err error // set by Abort: the message fails even if fn recovers and returns nil
}

// DB returns the DB the message runs on.
func (tx *Tx) DB() *DB { return tx.db }

// Abort ends the message with err: it unwinds to Update or View, which roll the message back
// and return err, as a trap does. Reads whose results have no error (iterators, bitmaps,
// counts) use it to report a retired variable.
func (tx *Tx) Abort(err error) {
	if tx.err == nil {
		tx.err = err
	}
	panic(abort{err})
}

// Must returns t, or aborts the message with err if err is not nil.
func (tx *Tx) Must(t *store.Tree, err error) *store.Tree {
	if err != nil {
		tx.Abort(err)
	}
	return t
}

// DeleteFunc removes entity id from variable v, whose trees (in VarDef order) are opened
// for writing whatever v's lifecycle state: a dead entity is removed from every variable.
type DeleteFunc func(tx *Tx, v store.Var, trees []*store.Tree, id ID) error

var (
	deletersMu sync.RWMutex
	deleters   = map[store.Role]DeleteFunc{}
)

// RegisterDeleter makes Delete call fn for every catalog variable of the given role. The
// column and verb packages register themselves in init, so Delete reaches every column and
// verb of the store, including those the running program does not declare.
func RegisterDeleter(role store.Role, fn DeleteFunc) {
	deletersMu.Lock()
	defer deletersMu.Unlock()
	deleters[role] = fn
}

// Kind returns the kind called name, declared or found in the catalog.
func (tx *Tx) Kind(name string) (*Kind, bool) { return tx.db.kind(tx.Tx, name) }

// Kinds returns every kind in the catalog, in every lifecycle state, sorted by name.
func (tx *Tx) Kinds() []*Kind {
	var out []*Kind
	for _, v := range tx.Vars() { // sorted by name
		if v.Role == store.RoleKind {
			if k, ok := tx.db.kind(tx.Tx, v.Name); ok {
				out = append(out, k)
			}
		}
	}
	return out
}

// Exists reports whether id is a live entity. It touches the pages of one lookup in $kind.
func (tx *Tx) Exists(id ID) bool {
	if id == 0 {
		return false
	}
	k := Key(id)
	return tx.sys(VarKind, 0).Has(k[:])
}

// sys opens tree i of an internal variable.
func (tx *Tx) sys(name string, i int) *store.Tree {
	return tx.Must(tx.VarTree(name, i, false))
}

// kindVarID returns the catalog ID of id's kind.
func (tx *Tx) kindVarID(id ID) (uint32, bool) {
	k := Key(id)
	v, ok := tx.sys(VarKind, 0).Get(k[:])
	if !ok || id == 0 {
		return 0, false
	}
	return binary.BigEndian.Uint32(v), true
}

// KindOf returns the kind of entity id, or an error wrapping ErrNoEntity.
func (tx *Tx) KindOf(id ID) (*Kind, error) {
	vid, ok := tx.kindVarID(id)
	if !ok {
		return nil, fmt.Errorf("entity #%d: %w", id, ErrNoEntity)
	}
	k, ok := tx.db.kindByVarID(tx.Tx, vid)
	if !ok {
		return nil, fmt.Errorf("%w: entity #%d has kind variable %d, which the catalog lacks", store.ErrCorrupt, id, vid)
	}
	return k, nil
}

// Delete removes entity id: from its kind, from every column and every verb of the store
// (both directions), and its IRI, all in this message. Its ID is never handed out again. It
// fails with ErrNoEntity for an unknown or deleted entity, and with the store's ErrReadOnly
// or ErrRetired if its kind is deprecated or retired. Columns and verbs are cleaned in every
// lifecycle state: a dead entity leaves nothing behind for an older version of the program
// to find. It probes every column tree and both trees of every verb, about the sum of their
// heights in pages, and dirties the leaves that held the entity.
func (tx *Tx) Delete(id ID) error {
	k, err := tx.KindOf(id)
	if err != nil {
		return err
	}
	kt, err := tx.VarTree(k.name, 0, true)
	if err != nil {
		return fmt.Errorf("delete #%d: %w", id, err)
	}
	// Find every variable to clean, and its deleter, before the first write.
	deletersMu.RLock()
	type job struct {
		v  store.Var
		fn DeleteFunc
	}
	var jobs []job
	for _, v := range tx.Vars() {
		if v.Role != store.RoleColumn && v.Role != store.RoleVerb {
			continue
		}
		fn, ok := deleters[v.Role]
		if !ok {
			deletersMu.RUnlock()
			return fmt.Errorf("delete #%d: %s %q: %w %s", id, v.Role, v.Name, ErrNoDeleter, v.Role)
		}
		jobs = append(jobs, job{v, fn})
	}
	deletersMu.RUnlock()
	key := Key(id)
	if _, err := kt.Delete(key[:]); err != nil {
		return err
	}
	if _, err := tx.Must(tx.VarTree(VarKind, 0, true)).Delete(key[:]); err != nil {
		return err
	}
	if err := tx.clearIRI(id); err != nil {
		return err
	}
	for _, j := range jobs {
		trees := make([]*store.Tree, len(j.v.Refs))
		for i, ref := range j.v.Refs {
			if trees[i], err = tx.OpenTree(ref, j.v.Name); err != nil {
				return fmt.Errorf("delete #%d: %s %q: %w", id, j.v.Role, j.v.Name, err)
			}
		}
		if err := j.fn(tx, j.v, trees, id); err != nil {
			return fmt.Errorf("delete #%d: %s %q: %w", id, j.v.Role, j.v.Name, err)
		}
	}
	return nil
}

// nextID hands out a fresh entity ID.
func (tx *Tx) nextID() ID {
	id := tx.Raw().Root(RootNextID) + 1
	tx.Raw().SetRoot(RootNextID, id)
	return ID(id)
}

// LastID returns the largest ID handed out so far (0 in a new store).
func (tx *Tx) LastID() ID { return ID(tx.Raw().Root(RootNextID)) }
