package main

import (
	"context"
	"errors"
	"io"
	"log"
	"slices"
	"sync"
	"time"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// ErrStopped reports a spawn request that reached a loop which is not running.
var ErrStopped = errors.New("tick loop stopped")

// DefaultTickBudget is the page budget of one tick: far below the Internet Computer's
// per-message limit, so that a tick that starts to grow without bound fails loudly.
var DefaultTickBudget = store.Budget{MaxAccessed: 16384, MaxDirtied: 8192}

// maxSamples bounds the per-tick samples a loop keeps for its percentiles.
const maxSamples = 1 << 16

// Loop is the game loop: it runs one tick of the world per period, each tick one Update
// message under a page budget, and hands each tick the spawn requests that arrived since
// the last. It is the world's only writer; HTTP reads run beside it in View messages.
type Loop struct {
	w      *World
	period time.Duration // 0: tick back to back
	budget store.Budget
	logger *log.Logger

	spawns  chan spawnReq
	stopped chan struct{} // closed when Run returns

	mu      sync.Mutex
	metrics LoopMetrics
	last    TickReport
	pages   *store.Touched // of the last committed tick, if the store records pages
}

type spawnReq struct {
	spec  PlayerSpec
	reply chan SpawnResult // buffered: the loop never waits on a requester
}

// LoopMetrics are the counters of a loop since it started.
type LoopMetrics struct {
	Ticks        uint64        // ticks committed
	Failed       uint64        // ticks rolled back
	Spawned      uint64        // players spawned
	PagesRead    uint64        // summed over committed ticks
	PagesDirtied uint64        // summed over committed ticks
	MaxPages     uint64        // the most pages (read + dirtied) one tick took
	Busy         time.Duration // time spent inside ticks
	LastErr      string        // the error of the last failed tick
	// busy and pages hold a sample per tick, for percentiles (the first maxSamples).
	busy  []time.Duration
	pages []uint64
}

// NewLoop returns a loop that ticks w every period (back to back if period is 0), each
// tick under budget. logger may be nil.
func NewLoop(w *World, period time.Duration, budget store.Budget, logger *log.Logger) *Loop {
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	return &Loop{
		w: w, period: period, budget: budget, logger: logger,
		spawns:  make(chan spawnReq, 4*maxSpawns),
		stopped: make(chan struct{}),
	}
}

// Run ticks until ctx is done, then answers the spawn requests still waiting with
// ErrStopped. It returns ctx's error.
func (l *Loop) Run(ctx context.Context) error {
	defer func() {
		close(l.stopped)
		for {
			select {
			case r := <-l.spawns:
				r.reply <- SpawnResult{Err: ErrStopped}
			default:
				return
			}
		}
	}()
	var tick <-chan time.Time
	if l.period > 0 {
		t := time.NewTicker(l.period)
		defer t.Stop()
		tick = t.C
	}
	reqs := make([]spawnReq, 0, maxSpawns)
	specs := make([]PlayerSpec, 0, maxSpawns)
	for {
		if tick != nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick:
			}
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
		reqs, specs = reqs[:0], specs[:0]
	drain:
		for len(reqs) < maxSpawns {
			select {
			case r := <-l.spawns:
				reqs = append(reqs, r)
				specs = append(specs, r.spec)
			default:
				break drain
			}
		}
		l.step(specs, reqs)
	}
}

// step runs one tick and answers its spawn requests.
func (l *Loop) step(specs []PlayerSpec, reqs []spawnReq) {
	start := time.Now()
	rep, results, stats, err := l.w.Step(l.budget, specs)
	busy := time.Since(start)
	for i, r := range reqs {
		r.reply <- results[i]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	m := &l.metrics
	if err != nil {
		m.Failed++
		m.LastErr = err.Error()
		l.logger.Printf("tick failed, rolled back: %v", err)
		return
	}
	pages := stats.PagesRead + stats.PagesDirtied
	m.Ticks++
	m.Spawned += uint64(rep.Spawned)
	m.PagesRead += stats.PagesRead
	m.PagesDirtied += stats.PagesDirtied
	m.MaxPages = max(m.MaxPages, pages)
	m.Busy += busy
	if len(m.busy) < maxSamples {
		m.busy = append(m.busy, busy)
		m.pages = append(m.pages, pages)
	}
	l.last = rep
	l.pages = stats.Touched
}

// Spawn queues a spawn request for the next tick and waits for its outcome.
func (l *Loop) Spawn(ctx context.Context, p PlayerSpec) (entity.ID, error) {
	r := spawnReq{spec: p, reply: make(chan SpawnResult, 1)}
	select {
	case l.spawns <- r:
	case <-l.stopped:
		return 0, ErrStopped
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case res := <-r.reply:
		return res.ID, res.Err
	case <-ctx.Done():
		// The tick may still spawn the player; the requester just stops waiting.
		return 0, ctx.Err()
	}
}

// Metrics returns a copy of the loop's counters.
func (l *Loop) Metrics() LoopMetrics {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.metrics
	m.busy = slices.Clone(m.busy)
	m.pages = slices.Clone(m.pages)
	return m
}

// Last returns the report of the last committed tick.
func (l *Loop) Last() TickReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// LastPages returns the pages the last committed tick read and dirtied, and the tick's
// report; nil pages if no tick committed yet or the store does not record pages.
func (l *Loop) LastPages() (*store.Touched, TickReport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pages, l.last
}
