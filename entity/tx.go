package entity

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/stablegraph/stablegraph/store"
)

// Tx is one message over a DB. Besides entities, kinds and IRIs, it offers what the
// column, verb and query layers build on: the catalog's variables by name (Var, Vars,
// CreateVar, SetVarState, DropVar), their trees (VarTree), the message's page counts
// (Stats) and the store's integrity check (CheckStore). It offers no raw page, allocator
// or tree-descriptor access; StoreTx is the one way down to the store's message.
//
// A Tx belongs to the goroutine running the message function and ends with it. Trees,
// cursors and the slices they return are valid only until the message ends.
type Tx struct {
	stx *store.Tx
	db  *DB
	err error // set by Abort: the message fails even if fn recovers and returns nil
	// kinds holds the kinds a writing message found in its own catalog; the DB learns them
	// only when the message commits (DB.UpdateWith), so that a rolled-back message leaves
	// no kind behind.
	kinds *kindCache
}

// StoreTx returns the store's message under tx: the escape hatch for tools that work
// below the entity layer, with trees by reference, raw pages, the allocator or the
// superblock's root slots. Writes through it bypass what the entity layer keeps
// consistent (a kind's members and $kind, IRIs and their index, columns and their
// indexes, both trees of a verb); use the entity, column and verb APIs for data.
func (tx *Tx) StoreTx() *store.Tx { return tx.stx }

// DB returns the DB the message runs on.
func (tx *Tx) DB() *DB { return tx.db }

// Writable reports whether the message is an Update.
func (tx *Tx) Writable() bool { return tx.stx.Writable() }

// Stats returns the pages the message has read and dirtied so far.
func (tx *Tx) Stats() store.Stats { return tx.stx.Stats() }

// Var returns the catalog variable called name as this message sees it: the committed
// catalog and the message's own changes.
func (tx *Tx) Var(name string) (store.Var, bool) { return tx.stx.Var(name) }

// Vars returns every catalog variable, sorted by name.
func (tx *Tx) Vars() []store.Var { return tx.stx.Vars() }

// VarTree opens tree i of the variable called name, for reading or, with write, for
// writing; see store.Tx.VarTree for the errors of a retired or deprecated variable.
func (tx *Tx) VarTree(name string, i int, write bool) (*store.Tree, error) {
	return tx.stx.VarTree(name, i, write)
}

// CatalogGeneration returns the generation of the committed catalog, which changes when a
// message that changes the catalog commits; see store.Tx.CatalogGeneration.
func (tx *Tx) CatalogGeneration() uint64 { return tx.stx.CatalogGeneration() }

// CreateVar adds a variable to the catalog, with empty trees: how an importer adds the
// kinds, columns and verbs its data needs (from the Defs of a kind, column or verb of a
// scratch Schema).
func (tx *Tx) CreateVar(def store.VarDef) (store.Var, error) { return tx.stx.CreateVar(def) }

// SetVarState moves the variable called name one step along active ↔ deprecated ↔ retired.
func (tx *Tx) SetVarState(name string, st store.State) error { return tx.stx.SetVarState(name, st) }

// DropVar frees the pages of the retired variable called name and removes it from the
// catalog. A column or verb leaves the holder record too, which reads every page of
// $holds: its catalog ID may go to a variable made later. A refused drop (a variable not
// retired) leaves the record as it was.
func (tx *Tx) DropVar(name string) error {
	v, ok := tx.stx.Var(name)
	if err := tx.stx.DropVar(name); err != nil {
		return err
	}
	if ok && (v.Role == store.RoleColumn || v.Role == store.RoleVerb) {
		return tx.forgetHolds(v)
	}
	return nil
}

// CheckStore verifies the whole store (see store.Tx.CheckStore) and returns an error
// wrapping store.ErrCorrupt that names the page and the problem.
func (tx *Tx) CheckStore() error { return tx.stx.CheckStore() }

