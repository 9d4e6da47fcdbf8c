//go:build unix && !linux

package store

import (
	"errors"
	"os"
)

// fallocate is not there: reserve writes the zeros.
func fallocate(*os.File, int64, int64) error { return errors.ErrUnsupported }

// startWriteback does nothing here: the sync writes what it must.
func startWriteback(file, int64, int64) {}

// dropMapped does nothing here: Options.MapBudget is not kept on this system.
func dropMapped([]byte) {}

// systemLockHolder knows nothing here: the system does not list a flock's holders.
func systemLockHolder(*os.File) LockHolder { return LockHolder{} }

// writeVec writes bufs end to end at off in f, joined (writeJoined): no pwritev here.
func writeVec(f file, bufs [][]byte, off int64, scratch *[]byte) error {
	return writeJoined(f, bufs, off, scratch)
}
