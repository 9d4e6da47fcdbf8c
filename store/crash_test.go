package store

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crashWorkload is a deterministic sequence of messages: each allocates, frees, grows and
// writes pages, and records its sequence number in root slot 0. Message i depends only on
// the seed and i, so any store that committed messages 1..i holds the same bytes.
func crashMessage(seed uint64, i int) func(tx *Tx) error {
	return func(tx *Tx) error {
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		for range 1 + r.IntN(4) {
			switch r.IntN(12) {
			case 0:
				if _, err := tx.Raw().Grow(1); err != nil {
					return err
				}
			case 1:
				// Free the page kept in root slot 2, if any.
				if id := tx.Raw().Root(2); id != 0 {
					tx.Raw().Free(PageID(id))
					tx.Raw().SetRoot(2, 0)
				}
			default:
				id, p := tx.Raw().Alloc()
				v := r.Uint64()
				for j := 0; j < len(p); j += 8 {
					le.PutUint64(p[j:], v*uint64(j+1))
				}
				if tx.Raw().Root(2) == 0 {
					tx.Raw().SetRoot(2, uint64(id))
				}
			}
		}
		tx.Raw().SetRoot(1, uint64(i))
		return nil
	}
}

// image returns a digest of the whole memory as a committed-state fingerprint.
func image(t testing.TB, s *Store) [32]byte {
	t.Helper()
	var sum [32]byte
	require.NoError(t, s.View(func(tx *Tx) error {
		b := make([]byte, tx.Raw().Size()*WasmPageSize)
		if err := tx.Raw().ReadAt(b, 0); err != nil {
			return err
		}
		sum = sha256.Sum256(b)
		return nil
	}))
	return sum
}

// crashImages runs the workload on a heap store and returns the image after each message
// (index 0: the empty store).
func crashImages(t *testing.T, seed uint64, n int) [][32]byte {
	s := openHeap(t)
	imgs := [][32]byte{image(t, s)}
	for i := 1; i <= n; i++ {
		require.NoError(t, s.Update(crashMessage(seed, i)))
		imgs = append(imgs, image(t, s))
	}
	return imgs
}

// TestCrashAtEveryWrite cuts the file writes of a workload at every mutating operation (and
// tears the cut write), reopens, and requires exactly the state of the last message whose
// commit returned; the message in flight may survive once its log record was written whole,
// and must once that record was synced.
func TestCrashAtEveryWrite(t *testing.T) {
	const seed, msgs = 7, 40
	imgs := crashImages(t, seed, msgs)
	opts := func(fs *faultFS) *Options { return &Options{fs: fs, CheckpointBytes: 48 << 10} }

	total := countOps(t, seed, msgs, opts)
	t.Logf("%d mutating file operations", total)

	tears := []int{-1, 100, PageSize + 20}
	cuts := 0
	for cut := 0; cut <= total; cut++ {
		for _, torn := range tears {
			fs := newFaultFS(cut, torn)
			returned, inflight := runUntilCrash(fs, seed, msgs, opts(fs))
			s, err := Open("db", opts(fs.persisted()))
			require.NoError(t, err, "cut %d torn %d", cut, torn)
			got := image(t, s)
			require.NoError(t, s.Close())
			checkRecovered(t, imgs, got, returned, inflight, fmt.Sprintf("cut %d torn %d: last returned %d", cut, torn, returned))
			cuts++
		}
	}
	t.Logf("%d crash points checked", cuts)
}

// countOps runs the workload without a crash and returns how many mutating file operations
// it made: the crash points to try.
func countOps(t *testing.T, seed uint64, msgs int, opts func(*faultFS) *Options) int {
	clean := newFaultFS(-1, -1)
	s, err := Open("db", opts(clean))
	require.NoError(t, err)
	for i := 1; i <= msgs; i++ {
		require.NoError(t, s.Update(crashMessage(seed, i)))
	}
	require.NoError(t, s.Close())
	return clean.ops
}

// runUntilCrash runs the workload until the file system crashes. It returns the last message
// whose Update returned nil (0: none; a crash while creating the store counts as 0, since
// reopening creates the same empty store) and whether the message in flight at the crash
// had its log record synced.
func runUntilCrash(fs *faultFS, seed uint64, msgs int, opts *Options) (returned int, inflight inflightState) {
	var st inflightState
	fs.onOp = func(name, kind string) {
		switch {
		case name == "db-wal" && kind == "write":
			st.written = true
		case name == "db-wal" && kind == "sync" && st.written:
			st.synced = true
		}
	}
	s, err := Open("db", opts)
	if err != nil {
		return 0, inflightState{}
	}
	for i := 1; i <= msgs; i++ {
		st = inflightState{}
		if err := s.Update(crashMessage(seed, i)); err != nil {
			return i - 1, st
		}
	}
	s.Close()
	return msgs, inflightState{}
}

