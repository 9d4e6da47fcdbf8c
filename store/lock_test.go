//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockedErrorNamesTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	w, err := Open(path, &Options{ServeAddr: "http://127.0.0.1:7070"})
	require.NoError(t, err)
	require.FileExists(t, path+"-lock")

	for _, ro := range []bool{false, true} {
		_, err = Open(path, &Options{ReadOnly: ro})
		require.ErrorIs(t, err, ErrLocked)
		var le *LockedError
		require.True(t, errors.As(err, &le))
		assert.Equal(t, os.Getpid(), le.Holder.PID)
		assert.Equal(t, "http://127.0.0.1:7070", le.Holder.Addr)
		assert.NotEmpty(t, le.Holder.Command)
		assert.Contains(t, err.Error(), "serves it at http://127.0.0.1:7070")
		assert.Zero(t, le.Waited, "a zero Timeout fails at once")
	}
	require.NoError(t, w.Close())
	assert.NoFileExists(t, path+"-lock", "Close removes the record")
}

func TestOpenWaitsForTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	w, err := Open(path, nil)
	require.NoError(t, err)

	// A read-only open waits, says once on whom, and opens when the writer closes.
	var told []LockHolder
	done := make(chan error, 1)
	go func() {
		r, err := Open(path, &Options{ReadOnly: true, Timeout: time.Minute, OnWait: func(h LockHolder) { told = append(told, h) }})
		if err == nil {
			err = r.Close()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the read-only open did not wait: %v", err)
	default:
	}
	require.NoError(t, w.Close())
	require.NoError(t, <-done)
	require.Len(t, told, 1)
	assert.Equal(t, os.Getpid(), told[0].PID)

	// A writing open that gives up says how long it waited, and on whom: readers hold it.
	r, err := Open(path, &Options{ReadOnly: true})
	require.NoError(t, err)
	_, err = Open(path, &Options{Timeout: 50 * time.Millisecond})
	var le *LockedError
	require.True(t, errors.As(err, &le), "%v", err)
	assert.GreaterOrEqual(t, le.Waited, 50*time.Millisecond)
	assert.Contains(t, err.Error(), "waited")
	if _, err := os.Stat("/proc/locks"); err == nil {
		assert.Equal(t, os.Getpid(), le.Holder.PID, "the one reader, from /proc/locks")
		assert.Equal(t, 1, le.Holder.Readers)
	}
	require.NoError(t, r.Close())
}

func TestStaleLockInfoIsIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	w, err := Open(path, nil)
	require.NoError(t, err)
	// A record left by a process that is gone (pid 2^22 + 1 exceeds Linux's pid_max).
	require.NoError(t, os.WriteFile(path+"-lock", []byte(`{"pid":4194305,"command":"ghost","addr":"http://127.0.0.1:1"}`), 0o644))
	_, err = Open(path, &Options{ReadOnly: true})
	require.ErrorIs(t, err, ErrLocked)
	assert.NotContains(t, err.Error(), "ghost")
	assert.NotContains(t, err.Error(), "127.0.0.1:1")
	require.NoError(t, w.Close())
}
