package store

import (
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// spillTrees are the trees of the spill tests, in superblock slots 1 to 3.
func spillTree(tx *Tx, i int) (*Tree, error) {
	ref := SuperblockTreeRef(1 + i)
	t, err := tx.OpenTree(ref, "spill")
	if err == nil {
		return t, nil
	}
	return tx.CreateTree(ref, Layout{KeySize: 8, ValueSize: Variable}, "spill")
}

// fillSpillTree puts n entries of 100 bytes into spill tree 0.
func fillSpillTree(tx *Tx, n uint64) error {
	tr, err := spillTree(tx, 0)
	if err != nil {
		return err
	}
	for k := range n {
		if _, err := tr.Put(beKey(k), make([]byte, 100)); err != nil {
			return err
		}
	}
	return nil
}

// TestSpillModel runs random messages, some of them large and some rolled back, on a file
// store that keeps only a few dirty pages in the heap, checks every tree against a map after
// each message and after reopening, and requires that messages did spill.
func TestSpillModel(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		t.Run(fmt.Sprintf("nosync=%v", noSync), func(t *testing.T) {
			seed := uint64(5)
			r := rand.New(rand.NewPCG(seed, 1))
			path := filepath.Join(t.TempDir(), "s.sgdb")
			opts := &Options{SpillPages: 8, NoSync: noSync, CheckpointBytes: 1 << 20}
			s, err := Open(path, opts)
			require.NoError(t, err)
			defer func() { s.Close() }()
			model := make([]map[uint64][]byte, 3)
			for i := range model {
				model[i] = map[uint64][]byte{}
			}
			var spilled, rolledBack uint64
			for msg := range 60 {
				next := make([]map[uint64][]byte, 3)
				for i := range next {
					next[i] = maps.Clone(model[i])
				}
				ops := 1 + r.IntN(30)
				if r.IntN(4) == 0 {
					ops = 200 + r.IntN(800) // a large message
				}
				rollback := r.IntN(5) == 0
				logBefore, fileBefore := s.log.size, s.log.fileEnd
				st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
					for range ops {
						i := r.IntN(3)
						tr, err := spillTree(tx, i)
						if err != nil {
							return err
						}
						k := r.Uint64N(3000)
						key := beKey(k)
						switch r.IntN(5) {
						case 0:
							if _, err := tr.Delete(key); err != nil {
								return err
							}
							delete(next[i], k)
						case 1: // read back what the message wrote, spilled or not
							v, ok := tr.Get(key)
							want, has := next[i][k]
							if ok != has || string(v) != string(want) {
								return fmt.Errorf("message %d: tree %d key %d: got %q, %v", msg, i, k, v, ok)
							}
						default:
							v := make([]byte, r.IntN(700))
							for j := range v {
								v[j] = byte(r.Uint32())
							}
							if _, err := tr.Put(key, v); err != nil {
								return err
							}
							next[i][k] = v
						}
					}
					if rollback {
						return errRollback
					}
					return nil
				})
				spilled += st.PagesSpilled
				if rollback {
					require.ErrorIs(t, err, errRollback, "message %d", msg)
					if st.PagesSpilled > 0 {
						rolledBack++
					}
					require.Equal(t, logBefore, s.log.size, "message %d: a rolled-back message leaves the log as it was", msg)
					fi, err := os.Stat(path + "-wal")
					require.NoError(t, err)
					if st.PagesSpilled > 0 {
						require.Equal(t, logBefore, fi.Size(), "message %d: its spilled pages are cut off the log", msg)
					} else {
						// Past the log's end: the stale frames a checkpoint left.
						require.Equal(t, fileBefore, fi.Size(), "message %d: the log's file is as it was", msg)
					}
				} else {
					require.NoError(t, err, "message %d", msg)
					model = next
				}
				checkSpillModel(t, s, model, fmt.Sprintf("message %d", msg))
				if msg%15 == 14 {
					require.NoError(t, s.Close())
					s, err = Open(path, opts)
					require.NoError(t, err)
					checkSpillModel(t, s, model, fmt.Sprintf("reopened after message %d", msg))
				}
			}
			require.Positive(t, spilled, "messages must spill")
			require.Positive(t, rolledBack, "a message that spilled must be rolled back")
			t.Logf("seed %d: %d page images spilled, %d spilled messages rolled back", seed, spilled, rolledBack)
		})
	}
}

