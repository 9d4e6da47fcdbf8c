package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tickPages is how many pages the tick workload rewrites: more than tickOptions keeps
// pending, so that each message alone is past the limit.
const tickEntries = 400

// tickMessage rewrites every value of one tree, the same leaves every time once the first
// message has made them, as an ECS tick does, and records i in root slot 1.
func tickMessage(i int) func(*Tx) error {
	return func(tx *Tx) error {
		ref := SuperblockTreeRef(1)
		t, err := tx.OpenTree(ref, "tick")
		if errors.Is(err, ErrNoTree) {
			t, err = tx.CreateTree(ref, Layout{KeySize: 8, ValueSize: 64}, "tick")
		}
		if err != nil {
			return err
		}
		val := make([]byte, 64)
		for k := range tickEntries {
			le.PutUint64(val, uint64(i*1000+k))
			le.PutUint64(val[56:], uint64(i))
			if _, err := t.Put(be.AppendUint64(nil, uint64(k)), val); err != nil {
				return err
			}
		}
		tx.Raw().SetRoot(1, uint64(i))
		return nil
	}
}

// tickOptions are those of a NoSync store on fs that keeps fewer pages pending than one
// tick dirties.
func tickOptions(fs *faultFS, checkpoint int64) *Options {
	return &Options{fs: fs, NoSync: true, CheckpointBytes: checkpoint, pendingPages: 4}
}

// TestTicksWritePagesInPlaceOncePerCheckpoint runs NoSync messages that rewrite the same
// pages, each more than the store keeps pending: every message replaces the pages pending
// before it, nothing reaches the main file nor syncs the log until the log is checkpointed,
// and then each page is written in place once, as of the last message (runs of
// consecutive pages in one write).
func TestTicksWritePagesInPlaceOncePerCheckpoint(t *testing.T) {
	const msgs = 12
	imgs := imagesOf(t, msgs, tickMessage)
	fs := newFaultFS(-1, -1)
	ops := map[string]int{}
	fs.onOp = func(name, kind string) { ops[name+" "+kind]++ }
	s, err := Open("db", tickOptions(fs, 1<<30))
	require.NoError(t, err)
	// The first messages make the tree and dirty pages the later ones do not: the pages
	// pending beyond a message's own are flushed.
	require.NoError(t, s.Update(tickMessage(1)))
	require.NoError(t, s.Update(tickMessage(2)))
	var dirtied uint64
	clear(ops)
	for i := 3; i <= msgs; i++ {
		st, err := s.UpdateWith(Budget{}, tickMessage(i))
		require.NoError(t, err)
		require.Greater(t, st.PagesDirtied, uint64(4), "a tick dirties more pages than are kept pending")
		dirtied = st.PagesDirtied
		require.Equal(t, imgs[i], image(t, s), "message %d reads its own pages back", i)
	}
	assert.Equal(t, map[string]int{"db-wal write": msgs - 2}, ops, "one log write per message, nothing else")
	clear(ops)
	require.NoError(t, s.Close())
	// Each page once, at the checkpoint, runs of consecutive pages in one write each.
	assert.Positive(t, ops["db write"])
	assert.Less(t, ops["db write"], int(dirtied), "consecutive pages written together")
	assert.Equal(t, 1, ops["db sync"])
	s, err = Open("db", tickOptions(fs.persisted(), 1<<30))
	require.NoError(t, err)
	assert.Equal(t, imgs[msgs], image(t, s))
	require.NoError(t, s.Close())
}

