package slab

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNeverTwice takes values from goroutines at once, across many arrays: each is zero
// and none is handed out twice.
func TestNeverTwice(t *testing.T) {
	s := Slab[[3]int]{N: 16}
	var mu sync.Mutex
	seen := map[*[3]int]bool{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				p := s.New()
				assert.Equal(t, [3]int{}, *p)
				p[0] = g + 1 // a value written is never seen zero again
				mu.Lock()
				assert.False(t, seen[p], "handed out twice")
				seen[p] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Len(t, seen, 400)
}
