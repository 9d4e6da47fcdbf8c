package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/server"
)

// shutdownGrace is how long serve waits, once told to stop, for the requests in flight.
const shutdownGrace = 30 * time.Second

func newServeCmd(e *env) *cobra.Command {
	var addr string
	var insecure bool
	var cfg server.Config
	cmd := &cobra.Command{
		Use:   "serve --db FILE [--addr 127.0.0.1:7070]",
		Short: "Serve a store over HTTP to graphctl --server and Go programs",
		Long: `Serve the store over HTTP+JSON: every other command, given --server URL (or
$GRAPHCTL_SERVER), runs against it and prints what it prints with --db FILE. Each request
is one message: queries and reads run in parallel, writes one at a time through the one
writer; each has a page budget (a query's 1 GiB, an update's 2 GiB of pages, as on the
Internet Computer), a size limit and a deadline, and stops if its client goes away.

Requests carry a bearer token. The first start makes one (random, in a file only you can
read: $XDG_CONFIG_HOME/stablegraph/token, or ~/.config/stablegraph/token), or it is read
from --token-file; graphctl --server finds the same file. On a loopback address
--insecure serves without a token; any other address requires one.

SIGINT or SIGTERM stops it: no new requests, those in flight finish (up to 30 s), the log
is checkpointed and the store closed. Prometheus metrics are at /metrics.

While it serves, the store is locked: other processes that open the file are told the
address to use instead.`,
		Example: `  graphctl serve --db world.sgdb
  graphctl serve --db world.sgdb --addr 127.0.0.1:0 --insecure
  graphctl query --server http://127.0.0.1:7070 'FIND player COUNT'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.server != "" {
				return usagef("serve serves a store file: give --db FILE, not --server")
			}
			path, err := e.needDB()
			if err != nil {
				return err
			}
			if insecure {
				if err := server.CheckAccess(addr, "", true); err != nil {
					return err
				}
			}
			token := ""
			if !insecure {
				tokenFile := e.tokenFile
				if tokenFile == "" {
					if tokenFile, err = server.DefaultTokenFile(e.getenv); err != nil {
						return err
					}
				}
				var created bool
				if token, created, err = server.LoadOrCreateToken(tokenFile); err != nil {
					return err
				}
				if created {
					fmt.Fprintf(e.stderr, "graphctl: made a token in %s\n", tokenFile)
				}
			}
			if err := server.CheckAccess(addr, token, insecure); err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			defer ln.Close()
			url := "http://" + ln.Addr().String()
			o := openOptions{serveAddr: url}
			h, err := e.openPath(path, o)
			if err != nil {
				return err
			}
			defer h.close()

			cfg.Token = token
			cfg.Logger = slog.New(slog.NewTextHandler(e.stderr, nil))
			srv := &http.Server{
				Handler:           server.New(server.NewService(h.st, h.db, path), cfg),
				ReadHeaderTimeout: 10 * time.Second,
			}
			ctx, stop := signal.NotifyContext(cmdContext(cmd), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ln) }()
			fmt.Fprintf(e.stdout, "serving %s at %s\n", path, url)
			if f, ok := e.stdout.(interface{ Sync() error }); ok {
				_ = f.Sync()
			}
			select {
			case err := <-done:
				return errors.Join(err, h.close())
			case <-ctx.Done():
			}
			fmt.Fprintf(e.stderr, "graphctl: stopping: finishing the requests in flight\n")
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			err = srv.Shutdown(sctx)
			if err := h.close(); err != nil {
				return err
			}
			if err != nil {
				return fmt.Errorf("stopping: %w", err)
			}
			fmt.Fprintf(e.stderr, "graphctl: stopped; %s is closed\n", path)
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:7070", "address to listen on, host:port (port 0: any free port)")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "serve a loopback address without a token")
	cmd.Flags().DurationVar(&cfg.Timeout, "request-timeout", server.DefaultTimeout, "deadline of each request but imports")
	cmd.Flags().DurationVar(&cfg.ImportTimeout, "import-timeout", server.DefaultImportTimeout, "deadline of an import")
	cmd.Flags().Int64Var(&cfg.MaxImportBytes, "max-import-bytes", server.DefaultMaxImportBytes, "largest import body")
	return cmd
}
