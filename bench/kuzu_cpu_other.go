//go:build !unix

package bench

import "time"

// cpuTime returns zero: the process's CPU time is read on Unix systems only, and a zero
// Timing.CPU means "not measured".
func cpuTime() time.Duration { return 0 }
