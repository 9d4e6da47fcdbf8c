//go:build race

package store

// raceEnabled reports a build with the race detector, under which sync.Pool drops a share
// of what it is given: a test of allocations cannot hold then.
const raceEnabled = true
