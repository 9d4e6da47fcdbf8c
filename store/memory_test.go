package store

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeapMemoryBounds(t *testing.T) {
	m := NewHeapMemory(2)
	assert.ErrorIs(t, m.WriteAt([]byte{1}, 0), ErrOutOfBounds, "empty memory")
	old, err := m.Grow(1)
	require.NoError(t, err)
	assert.Zero(t, old)
	require.NoError(t, m.WriteAt([]byte{1, 2}, WasmPageSize-2))
	assert.ErrorIs(t, m.WriteAt([]byte{1, 2}, WasmPageSize-1), ErrOutOfBounds)
	assert.ErrorIs(t, m.ReadAt(make([]byte, 1), 1<<63), ErrOutOfBounds)
	_, err = m.Grow(2)
	assert.ErrorIs(t, err, ErrGrowFailed, "past the maximum")
	assert.Equal(t, uint64(1), m.Size())
}

// TestMessagesModel runs random grows, writes and reads in messages that commit or roll
// back, against a plain byte slice, on both backends, reopening the file store now and then.
func TestMessagesModel(t *testing.T) {
	for _, backend := range []string{"heap", "file"} {
		t.Run(backend, func(t *testing.T) {
			seed := uint64(rand.Int64())
			t.Logf("seed %d", seed)
			r := rand.New(rand.NewPCG(seed, 0))
			bytesRand := rand.NewChaCha8([32]byte{byte(seed)})
			path := filepath.Join(t.TempDir(), "m.sgdb")
			open := func() *Store {
				if backend == "heap" {
					s, err := OpenMemory(NewHeapMemory(8), nil)
					require.NoError(t, err)
					return s
				}
				s, err := Open(path, &Options{MaxWasmPages: 8, CheckpointBytes: 256 << 10})
				require.NoError(t, err)
				return s
			}
			s := open()
			defer func() { s.Close() }()
			var model []byte
			require.NoError(t, s.View(func(tx *Tx) error {
				model = make([]byte, tx.Raw().Size()*WasmPageSize)
				return tx.Raw().ReadAt(model, 0)
			}))
			rounds := 300
			if testing.Short() {
				rounds = 60
			}
			rollback := errors.New("roll back")
			for round := range rounds {
				work := append([]byte(nil), model...)
				commit := r.IntN(3) > 0
				err := s.Update(func(tx *Tx) error {
					for range 1 + r.IntN(8) {
						switch op := r.IntN(10); {
						case op == 0:
							_, err := tx.Raw().Grow(1)
							if uint64(len(work))/WasmPageSize+1 > 8 {
								require.ErrorIs(t, err, ErrGrowFailed)
								continue
							}
							require.NoError(t, err)
							work = append(work, make([]byte, WasmPageSize)...)
						case op < 6:
							// Raw writes stay off the superblock, which the store owns.
							n := 1 + r.IntN(3*PageSize)
							off := PageSize + r.IntN(len(work)-PageSize)
							b := make([]byte, n)
							bytesRand.Read(b)
							err := tx.Raw().WriteAt(b, uint64(off))
							if off+n > len(work) {
								require.ErrorIs(t, err, ErrOutOfBounds)
								continue
							}
							require.NoError(t, err)
							copy(work[off:], b)
						default:
							n := 1 + r.IntN(2*PageSize)
							off := r.IntN(len(work))
							b := make([]byte, n)
							err := tx.Raw().ReadAt(b, uint64(off))
							if off+n > len(work) {
								require.ErrorIs(t, err, ErrOutOfBounds)
								continue
							}
							require.NoError(t, err)
							require.True(t, bytes.Equal(work[off:off+n], b), "round %d: read at %d", round, off)
						}
					}
					if !commit {
						return rollback
					}
					return nil
				})
				if commit {
					require.NoError(t, err)
					model = work
				} else {
					require.ErrorIs(t, err, rollback)
				}
				// The superblock is the store's: a commit that grows the memory records the new
				// size there. Compare the rest, and take the superblock as the store left it.
				require.NoError(t, s.View(func(tx *Tx) error {
					got := make([]byte, tx.Raw().Size()*WasmPageSize)
					require.NoError(t, tx.Raw().ReadAt(got, 0))
					require.Equal(t, len(model), len(got), "round %d: size", round)
					require.True(t, bytes.Equal(model[PageSize:], got[PageSize:]), "round %d: contents", round)
					copy(model, got[:PageSize])
					return nil
				}))
				if backend == "file" && r.IntN(20) == 0 {
					require.NoError(t, s.Close())
					s = open()
				}
			}
		})
	}
}

