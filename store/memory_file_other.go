//go:build unix && !linux

package store

import (
	"errors"
	"os"
)

// fallocate is not there: reserve writes the zeros.
func fallocate(*os.File, int64, int64) error { return errors.ErrUnsupported }
