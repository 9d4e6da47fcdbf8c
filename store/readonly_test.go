package store

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileSums returns the SHA-256 of the store file and of its log, "" for a missing file.
func fileSums(t *testing.T, path string) [2]string {
	t.Helper()
	var out [2]string
	for i, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		sum := sha256.Sum256(b)
		out[i] = string(sum[:])
	}
	return out
}

func TestReadOnlyRefusesWhatIsNotAStore(t *testing.T) {
	dir := t.TempDir()
	ro := &Options{ReadOnly: true}
	_, err := Open(filepath.Join(dir, "missing"), ro)
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.NoFileExists(t, filepath.Join(dir, "missing"))
	assert.NoFileExists(t, filepath.Join(dir, "missing-wal"))

	foreign := make([]byte, WasmPageSize)
	copy(foreign, "%PDF-1.7")
	for name, content := range map[string][]byte{"empty": {}, "foreign": foreign, "odd": []byte("hello\n")} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, content, 0o644))
		_, err := Open(path, ro)
		require.ErrorIs(t, err, ErrNotStore, name)
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, content, got, name)
		assert.NoFileExists(t, path+"-wal", name)
	}
}

func TestReadOnlyReplaysTheLogInMemory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sgdb")
	s := openFile(t, path, nil)
	require.NoError(t, s.Update(func(tx *Tx) error {
		_, err := tx.ApplySchema([]VarDef{health})
		return err
	}))
	require.NoError(t, s.Close())

	// A main file from before a message and the log that holds it: what a crash between
	// the log's sync and the checkpoint can leave (apply writes in place later).
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	s = openFile(t, path, &Options{CheckpointBytes: 1 << 30})
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.VarTree("health", 0, true)
		require.NoError(t, err)
		for i := range uint64(2000) { // grows the memory
			if _, err := tr.Put(u64(i), u64(i)); err != nil {
				return err
			}
		}
		return nil
	}))
	log, err := os.ReadFile(path + "-wal")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(path, before, 0o644))
	require.NoError(t, os.WriteFile(path+"-wal", log, 0o644))
	sums := fileSums(t, path)

	r, err := Open(path, &Options{ReadOnly: true})
	require.NoError(t, err)
	info, err := r.Info()
	require.NoError(t, err)
	assert.Equal(t, int64(len(log)), info.LogBytes, "the log as the file holds it")
	require.NoError(t, r.View(func(tx *Tx) error {
		tr, err := tx.VarTree("health", 0, false)
		require.NoError(t, err)
		assert.Equal(t, uint64(2000), tr.Len())
		v, ok := tr.Get(u64(1999))
		assert.True(t, ok)
		assert.Equal(t, u64(1999), v)
		return tx.CheckStore()
	}))

	// Writes are refused, and an Update that writes nothing passes.
	err = r.Update(func(tx *Tx) error {
		tr, err := tx.VarTree("health", 0, true)
		require.NoError(t, err)
		_, err = tr.Put(u64(1), u64(2))
		return err
	})
	require.ErrorIs(t, err, ErrStoreReadOnly)
	require.NoError(t, r.Update(func(tx *Tx) error { tx.Vars(); return nil }))

	// A second reader shares the file; a writer cannot open it until both close.
	r2, err := Open(path, &Options{ReadOnly: true})
	require.NoError(t, err)
	_, err = Open(path, nil)
	require.ErrorIs(t, err, ErrLocked)
	require.NoError(t, r2.Close())
	require.NoError(t, r.Close())
	assert.Equal(t, sums, fileSums(t, path), "a read-only store changes neither file")

	// A writing Open replays the same log into the file.
	w := openFile(t, path, nil)
	require.NoError(t, w.View(func(tx *Tx) error {
		tr, err := tx.VarTree("health", 0, false)
		require.NoError(t, err)
		assert.Equal(t, uint64(2000), tr.Len())
		return nil
	}))
}
