package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/stablegraph/stablegraph/internal/interchange"
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
			progressbar.OptionSetSpinnerChangeInterval(0), // see writing
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

// describeEvery replaces the bar's text with text() if it was last replaced more than
// 200 ms ago: for counts that change at every item written.
func (p *progress) describeEvery(text func() string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		return
	}
	if now := time.Now(); now.Sub(p.lastDesc) > 200*time.Millisecond {
		p.lastDesc = now
		p.bar.Describe(text())
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

// byteCounter counts the bytes read from the input file into a progress, before any
// decompression, so that the bar follows the file.
type byteCounter struct {
	r    io.Reader
	prog *progress
}

func (c *byteCounter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.prog.Add(int64(n), 0)
	return n, err
}

// rowCounter passes a parser's rows to a progress, but not its bytes, which byteCounter
// counts: after decompression they are not the file's.
type rowCounter struct{ p *progress }

func (r rowCounter) Add(_, rows int64) { r.p.Add(0, rows) }

// writePhase shows an import's write: a spinner with the entities, values and edges
// written so far, then the time the commit has taken, redrawn until stop.
type writePhase struct {
	p     *progress
	bar   *progressbar.ProgressBar // nil when not drawing
	what  string
	start time.Time
	done  chan struct{}
	wg    sync.WaitGroup

	mu       sync.Mutex
	sum      interchange.Summary
	commitAt time.Time // zero until Apply has returned
}

// writing ends the reading bar and starts showing the write of what: it sets st.Wrote to
// follow it.
func (p *progress) writing(w io.Writer, what string, st *interchange.Summary) *writePhase {
	wp := &writePhase{p: p, what: what, start: time.Now(), done: make(chan struct{})}
	st.Wrote = func(s interchange.Summary) {
		wp.mu.Lock()
		wp.sum = s
		wp.mu.Unlock()
	}
	p.mu.Lock()
	drawing := p.bar != nil
	p.mu.Unlock()
	if !drawing {
		return wp
	}
	p.finish()
	wp.bar = progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(10),
		progressbar.OptionSetElapsedTime(false), // describe says it
		// The ticker below redraws it; the bar's own spinner goroutine reads its state
		// without the lock (progressbar v3.19.1), which the race detector reports.
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionSpinnerType(14),
	)
	wp.wg.Add(1)
	go func() {
		defer wp.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-wp.done:
				return
			case <-tick.C:
				wp.bar.Describe(wp.describe(time.Now()))
			}
		}
	}()
	return wp
}

// describe is the text of the spinner at now.
func (wp *writePhase) describe(now time.Time) string {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	s := wp.what + ": " + written(wp.sum)
	if !wp.commitAt.IsZero() {
		return fmt.Sprintf("%s; committing (%s)", s, now.Sub(wp.commitAt).Round(time.Second))
	}
	return fmt.Sprintf("%s (%s)", s, now.Sub(wp.start).Round(time.Second))
}

// committing records that the writes are done and the commit begins.
func (wp *writePhase) committing() {
	wp.mu.Lock()
	wp.commitAt = time.Now()
	wp.mu.Unlock()
}

// stop ends the display, once the commit has ended.
func (wp *writePhase) stop() {
	select {
	case <-wp.done:
		return
	default:
	}
	close(wp.done)
	wp.wg.Wait()
	if wp.bar != nil {
		_ = wp.bar.Finish()
		_ = wp.bar.Clear()
	}
}
