//go:build unix

package store

import (
	"fmt"
	"os"
)

// Open opens the store in the file at path, or creates it, together with its redo log
// path+"-wal". It replays every message the log holds whole, and refuses a file that is not
// a store (leaving no log beside it), a store of an unknown format version, one whose
// superblock fails its checksum, one cut short, and one whose log is damaged before its end.
// One Store at a time may have the file open.
func Open(path string, opts *Options) (*Store, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.ReadOnly {
		return openReadOnly(path, o)
	}
	fs := o.fs
	if fs == nil {
		fs = osFS{}
	}
	max := o.MaxWasmPages
	if max == 0 {
		max = DefaultMaxWasmPages
	}
	created := !fs.exists(path)
	mf, size, err := fs.open(path, &o)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	logCreated := !fs.exists(path + "-wal")
	if size > 0 && logCreated && !hasMagic(mf) {
		// Page 0 of a store starts with the magic from its first commit on; before that the
		// file is empty, or its log holds the commit. This is some other file.
		mf.Close()
		return nil, fmt.Errorf("open store %s: %w: it does not start with a store's magic", path, ErrNotStore)
	}
	mem, err := newFileMemory(mf, size, max)
	if err != nil {
		mf.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	mem.budget = o.MapBudget
	lf, lsize, err := fs.open(path+"-wal", nil)
	if err != nil {
		mem.Close()
		return nil, fmt.Errorf("open store log: %w", err)
	}
	s := newStore(mem, &o)
	fail := func(err error) (*Store, error) {
		mem.Close()
		lf.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if created || logCreated {
		// A crash must not lose the files' names once a commit is in them.
		if err := fs.syncDir(path); err != nil {
			return fail(fmt.Errorf("sync directory: %w", err))
		}
	}
	if s.log, err = openWAL(lf, path+"-wal", lsize); err != nil {
		return fail(err)
	}
	if err := s.recover(); err != nil {
		return fail(err)
	}
	if err := s.start(); err != nil {
		return fail(err)
	}
	if _, ok := mf.(*os.File); ok {
		s.release = writeLockInfo(path, &o)
	}
	return s, nil
}
