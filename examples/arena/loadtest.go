package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/stablegraph/stablegraph/entity"
)

// LoadConfig bounds a load test: it stops by itself after Duration or Requests, whichever
// comes first.
type LoadConfig struct {
	Duration time.Duration
	Requests int
	Clients  int
	Players  int // players spawned before the clock starts
}

// loadQueries are the queries the load test sends, in turn.
var loadQueries = []string{
	`FIND player WHERE health < 60 SELECT name, health ORDER BY health LIMIT 10`,
	`FIND player WHERE member_of -> (FIND guild WHERE name = "red") COUNT`,
	`FIND item WHERE HAS dropped_at SELECT name, dropped_at`,
	`FIND player WHERE owns -> ANY SELECT name LIMIT 20`,
	`FIND player WHERE name = "p-42" SELECT health, pos`,
}

// Request kinds of the load test.
const (
	opEntity = iota // GET /entity/player/{id}
	opQuery         // POST /query
	opSpawn         // POST /players
	numOps
)

var opNames = [numOps]string{"GET /entity", "POST /query", "POST /players"}

// LoadReport is what a load test measured.
type LoadReport struct {
	Config      LoadConfig
	TickPeriod  time.Duration
	Elapsed     time.Duration
	Ticks       uint64
	FailedTicks uint64
	TicksPerSec float64
	TickBusyP50 time.Duration
	TickBusyP99 time.Duration
	PagesAvg    float64 // pages (read + dirtied) per tick
	PagesP50    uint64
	PagesMax    uint64
	PlayersEnd  uint64
	Ops         [numOps]OpStats
}

// OpStats are the latencies of one kind of request.
type OpStats struct {
	Count, Errors int
	P50, P99, Max time.Duration
	FirstErr      string
}

