//go:build unix

package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// The lock-info record, path+"-lock", is what a writing Store says about itself to the
// processes its lock turns away: one JSON object, written after the exclusive lock is
// taken and removed by Close.
//
//	{"pid": 4242, "command": "graphctl serve --db world.sgdb", "addr": "http://127.0.0.1:7070",
//	 "since": "2026-11-28T12:00:00Z"}
//
// A record left by a process that crashed is stale; it is only read while the lock is
// held, and a record whose process is gone is ignored. Read-only Stores write nothing, so
// a lock shared by them is described by what the system says of its holders (Linux:
// /proc/locks), or not at all.

// lockPollInterval is how often a waiting open tries the lock again: flock cannot wait
// with a deadline, and a store's opens are rare enough for polling to cost nothing.
const lockPollInterval = 20 * time.Millisecond

// lockFile takes the flock how (LOCK_EX or LOCK_SH) on f, the file of the store at path,
// waiting up to o.Timeout for a conflicting holder to let go. o.OnWait is told once, when
// the wait begins.
func lockFile(f *os.File, path string, how int, o *Options) error {
	start := time.Now()
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("lock %s: %w", path, err)
		}
		waited := time.Since(start)
		if waited >= o.Timeout {
			if o.Timeout == 0 {
				waited = 0
			}
			return &LockedError{Path: path, Holder: lockHolder(f, path), Waited: waited}
		}
		if !told && o.OnWait != nil {
			o.OnWait(lockHolder(f, path))
			told = true
		}
		time.Sleep(min(lockPollInterval, o.Timeout-waited))
	}
}

// lockHolder says who holds the lock on f: the lock-info record, if its process lives,
// else the holders the system lists.
func lockHolder(f *os.File, path string) LockHolder {
	var h LockHolder
	if b, err := os.ReadFile(path + "-lock"); err == nil && json.Unmarshal(b, &h) == nil && h.PID > 0 && alive(h.PID) {
		return h
	}
	return systemLockHolder(f)
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writeLockInfo writes the lock-info record of a writing Store and returns the function
// that removes it. The record is a courtesy to other processes: failing to write it does
// not fail the open.
func writeLockInfo(path string, o *Options) func() error {
	h := LockHolder{PID: os.Getpid(), Command: commandLine(os.Getpid()), Addr: o.ServeAddr, Since: time.Now().UTC().Truncate(time.Second)}
	b, err := json.Marshal(h)
	if err != nil {
		return func() error { return nil }
	}
	name := path + "-lock"
	if os.WriteFile(name, append(b, '\n'), 0o644) != nil {
		return func() error { return nil }
	}
	return func() error {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
}

// commandLine returns the command line of process pid, as far as the system tells.
func commandLine(pid int) string {
	if pid == os.Getpid() {
		return strings.Join(os.Args, " ")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}