// TestCrashWhileTicksPending cuts the tick workload's file operations at every point (and
// tears the cut write), then also as a power cut that drops what was not synced: the store
// reopens at the state of a message, never losing one whose record was written whole (a
// process crash) or synced (a power cut), though its pages had not reached the main file.
func TestCrashWhileTicksPending(t *testing.T) {
	const msgs = 10
	imgs := imagesOf(t, msgs, tickMessage)
	// A checkpoint every few messages: crashes fall before, within and after one.
	opts := func(fs *faultFS) *Options { return tickOptions(fs, 3*tickLogBytes(t)) }
	clean := newFaultFS(-1, -1)
	var kinds []string
	clean.onOp = func(_, kind string) { kinds = append(kinds, kind) }
	s, err := Open("db", opts(clean))
	require.NoError(t, err)
	for i := 1; i <= msgs; i++ {
		require.NoError(t, s.Update(tickMessage(i)))
	}
	require.NoError(t, s.Close())
	checkpoints := 0
	for _, k := range kinds {
		if k == "truncate" {
			checkpoints++
		}
	}
	require.GreaterOrEqual(t, checkpoints, 2, "the workload checkpoints while it runs")
	for cut := 0; cut <= len(kinds); cut++ {
		tears := []int{-1}
		if cut < len(kinds) && kinds[cut] == "write" {
			tears = append(tears, 100, PageSize+20)
		}
		for _, torn := range tears {
			fs := newFaultFS(cut, torn)
			o := runUntilCrashWith(fs, msgs, opts(fs), tickTracked)
			got := reopenImage(t, opts(fs.persisted()))
			checkRecovered(t, imgs, got, o, o.written, fmt.Sprintf("crash: cut %d torn %d: %+v", cut, torn, o))
		}
		fs := newFaultFS(cut, PageSize/3)
		fs.loseUnsynced, fs.rnd = true, rand.New(rand.NewPCG(uint64(cut), 1))
		o := runUntilCrashWith(fs, msgs, opts(fs), tickTracked)
		got := reopenImage(t, opts(fs.persisted()))
		checkRecovered(t, imgs, got, o, o.durable, fmt.Sprintf("power cut %d: %+v", cut, o))
	}
}

// tickLogBytes returns how many bytes of the log a tick after the first takes.
func tickLogBytes(t *testing.T) int64 {
	s, err := Open("db", tickOptions(newFaultFS(-1, -1), 1<<30))
	require.NoError(t, err)
	var size [2]int64
	for i := range 4 {
		require.NoError(t, s.Update(tickMessage(i+1)))
		size[0], size[1] = size[1], s.log.size
	}
	require.NoError(t, s.Close())
	return size[1] - size[0]
}

func tickTracked(i int, running *bool) func(*Tx) error {
	return func(tx *Tx) error {
		*running = true
		defer func() { *running = false }()
		return tickMessage(i)(tx)
	}
}

// TestFaultInLazyCheckpoint fails each file operation of the checkpoint that writes the
// pending pages of several ticks in place: the Update that triggered it returns nil (its
// message is committed: the log holds it), the store then fails with an error that says
// where, and reopening it recovers every message.
func TestFaultInLazyCheckpoint(t *testing.T) {
	const msgs = 6
	imgs := imagesOf(t, msgs, tickMessage)
	checkpoint := walHeaderSize + (2*msgs-1)*tickLogBytes(t)/2 // reached by the last message
	count := func(fs *faultFS) (ops int) {
		s, err := Open("db", tickOptions(fs, checkpoint))
		require.NoError(t, err)
		for i := 1; i < msgs; i++ {
			require.NoError(t, s.Update(tickMessage(i)))
		}
		ops = fs.ops
		require.NoError(t, s.Update(tickMessage(msgs)))
		require.Equal(t, int64(walHeaderSize), s.log.size, "the last message checkpoints")
		return ops
	}
	clean := newFaultFS(-1, -1)
	var kinds []string
	clean.onOp = func(_, kind string) { kinds = append(kinds, kind) }
	before := count(clean)
	tried := 0
	for n := before + 2; n <= len(kinds); n++ { // past the last message's log write
		for _, errno := range []error{syscall.EIO, syscall.ENOSPC} {
			fs := newFaultFS(-1, -1)
			fs.failAt, fs.failErr, fs.failLands = n, errno, -1
			s, err := Open("db", tickOptions(fs, checkpoint))
			require.NoError(t, err)
			for i := 1; i <= msgs; i++ {
				require.NoError(t, s.Update(tickMessage(i)), "message %d is committed once logged", i)
			}
			what := fmt.Sprintf("operation %d (%s) failing with %v", n, kinds[n-1], errno)
			require.ErrorIs(t, s.Err(), ErrFailed, what)
			require.ErrorIs(t, s.Err(), errno, what)
			assert.True(t, strings.Contains(s.Err().Error(), "checkpoint") || strings.Contains(s.Err().Error(), "log"),
				"%s: the error says where: %v", what, s.Err())
			require.ErrorIs(t, s.Update(tickMessage(msgs+1)), ErrFailed)
			s.Close()
			got := reopenImage(t, tickOptions(fs.persisted(), checkpoint))
			assert.Equal(t, slices.Index(imgs, imgs[msgs]), slices.Index(imgs, got), "%s: every message recovered", what)
			tried++
		}
	}
	require.Positive(t, tried)
}

