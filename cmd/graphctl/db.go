package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"

	// Imported for their side effect as well as their API: they register the deleters that
	// entity.Tx.Delete needs to remove an entity from every column and verb.
	_ "github.com/stablegraph/stablegraph/column"
	_ "github.com/stablegraph/stablegraph/verb"
)

// handle is an open store and the entity layer over it.
type handle struct {
	path string
	st   *store.Store
	db   *entity.DB
	// created is true if opening made the file, so that a command that fails can remove it
	// and leave the file system as it found it.
	created bool
}

// openOptions say how a command opens its store.
type openOptions struct {
	create bool      // make the store if the file does not exist
	scope  uri.Scope // the scope to record in a new store (zero: a random UUID)
	schema *entity.Schema
	// raw opens the store without the entity layer (h.db stays nil), writing nothing: for
	// commands that look at the store as pages and trees.
	raw bool
	// readOnly opens the store for commands that only read: the file and its log are left
	// byte for byte as they are, and an empty or foreign file is refused, never made a store.
	readOnly bool
	// recordPages makes every message's counts carry the pages it touched.
	recordPages bool
	// timeout is how long to wait for a store another process has locked; waitNote, if
	// set, is told once that the open waits, and on whom.
	timeout  time.Duration
	waitNote io.Writer
	// serveAddr is the address serve serves the store at, for the processes its lock
	// turns away.
	serveAddr string
	// spillPages bounds the dirty pages a message keeps in the heap, mapBudget the
	// resident part of the store's mapping (store.Options).
	spillPages int
	mapBudget  int64
}

// open opens the store named by --db. Without o.create, a missing file is an error rather
// than a new, empty store: a mistyped path should not leave a stray file behind.
func (e *env) open(o openOptions) (*handle, error) {
	path, err := e.needDB()
	if err != nil {
		return nil, err
	}
	return e.openPath(path, o)
}

// openPath opens the store at path, waiting for its lock as --timeout says.
func (e *env) openPath(path string, o openOptions) (*handle, error) {
	o.timeout, o.waitNote = e.timeout, e.stderr
	return openPath(path, o)
}

func openPath(path string, o openOptions) (*handle, error) {
	h := &handle{path: path}
	switch _, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist) && o.create:
		h.created = true
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: no store here (create one with 'graphctl init --db %s'): %w", path, path, errNotFound)
	case err != nil:
		return nil, err
	}
	so := &store.Options{ReadOnly: o.readOnly && !o.create, RecordPages: o.recordPages, Timeout: o.timeout, ServeAddr: o.serveAddr,
		SpillPages: o.spillPages, MapBudget: o.mapBudget}
	if o.waitNote != nil && o.timeout > 0 {
		so.OnWait = func(holder store.LockHolder) {
			fmt.Fprintf(o.waitNote, "graphctl: waiting up to %s for %s, locked by %s\n", o.timeout, path, holder)
		}
	}
	st, err := store.Open(path, so)
	if le := (*store.LockedError)(nil); errors.As(err, &le) && le.Holder.Addr != "" {
		err = fmt.Errorf("%w; to use the store while it is served, give --server %s", err, le.Holder.Addr)
	}
	if err != nil {
		h.removeIfCreated()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h.st = st
	if o.raw {
		return h, nil
	}
	scope := o.scope
	if h.created && scope.IsZero() {
		scope = newScope()
	}
	h.db, err = entity.Open(st, o.schema, &entity.Options{Scope: scope})
	if errors.Is(err, store.ErrStoreReadOnly) {
		// Opening the entity layer wrote nothing on any store it made: this one lacks it.
		err = fmt.Errorf("%w: it holds no entity data model (its system variables are missing), and a command that only reads does not add them", store.ErrNotStore)
	}
	if err != nil {
		_ = h.close()
		h.removeIfCreated()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// close closes the store.
func (h *handle) close() error {
	if h.st == nil {
		return nil
	}
	err := h.st.Close()
	h.st = nil
	return err
}

// abandon closes the store and, if opening it created the file, removes the file and its
// log: the command failed, so it leaves nothing behind.
func (h *handle) abandon() {
	_ = h.close()
	h.removeIfCreated()
}

func (h *handle) removeIfCreated() {
	if h.created {
		_ = os.Remove(h.path)
		_ = os.Remove(h.path + "-wal")
	}
}