// checkSpillModel requires the trees of s to hold what model says, and the store to check.
func checkSpillModel(t *testing.T, s *Store, model []map[uint64][]byte, what string) {
	t.Helper()
	require.NoError(t, s.View(func(tx *Tx) error {
		var trees []*Tree
		for i, m := range model {
			tr, err := tx.OpenTree(SuperblockTreeRef(1+i), "spill")
			if err != nil {
				require.Empty(t, m, "%s: tree %d", what, i)
				continue
			}
			trees = append(trees, tr)
			keys := slices.Sorted(maps.Keys(m))
			var got []uint64
			for k, v := range tr.All() {
				n := be.Uint64(k)
				got = append(got, n)
				require.Equal(t, m[n], v, "%s: tree %d key %d", what, i, n)
			}
			require.Equal(t, keys, got, "%s: tree %d keys", what, i)
		}
		return tx.Check(trees...)
	}))
}

// TestSpilledRollbackThenSmallerCommit rolls back a message that spilled many pages, then
// commits a small one, and reopens without a checkpoint: the small message must replay,
// and nothing of the rolled-back one.
func TestSpilledRollbackThenSmallerCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sgdb")
	s, err := Open(path, &Options{SpillPages: 4})
	require.NoError(t, err)
	st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
		if err := fillSpillTree(tx, 2000); err != nil {
			return err
		}
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	require.Positive(t, st.PagesSpilled)
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := spillTree(tx, 1)
		if err != nil {
			return err
		}
		_, err = tr.Put(beKey(7), []byte("seven"))
		return err
	}))
	// A crash: copy the files as they are, without Close's checkpoint.
	crashed := filepath.Join(dir, "c.sgdb")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(crashed+suffix, b, 0o644))
	}
	require.NoError(t, s.Close())
	c, err := Open(crashed, nil)
	require.NoError(t, err)
	defer c.Close()
	checkSpillModel(t, c, []map[uint64][]byte{{}, {7: []byte("seven")}, {}}, "reopened")
}

// TestSpillBulkLoad bulk loads a tree far larger than the pages a message may keep: the
// message spills, commits, and the tree reads back whole after a crash (the log replayed)
// and after a checkpoint.
func TestSpillBulkLoad(t *testing.T) {
	// Small spills, and spills larger than the chunk the log is written in.
	t.Run("small", func(t *testing.T) { testSpillBulkLoad(t, 16, 50000) })
	t.Run("chunked", func(t *testing.T) { testSpillBulkLoad(t, 3*walChunk/PageSize/2, 250000) })
}

func testSpillBulkLoad(t *testing.T, spillPages, n int) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sgdb")
	s, err := Open(path, &Options{SpillPages: spillPages})
	require.NoError(t, err)
	val := func(k uint64) []byte { return fmt.Appendf(nil, "value %d %0*d", k, int(k%50), 0) }
	st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
		tr, err := spillTree(tx, 0)
		if err != nil {
			return err
		}
		var src iter.Seq2[[]byte, []byte] = func(yield func([]byte, []byte) bool) {
			for k := range uint64(n) {
				if !yield(beKey(k), val(k)) {
					return
				}
			}
		}
		_, err = tr.BulkLoad(src)
		return err
	})
	require.NoError(t, err)
	require.Greater(t, st.PagesSpilled, st.PagesDirtied/2, "most pages spill")
	if spillPages > walChunk/PageSize {
		require.Greater(t, st.PagesSpilled, uint64(spillPages), "a spill writes more than a chunk")
	}
	crashed := filepath.Join(dir, "c.sgdb")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(crashed+suffix, b, 0o644))
	}
	require.NoError(t, s.Close())
	for _, p := range []string{crashed, path} {
		c, err := Open(p, nil)
		require.NoError(t, err)
		require.NoError(t, c.View(func(tx *Tx) error {
			tr, err := tx.OpenTree(SuperblockTreeRef(1), "spill")
			require.NoError(t, err)
			require.EqualValues(t, n, tr.Len())
			k := uint64(0)
			for key, v := range tr.All() {
				require.Equal(t, beKey(k), key)
				require.Equal(t, val(k), v)
				k++
			}
			require.EqualValues(t, n, k)
			return tx.Check(tr)
		}))
		require.NoError(t, c.Close())
	}
}

// beKey is k as an 8-byte big-endian key, so that keys sort as numbers.
func beKey(k uint64) []byte { return be.AppendUint64(nil, k) }

// TestMemoryStoreNeverSpills: a store without a log keeps every page in the heap.
func TestMemoryStoreNeverSpills(t *testing.T) {
	s, err := OpenMemory(NewHeapMemory(0), &Options{SpillPages: 2})
	require.NoError(t, err)
	st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
		return fillSpillTree(tx, 3000)
	})
	require.NoError(t, err)
	require.Zero(t, st.PagesSpilled)
	require.Greater(t, st.PagesDirtied, uint64(50))
}
