package store

import (
	"os"
	"syscall"
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
