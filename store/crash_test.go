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
	"slices"
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
		if r.IntN(4) == 0 {
			if err := crashTreeWrites(tx, r); err != nil {
				return err
			}
		}
		tx.Raw().SetRoot(1, uint64(i))
		return nil
	}
}

// trackedMessage is crashMessage with *running set while its function runs: the log
// writes made then are pages the message spills, not its record.
func trackedMessage(seed uint64, i int, running *bool) func(tx *Tx) error {
	return func(tx *Tx) error {
		*running = true
		defer func() { *running = false }()
		return crashMessage(seed, i)(tx)
	}
}

// crashTreeWrites puts and deletes entries of a tree, enough for a message to dirty more
// pages than the crash tests let it keep in the heap (Options.SpillPages), so that it
// spills some to the log before its commit.
func crashTreeWrites(tx *Tx, r *rand.Rand) error {
	ref := SuperblockTreeRef(1)
	t, err := tx.OpenTree(ref, "crash")
	if errors.Is(err, ErrNoTree) {
		t, err = tx.CreateTree(ref, Layout{KeySize: 8, ValueSize: Variable}, "crash")
	}
	if err != nil {
		return err
	}
	val := make([]byte, 100+r.IntN(300))
	for range 10 + r.IntN(30) {
		key := le.AppendUint64(nil, r.Uint64N(200))
		if r.IntN(4) == 0 {
			if _, err := t.Delete(key); err != nil {
				return err
			}
			continue
		}
		for j := range val {
			val[j] = byte(r.Uint32())
		}
		if _, err := t.Put(key, val); err != nil {
			return err
		}
	}
	return nil
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
	return imagesOf(t, n, func(i int) func(*Tx) error { return crashMessage(seed, i) })
}

// imagesOf runs messages msg(1) to msg(n) on a heap store and returns the image after
// each (index 0: the empty store).
func imagesOf(t *testing.T, n int, msg func(i int) func(*Tx) error) [][32]byte {
	s := openHeap(t)
	imgs := [][32]byte{image(t, s)}
	for i := 1; i <= n; i++ {
		require.NoError(t, s.Update(msg(i)))
		imgs = append(imgs, image(t, s))
	}
	return imgs
}

// pointStep is the stride through the fault points of the exhaustive tests: every point,
// or every seventh under -short (a quick run; CI runs them all).
func pointStep() int {
	if testing.Short() {
		return 7
	}
	return 1
}

// syncModes are the two ways a file store can commit.
var syncModes = []struct {
	name   string
	noSync bool
}{{"sync", false}, {"nosync", true}}

// TestCrashAtEveryWrite cuts the file writes of a workload at every mutating operation (and
// tears the cut write), as a process crash does, reopens, and requires exactly the state of
// the last message whose log record was written whole: every message whose commit
// returned, and the one in flight if its record made it. In both sync modes: a process
// crash loses nothing that was written.
func TestCrashAtEveryWrite(t *testing.T) {
	const seed, msgs = 7, 40
	inSyncModes(t, seed, msgs, 48<<10, func(t *testing.T, noSync bool, imgs [][32]byte, opts func(*faultFS) *Options) {
		total, kinds := countOps(t, seed, msgs, opts)
		cuts := 0
		for cut := 0; cut <= total; cut += pointStep() {
			tears := []int{-1}
			if cut < total && kinds[cut] == "write" { // the operation the crash cuts
				tears = append(tears, 100, PageSize+20)
			}
			for _, torn := range tears {
				fs := newFaultFS(cut, torn)
				o := runUntilCrash(fs, seed, msgs, opts(fs))
				got := reopenImage(t, opts(fs.persisted()))
				checkRecovered(t, imgs, got, o, o.written, fmt.Sprintf("cut %d torn %d: %+v", cut, torn, o))
				cuts++
			}
		}
		t.Logf("%d mutating file operations, %d crash points checked", total, cuts)
	})
}

// inSyncModes runs fn in a subtest for each sync mode, with the images of the crash
// workload's messages and the options of a store on a fault-injecting file system.
func inSyncModes(t *testing.T, seed uint64, msgs int, checkpoint int64, fn func(t *testing.T, noSync bool, imgs [][32]byte, opts func(*faultFS) *Options)) {
	imgs := crashImages(t, seed, msgs)
	for _, mode := range syncModes {
		t.Run(mode.name, func(t *testing.T) {
			fn(t, mode.noSync, imgs, func(fs *faultFS) *Options {
				// Under NoSync, flush the pending pages every few messages, between checkpoints.
				// Messages that write a tree spill their pages to the log past a few.
				return &Options{fs: fs, CheckpointBytes: checkpoint, NoSync: mode.noSync, pendingPages: 6, SpillPages: 6}
			})
		})
	}
}

// reopenImage opens the store the options name and returns the image of its memory.
func reopenImage(t *testing.T, opts *Options) [32]byte {
	t.Helper()
	s, err := Open("db", opts)
	require.NoError(t, err)
	got := image(t, s)
	require.NoError(t, s.Close())
	return got
}

