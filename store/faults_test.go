package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultRun is what a workload met when one file operation failed.
type faultRun struct {
	outcome
	committed    int  // the last message whose Update returned nil
	inDoubt      bool // an Update returned ErrInDoubt: message committed+1 may have committed
	openFailed   bool
	notCommitted int // Updates that returned another error: not committed, retried
	failed       bool
}

// runWithFaults runs the workload on fs, whose faults are set, checking after each Update
// what the store says: a View sees exactly the last committed state (never half a message)
// or, once the store has failed, refuses with ErrFailed. A message whose Update returned an
// error that is not ErrInDoubt is retried once the fault has passed.
func runWithFaults(t *testing.T, fs *faultFS, seed uint64, msgs int, opts *Options, imgs [][32]byte, what string) faultRun {
	var r faultRun
	cur, running := 0, false
	fs.onOp = func(name, kind string) {
		switch {
		case name == "db-wal" && kind == "write" && !running:
			r.written = max(r.written, cur)
		case name == "db-wal" && kind == "sync":
			r.durable = r.written
		}
	}
	s, err := Open("db", opts)
	if err != nil {
		r.openFailed = true
		return r
	}
	defer s.Close()
	retries := 0
	for i := 1; i <= msgs; {
		cur = i
		err := s.Update(trackedMessage(seed, i, &running))
		switch {
		case err == nil:
			r.committed, r.returned = i, i
			i, retries = i+1, 0
		case errors.Is(err, ErrInDoubt):
			r.inDoubt = true
			require.ErrorIs(t, s.Update(crashMessage(seed, i)), ErrFailed, "%s: an in-doubt store refuses writes", what)
			return r
		case errors.Is(err, ErrFailed):
			r.failed = true
			return r
		default:
			r.notCommitted++
			if retries++; retries > 2 { // a disk that stays full
				return r
			}
		}
		var got [32]byte
		err = s.View(func(tx *Tx) error { got = imageIn(tx); return nil })
		if err != nil {
			require.ErrorIs(t, err, ErrFailed, "%s: message %d", what, i)
			require.ErrorIs(t, s.Err(), ErrFailed)
			r.failed = true
			return r
		}
		require.Equal(t, imgs[r.committed], got, "%s: after message %d a View sees the state of message %d", what, i, slices.Index(imgs, got))
	}
	return r
}

// imageIn is image inside a message.
func imageIn(tx *Tx) [32]byte {
	b := make([]byte, tx.Raw().Size()*WasmPageSize)
	if err := tx.Raw().ReadAt(b, 0); err != nil {
		panic(err)
	}
	return sha256.Sum256(b)
}

// TestFaultsAtEveryOperation fails one mutating file operation of a workload (a write, a
// truncate or a sync, of the main file or the log) for every operation in turn: with ENOSPC
// or EIO, once, or as a disk that stays full from then on; and a failed write lands none,
// some or all of its bytes. In both sync modes. After each such run it requires:
//
//   - an Update returned nil, ErrInDoubt, or another error, and the store behaves
//     accordingly: nil is committed, another error is not (the retry applies the message
//     once), ErrInDoubt is either, and then the store refuses writes;
//   - Views saw the last committed state after every Update, or were refused (ErrFailed);
//   - reopening the files shows every committed message and nothing else (the in-doubt
//     one either way), and so does a power cut after the fault, down to what was synced.
func TestFaultsAtEveryOperation(t *testing.T) {
	const seed, msgs = 13, 20
	type kind struct {
		name  string
		err   error
		full  bool
		burst int // failures after the first
	}
	kinds := []kind{
		{"ENOSPC", syscall.ENOSPC, false, 0},
		{"EIO", syscall.EIO, false, 0},
		{"EIO-burst", syscall.EIO, false, 2}, // the undo fails too: in doubt
		{"full", syscall.ENOSPC, true, 0},
	}
	inSyncModes(t, seed, msgs, 40<<10, func(t *testing.T, noSync bool, imgs [][32]byte, opts func(*faultFS) *Options) {
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) {
				total, _ := countOps(t, seed, msgs, opts)
				tally, failedOps := map[string]int{}, 0
				for n := 1; n <= total; n += pointStep() {
					fs := newFaultFS(-1, -1)
					fs.failAt, fs.failErr, fs.full, fs.failN = n, k.err, k.full, k.burst
					fs.failLands = []int{0, 100, -1}[n%3]
					what := fmt.Sprintf("operation %d of %d", n, total)
					r := runWithFaults(t, fs, seed, msgs, opts(fs), imgs, what)
					if fs.failed == 0 {
						continue // the fault point is an operation this run did not make
					}
					failedOps += fs.failed
					switch {
					case r.openFailed:
						tally["open failed"]++
					case r.inDoubt:
						tally["in doubt"]++
					case r.failed:
						tally["store failed after a commit"]++
					case r.notCommitted > 0:
						tally["not committed, retried"]++
					default:
						tally["no message affected"]++
					}
					fs.failAt = 0
					want := []int{r.committed}
					if r.inDoubt {
						want = append(want, r.committed+1)
					}
					got := slices.Index(imgs, reopenImage(t, opts(fs.persisted())))
					assert.Contains(t, want, got, "%s: %+v: reopened at message %d", what, r, got)

					fs.loseUnsynced, fs.rnd = true, rand.New(rand.NewPCG(uint64(n), 1))
					got = slices.Index(imgs, reopenImage(t, opts(fs.persisted())))
					lo := r.durable
					if !noSync {
						lo = r.committed // every commit that returned was synced
					}
					assert.True(t, got >= lo && got <= want[len(want)-1], "%s: %+v: after a power cut, message %d", what, r, got)
				}
				t.Logf("%d fault points, %d operations failed in all: %v", total, failedOps, tally)
			})
		}
	})
}