func TestOpenRefusesWhatIsNotAStore(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	_, err := Open(write("text", bytes.Repeat([]byte("hello world\n"), WasmPageSize/12+1)[:WasmPageSize]), nil)
	assert.ErrorIs(t, err, ErrNotStore)

	_, err = Open(write("odd", []byte("short file")), nil)
	assert.ErrorIs(t, err, ErrNotStore, "a short file that is not a store")

	good := filepath.Join(dir, "good")
	s, err := Open(good, nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	img, err := os.ReadFile(good)
	require.NoError(t, err)

	future := append([]byte(nil), img...)
	le.PutUint32(future[sbOffVersion:], 99)
	sealSuperblock(future[:PageSize])
	_, err = Open(write("future", future), nil)
	assert.ErrorIs(t, err, ErrVersion)
	assert.ErrorContains(t, err, "version 99")

	_, err = Open(write("cut", img[:WasmPageSize-100]), nil)
	assert.ErrorIs(t, err, ErrCorrupt, "a store cut short: its size is not a whole number of Wasm pages")

	flipped := append([]byte(nil), img...)
	flipped[sbOffPageCount] ^= 0x40
	_, err = Open(write("flipped", flipped), nil)
	assert.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, "checksum")

	// A log that is not ours is refused too, rather than truncated.
	p := write("badlog", img)
	write("badlog-wal", bytes.Repeat([]byte{'x'}, 100))
	_, err = Open(p, nil)
	assert.ErrorIs(t, err, ErrNotStore)
}

func TestOpenLocksTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s := openFile(t, path, nil)
	_, err := Open(path, nil)
	assert.ErrorIs(t, err, ErrLocked)
	require.NoError(t, s.Close())
	s2, err := Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, s2.Close())
}

func TestTornLogTailIsIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s, err := Open(path, nil)
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, s.Update(func(tx *Tx) error { tx.Raw().SetRoot(1, uint64(i+1)); return nil }))
	}
	// Simulate a crash: copy the files as they are before Close checkpoints them.
	main, err := os.ReadFile(path)
	require.NoError(t, err)
	log, err := os.ReadFile(path + "-wal")
	require.NoError(t, err)
	require.NoError(t, s.Close())

	frame := frameHeader + PageSize
	commit := frameHeader
	rec := frame + commit // the store's creation and each message dirty page 0 only
	require.Equal(t, walHeaderSize+4*rec, len(log))
	for cut := len(log) - 1; cut > walHeaderSize+3*rec-1; cut -= 97 {
		dir := t.TempDir()
		p := filepath.Join(dir, "s.sgdb")
		require.NoError(t, os.WriteFile(p, main, 0o644))
		require.NoError(t, os.WriteFile(p+"-wal", log[:cut], 0o644))
		s, err := Open(p, nil)
		require.NoError(t, err)
		require.NoError(t, s.View(func(tx *Tx) error {
			assert.Equal(t, uint64(2), tx.Raw().Root(1), "log cut at %d", cut)
			return nil
		}))
		require.NoError(t, s.Close())
	}
}

func TestReadOnlySessionLeavesFilesUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	s, err := Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, s.Update(func(tx *Tx) error { tx.Raw().SetRoot(1, 1); return nil }))
	require.NoError(t, s.Close())
	main, err := os.ReadFile(path)
	require.NoError(t, err)
	log, err := os.ReadFile(path + "-wal")
	require.NoError(t, err)

	s, err = Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, s.View(func(tx *Tx) error { tx.Raw().Root(1); return nil }))
	require.NoError(t, s.Close())
	main2, err := os.ReadFile(path)
	require.NoError(t, err)
	log2, err := os.ReadFile(path + "-wal")
	require.NoError(t, err)
	assert.Equal(t, main, main2)
	assert.Equal(t, log, log2, "no checkpoint, so the log keeps its salt")
}