// RunLoad starts an arena as cfg says, on a loopback port, spawns load.Players players,
// then drives spawns, entity reads and queries from load.Clients clients while the world
// ticks, until load.Duration has passed or load.Requests requests were sent. It talks to
// 127.0.0.1 only, and closes the arena before it returns.
func RunLoad(ctx context.Context, cfg Config, load LoadConfig) (LoadReport, error) {
	load.Clients = max(load.Clients, 1)
	app, err := Start(cfg)
	if err != nil {
		return LoadReport{}, err
	}
	defer app.Close()
	if host, _, _ := net.SplitHostPort(app.Addr()); !net.ParseIP(host).IsLoopback() {
		return LoadReport{}, fmt.Errorf("load test: %s is not a loopback address", app.Addr())
	}
	if err := seedPlayers(app.World, load.Players); err != nil {
		return LoadReport{}, err
	}
	var maxID atomic.Uint64
	_ = app.World.db.View(func(tx *entity.Tx) error {
		maxID.Store(uint64(tx.LastID()))
		return nil
	})

	ctx, cancel := context.WithTimeout(ctx, load.Duration)
	defer cancel()
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: load.Clients, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	base := app.URL()
	var sent atomic.Int64
	lat := make([][numOps][]time.Duration, load.Clients)
	errs := make([][numOps]int, load.Clients)
	var firstErr [numOps]atomic.Pointer[string]

	before := app.Loop.Metrics()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range load.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 0x5eed))
			for ctx.Err() == nil && sent.Add(1) <= int64(load.Requests) {
				op := opEntity
				switch r := rng.IntN(100); {
				case r < 10:
					op = opSpawn
				case r < 55:
					op = opQuery
				}
				t0 := time.Now()
				id, err := loadRequest(ctx, client, base, op, rng, maxID.Load())
				if ctx.Err() != nil {
					return // the clock ran out mid-request: neither a sample nor an error
				}
				lat[c][op] = append(lat[c][op], time.Since(t0))
				if err != nil {
					errs[c][op]++
					msg := err.Error()
					firstErr[op].CompareAndSwap(nil, &msg)
				}
				if id > maxID.Load() {
					maxID.Store(id) // racy max: a lower ID may win, which only narrows the reads
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	after := app.Loop.Metrics()

	rep := LoadReport{Config: load, TickPeriod: cfg.Tick, Elapsed: elapsed}
	rep.Ticks = after.Ticks - before.Ticks
	rep.FailedTicks = after.Failed - before.Failed
	rep.TicksPerSec = float64(rep.Ticks) / elapsed.Seconds()
	busy := after.busy[min(len(before.busy), len(after.busy)):]
	pages := after.pages[min(len(before.pages), len(after.pages)):]
	rep.TickBusyP50, rep.TickBusyP99 = percentile(busy, 50), percentile(busy, 99)
	if rep.Ticks > 0 {
		rep.PagesAvg = float64(after.PagesRead+after.PagesDirtied-before.PagesRead-before.PagesDirtied) / float64(rep.Ticks)
	}
	rep.PagesP50 = percentile(pages, 50)
	for _, p := range pages {
		rep.PagesMax = max(rep.PagesMax, p)
	}
	rep.PlayersEnd = app.Status().Players
	for op := range numOps {
		var all []time.Duration
		for c := range load.Clients {
			all = append(all, lat[c][op]...)
			rep.Ops[op].Errors += errs[c][op]
		}
		rep.Ops[op].Count = len(all)
		rep.Ops[op].P50, rep.Ops[op].P99 = percentile(all, 50), percentile(all, 99)
		if len(all) > 0 {
			rep.Ops[op].Max = slices.Max(all)
		}
		if p := firstErr[op].Load(); p != nil {
			rep.Ops[op].FirstErr = *p
		}
	}
	return rep, nil
}

// seedPlayers spawns n players directly, a few hundred per message.
func seedPlayers(w *World, n int) error {
	const batch = 500
	for done := 0; done < n; {
		err := w.db.Update(func(tx *entity.Tx) error {
			for i := 0; i < batch && done < n; i++ {
				if _, err := w.Spawn(tx, testPlayer(done)); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seeding players: %w", err)
		}
	}
	return nil
}

// testPlayer returns the i-th player of a generated population, with an address in the
// free form of version 1 (one in ten does not parse into parts).
func testPlayer(i int) PlayerSpec {
	streets := []string{"Baker Street", "Rue de Rivoli", "Unter den Linden", "Main St", "Calle Mayor"}
	p := PlayerSpec{Name: fmt.Sprintf("p-%d", i)}
	if i%10 == 9 {
		p.Address = fmt.Sprintf("the lighthouse, pier %d", i%7)
	} else {
		p.Address = fmt.Sprintf("%s %d%s, %05d", streets[i%len(streets)], 1+i%250, []string{"", "b"}[i%2], 10000+i%97)
	}
	return p
}

// loadRequest sends one request of kind op and returns the ID a spawn made.
func loadRequest(ctx context.Context, c *http.Client, base string, op int, rng *rand.Rand, maxID uint64) (uint64, error) {
	var req *http.Request
	var err error
	switch op {
	case opEntity:
		id := 1 + rng.Uint64N(max(maxID, 1))
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/entity/"+url.PathEscape(fmt.Sprintf("#%d", id)), nil)
	case opQuery:
		q := loadQueries[rng.IntN(len(loadQueries))]
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/query", bytes.NewBufferString(q))
		if req != nil {
			req.Header.Set("Content-Type", "text/plain")
		}
	case opSpawn:
		body, _ := json.Marshal(testPlayer(int(rng.Uint32())))
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/players", bytes.NewReader(body))
	}
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	switch {
	case op == opEntity && resp.StatusCode == http.StatusNotFound:
		return 0, nil // a deleted or non-player ID: a valid answer
	case resp.StatusCode >= 300:
		return 0, fmt.Errorf("%s: %s: %s", opNames[op], resp.Status, bytes.TrimSpace(body))
	case op == opSpawn:
		var out spawnJSON
		if err := json.Unmarshal(body, &out); err != nil {
			return 0, err
		}
		return out.ID, nil
	}
	return 0, nil
}

// percentile returns the p-th percentile of xs (nearest rank), 0 for none.
func percentile[T time.Duration | uint64](xs []T, p int) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

// Print writes the report as a small table.
func (r LoadReport) Print(w io.Writer) {
	period := "back to back"
	if r.TickPeriod > 0 {
		period = fmt.Sprintf("every %v (%.0f/s)", r.TickPeriod, float64(time.Second)/float64(r.TickPeriod))
	}
	fmt.Fprintf(w, "arena load test: %d clients for %v, %d players seeded, %d at the end; tick %s\n",
		r.Config.Clients, r.Elapsed.Round(time.Millisecond), r.Config.Players, r.PlayersEnd, period)
	fmt.Fprintf(w, "ticks: %d (%.1f ticks/s, %d failed), busy p50 %v p99 %v\n",
		r.Ticks, r.TicksPerSec, r.FailedTicks, r.TickBusyP50.Round(time.Microsecond), r.TickBusyP99.Round(time.Microsecond))
	fmt.Fprintf(w, "pages per tick (read + dirtied): avg %.0f, p50 %d, max %d\n", r.PagesAvg, r.PagesP50, r.PagesMax)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "request\tcount\terrors\tp50\tp99\tmax\t")
	for op, s := range r.Ops {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%v\t%v\t%v\t\n", opNames[op], s.Count, s.Errors,
			s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Max.Round(time.Microsecond))
	}
	_ = tw.Flush()
	for op, s := range r.Ops {
		if s.FirstErr != "" {
			fmt.Fprintf(w, "first %s error: %s\n", opNames[op], s.FirstErr)
		}
	}
}
