package store

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// fallocate allocates the blocks of [off, off+n) in f, extending it.
func fallocate(f *os.File, off, n int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, off, n)
		if err != syscall.EINTR {
			return err
		}
	}
}

// startWriteback asks the system to start writing [off, off+n) of f to its disk, without
// waiting for it: a later sync of f then finds less to write. It is advice, for a file of
// this system only; the sync stays what makes the bytes durable.
func startWriteback(f file, off, n int64) {
	if osf, ok := f.(*os.File); ok {
		const syncFileRangeWrite = 2 // SYNC_FILE_RANGE_WRITE
		_ = syscall.SyncFileRange(int(osf.Fd()), off, n, syncFileRangeWrite)
	}
}

// iovMax is the most buffers one pwritev takes (Linux's IOV_MAX).
const iovMax = 1024

// writeVec writes bufs end to end at off in f: for a file of this system with pwritev, the
// buffers where they are, else joined (writeJoined). As a WriteAt, a write that fails may
// have written any part of them.
func writeVec(f file, bufs [][]byte, off int64, scratch *[]byte) error {
	osf, ok := f.(*os.File)
	if !ok {
		return writeJoined(f, bufs, off, scratch)
	}
	fd := int(osf.Fd())
	for {
		for len(bufs) > 0 && len(bufs[0]) == 0 {
			bufs = bufs[1:]
		}
		if len(bufs) == 0 {
			return nil
		}
		n, err := unix.Pwritev(fd, bufs[:min(len(bufs), iovMax)], off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "pwritev", Path: osf.Name(), Err: err}
		}
		if n == 0 {
			return &os.PathError{Op: "pwritev", Path: osf.Name(), Err: io.ErrShortWrite}
		}
		off += int64(n)
		bufs = skipWritten(bufs, n) // a short write: go on after its last byte
	}
}

// skipWritten returns what of bufs comes after their first n bytes. Only the first buffer
// left may be resliced, in a new slice: the caller's keeps what it holds.
func skipWritten(bufs [][]byte, n int) [][]byte {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	if n > 0 {
		bufs = append([][]byte{bufs[0][n:]}, bufs[1:]...)
	}
	return bufs
}

// dropMapped drops the pages of a shared file mapping from the process's resident set.
// The mapping stays valid: a read after it maps the page again from the page cache or the
// file. It is advice: should the system refuse it, the pages just stay resident.
func dropMapped(data []byte) { _ = syscall.Madvise(data, syscall.MADV_DONTNEED) }

// systemLockHolder reads /proc/locks for the processes holding a flock on f: the writer,
// or the one reader, by PID and command, or how many readers share it.
func systemLockHolder(f *os.File) LockHolder {
	var st syscall.Stat_t
	if syscall.Fstat(int(f.Fd()), &st) != nil {
		return LockHolder{}
	}
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		return LockHolder{}
	}
	dev := uint64(st.Dev)
	major, minor := (dev>>8)&0xfff|(dev>>32)&^0xfff, dev&0xff|(dev>>12)&^0xff
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
	var h LockHolder
	for line := range strings.SplitSeq(string(b), "\n") {
		// "1: FLOCK  ADVISORY  WRITE 4242 fe:00:9979333 0 EOF"
		fields := strings.Fields(line)
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[5] != want {
			continue
		}
		pid, err := strconv.Atoi(fields[4])
		if err != nil {
			continue
		}
		if fields[3] == "WRITE" {
			return LockHolder{PID: pid, Command: commandLine(pid)}
		}
		h.Readers++
		if h.Readers == 1 {
			h.PID, h.Command = pid, commandLine(pid)
		} else {
			h.PID, h.Command = 0, ""
		}
	}
	return h
}
