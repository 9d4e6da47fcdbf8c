package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
)

// backend is what a command asks of a store: the operations of a server.Service, run in
// this process on the file --db names, or by the server --server names. Both give the
// same results and errors, so a command prints the same either way.
type backend interface {
	Query(ctx context.Context, req server.QueryRequest) (*server.QueryResult, error)
	Get(ctx context.Context, ref string) (*interchange.EntityDoc, error)
	Set(ctx context.Context, req server.SetRequest) (*server.SetResult, error)
	Link(ctx context.Context, e server.Edge) error
	Unlink(ctx context.Context, e server.Edge) error
	Delete(ctx context.Context, ref string) (*server.DeleteResult, error)
	Export(ctx context.Context, req server.ExportRequest, w io.Writer) (n int64, losses []string, err error)
	Stats(ctx context.Context) (*server.StoreStats, error)
	Verify(ctx context.Context) (*server.VerifyResult, error)
	Schema(ctx context.Context) (*server.Schema, error)
}

// local is the backend of a store open in this process.
type local struct {
	*server.Service
	h *handle
}

// Export writes the export to w.
func (l local) Export(ctx context.Context, req server.ExportRequest, w io.Writer) (int64, []string, error) {
	var losses []string
	n, err := l.Service.Export(ctx, req, w, func(ls []string) { losses = ls })
	return n, losses, err
}

// backend returns the backend of the command: the server of --server (or
// $GRAPHCTL_SERVER) — the whole cluster if it is a cluster node, unless --stale asks for
// its own copy — or the store of --db opened as o says. close releases it.
func (e *env) backend(o openOptions) (b backend, close func() error, err error) {
	if e.server != "" {
		if e.stale && !o.readOnly {
			// A write through one node's own shard would skip the cluster: placement by
			// hash, and the intents of edges across shards.
			return nil, nil, usagef("--stale reads a replica's copy: a write goes to the leaders, without it")
		}
		c, err := e.client()
		if err != nil {
			return nil, nil, err
		}
		if !e.stale {
			nb, err := e.nodeBackend(c)
			if err != nil {
				return nil, nil, err
			}
			if nb != nil {
				return nb, func() error { return nil }, nil
			}
		}
		return c, func() error { return nil }, nil
	}
	h, err := e.open(o)
	if err != nil {
		return nil, nil, err
	}
	return h.local(), h.close, nil
}

// local returns the backend of the open store h.
func (h *handle) local() local { return local{server.NewService(h.st, h.db, h.path), h} }

// client returns the client of --server, with the token of --token-file, of
// $GRAPHCTL_TOKEN, or of the default token file if there is one.
func (e *env) client() (*client.Client, error) {
	token, err := e.clientToken()
	if err != nil {
		return nil, err
	}
	c, err := client.New(e.server, token, nil)
	if err != nil || !e.stale {
		return c, err
	}
	return c.Stale(func(applied, lag uint64) {
		fmt.Fprintf(e.stderr, "graphctl: a stale read from %s: its store has applied the shard's log up to entry %d, %d behind what it knows committed\n", e.server, applied, lag)
	}), nil
}

func (e *env) clientToken() (string, error) {
	if e.tokenFile != "" {
		b, err := os.ReadFile(e.tokenFile)
		if err != nil {
			return "", fmt.Errorf("token file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if t := e.getenv("GRAPHCTL_TOKEN"); t != "" {
		return t, nil
	}
	path, err := server.DefaultTokenFile(e.getenv)
	if err != nil {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", nil // no token: the server may be insecure, and says 401 if not
	}
	return strings.TrimSpace(string(b)), nil
}

// needLocal refuses --server for a command that works on the file itself.
func (e *env) needLocal(cmd string) error {
	if e.server != "" {
		return usagef("%s works on a store file (--db), not through a server: run it where the file is, or stop the server first", cmd)
	}
	return nil
}
