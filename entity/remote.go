package entity

import (
	"fmt"
	"iter"

	"github.com/stablegraph/stablegraph/store"
)

// Stand-ins and intents: what a store of a cluster keeps of an edge whose other end lives
// in another store (package cluster). Both are made on first use, so a store that never
// holds such an edge has neither.
const (
	// KindRemote is the reserved kind of stand-ins: a local entity standing for an entity
	// of another store, whose IRI is that entity's ic:// URI. A verb's trees hold IDs of
	// their own store, so an edge to a remote entity is an edge to its stand-in. Its name
	// starts with '$', which no declared kind may, so it never clashes with a schema's.
	KindRemote = "$remote"
	// VarIntents holds the intent records of a cluster's edges across stores: key the
	// record's text (package cluster writes and reads it), empty values. An intent is
	// written in the message that does one store's half of such an edge, and cleared once
	// the other store's half is done.
	VarIntents = "$intents"

	// MaxIntent is the longest intent record, in bytes.
	MaxIntent = 1024
)

var intentsDef = store.VarDef{Name: VarIntents, Role: store.RoleInternal, Trees: []store.Layout{{KeySize: store.Variable, MaxKey: MaxIntent, ValueSize: 0}}}

// remoteKind returns the kind of stand-ins, creating it if create is set; nil if the
// store has none and create is not set.
func (tx *Tx) remoteKind(create bool) (*Kind, error) {
	if k, ok := tx.Kind(KindRemote); ok {
		return k, nil
	}
	if !create {
		return nil, nil
	}
	if _, err := tx.CreateVar(kindDef(KindRemote)); err != nil {
		return nil, err
	}
	k, _ := tx.Kind(KindRemote)
	return k, nil
}

// StandIn returns the stand-in of the remote entity whose URI is uri, creating it (and
// the kind KindRemote) if there is none.
func (tx *Tx) StandIn(uri string) (ID, error) {
	k, err := tx.remoteKind(true)
	if err != nil {
		return 0, err
	}
	return k.Intern(tx, uri)
}

// LookupStandIn returns the stand-in of the remote entity whose URI is uri, if there is one.
func (tx *Tx) LookupStandIn(uri string) (ID, bool) {
	id, ok := tx.ByIRI(uri)
	if !ok || !tx.IsStandIn(id) {
		return 0, false
	}
	return id, true
}

// IsStandIn reports whether id is a stand-in (an entity of kind KindRemote).
func (tx *Tx) IsStandIn(id ID) bool {
	k, err := tx.remoteKind(false)
	return err == nil && k != nil && k.Has(tx, id)
}

// StandIns iterates over the stand-ins in ID order, with the URI each stands for.
func (tx *Tx) StandIns() iter.Seq2[ID, string] {
	return func(yield func(ID, string) bool) {
		k, err := tx.remoteKind(false)
		if err != nil || k == nil {
			return
		}
		for id := range k.All(tx) {
			uri, _ := tx.IRI(id)
			if !yield(id, uri) {
				return
			}
		}
	}
}

// PutIntent records the intent rec; recording one that is there does nothing.
func (tx *Tx) PutIntent(rec string) error {
	if rec == "" || len(rec) > MaxIntent {
		return fmt.Errorf("intent of %d bytes: want 1 to %d", len(rec), MaxIntent)
	}
	if _, ok := tx.Var(VarIntents); !ok {
		if _, err := tx.CreateVar(intentsDef); err != nil {
			return err
		}
	}
	_, err := tx.Must(tx.VarTree(VarIntents, 0, true)).Put([]byte(rec), nil)
	return err
}

// DropIntent removes the intent rec and reports whether it was there.
func (tx *Tx) DropIntent(rec string) (bool, error) {
	if _, ok := tx.Var(VarIntents); !ok || rec == "" || len(rec) > MaxIntent {
		return false, nil
	}
	return tx.Must(tx.VarTree(VarIntents, 0, true)).Delete([]byte(rec))
}

// Intents returns the intent records, in byte order.
func (tx *Tx) Intents() []string {
	if _, ok := tx.Var(VarIntents); !ok {
		return nil
	}
	var out []string
	for k := range tx.sys(VarIntents, 0).All() {
		out = append(out, string(k))
	}
	return out
}
