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

// serveToken returns the token a server at addr requires: none with --insecure (on a
// loopback address only), else the one of --token-file or of the default token file,
// made if it does not exist.
func (e *env) serveToken(addr string, insecure bool) (string, error) {
	if insecure {
		return "", server.CheckAccess(addr, "", true)
	}
	tokenFile := e.tokenFile
	var err error
	if tokenFile == "" {
		if tokenFile, err = server.DefaultTokenFile(e.getenv); err != nil {
			return "", err
		}
	}
	token, created, err := server.LoadOrCreateToken(tokenFile)
	if err != nil {
		return "", err
	}
	if created {
		fmt.Fprintf(e.stderr, "graphctl: made a token in %s\n", tokenFile)
	}
	return token, server.CheckAccess(addr, token, false)
}

// serveUntilStopped serves h on ln until SIGINT or SIGTERM (or the command's context ends),
// saying banner on standard output once it serves; then it finishes the requests in flight
// (up to shutdownGrace), calls close, and says it stopped and what (closed).
func (e *env) serveUntilStopped(cmd *cobra.Command, ln net.Listener, h http.Handler, banner string, close func() error, closed string) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(cmdContext(cmd), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintln(e.stdout, banner)
	if f, ok := e.stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	select {
	case err := <-done:
		return errors.Join(err, close())
	case <-ctx.Done():
	}
	fmt.Fprintf(e.stderr, "graphctl: stopping: finishing the requests in flight\n")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err := close(); err != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("stopping: %w", err)
	}
	fmt.Fprintf(e.stderr, "graphctl: stopped; %s\n", closed)
	return nil
}

// shutdownGrace is how long serve waits, once told to stop, for the requests in flight.
const shutdownGrace = 30 * time.Second

func newServeCmd(e *env) *cobra.Command {
	var addr string
	var insecure bool
	var cfg server.Config
	var rep replicaFlags
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
address to use instead.

With --cluster FILE --replica ID, it serves one replica of a replicated shard of the
cluster config FILE (see 'graphctl cluster --help'): at the replica's server address,
with its Raft node at its raft address, its store, Raft log and snapshots in --dir. The
store is rebuilt at each start from the group (the latest snapshot and the log after it).
Writes go through the shard's Raft log and are answered once applied; a follower sends
writes and reads to the leader (graphctl --server follows it).`,
		Example: `  graphctl serve --db world.sgdb
  graphctl serve --db world.sgdb --addr 127.0.0.1:0 --insecure
  graphctl query --server http://127.0.0.1:7070 'FIND player COUNT'
  graphctl serve --cluster cluster.yaml --replica s0-1 --dir s0-1 --schema schema.json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.server != "" {
				return usagef("serve serves a store file: give --db FILE, not --server")
			}
			if rep.config != "" {
				return e.serveReplica(cmd, rep, insecure, cfg)
			}
			path, err := e.needDB()
			if err != nil {
				return err
			}
			token, err := e.serveToken(addr, insecure)
			if err != nil {
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
			return e.serveUntilStopped(cmd, ln, server.New(server.NewService(h.st, h.db, path), cfg),
				fmt.Sprintf("serving %s at %s", path, url), h.close, fmt.Sprintf("%s is closed", path))
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:7070", "address to listen on, host:port (port 0: any free port)")
	cmd.Flags().StringVar(&rep.config, "cluster", "", "serve as a replica of a cluster config's shard (with --replica and --dir)")
	cmd.Flags().StringVar(&rep.id, "replica", "", "with --cluster: the ID of the replica to serve")
	cmd.Flags().StringVar(&rep.dir, "dir", "", "with --cluster: the replica's own directory (default: ./ID)")
	cmd.Flags().StringVar(&rep.schema, "schema", "", "with --cluster: the schema file every replica of the shard starts from")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "serve a loopback address without a token")
	cmd.Flags().DurationVar(&cfg.Timeout, "request-timeout", server.DefaultTimeout, "deadline of each request but imports")
	cmd.Flags().DurationVar(&cfg.ImportTimeout, "import-timeout", server.DefaultImportTimeout, "deadline of an import")
	cmd.Flags().Int64Var(&cfg.MaxImportBytes, "max-import-bytes", server.DefaultMaxImportBytes, "largest import body")
	return cmd
}
