package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	storeserver "github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/store"
)

// TestStoreEndpoints: a running game serves the store's endpoints of package server, so
// graphctl --server and server/client read and write the live world while it ticks, and a
// process that opens the file is told where to go instead.
func TestStoreEndpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "arena.sgdb")
	app := startArena(t, path, 3)
	defer func() { require.NoError(t, app.Close()) }()
	waitTicks(t, app, 3)

	c, err := client.New(app.URL(), "", nil)
	require.NoError(t, err)
	ctx := context.Background()
	res, err := c.Query(ctx, storeserver.QueryRequest{Query: "FIND player COUNT"})
	require.NoError(t, err)
	assert.Equal(t, app.Status().Players, res.Count)

	var spawned struct{ URI string }
	require.Equal(t, 201, call(t, app, "POST", "/players", `{"name": "zed", "guild": "red"}`, &spawned))
	_, err = c.Set(ctx, storeserver.SetRequest{Ref: spawned.URI, Set: []storeserver.Assign{{Column: "name", Value: "zedd"}}})
	require.NoError(t, err)
	doc, err := c.Get(ctx, spawned.URI)
	require.NoError(t, err)
	assert.Equal(t, "zedd", doc.Set["name"])
	_, err = c.Stats(ctx)
	require.NoError(t, err)

	_, err = c.Query(ctx, storeserver.QueryRequest{Query: "FIND playr"})
	var re *storeserver.RemoteError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, 400, re.Status)

	_, err = store.Open(path, &store.Options{ReadOnly: true})
	var le *store.LockedError
	require.True(t, errors.As(err, &le), "%v", err)
	assert.Equal(t, app.URL(), le.Holder.Addr)
}
