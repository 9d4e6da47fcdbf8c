//go:build linux

package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallTmpfs mounts a tmpfs of the given size on a temporary directory, or skips the test
// (saying why) where it cannot: not root, or no mount.
func smallTmpfs(t *testing.T, size string) string {
	if os.Geteuid() != 0 {
		t.Skip("skipped: mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("skipped: cannot mount a tmpfs on %s: %v: %s", dir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file into dir that leaves only leave bytes of the file system free, and
// returns its name.
func fill(t *testing.T, dir string, leave int64) string {
	var st syscall.Statfs_t
	require.NoError(t, syscall.Statfs(dir, &st))
	free := int64(st.Bavail) * st.Bsize
	p := filepath.Join(dir, "filler")
	require.NoError(t, os.WriteFile(p, make([]byte, max(free-leave, 0)), 0o644))
	return p
}

// TestFullDisk runs a store on a real 2 MiB tmpfs until the disk is full, with Views
// checking in parallel that they never see half a message: the Update that meets the full
// disk fails with ENOSPC (a grow reserves its blocks, so no read of the mapping can hit an
// unbacked page: that was a SIGBUS), nothing committed is lost, and once space is freed
// the store goes on.
func TestFullDisk(t *testing.T) {
	dir := smallTmpfs(t, "2m")
	path := filepath.Join(dir, "s.sgdb")
	s, err := Open(path, &Options{CheckpointBytes: 128 << 10})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() }) // before the unmount

	// The invariant: the pages listed in root slots 2…9 all hold the message number in
	// root slot 1.
	require.NoError(t, s.Update(func(tx *Tx) error {
		for i := 2; i < 10; i++ {
			id, _ := tx.Raw().Alloc()
			tx.Raw().SetRoot(i, uint64(id))
		}
		return nil
	}))
	check := func(tx *Tx) error {
		n := tx.Raw().Root(1)
		for i := 2; i < 10; i++ {
			if got := le.Uint64(tx.Raw().Page(PageID(tx.Raw().Root(i)))); got != n {
				t.Errorf("a View saw message %d in root slot 1 and %d in page %d", n, got, i)
			}
		}
		return nil
	}
	msg := func(n uint64, grow int) func(tx *Tx) error {
		return func(tx *Tx) error {
			r := tx.Raw()
			r.SetRoot(1, n)
			for i := 2; i < 10; i++ {
				le.PutUint64(r.WritePage(PageID(r.Root(i))), n)
			}
			for range grow {
				_, p := r.Alloc() // grows the memory every 16 pages
				p[0] = 1
			}
			return nil
		}
	}
	stop := viewsUntil(2, s, func(err error) { assert.ErrorIs(t, err, ErrFailed) }, check)
	var committed uint64
	var full error
	for n := uint64(1); n < 10000 && full == nil; n++ {
		if full = s.Update(msg(n, 5)); full == nil {
			committed = n
		}
	}
	stop()
	require.Error(t, full, "the disk never filled")
	require.ErrorIs(t, full, syscall.ENOSPC)
	assert.NotErrorIs(t, full, ErrInDoubt)
	require.NoError(t, s.Err(), "a full disk is an error for the message, not for the store")
	t.Logf("the disk filled after %d messages: %v", committed, full)

	// Grow by more than the disk has left, with room for the log: the grow fails (it used to
	// commit a sparse file whose new pages killed the next View that read them), and a View
	// reads every page.
	if out, err := exec.Command("mount", "-o", "remount,size=3m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s: %v: %s", dir, err, out)
	}
	filler := fill(t, dir, WasmPageSize)
	err = s.Update(func(tx *Tx) error {
		old, err := tx.Raw().Grow(2)
		require.NoError(t, err)
		p := make([]byte, 2*WasmPageSize)
		require.NoError(t, tx.Raw().ReadAt(p, old*WasmPageSize))
		return nil
	})
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.NoError(t, s.View(func(tx *Tx) error {
		p := make([]byte, tx.Raw().Size()*WasmPageSize)
		return tx.Raw().ReadAt(p, 0)
	}))

	// Space again: the store goes on, and a reopen shows every committed message.
	require.NoError(t, os.Remove(filler))
	if out, err := exec.Command("mount", "-o", "remount,size=4m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s: %v: %s", dir, err, out)
	}
	require.NoError(t, s.Update(msg(committed+1, 5)))
	require.NoError(t, s.Close())
	s, err = Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, s.View(func(tx *Tx) error {
		assert.Equal(t, committed+1, tx.Raw().Root(1))
		return check(tx)
	}))
	require.NoError(t, s.Close())
}
