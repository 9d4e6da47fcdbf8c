package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// startArena runs an arena on a loopback port over the store file at path.
func startArena(t *testing.T, path string, version int) *App {
	t.Helper()
	app, err := Start(Config{
		Addr: "127.0.0.1:0", DB: path, Tick: 2 * time.Millisecond, Version: version,
		TickBudget: DefaultTickBudget, NoSync: true,
	})
	require.NoError(t, err)
	return app
}

// call sends a request to the arena and decodes the JSON answer into out (if not nil).
func call(t *testing.T, app *App, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, app.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(b, out), "body: %s", b)
	}
	return resp.StatusCode
}

// waitTicks waits until the world has run n more ticks than it had.
func waitTicks(t *testing.T, app *App, n uint64) Status {
	t.Helper()
	from := app.Status().Tick
	var st Status
	require.Eventually(t, func() bool {
		st = app.Status()
		return st.Tick >= from+n
	}, 20*time.Second, time.Millisecond, "the world did not tick %d times", n)
	return st
}

func TestServeWhileTicking(t *testing.T) {
	app := startArena(t, filepath.Join(t.TempDir(), "arena.sgdb"), latestVersion)
	defer func() { require.NoError(t, app.Close()) }()

	var ann spawnJSON
	require.Equal(t, http.StatusCreated, call(t, app, "POST", "/players",
		`{"name": "ann", "guild": "red", "address": "Baker Street 221b, NW1 6XE", "pos": {"x": 10, "y": 20}, "vel": {"x": 1, "y": 0}}`, &ann))
	assert.Equal(t, fmt.Sprintf("ic://%s/player/%d", app.World.db.Scope(), ann.ID), ann.URI)
	var ids []uint64
	for i := range 20 {
		var p spawnJSON
		body, _ := json.Marshal(testPlayer(i))
		require.Equal(t, http.StatusCreated, call(t, app, "POST", "/players", string(body), &p))
		ids = append(ids, p.ID)
	}

	var before, after entityJSON
	require.Equal(t, http.StatusOK, call(t, app, "GET", "/entity/"+ann.URI, "", &before))
	waitTicks(t, app, 3)
	require.Equal(t, http.StatusOK, call(t, app, "GET", fmt.Sprintf("/entity/player/%d", ann.ID), "", &after))
	assert.Equal(t, "ann", after.Columns["name"])
	assert.Equal(t, "Baker Street", after.Columns["street"])
	assert.Equal(t, "221b", after.Columns["number"])
	assert.Equal(t, "NW1 6XE", after.Columns["postal_code"])
	assert.Greater(t, after.Columns["pos"].(map[string]any)["x"], before.Columns["pos"].(map[string]any)["x"], "ann moves along x")
	require.Len(t, after.Out["member_of"], 1)
	assert.True(t, strings.HasSuffix(after.Out["member_of"][0], "/guild/2"), "red is the first guild")
	assert.NotZero(t, after.PagesRead)

	var red entityJSON
	require.Equal(t, http.StatusOK, call(t, app, "GET", "/entity/%232", "", &red))
	assert.Equal(t, "guild", red.Kind)
	assert.Contains(t, red.In["member_of"], ann.URI)

	var q queryJSON
	require.Equal(t, http.StatusOK, call(t, app, "POST", "/query",
		`FIND player WHERE member_of -> (FIND guild WHERE name = "red") SELECT name`, &q))
	assert.Contains(t, q.Rows, []any{ann.URI, "ann"})
	assert.NotZero(t, q.Stats.PagesRead)
	require.Equal(t, http.StatusOK, call(t, app, "POST", "/query", `{"query": "FIND player COUNT"}`, &q))
	assert.EqualValues(t, 21, q.Count)

	var st statusJSON
	require.Equal(t, http.StatusOK, call(t, app, "GET", "/status", "", &st))
	assert.EqualValues(t, 21, st.Players)
	assert.Equal(t, latestVersion, st.Version)
	assert.NotZero(t, st.Loop.Ticks)
	assert.Zero(t, st.Loop.Failed)

	for _, tc := range []struct {
		method, path, body string
		code               int
	}{
		{"GET", "/entity/player/0", "", http.StatusBadRequest},
		{"GET", "/entity/player/999999", "", http.StatusNotFound},
		{"GET", "/entity/guild/" + fmt.Sprint(ids[0]), "", http.StatusNotFound},
		{"POST", "/entity/player/1", "", http.StatusMethodNotAllowed},
		{"POST", "/query", "FNID player", http.StatusBadRequest},
		{"POST", "/query", "FIND player WHERE helth < 3", http.StatusBadRequest},
		{"POST", "/query", "FIND player SELECT name, pos, vel BUDGET 2", http.StatusUnprocessableEntity},
		{"POST", "/players", `{"name": ""}`, http.StatusBadRequest},
		{"POST", "/players", `{"name": "x", "guild": "purple"}`, http.StatusBadRequest},
		{"POST", "/players", `{"name": "x", "pos": {"x": 1000, "y": 0}}`, http.StatusBadRequest},
		{"POST", "/players", `{"name": "x", "colour": "red"}`, http.StatusBadRequest},
	} {
		var e map[string]string
		assert.Equal(t, tc.code, call(t, app, tc.method, tc.path, tc.body, &e), "%s %s %s", tc.method, tc.path, tc.body)
		assert.NotEmpty(t, e["error"], "%s %s", tc.method, tc.path)
	}
}

