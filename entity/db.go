package entity

import (
	"errors"
	"fmt"
	"sync"

	"github.com/stablegraph/stablegraph/internal/slab"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
)

// Options configures Open. The zero value opens a store without a scope.
type Options struct {
	// Scope is the store's scope, used in entity URIs. The first Open that gives a non-zero
	// scope records it in the store; a later Open with a different non-zero scope is
	// refused with ErrScope, and one with a zero scope uses the recorded one.
	Scope uri.Scope
}

// DB is a store opened with a schema: the entry point for entities, columns and verbs.
// It is safe for concurrent use as the store is: one Update at a time, any number of Views.
type DB struct {
	st     *store.Store
	schema *Schema
	scope  uri.Scope

	declared map[string]*Kind // the schema's kinds, by name

	mu    sync.Mutex
	kinds kindCache // the kinds of the committed catalog found so far

	holdsFrom ID // the first entity the holder record covers; 0: none (holds.go)
}

// Open applies schema s to the store in one Update and returns the DB. It creates the
// variables that are new (and the internal variables) and moves declared states; if any
// declared variable is incompatible with the stored one, nothing is written and the error
// wraps store.ErrIncompatibleSchema. Then it binds each column and verb of s to the DB.
// A nil s opens whatever the store holds, as a tool that knows no schema does.
func Open(st *store.Store, s *Schema, opts *Options) (*DB, error) {
	if s == nil {
		s = NewSchema()
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	db := &DB{st: st, schema: s, declared: map[string]*Kind{}}
	for _, k := range s.kinds {
		db.declared[k.name] = k
	}
	err := st.Update(func(stx *store.Tx) error {
		defs := append(systemDefs(), s.Defs()...)
		if _, err := stx.ApplySchema(defs); err != nil {
			return fmt.Errorf("open: %w", err)
		}
		scope, err := applyScope(stx, o.Scope)
		if err != nil {
			return err
		}
		db.scope = scope
		return nil
	})
	if err != nil {
		return nil, err
	}
	if db.holdsFrom, err = openHolds(st); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	var errs []error
	for _, m := range s.members {
		if err := m.Bind(db); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return db, nil
}

// applyScope reconciles the scope given to Open with the one the store records.
func applyScope(stx *store.Tx, want uri.Scope) (uri.Scope, error) {
	t, err := stx.VarTree(VarMeta, 0, true)
	if err != nil {
		return uri.Scope{}, err
	}
	var have uri.Scope
	if b, ok := t.Get([]byte(metaScope)); ok {
		if err := have.UnmarshalText(b); err != nil {
			return uri.Scope{}, fmt.Errorf("%w: stored scope %q: %w", store.ErrCorrupt, b, err)
		}
	}
	switch {
	case want.IsZero():
		return have, nil
	case have.IsZero():
		text, _ := want.MarshalText()
		if _, err := t.Put([]byte(metaScope), text); err != nil {
			return uri.Scope{}, err
		}
		return want, nil
	case have != want:
		return uri.Scope{}, fmt.Errorf("%w: the store's scope is %s, not %s", ErrScope, have, want)
	}
	return have, nil
}

// Store returns the underlying store.
func (db *DB) Store() *store.Store { return db.st }

// Scope returns the store's scope; it is zero if none was ever given.
func (db *DB) Scope() uri.Scope { return db.scope }

// Schema returns the schema the DB was opened with (empty for a nil schema).
func (db *DB) Schema() *Schema { return db.schema }

// Kind returns the kind called name, declared or not, as the last committed catalog
// holds it. It runs a View of its own; inside a message, use Tx.Kind, which sees the
// message's own catalog changes. It fails with an error wrapping ErrNoKind if the catalog
// has no such kind, and with the store's error (store.ErrClosed, say) if it cannot look.
func (db *DB) Kind(name string) (*Kind, error) {
	var k *Kind
	err := db.View(func(tx *Tx) error {
		var ok bool
		if k, ok = tx.Kind(name); !ok {
			return fmt.Errorf("kind %q: %w", name, ErrNoKind)
		}
		return nil
	})
	return k, err
}

// Kinds returns every kind in the catalog, in every lifecycle state, sorted by name. It
// runs a View of its own; inside a message, use Tx.Kinds.
func (db *DB) Kinds() ([]*Kind, error) {
	var ks []*Kind
	err := db.View(func(tx *Tx) error {
		ks = tx.Kinds()
		return nil
	})
	return ks, err
}

// Update runs fn as a writing message; see store.Store.Update. If fn returns an error,
// panics, or the message is aborted (Tx.Abort, a trap of the store), nothing is kept.
func (db *DB) Update(fn func(*Tx) error) error {
	_, err := db.UpdateWith(store.Budget{}, fn)
	return err
}

// View runs fn as a read-only message over the last committed state.
func (db *DB) View(fn func(*Tx) error) error {
	_, err := db.ViewWith(store.Budget{}, fn)
	return err
}

// UpdateWith is Update under a page budget; it returns the message's page counts.
func (db *DB) UpdateWith(b store.Budget, fn func(*Tx) error) (store.Stats, error) {
	found := &kindCache{}
	st, err := db.st.UpdateWith(b, db.wrap(fn, found))
	if err == nil {
		db.mu.Lock()
		db.kinds.merge(found)
		db.mu.Unlock()
	}
	return st, err
}

// ViewWith is View under a page budget; it returns the message's page counts.
func (db *DB) ViewWith(b store.Budget, fn func(*Tx) error) (store.Stats, error) {
	return db.st.ViewWith(b, db.wrap(fn, nil))
}

// ViewStats is ViewWith writing the message's page counts into *st; see
// store.Store.ViewStats.
func (db *DB) ViewStats(b store.Budget, st *store.Stats, fn func(*Tx) error) error {
	return db.st.ViewStats(b, st, db.wrap(fn, nil))
}

// abort is the panic value of Tx.Abort.
type abort struct{ err error }

// wrap makes fn a store message function. found, for an Update, collects the kinds the
// message finds, for the DB to learn once it commits.
// txs cuts the Tx of each message from arrays, never handing one out twice: one kept past
// its message fails with its store.Tx rather than reaching a later message.
var txs = slab.Slab[Tx]{N: 256}

func (db *DB) wrap(fn func(*Tx) error, found *kindCache) func(*store.Tx) error {
	return func(stx *store.Tx) (err error) {
		tx := txs.New()
		*tx = Tx{stx: stx, db: db, kinds: found}
		defer func() {
			if r := recover(); r != nil {
				a, ok := r.(abort)
				if !ok {
					panic(r)
				}
				err = a.err
			}
			if err == nil {
				err = tx.err
			}
		}()
		return fn(tx)
	}
}
