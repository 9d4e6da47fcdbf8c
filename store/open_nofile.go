//go:build !unix

package store

import (
	"errors"
	"fmt"
	"runtime"
)

// Open would open the store in the file at path, as it does on a unix system. The file
// store needs what only unix systems give it (a shared mapping of the file, and flock), so
// here Open fails with an error wrapping errors.ErrUnsupported: use OpenMemory over the
// system's memory instead (in a Wasm guest, StableMemory).
func Open(path string, opts *Options) (*Store, error) {
	return nil, fmt.Errorf("open store %s: %w: the file store needs a unix system, not %s; use OpenMemory", path, errors.ErrUnsupported, runtime.GOOS)
}

// startWriteback does nothing here: there are no files.
func startWriteback(file, int64, int64) {}

// writeVec writes bufs end to end at off in f, joined (writeJoined): no pwritev here.
func writeVec(f file, bufs [][]byte, off int64, scratch *[]byte) error {
	return writeJoined(f, bufs, off, scratch)
}