// TestCheckpointKeepsTheLogFile checks that a commit's checkpoint empties the log but keeps
// its file's length, the next messages overwriting the stale frames, that a reopen after a
// crash there replays only the new ones, and that Close cuts the file back to its header.
func TestCheckpointKeepsTheLogFile(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		const msgs = 9
		imgs := imagesOf(t, msgs, tickMessage)
		fs := newFaultFS(-1, -1)
		opts := func(fs *faultFS) *Options {
			o := tickOptions(fs, 4*tickLogBytes(t))
			o.NoSync = noSync
			return o
		}
		s, err := Open("db", opts(fs))
		require.NoError(t, err)
		kept := false
		for i := 1; i <= msgs; i++ {
			before := s.log.size
			require.NoError(t, s.Update(tickMessage(i)))
			if s.log.size < before {
				kept = true
				require.Equal(t, int64(walHeaderSize), s.log.size)
				require.Greater(t, int64(len(fs.files["db-wal"].data)), s.log.size, "noSync %v: the file keeps its length", noSync)
			}
			if kept && s.log.size > walHeaderSize {
				// A crash now: the new frames, then the stale ones of the old salt.
				got := reopenImage(t, opts(fs.persisted()))
				require.Equal(t, imgs[i], got, "noSync %v: reopened after message %d", noSync, i)
			}
		}
		require.True(t, kept, "the workload checkpoints")
		require.NoError(t, s.Close())
		assert.Len(t, fs.files["db-wal"].data, walHeaderSize, "Close cuts the log back")
		assert.Equal(t, imgs[msgs], reopenImage(t, opts(fs)))
	}
}

// TestTicksReuseTheirPageBuffers checks that messages which rewrite the same pages copy
// them into the buffers of the pages they replaced (pending under NoSync, or written in
// place), not into new ones, and read back what they wrote.
func TestTicksReuseTheirPageBuffers(t *testing.T) {
	const msgs = 6
	imgs := imagesOf(t, msgs, tickMessage)
	for name, open := range map[string]func() *Store{
		"nosync": func() *Store {
			s, err := Open("db", tickOptions(newFaultFS(-1, -1), 1<<30))
			require.NoError(t, err)
			return s
		},
		"heap": func() *Store { return openHeap(t) },
	} {
		s := open()
		for i := 1; i <= msgs; i++ {
			spare := len(s.spare)
			var dirtied int
			require.NoError(t, s.Update(func(tx *Tx) error {
				if err := tickMessage(i)(tx); err != nil {
					return err
				}
				dirtied = len(tx.dirty)
				if i > 3 {
					assert.Equal(t, max(0, spare-dirtied), len(s.spare), "%s: message %d copies into spare buffers", name, i)
				}
				return nil
			}))
			if i > 3 { // the first messages make the tree; under NoSync the second flushes
				assert.GreaterOrEqual(t, len(s.spare), dirtied-1, "%s: message %d's replaced pages are spare", name, i)
			}
			require.Equal(t, imgs[i], image(t, s), "%s: message %d", name, i)
		}
		require.NoError(t, s.Close())
	}
}