// TestRestartContinues stops an arena and starts it again over the same file: the store
// holds every byte the first run committed, and the ticks count on from where they were.
func TestRestartContinues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "arena.sgdb")
	app := startArena(t, path, latestVersion)
	var ids []uint64
	for i := range 10 {
		var p spawnJSON
		body, _ := json.Marshal(testPlayer(i))
		require.Equal(t, http.StatusCreated, call(t, app, "POST", "/players", string(body), &p))
		ids = append(ids, p.ID)
	}
	waitTicks(t, app, 5)
	require.NoError(t, app.Close())
	want := dumpStore(t, path)

	// The world as the next start finds it, before its first tick.
	st, err := store.Open(path, nil)
	require.NoError(t, err)
	_, err = OpenWorld(st, latestVersion)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	assert.Equal(t, want, dumpStore(t, path), "opening the world again changes nothing")
	stopped := want.status

	app = startArena(t, path, latestVersion)
	defer func() { require.NoError(t, app.Close()) }()
	now := waitTicks(t, app, 1)
	assert.Greater(t, now.Tick, stopped.Tick, "the ticks count on")
	assert.Equal(t, stopped.Players, now.Players)
	assert.Equal(t, stopped.Items, now.Items)
	for i, id := range ids {
		var e entityJSON
		require.Equal(t, http.StatusOK, call(t, app, "GET", fmt.Sprintf("/entity/player/%d", id), "", &e))
		assert.Equal(t, testPlayer(i).Name, e.Columns["name"])
		assert.Equal(t, parseAddress(testPlayer(i).Address).Street, e.Columns["street"])
	}
}

// storeDump is a store's content: per variable, its entry count and a hash of its entries.
type storeDump struct {
	vars   map[string]string
	status Status
}

// dumpStore reads every tree of every variable of the closed store at path.
func dumpStore(t *testing.T, path string) storeDump {
	t.Helper()
	st, err := store.Open(path, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	return dumpOpen(t, st)
}

// dumpOpen reads every tree of every variable of an open store.
func dumpOpen(t *testing.T, st *store.Store) storeDump {
	t.Helper()
	d := storeDump{vars: map[string]string{}}
	require.NoError(t, st.View(func(tx *store.Tx) error {
		for _, v := range tx.Vars() {
			h := sha256.New()
			var n uint64
			for i, ref := range v.Refs {
				tr, err := tx.OpenTree(ref, v.Name)
				if err != nil {
					return err
				}
				for k, val := range tr.All() {
					fmt.Fprintf(h, "%d %x %x\n", i, k, val)
					n++
				}
			}
			d.vars[v.Name] = fmt.Sprintf("%s %d entries %x", v.State, n, h.Sum(nil))
		}
		return nil
	}))
	db, err := entity.Open(st, nil, nil)
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		k := func(name string) uint64 {
			kd, ok := tx.Kind(name)
			if !ok {
				return 0
			}
			return kd.Count(tx)
		}
		d.status = Status{Players: k("player"), Items: k("item"), Guilds: k("guild")}
		world, ok := tx.Kind("world")
		require.True(t, ok)
		for id := range world.All(tx) {
			tr, err := tx.VarTree("tick", 0, false)
			if err != nil {
				return err
			}
			key := entity.Key(id)
			if v, ok := tr.Get(key[:]); ok {
				d.status.Tick = store.DecodeUint64(v)
			}
		}
		return nil
	}))
	return d
}

// loadDuration makes a longer load test available: go test ./examples/arena -run TestLoad -v -args -arena.load=30s
var loadDuration = flag.Duration("arena.load", 0, "run TestLoad for this long (default 2s, 1s with -short)")

func TestLoad(t *testing.T) {
	d, players := 2*time.Second, 2000
	if testing.Short() {
		d, players = time.Second, 500
	}
	if *loadDuration > 0 {
		d, players = *loadDuration, 5000
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{
		"-loadtest", "-nosync", "-db", filepath.Join(t.TempDir(), "load.sgdb"),
		"-load-duration", d.String(), "-load-players", fmt.Sprint(players), "-load-requests", "200000",
	}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	t.Logf("\n%s", out.String())
	assert.Contains(t, out.String(), "ticks/s")
	assert.NotContains(t, out.String(), " error: ", "no request failed")
	assert.Contains(t, out.String(), " 0 failed)", "no tick failed")
}

func TestStartRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "arena.sgdb")
	for _, args := range [][]string{
		{"-addr", "0.0.0.0:0", "-db", path}, // not loopback
		{"-addr", "127.0.0.1:0", "-db", path, "-version", "4"},
		{"-db", path, "extra"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		assert.Error(t, err, "arena %s", strings.Join(args, " "))
	}
}
