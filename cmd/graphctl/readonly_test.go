package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// readCommands are the commands that only read, each with what it needs to run on the
// store db (in a directory holding the demo workload).
func readCommands(db string) [][]string {
	return [][]string{
		{"verify", "--db", db},
		{"query", "--db", db, "FIND player COUNT"},
		{"get", "--db", db, "player/9"},
		{"stats", "--db", db},
		{"export", "--db", db, "--format", "jsonl", "out.jsonl"},
		{"report", "--db", db, "demo.yaml"},
		{"map", "--db", db, "--html", "out.html"},
		{"schema", "show", "--db", db},
	}
}

// demoWithWorkload builds the demo world in a directory that also holds the demo workload.
func demoWithWorkload(t *testing.T) string {
	t.Helper()
	dir := demoStore(t)
	wl, err := os.ReadFile(filepath.Join("testdata", "report", "demo.yaml"))
	require.NoError(t, err)
	write(t, dir, "demo.yaml", string(wl))
	return dir
}

// dirFiles returns the contents of the files in dir but the commands' outputs.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range ents {
		switch e.Name() {
		case "out.jsonl", "out.html":
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = string(b)
	}
	return out
}

// TestReadCommandsNeverWrite runs every command that only reads on an empty file, a
// foreign file, a store with a damaged superblock and a sound store (one whose log holds
// a message not yet applied in place, too), and checks that each leaves every file byte
// for byte as it was and creates no log, and that it says what is wrong: exit 1 for a
// file that is not a store, 3 for a damaged one.
func TestReadCommandsNeverWrite(t *testing.T) {
	dir := demoWithWorkload(t)
	world := readFile(t, dir, "world.sg")
	write(t, dir, "empty.sg", "")
	foreign := make([]byte, 64<<10)
	copy(foreign, "%PDF-1.7 not a store")
	write(t, dir, "foreign.sg", string(foreign))
	damaged := []byte(world)
	damaged[100] ^= 0xff // inside the superblock's root slots: its checksum fails
	write(t, dir, "damaged.sg", string(damaged))

	for _, tc := range []struct {
		db   string
		code int
		want string
	}{
		{"empty.sg", exitUser, "not a stablegraph store: the file is empty"},
		{"foreign.sg", exitUser, "not a stablegraph store: bad magic"},
		{"damaged.sg", exitDamaged, "superblock checksum"},
		{"world.sg", exitOK, ""},
	} {
		for _, args := range readCommands(tc.db) {
			before := dirFiles(t, dir)
			r := gc(t, dir, "", nil, args...)
			assert.Equal(t, tc.code, r.code, "graphctl %s\n%s", strings.Join(args, " "), r.stderr)
			assert.Contains(t, r.stderr, tc.want, "graphctl %s", strings.Join(args, " "))
			assert.Equal(t, before, dirFiles(t, dir), "graphctl %s changed a file", strings.Join(args, " "))
			if tc.db != "world.sg" {
				assert.NoFileExists(t, filepath.Join(dir, tc.db+"-wal"), "graphctl %s", strings.Join(args, " "))
			}
		}
	}
}

// TestReadCommandsReplayInMemory: a store whose log holds committed messages that the file
// does not (a process that died before its checkpoint) reads as it will once recovered,
// and a command that only reads leaves both files as they were.
func TestReadCommandsReplayInMemory(t *testing.T) {
	dir := demoWithWorkload(t)
	before := readFile(t, dir, "world.sg")
	// A message committed to the log, and the file as before it: what a process that died
	// between the log's sync and the write in place leaves behind.
	path := filepath.Join(dir, "world.sg")
	st, err := store.Open(path, &store.Options{CheckpointBytes: 1 << 30})
	require.NoError(t, err)
	db, err := entity.Open(st, nil, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		health, err := column.Lookup(tx, "health")
		require.NoError(t, err)
		return health.Set(tx, 9, int32(77))
	}))
	log := readFile(t, dir, "world.sg-wal")
	require.Greater(t, len(log), 32, "the message is in the log")
	require.NoError(t, st.Close())
	write(t, dir, "world.sg", before)
	write(t, dir, "world.sg-wal", log)
	for _, args := range readCommands("world.sg") {
		snap := dirFiles(t, dir)
		ok(t, dir, args...)
		assert.Equal(t, snap, dirFiles(t, dir), "graphctl %s changed a file", strings.Join(args, " "))
	}
	assert.Equal(t, 77, int(mustHealth(t, dir)), "the log's message is seen")
}

// mustHealth returns the health of player 9 as graphctl get sees it.
func mustHealth(t *testing.T, dir string) float64 {
	t.Helper()
	var doc struct {
		Set map[string]any `json:"set"`
	}
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "get", "--db", "world.sg", "-o", "json", "player/9")), &doc))
	h, isNum := doc.Set["health"].(float64)
	require.True(t, isNum, "%v", doc.Set)
	return h
}
