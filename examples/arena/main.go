// Command arena is a small game server on stablegraph: players with a position, a velocity,
// health and a name, guilds they are members of, items they own, a fixed-rate tick that
// moves everyone, regenerates health and picks items up (each tick one message under a
// page budget), and an HTTP JSON API on loopback that reads the world in View messages while
// the ticks run. The world lives in one store file; a restart continues from it.
//
//	go run ./examples/arena                          # serve on 127.0.0.1:8080, store arena.sgdb
//	go run ./examples/arena -loadtest                # a bounded load test on loopback, then a report
//	go run ./examples/arena -version 1               # run release 1 of the program (see README.md)
//
// See README.md beside this file for the API and for the schema upgrade walkthrough.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "arena: %v\n", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// Config is what the flags set.
type Config struct {
	Addr         string        // the loopback address to serve on
	DB           string        // the store file
	Tick         time.Duration // the tick period; 0 ticks back to back
	Version      int           // the program release to run, 1 to 3
	TickBudget   store.Budget  // the page budget of one tick
	MigratePages uint64        // the pages one tick may spend migrating addresses (version 2)
	NoSync       bool          // skip the fsync at each commit
	Logger       *log.Logger
}

// run parses args and serves until interrupted, or runs the load test.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("arena", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := Config{TickBudget: DefaultTickBudget}
	var hz float64
	var load LoadConfig
	var loadtest bool
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "`address` to serve the HTTP API on (loopback only)")
	fs.StringVar(&cfg.DB, "db", "arena.sgdb", "the store `file`; created if missing (the load test uses a temporary one unless -db is given)")
	fs.DurationVar(&cfg.Tick, "tick", 20*time.Millisecond, "the tick `period`; 0 ticks back to back")
	fs.Float64Var(&hz, "hz", 0, "ticks per second; overrides -tick when set")
	fs.IntVar(&cfg.Version, "version", latestVersion, "the program release to run, 1 to 3 (the schema upgrade walkthrough)")
	fs.Uint64Var(&cfg.TickBudget.MaxAccessed, "tick-pages", DefaultTickBudget.MaxAccessed, "page budget of a tick: pages accessed")
	fs.Uint64Var(&cfg.TickBudget.MaxDirtied, "tick-dirty", DefaultTickBudget.MaxDirtied, "page budget of a tick: pages dirtied")
	fs.Uint64Var(&cfg.MigratePages, "migrate-pages", DefaultMigratePages, "pages a version 2 tick may spend migrating addresses")
	fs.BoolVar(&cfg.NoSync, "nosync", false, "skip the fsync at each commit (a machine crash may lose the last ticks, never part of one)")
	fs.BoolVar(&loadtest, "loadtest", false, "run a bounded load test on loopback, print its report and exit")
	fs.DurationVar(&load.Duration, "load-duration", 10*time.Second, "load test: how long to drive requests")
	fs.IntVar(&load.Requests, "load-requests", 1_000_000, "load test: stop after this many requests")
	fs.IntVar(&load.Clients, "load-clients", 4, "load test: concurrent clients")
	fs.IntVar(&load.Players, "load-players", 5000, "load test: players spawned before the clock starts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if hz > 0 {
		cfg.Tick = time.Duration(float64(time.Second) / hz)
	}
	cfg.Logger = log.New(stderr, "arena: ", log.LstdFlags)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if loadtest {
		dbSet := false
		fs.Visit(func(f *flag.Flag) { dbSet = dbSet || f.Name == "db" })
		if !dbSet {
			dir, err := os.MkdirTemp("", "arena-load-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			cfg.DB = dir + "/arena.sgdb"
		}
		cfg.Addr = "127.0.0.1:0"
		cfg.Logger = log.New(io.Discard, "", 0)
		rep, err := RunLoad(ctx, cfg, load)
		if err != nil {
			return err
		}
		rep.Print(stdout)
		return nil
	}

	app, err := Start(cfg)
	if err != nil {
		return err
	}
	st := app.Status()
	cfg.Logger.Printf("version %d serving http://%s, store %s: tick %d, %d players, tick every %v",
		app.World.Version(), app.Addr(), cfg.DB, st.Tick, st.Players, cfg.Tick)
	go app.logEvery(ctx, 10*time.Second)
	select {
	case <-ctx.Done():
	case err := <-app.serveErr:
		_ = app.Close()
		return err
	}
	cfg.Logger.Printf("stopping")
	return app.Close()
}