// countOps runs the workload without a crash and returns how many mutating file operations
// it made, the crash points to try, and the kind of each ("write", "truncate", "sync").
func countOps(t *testing.T, seed uint64, msgs int, opts func(*faultFS) *Options) (int, []string) {
	clean := newFaultFS(-1, -1)
	var kinds []string
	clean.onOp = func(_, kind string) { kinds = append(kinds, kind) }
	s, err := Open("db", opts(clean))
	require.NoError(t, err)
	var spilled uint64
	for i := 1; i <= msgs; i++ {
		st, err := s.UpdateWith(Budget{}, crashMessage(seed, i))
		require.NoError(t, err)
		spilled += st.PagesSpilled
	}
	require.NoError(t, s.Close())
	require.Positive(t, spilled, "the workload must cover messages that spill")
	t.Logf("%d page images spilled by the workload", spilled)
	require.Len(t, kinds, clean.ops)
	return clean.ops, kinds
}

// outcome is how far a workload got before its file system crashed.
type outcome struct {
	returned int // the last message whose Update returned nil (0: none)
	written  int // the last message whose log record was written whole
	durable  int // the last message whose log record was synced (or checkpointed)
}

// runUntilCrash runs the workload until the file system crashes. A crash while creating the
// store counts as message 0, since reopening creates the same empty store.
func runUntilCrash(fs *faultFS, seed uint64, msgs int, opts *Options) outcome {
	return runUntilCrashWith(fs, msgs, opts, func(i int, running *bool) func(*Tx) error {
		return trackedMessage(seed, i, running)
	})
}

// runUntilCrashWith is runUntilCrash for the workload whose message i msg returns; it sets
// *running while the message's function runs.
func runUntilCrashWith(fs *faultFS, msgs int, opts *Options, msg func(i int, running *bool) func(*Tx) error) outcome {
	var o outcome
	cur, running := 0, false
	fs.onOp = func(name, kind string) {
		switch {
		case name == "db-wal" && kind == "write" && !running:
			o.written = max(o.written, cur) // the record, or a checkpoint after it
		case name == "db-wal" && kind == "sync":
			o.durable = o.written
		}
	}
	s, err := Open("db", opts)
	if err != nil {
		return o
	}
	for i := 1; i <= msgs; i++ {
		cur = i
		if err := s.Update(msg(i, &running)); err != nil {
			return o
		}
		o.returned = i
	}
	s.Close()
	return o
}

// checkRecovered requires the recovered image to be that of a message in [lo, o.written]:
// after a process crash exactly o.written, after a power cut anything from the last durable
// message on. Nothing whose commit returned is lost to a process crash, nothing synced to
// a power cut, and no state is one that no commit left.
func checkRecovered(t *testing.T, imgs [][32]byte, got [32]byte, o outcome, lo int, msg string) {
	t.Helper()
	require.LessOrEqual(t, o.returned, o.written, msg)
	k := slices.Index(imgs, got)
	require.GreaterOrEqual(t, k, 0, "%s: recovered a state no commit left", msg)
	require.GreaterOrEqual(t, k, lo, "%s: recovered message %d: lost a message that was durable", msg, k)
	require.LessOrEqual(t, k, o.written, "%s: recovered message %d, never written", msg, k)
}

// TestCrashLosingUnsyncedWrites cuts the workload at every operation and then also drops a
// random part of what was written since each file's last sync, as a power loss may. With
// the log synced at every commit, every message whose commit returned survives; under
// NoSync the store may lose the messages since the last sync, whole and newest first, and
// is never a state that no commit left, nor one that will not open.
func TestCrashLosingUnsyncedWrites(t *testing.T) {
	const seed, msgs = 11, 25
	inSyncModes(t, seed, msgs, 40<<10, func(t *testing.T, noSync bool, imgs [][32]byte, opts func(*faultFS) *Options) {
		total, _ := countOps(t, seed, msgs, opts)
		lost := 0
		for cut := 0; cut <= total; cut += pointStep() {
			for trial := range 3 {
				fs := newFaultFS(cut, PageSize/3)
				fs.loseUnsynced, fs.rnd = true, rand.New(rand.NewPCG(uint64(cut), uint64(trial)))
				o := runUntilCrash(fs, seed, msgs, opts(fs))
				if !noSync {
					require.GreaterOrEqual(t, o.durable, o.returned, "every returned commit was synced")
				}
				got := reopenImage(t, opts(fs.persisted()))
				checkRecovered(t, imgs, got, o, o.durable, fmt.Sprintf("cut %d trial %d: %+v", cut, trial, o))
				if got != imgs[o.returned] && slices.Index(imgs, got) < o.returned {
					lost++
				}
			}
		}
		t.Logf("%d crash points × 3 power cuts: %d lost returned messages (whole)", total+1, lost)
	})
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
		// The child goes on committing until the signal lands (under load, several
		// messages): what it reported before it died is in the rest of its output.
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
				last, err = strconv.Atoi(n)
				require.NoError(t, err)
			}
		}
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