// Abort ends the message with err: it unwinds to Update or View, which roll the message back
// and return err, as a trap does. Reads whose results have no error (iterators, bitmaps,
// counts) use it to report a retired variable. A nil err still fails the message, with
// ErrNilAbort: a message that was cut short must not read as done.
func (tx *Tx) Abort(err error) {
	if err == nil {
		err = ErrNilAbort
	}
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
// held is the set of v's trees whose keys begin with id and that hold it, from the holder
// record (AllTrees for an entity the record does not cover): a deleter need not look in
// the others.
type DeleteFunc func(tx *Tx, v store.Var, trees []*store.Tree, id ID, held Trees) error

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

// Kind returns the kind called name as the message sees the catalog, declared or not.
func (tx *Tx) Kind(name string) (*Kind, bool) {
	v, ok := tx.stx.Var(name)
	if !ok || v.Role != store.RoleKind {
		return nil, false
	}
	return tx.kindOf(v), true
}

// Kinds returns every kind in the catalog, in every lifecycle state, sorted by name.
func (tx *Tx) Kinds() []*Kind {
	var out []*Kind
	for _, v := range tx.stx.Vars() { // sorted by name
		if v.Role == store.RoleKind {
			out = append(out, tx.kindOf(v))
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

// Exister returns Exists for the checks of a bulk write, asked in ascending ID order: one
// cursor goes through $kind, so IDs in the same leaf cost a search of that leaf, not a
// lookup from the root.
func (tx *Tx) Exister() func(ID) bool {
	c := tx.sys(VarKind, 0).Cursor()
	return func(id ID) bool {
		if id == 0 {
			return false
		}
		key := Key(id)
		k, _, ok, in := c.SeekInLeaf(key[:])
		if !in {
			k, _, ok = c.Seek(key[:])
		}
		return ok && bytes.Equal(k, key[:])
	}
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

// KindsOf returns every kind entity id is a member of, sorted by name: its own kind and
// those Kind.Add added it to; none for an entity that does not exist.
func (tx *Tx) KindsOf(id ID) []*Kind {
	own, err := tx.KindOf(id)
	if err != nil {
		return nil
	}
	out := []*Kind{own}
	for _, vid := range tx.otherKinds(id) {
		if k, ok := tx.kindByVarID(vid); ok {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b *Kind) int { return strings.Compare(a.name, b.name) })
	return out
}

// KindOf returns the kind of entity id (the one in its URI), or an error wrapping
// ErrNoEntity.
func (tx *Tx) KindOf(id ID) (*Kind, error) {
	vid, ok := tx.kindVarID(id)
	if !ok {
		return nil, fmt.Errorf("entity #%d: %w", id, ErrNoEntity)
	}
	k, ok := tx.kindByVarID(vid)
	if !ok {
		return nil, fmt.Errorf("%w: entity #%d has kind variable %d, which the catalog lacks", store.ErrCorrupt, id, vid)
	}
	return k, nil
}

// Delete removes entity id: from its kind and every other kind it is a member of, from
// every column and every verb of the store
// (both directions), and its IRI, all in this message. Its ID is never handed out again. It
// fails with ErrNoEntity for an unknown or deleted entity, and with the store's ErrReadOnly
// or ErrRetired if its kind is deprecated or retired. Columns and verbs are cleaned in every
// lifecycle state: a dead entity leaves nothing behind for an older version of the program
// to find. It reads the entity's keys in the holder record ($holds, one path) and touches
// only the trees that hold the entity, and the member trees of the kinds it is a member of
// besides its own, dirtying the leaves that held it. An entity the holder record does not
// cover (made before the store had one) costs a probe of every column tree and both trees
// of every verb instead, about the sum of their heights in pages.
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
	vars := tx.stx.Vars()
	held := map[uint32]Trees(nil)
	if tx.Recorded(id) {
		if held, err = tx.holders(id); err != nil {
			return fmt.Errorf("delete #%d: %w", id, err)
		}
	}
	deletersMu.RLock()
	type job struct {
		v    store.Var
		fn   DeleteFunc
		held Trees
	}
	var jobs []job
	for _, v := range vars {
		if v.Role != store.RoleColumn && v.Role != store.RoleVerb {
			continue
		}
		h := AllTrees
		if held != nil {
			var ok bool
			if h, ok = held[v.ID]; !ok {
				continue
			}
			delete(held, v.ID)
		}
		fn, ok := deleters[v.Role]
		if !ok {
			deletersMu.RUnlock()
			return fmt.Errorf("delete #%d: %s %q: %w %s", id, v.Role, v.Name, ErrNoDeleter, v.Role)
		}
		jobs = append(jobs, job{v, fn, h})
	}
	deletersMu.RUnlock()
	key := Key(id)
	if _, err := kt.Delete(key[:]); err != nil {
		return err
	}
	// The other kinds it is a member of, in every lifecycle state, as for columns.
	if others := tx.otherKinds(id); len(others) > 0 {
		byID := map[uint32]store.Var{}
		for _, v := range vars {
			byID[v.ID] = v
		}
		kinds := tx.Must(tx.VarTree(VarKinds, 0, true))
		for _, vid := range others {
			if v, ok := byID[vid]; ok && v.Role == store.RoleKind {
				trees, err := tx.allTrees(v)
				if err != nil {
					return fmt.Errorf("delete #%d: %w", id, err)
				}
				if _, err := trees[0].Delete(key[:]); err != nil {
					return fmt.Errorf("delete #%d: kind %q: %w", id, v.Name, err)
				}
			}
			if _, err := kinds.Delete(binary.BigEndian.AppendUint32(key[:], vid)); err != nil {
				return err
			}
		}
	}
	if _, err := tx.Must(tx.VarTree(VarKind, 0, true)).Delete(key[:]); err != nil {
		return err
	}
	if err := tx.clearIRI(id); err != nil {
		return err
	}
	for _, j := range jobs {
		trees, err := tx.allTrees(j.v)
		if err != nil {
			return fmt.Errorf("delete #%d: %w", id, err)
		}
		if err := j.fn(tx, j.v, trees, id, j.held); err != nil {
			return fmt.Errorf("delete #%d: %s %q: %w", id, j.v.Role, j.v.Name, err)
		}
	}
	// The deleters emptied the entity's entry; what could be left names variables
	// dropped since, which hold nothing.
	if held != nil {
		if _, err := tx.Must(tx.VarTree(VarHolds, 0, true)).Delete(key[:]); err != nil {
			return err
		}
	}
	return nil
}

// allTrees opens every tree of v, whatever its lifecycle state (VarTree refuses a retired
// variable's), for what must reach every variable: Delete and Check.
func (tx *Tx) allTrees(v store.Var) ([]*store.Tree, error) {
	trees := make([]*store.Tree, len(v.Refs))
	for i, ref := range v.Refs {
		t, err := tx.stx.OpenTree(ref, v.Name)
		if err != nil {
			return nil, fmt.Errorf("%s %q tree %d: %w", v.Role, v.Name, i, err)
		}
		trees[i] = t
	}
	return trees, nil
}

// nextID hands out a fresh entity ID.
func (tx *Tx) nextID() ID {
	id := tx.stx.Raw().Root(RootNextID) + 1
	tx.stx.Raw().SetRoot(RootNextID, id)
	return ID(id)
}

// LastID returns the largest ID handed out so far (0 in a new store).
func (tx *Tx) LastID() ID { return ID(tx.stx.Raw().Root(RootNextID)) }