// App is a running arena: the store, the world, the tick loop and the HTTP server.
type App struct {
	Store *store.Store
	World *World
	Loop  *Loop

	cfg      Config
	ln       net.Listener
	srv      *http.Server
	cancel   context.CancelFunc
	loopDone chan struct{}
	serveErr chan error
}

// Start opens the store, the world as cfg.Version, starts ticking and serves the HTTP API
// on cfg.Addr, which must be a loopback address.
func Start(cfg Config) (*App, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("-addr %q: %w", cfg.Addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-addr %q: the arena serves on loopback only (127.0.0.1, ::1, localhost)", cfg.Addr)
	}
	if _, err := schemaFor(cfg.Version); err != nil { // before a store file is made
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = log.New(io.Discard, "", 0)
	}
	// Listening first: the store's lock-info record tells other processes the address.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	// RecordPages: GET /status/map draws the pages of the last tick.
	st, err := store.Open(cfg.DB, &store.Options{NoSync: cfg.NoSync, RecordPages: true, ServeAddr: "http://" + ln.Addr().String()})
	if err != nil {
		ln.Close()
		return nil, err
	}
	w, err := OpenWorld(st, cfg.Version)
	if err != nil {
		ln.Close()
		_ = st.Close()
		return nil, err
	}
	if cfg.MigratePages > 0 {
		w.MigratePages = cfg.MigratePages
	}
	a := &App{
		Store: st, World: w, Loop: NewLoop(w, cfg.Tick, cfg.TickBudget, cfg.Logger),
		cfg: cfg, ln: ln, loopDone: make(chan struct{}), serveErr: make(chan error, 1),
	}
	a.srv = &http.Server{
		Handler:           withStore(NewServer(w, a.Loop), w, cfg),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          cfg.Logger,
	}
	var ctx context.Context
	ctx, a.cancel = context.WithCancel(context.Background())
	go func() {
		defer close(a.loopDone)
		_ = a.Loop.Run(ctx)
	}()
	go func() {
		if err := a.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.serveErr <- err
		}
	}()
	return a, nil
}

// Addr returns the address the API listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL returns the base URL of the API.
func (a *App) URL() string { return "http://" + a.Addr() }

// Status returns the world's summary.
func (a *App) Status() Status {
	var st Status
	_ = a.World.db.View(func(tx *entity.Tx) (err error) {
		st, err = a.World.Status(tx)
		return err
	})
	return st
}

// Close stops serving, lets the running tick finish, stops the loop and closes the store:
// everything committed is in the file for the next start.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.srv.Shutdown(ctx)
	a.cancel()
	<-a.loopDone
	return errors.Join(err, a.Store.Close())
}

// logEvery logs the loop's progress every period until ctx is done.
func (a *App) logEvery(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	prev := a.Loop.Metrics()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m := a.Loop.Metrics()
		n := m.Ticks - prev.Ticks
		if n == 0 {
			continue
		}
		st := a.Status()
		a.cfg.Logger.Printf("tick %d: %.1f ticks/s, %.0f pages/tick (max %d), %d players, %d spawned, %d failed",
			st.Tick, float64(n)/period.Seconds(), float64(m.PagesRead+m.PagesDirtied-prev.PagesRead-prev.PagesDirtied)/float64(n),
			m.MaxPages, st.Players, m.Spawned-prev.Spawned, m.Failed-prev.Failed)
		if st.Migration != nil {
			a.cfg.Logger.Printf("address migration: players up to #%d of #%d moved, done: %v",
				st.Migration.Cursor, st.Migration.Last, st.Migration.Done)
		}
		prev = m
	}
}
