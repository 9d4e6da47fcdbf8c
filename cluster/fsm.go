package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"

	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store"
)

// entryWrite marks a log entry holding a server.Write as JSON: the first byte of every
// entry says its format, so that a later version can add others.
const entryWrite = 1

// replicaFSM is a Replica as Raft's state machine: the store, changed by the log's
// entries through server.Service.Apply. Raft calls Apply, Snapshot and Restore from one
// goroutine.
type replicaFSM Replica

// applied is an entry's result: what Service.Apply returned.
type applied struct {
	v   any
	err error
}

// Apply applies one committed entry to the store. What the entry does depends only on
// the entry and the store, so every replica gets the same result, errors included: an
// entry that fails (bad input, a missing entity) fails everywhere and changes nothing.
// A store that fails (an I/O error) no longer follows the log: the replica stops serving.
func (f *replicaFSM) Apply(l *raft.Log) any {
	r := (*Replica)(f)
	if len(l.Data) == 0 || l.Data[0] != entryWrite {
		return applied{err: fmt.Errorf("log entry %d: unknown format", l.Index)}
	}
	var w server.Write
	if err := json.Unmarshal(l.Data[1:], &w); err != nil {
		return applied{err: fmt.Errorf("log entry %d: %w", l.Index, err)}
	}
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	defer r.fsmIndex.Store(l.Index)
	v, err := r.local.Apply(context.Background(), &w)
	if errors.Is(err, store.ErrFailed) || errors.Is(err, store.ErrInDoubt) || errors.Is(err, store.ErrClosed) {
		r.fail(fmt.Errorf("log entry %d: %w", l.Index, err))
	}
	return applied{v, err}
}

// Snapshot copies the store, as the entries applied so far left it, to a file of the
// replica's directory; Raft then keeps the copy in its snapshot store. Apply waits for
// the copy: its cost is one read of the store (a View holds the commits off meanwhile).
func (f *replicaFSM) Snapshot() (raft.FSMSnapshot, error) {
	r := (*Replica)(f)
	path := filepath.Join(r.opts.Dir, fmt.Sprintf("snapshot-%d.tmp", r.snapSeq.Add(1)))
	r.mu.RLock()
	defer r.mu.RUnlock()
	if err := writeImage(r.st, path); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("replica %s: snapshot: %w", r.opts.ID, err)
	}
	return storeSnapshot(path), nil
}

// Restore replaces the store with the one a snapshot holds and reopens it.
func (f *replicaFSM) Restore(rc io.ReadCloser) error {
	r := (*Replica)(f)
	defer rc.Close()
	tmp := r.path + ".restore"
	if err := writeFile(tmp, rc); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("replica %s: restore: %w", r.opts.ID, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.st.Close(); err != nil {
		return fmt.Errorf("replica %s: restore: %w", r.opts.ID, err)
	}
	r.st = nil
	_ = os.Remove(r.path + "-wal")
	if err := os.Rename(tmp, r.path); err != nil {
		r.fail(err)
		return err
	}
	if err := r.openStore(nil); err != nil {
		r.fail(err)
		return err
	}
	// Raft restores the latest snapshot it holds, at start or once a leader sent it.
	if metas, err := r.snaps.List(); err == nil && len(metas) > 0 {
		r.fsmIndex.Store(metas[0].Index)
	}
	return nil
}

// storeSnapshot is a snapshot's copy of the store, a file Persist hands to Raft.
type storeSnapshot string

func (s storeSnapshot) Persist(sink raft.SnapshotSink) error {
	f, err := os.Open(string(s))
	if err == nil {
		_, err = io.Copy(sink, f)
		f.Close()
	}
	if err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s storeSnapshot) Release() { _ = os.Remove(string(s)) }

// writeImage writes the stable memory of st, as one View sees it, to a new file at path:
// the store file's bytes once its log is checkpointed into it.
func writeImage(st *store.Store, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = st.View(func(tx *store.Tx) error {
		raw := tx.Raw()
		size := raw.Size() * store.WasmPageSize
		buf := make([]byte, 1<<20)
		for off := uint64(0); off < size; {
			n := min(uint64(len(buf)), size-off)
			if err := raw.ReadAt(buf[:n], off); err != nil {
				return err
			}
			if _, err := f.Write(buf[:n]); err != nil {
				return err
			}
			off += n
		}
		return nil
	})
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// writeFile writes r to a new file at path and syncs it.
func writeFile(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
