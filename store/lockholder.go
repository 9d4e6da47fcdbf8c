package store

import (
	"fmt"
	"strings"
	"time"
)

// LockHolder describes the process holding a store's lock.
type LockHolder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command,omitempty"`
	Addr    string    `json:"addr,omitempty"` // where the holder serves the store, if it does
	Since   time.Time `json:"since,omitzero"`
	// Readers is how many read-only opens share the lock, when that is what blocks.
	Readers int `json:"-"`
}

// String describes h for an error message or a note on stderr.
func (h LockHolder) String() string {
	var b strings.Builder
	switch {
	case h.PID != 0:
		fmt.Fprintf(&b, "pid %d", h.PID)
		if h.Command != "" {
			fmt.Fprintf(&b, " (%s)", h.Command)
		}
	case h.Readers > 0:
		fmt.Fprintf(&b, "%d read-only open(s)", h.Readers)
	default:
		b.WriteString("another process")
	}
	if h.Addr != "" {
		fmt.Fprintf(&b, ", which serves it at %s", h.Addr)
	}
	return b.String()
}

// LockedError is the error of an Open that found the store's lock held: it names the
// holder, as far as the system and the lock-info record tell, and wraps ErrLocked.
type LockedError struct {
	Path   string
	Holder LockHolder
	Waited time.Duration // how long the open waited for the lock
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("%s: %v: held by %s", e.Path, ErrLocked, e.Holder)
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (waited %s)", e.Waited.Round(time.Millisecond))
	}
	return msg
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }
