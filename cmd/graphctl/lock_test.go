package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/store"
)

// TestParallelReadOnlyPairs: thirty pairs of one-shot queries, each pair started
// together, all answer: read-only opens share the store.
func TestParallelReadOnlyPairs(t *testing.T) {
	dir := demoStore(t)
	failed := 0
	for range 30 {
		var wg sync.WaitGroup
		var res [2]result
		for j := range res {
			wg.Go(func() {
				res[j] = gc(t, dir, "", nil, "query", "--db", "world.sg", "--timeout", "0", "FIND player COUNT")
			})
		}
		wg.Wait()
		for _, r := range res {
			if r.code != 0 {
				failed++
				t.Logf("exit %d: %s", r.code, r.stderr)
			}
		}
	}
	assert.Zero(t, failed, "pairs of read-only queries that failed")
}

// TestQueryWaitsForTheWriter: a query that meets a writer's lock waits for it, saying so
// once, and answers when it lets go; with --timeout 0 it fails at once and names the
// holder and where the holder serves the store.
func TestQueryWaitsForTheWriter(t *testing.T) {
	dir := demoStore(t)
	path := filepath.Join(dir, "world.sg")
	w, err := store.Open(path, &store.Options{ServeAddr: "http://127.0.0.1:7070"})
	require.NoError(t, err)

	r := gc(t, dir, "", nil, "query", "--db", "world.sg", "--timeout", "0", "FIND player COUNT")
	assert.Equal(t, exitUser, r.code)
	assert.Contains(t, r.stderr, "store file is locked by another process")
	assert.Contains(t, r.stderr, fmt.Sprintf("held by pid %d", os.Getpid()))
	assert.Contains(t, r.stderr, "give --server http://127.0.0.1:7070")

	r = gc(t, dir, "", nil, "query", "--db", "world.sg", "--timeout", "200ms", "FIND player COUNT")
	assert.Equal(t, exitUser, r.code)
	assert.Contains(t, r.stderr, "waiting up to 200ms for world.sg, locked by pid")
	assert.Contains(t, r.stderr, "(waited ")

	// The query waits; once it has said so, the writer lets go, and it answers.
	cmd := exec.Command(binary, "query", "--db", "world.sg", "--timeout", "1m", "FIND player COUNT")
	cmd.Dir = dir
	var stdout strings.Builder
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	note, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, note, "waiting up to 1m0s for world.sg, locked by pid")
	require.NoError(t, w.Close())
	require.NoError(t, cmd.Wait())
	r = result{stdout: stdout.String()}
	assert.Contains(t, r.stdout, "(1 row;")
}

// TestQueryDuringAnImport: a query started while 'graphctl import' writes waits for it
// and answers, with all of the import or none of it.
func TestQueryDuringAnImport(t *testing.T) {
	dir := demoStore(t)
	const n = 100000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"iri":"http://ex.org/bulk/%d","kind":"bulk","set":{"n":%d}}`+"\n", i, i)
	}
	write(t, dir, "bulk.jsonl", b.String())
	imp := exec.Command(binary, "import", "--db", "world.sg", "bulk.jsonl")
	imp.Dir = dir
	require.NoError(t, imp.Start())
	// The import holds the lock once it has read its input; its lock-info record says so.
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "world.sg-lock"))
		return err == nil
	}, time.Minute, time.Millisecond)
	r := gc(t, dir, "", nil, "query", "--db", "world.sg", "--timeout", "1m", "FIND player COUNT")
	require.NoError(t, imp.Wait())
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "2000\n")
	t.Logf("the query waited: %v (%q)", strings.Contains(r.stderr, "waiting up to"), r.stderr)
	assert.Contains(t, ok(t, dir, "query", "--db", "world.sg", "FIND bulk COUNT"), fmt.Sprintf("%d\n", n))
}
