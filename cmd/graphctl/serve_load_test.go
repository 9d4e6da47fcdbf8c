package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
)

var (
	loadClients  = flag.Int("load.clients", 4, "clients of the loopback load test")
	loadDuration = flag.Duration("load.duration", 2*time.Second, "how long the loopback load test runs")
	loadSeed     = flag.Uint64("load.seed", 1, "seed of the load test's random requests")
)

// loadQueries are the queries of the load test.
var loadQueries = []string{
	"FIND player WHERE health < 5 SELECT name, health",
	"FIND player WHERE member_of -> guild/3 COUNT",
	"FIND item WHERE owns <- player/42 SELECT name",
	`FIND player WHERE member_of -> (FIND guild WHERE name = "Stormwind") AND health > 90 COUNT`,
}

// latencies are the request times of one kind.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// TestServeLoad runs clients that mix queries, reads and writes against 'graphctl serve'
// on loopback for -load.duration, and requires every request to succeed; it logs the
// throughput and the p50 and p99 of each kind of request.
func TestServeLoad(t *testing.T) {
	dir := demoStore(t)
	srv := serve(t, dir, "world.sg", "--insecure")
	c, err := client.New(srv.url, "", nil)
	require.NoError(t, err)
	ctx := context.Background()
	var mu sync.Mutex
	lat := map[string]latencies{}
	errs := 0
	deadline := time.Now().Add(*loadDuration)
	var wg sync.WaitGroup
	for i := range *loadClients {
		rng := rand.New(rand.NewPCG(*loadSeed, uint64(i)))
		wg.Go(func() {
			for time.Now().Before(deadline) {
				kind := "query"
				start := time.Now()
				var err error
				switch r := rng.IntN(10); {
				case r < 6:
					_, err = c.Query(ctx, server.QueryRequest{Query: loadQueries[rng.IntN(len(loadQueries))]})
				case r < 8:
					kind = "get"
					_, err = c.Get(ctx, fmt.Sprintf("player/%d", 9+rng.IntN(2000)))
				default:
					kind = "set"
					_, err = c.Set(ctx, server.SetRequest{Ref: fmt.Sprintf("player/%d", 9+rng.IntN(2000)), Set: []server.Assign{{Column: "health", Value: fmt.Sprint(rng.IntN(100))}}})
				}
				took := time.Since(start)
				mu.Lock()
				lat[kind] = append(lat[kind], took)
				if err != nil {
					errs++
					t.Logf("%s: %v", kind, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	total := 0
	for _, kind := range []string{"query", "get", "set"} {
		l := lat[kind]
		total += len(l)
		t.Logf("%-5s %6d requests  p50 %8s  p99 %8s", kind, len(l), l.pct(0.5).Round(time.Microsecond), l.pct(0.99).Round(time.Microsecond))
	}
	t.Logf("%d clients, %s: %d requests, %.0f requests/s, %d errors", *loadClients, *loadDuration, total, float64(total)/loadDuration.Seconds(), errs)
	assert.Zero(t, errs)
	assert.NotZero(t, len(lat["set"]))
}

// TestServeKilledMidLoad: clients write while the server is killed (SIGKILL); after a
// restart every write the server acknowledged is there, and none it refused.
func TestServeKilledMidLoad(t *testing.T) {
	dir := demoStore(t)
	srv := serve(t, dir, "world.sg", "--insecure")
	c, err := client.New(srv.url, "", nil)
	require.NoError(t, err)
	ctx := context.Background()
	var mu sync.Mutex
	var acked, refused []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range *loadClients {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d", w, i)
				req := server.SetRequest{Ref: "new", Kind: "guild", Set: []server.Assign{{Column: "name", Value: name}}}
				if i%4 == 3 { // refused: the column does not exist, so nothing of it may stay
					req.Set = append(req.Set, server.Assign{Column: "nosuch", Value: "1"})
				}
				_, err := c.Set(ctx, req)
				var re *server.RemoteError
				mu.Lock()
				switch {
				case err == nil:
					acked = append(acked, name)
				case errorsAs(err, &re):
					refused = append(refused, name)
				default: // no answer: the server is gone, and the write in doubt
					mu.Unlock()
					return
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(*loadDuration / 2)
	_ = srv.stop(t, syscall.SIGKILL)
	close(stop)
	wg.Wait()
	require.NotEmpty(t, acked)
	require.NotEmpty(t, refused)

	var res struct{ Rows [][]any }
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "query", "--db", "world.sg", "-o", "json", "FIND guild SELECT name")), &res))
	have := map[string]bool{}
	for _, row := range res.Rows {
		have[row[1].(string)] = true
	}
	for _, name := range acked {
		assert.True(t, have[name], "acknowledged write %s is lost", name)
	}
	for _, name := range refused {
		assert.False(t, have[name], "refused write %s is there", name)
	}
	t.Logf("%d writes acknowledged, %d refused before the SIGKILL; %d guilds after the restart", len(acked), len(refused), len(res.Rows))
	ok(t, dir, "verify", "--db", "world.sg")
}

func errorsAs[T any](err error, target *T) bool { return errors.As(err, target) }