// inflightState is how far the message in flight at a crash got with its log record.
type inflightState struct {
	written bool // the record was written whole: it may survive
	synced  bool // and synced: it must survive
}

// checkRecovered requires the recovered image to be the one the crash semantics allow.
func checkRecovered(t *testing.T, imgs [][32]byte, got [32]byte, returned int, in inflightState, msg string) {
	t.Helper()
	switch {
	case returned == len(imgs)-1:
		require.Equal(t, imgs[returned], got, msg)
	case in.synced:
		require.Equal(t, imgs[returned+1], got, "%s: synced message lost", msg)
	case in.written:
		require.Contains(t, [][32]byte{imgs[returned], imgs[returned+1]}, got, msg)
	default:
		require.Equal(t, imgs[returned], got, msg)
	}
}

// TestCrashLosingUnsyncedWrites cuts the workload at every operation and then also drops a
// random part of what was written since each file's last sync, as a power loss may.
func TestCrashLosingUnsyncedWrites(t *testing.T) {
	const seed, msgs = 11, 25
	imgs := crashImages(t, seed, msgs)
	opts := func(fs *faultFS) *Options { return &Options{fs: fs, CheckpointBytes: 40 << 10} }
	total := countOps(t, seed, msgs, opts)
	for cut := 0; cut <= total; cut++ {
		for trial := range 3 {
			fs := newFaultFS(cut, PageSize/3)
			fs.loseUnsynced, fs.rnd = true, rand.New(rand.NewPCG(uint64(cut), uint64(trial)))
			returned, inflight := runUntilCrash(fs, seed, msgs, opts(fs))
			s, err := Open("db", opts(fs.persisted()))
			require.NoError(t, err, "cut %d trial %d", cut, trial)
			got := image(t, s)
			require.NoError(t, s.Close())
			checkRecovered(t, imgs, got, returned, inflight, fmt.Sprintf("cut %d trial %d: last returned %d", cut, trial, returned))
		}
	}
}

const crashChildEnv = "STABLEGRAPH_CRASH_CHILD"

// TestProcessCrashChild is the child of TestProcessCrash: it runs the workload on the file
// named by the environment, from where the file left off, and prints each message number
// once its commit has returned.
func TestProcessCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("run by TestProcessCrash")
	}
	s, err := Open(path, nil)
	require.NoError(t, err)
	var next int
	require.NoError(t, s.View(func(tx *Tx) error { next = int(tx.Raw().Root(1)) + 1; return nil }))
	for i := next; ; i++ {
		require.NoError(t, s.Update(crashMessage(3, i)))
		fmt.Println("committed", i)
	}
}

// TestProcessCrash kills a child process with SIGKILL in the middle of its workload, several
// times over one file, and checks after each kill that the store holds exactly the last
// message the child reported, or the one after it (committed but not yet reported).
func TestProcessCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "crash.sgdb")
	r := rand.New(rand.NewPCG(1, 2))
	imgs := crashImages(t, 3, 0)
	heap := openHeap(t)
	imageOf := func(n int) [32]byte {
		for len(imgs) <= n {
			require.NoError(t, heap.Update(crashMessage(3, len(imgs))))
			imgs = append(imgs, image(t, heap))
		}
		return imgs[n]
	}
	last := 0
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProcessCrashChild$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		want := last + 5 + r.IntN(40)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
				last, err = strconv.Atoi(n)
				require.NoError(t, err)
				if last >= want {
					break
				}
			}
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		err = cmd.Wait()
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "child must die by the signal, got %v", err)

		s, err := Open(path, nil)
		require.NoError(t, err, "round %d", round)
		var got int
		require.NoError(t, s.View(func(tx *Tx) error { got = int(tx.Raw().Root(1)); return nil }))
		assert.Contains(t, []int{last, last + 1}, got, "round %d: child reported %d", round, last)
		assert.Equal(t, imageOf(got), image(t, s), "round %d: state of message %d", round, got)
		require.NoError(t, s.Close())
		last = got
	}
}
