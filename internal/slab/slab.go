// Package slab hands out zeroed values cut from arrays, never the same one twice: for
// objects made once per message (the data model's Tx) that the message's function
// may keep past the message. Reusing them would let a kept one reach a later message;
// cutting them from arrays makes one allocation serve many messages instead, and an
// array is collected once nothing points into it.
package slab

import "sync"

// Slab hands out *T from arrays of N values. The zero Slab is ready to use; it is safe
// for concurrent use.
type Slab[T any] struct {
	// N is the length of the arrays (64 if 0).
	N    int
	mu   sync.Mutex
	free []T
}

// New returns a pointer to a zero T that Slab never hands out again.
func (s *Slab[T]) New() *T {
	s.mu.Lock()
	if len(s.free) == 0 {
		n := s.N
		if n == 0 {
			n = 64
		}
		s.free = make([]T, n)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	s.mu.Unlock()
	return p
}
