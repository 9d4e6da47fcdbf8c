package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how far an import has got: a bar of the bytes read (a spinner when the
// size is unknown), with bytes and rows per second. It draws only on a terminal; otherwise
// it only counts. Its methods are safe for concurrent use.
type progress struct {
	bar   *progressbar.ProgressBar // nil when not drawing
	start time.Time

	mu       sync.Mutex
	bytes    int64
	rows     int64
	lastDesc time.Time
}

// newProgress returns a progress for an input of total bytes (-1 if unknown), drawn on w
// if show is true.
func newProgress(w io.Writer, total int64, show bool, what string) *progress {
	p := &progress{start: time.Now()}
	if show {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionUseANSICodes(true),
			progressbar.OptionSpinnerType(14),
		)
	}
	return p
}

// Add records n more bytes read and rows parsed; it makes progress an
// interchange.Progress.
func (p *progress) Add(n int64, rows int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes += n
	p.rows += rows
	if p.bar == nil {
		return
	}
	if now := time.Now(); now.Sub(p.lastDesc) > 200*time.Millisecond {
		p.lastDesc = now
		p.bar.Describe(fmt.Sprintf("%d rows, %.0f rows/s", p.rows, p.rate(now)))
	}
	_ = p.bar.Add64(n)
}

// describe replaces the bar's text, for the phases after reading.
func (p *progress) describe(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Describe(s)
	}
}

func (p *progress) rate(now time.Time) float64 {
	if d := now.Sub(p.start).Seconds(); d > 0 {
		return float64(p.rows) / d
	}
	return 0
}

// finish removes the bar.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		_ = p.bar.Clear()
		p.bar = nil
	}
}

// totals returns the bytes and rows counted and the time since the start.
func (p *progress) totals() (bytes, rows int64, elapsed time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes, p.rows, time.Since(p.start)
}
