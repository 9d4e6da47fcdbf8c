package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// served is a 'graphctl serve' running in a test.
type served struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
}

// serve starts 'graphctl serve --db db' on a free loopback port, in dir, with HOME=dir,
// and stops it (SIGTERM, then SIGKILL after 10 s) when the test ends.
func serve(t *testing.T, dir, db string, args ...string) *served {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s := &served{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "serve said: %s", s.stderr)
	_, s.url, _ = strings.Cut(strings.TrimSpace(line), " at ")
	require.True(t, strings.HasPrefix(s.url, "http://127.0.0.1:"), line)
	go func() { _, _ = io.Copy(io.Discard, out); s.done <- cmd.Wait() }()
	t.Cleanup(func() { s.stop(t, syscall.SIGTERM) })
	return s
}

// stop sends sig and waits for the server to end; it reports whether the server had
// not ended before.
func (s *served) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	if s.cmd.ProcessState != nil {
		return nil
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("serve did not stop on %v in 10 s", sig)
		return nil
	}
}

// timing matches the figures of an import's totals that vary from run to run.
var timing = regexp.MustCompile(`in [0-9.]+[µnm]?s \([0-9]+ (\w+)/s, [0-9.]+ [KMG]?i?B/s\)`)

// TestServerParity runs the same commands, in the same order, against a store file
// (--db) and against a copy of it served ($GRAPHCTL_SERVER), and requires the same
// standard output, standard error and exit code from each: reads in every output format,
// writes, their errors.
func TestServerParity(t *testing.T) {
	local := demoStore(t)
	remote := t.TempDir()
	write(t, remote, "world.sg", readFile(t, local, "world.sg"))
	srv := serve(t, remote, "world.sg", "--insecure")
	good := "{\"iri\":\"http://ex.org/g9\",\"kind\":\"guild\",\"set\":{\"name\":\"Nine\"}}\n"
	schema := ok(t, local, "schema", "show", "--db", "world.sg", "-o", "json")
	workload := readFile(t, filepath.Join("testdata", "report"), "demo.yaml")
	for _, dir := range []string{local, remote} {
		write(t, dir, "demo.yaml", workload)
		write(t, dir, "schema.json", schema)
		write(t, dir, "changed.json", strings.Replace(schema, `"type": "int32"`, `"type": "int64"`, 1))
		write(t, dir, "good.jsonl", good)
		write(t, dir, "bad.jsonl", good+"{\"kind\": guild}\n")
		write(t, dir, "people.ttl", "@prefix ex: <http://ex.org/> .\nex:ann a ex:Person ; ex:name \"Ann\" ; ex:knows ex:bo .\nex:bo a ex:Person ; ex:name \"Bo\" .\n")
		write(t, dir, "graphs.nq", "<http://ex.org/cy> <http://ex.org/name> \"Cy\" <http://ex.org/g1> .\n<http://ex.org/cy> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Person> .\n")
		write(t, dir, "good.jsonl.gz", gzipped(t, "{\"iri\":\"http://ex.org/g10\",\"kind\":\"guild\",\"set\":{\"name\":\"Ten\"}}\n"))
		write(t, dir, "bad.nt", "<http://a> <http://b> <http://c> .\n<http://a> <http://b> \"x .\n")
	}
	steps := [][]string{
		{"query", "FIND player WHERE health < 3 SELECT name, health ORDER BY health LIMIT 3"},
		{"query", "-o", "json", "FIND player WHERE health < 3 SELECT name, health, position ORDER BY health LIMIT 3"},
		{"query", "-o", "csv", "FIND item WHERE owns <- player/9 SELECT name, rarity"},
		{"query", "FIND player WHERE member_of -> guild/1 COUNT"},
		{"query", "--explain", "FIND player WHERE health < 10"},
		{"query", "-o", "json", "EXPLAIN FIND player WHERE health < 10"},
		{"query", "FIND player WHERE helth < 3"},
		{"query", "FIND player WHERE"},
		{"query", "--budget", "2", "FIND player WHERE health < 50"},
		{"get", "player/9"},
		{"get", "-o", "json", "player/9"},
		{"get", "-o", "csv", "guild/2"},
		{"get", "player/99999"},
		{"set", "player/9", "health=77", "name=Nine"},
		{"set", "player/9", "health=lots"},
		{"set", "player/9", "nosuch=1"},
		{"set", "--kind", "guild", "new", "name=Fresh"},
		{"set", "--kind", "guild", "player/9", "name=Fresh"},
		{"link", "player/9", "member_of", "guild/5"},
		{"unlink", "player/9", "member_of", "guild/2"},
		{"link", "player/9", "member_of", "guild/5"},
		{"link", "player/9", "nosuch", "guild/5"},
		{"unlink", "player/9", "member_of", "guild/2"},
		{"delete", "item/2100"},
		{"delete", "item/2100"},
		{"get", "player/9"},
		{"import", "good.jsonl"},
		{"import", "bad.jsonl"},
		{"import", "--format", "ntriples", "bad.nt"},
		{"import", "people.ttl"},
		{"import", "graphs.nq"},
		{"import", "good.jsonl.gz"},
		{"query", "-o", "json", "FIND Person SELECT name"},
		{"export", "--format", "jsonl"},
		{"export", "--format", "csv", "--kind", "guild"},
		{"export", "--format", "ntriples", "--kind", "guild"},
		{"export", "--format", "csv"},
		{"export", "--format", "jsonl", "--kind", "nosuch"},
		{"stats", "-o", "csv"},
		{"report", "demo.yaml"},
		{"report", "-o", "json", "demo.yaml"},
		{"schema", "show"},
		{"schema", "show", "-o", "json"},
		{"schema", "show", "-o", "csv"},
		{"schema", "check", "schema.json"},
		{"schema", "check", "changed.json"},
		{"verify"},
		{"query", "-o", "json", "FIND guild SELECT name"},
	}
	succeeded := 0
	for _, args := range steps {
		want := gc(t, local, "", nil, append([]string{"--db", "world.sg"}, args...)...)
		got := gc(t, remote, "", []string{"GRAPHCTL_SERVER=" + srv.url}, args...)
		name := strings.Join(args, " ")
		assert.Equal(t, want.code, got.code, "%s: exit code\nlocal: %s\nserver: %s", name, want.stderr, got.stderr)
		assert.Equal(t, timing.ReplaceAllString(want.stdout, "in T"), timing.ReplaceAllString(got.stdout, "in T"), "%s: stdout", name)
		assert.Equal(t, want.stderr, got.stderr, "%s: stderr", name)
		if want.code == 0 && want.stdout != "" {
			succeeded++
		}
	}
	assert.Equal(t, 29, succeeded, "steps that succeeded with output")
	// stats in every format: the same but for the log, which the server has not
	// checkpointed.
	logSize := regexp.MustCompile(`log [0-9.]+ [KMG]?i?B|"log_bytes": [0-9]+`)
	for _, f := range []string{"table", "json"} {
		want := ok(t, local, "stats", "--db", "world.sg", "-o", f)
		got := gc(t, remote, "", []string{"GRAPHCTL_SERVER=" + srv.url}, "stats", "-o", f)
		assert.Equal(t, logSize.ReplaceAllString(want, "log"), logSize.ReplaceAllString(got.stdout, "log"), "stats -o %s", f)
	}
	// Commands that work on the file itself say so.
	r := gc(t, remote, "", []string{"GRAPHCTL_SERVER=" + srv.url}, "schema", "apply", "schema.json")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "works on a store file (--db), not through a server")
	r = gc(t, remote, "", nil, "query", "--db", "world.sg", "--server", srv.url, "FIND guild COUNT")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "give --db FILE or --server URL, not both")

	// The store file, opened while served, names the server.
	r = gc(t, remote, "", nil, "query", "--db", "world.sg", "--timeout", "0", "FIND guild COUNT")
	assert.Equal(t, exitUser, r.code)
	assert.Contains(t, r.stderr, "give --server "+srv.url)

	// SIGTERM: the server stops and closes the store, which then verifies and holds the
	// writes.
	require.NoError(t, srv.stop(t, syscall.SIGTERM))
	assert.Contains(t, srv.stderr.String(), "stopped; world.sg is closed")
	assert.NoFileExists(t, filepath.Join(remote, "world.sg-lock"))
	assert.Equal(t, ok(t, local, "export", "--db", "world.sg", "--format", "jsonl"), ok(t, remote, "export", "--db", "world.sg", "--format", "jsonl"))
}

// TestServeToken: without --insecure, serve makes a token only its user can read, and a
// client on the same account finds it; a wrong token is refused with exit 1; a
// non-loopback address without a token is refused.
func TestServeToken(t *testing.T) {
	dir := demoStore(t)
	srv := serve(t, dir, "world.sg")
	tokenFile := filepath.Join(dir, ".config", "stablegraph", "token")
	fi, err := os.Stat(tokenFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.Contains(t, srv.stderr.String(), "made a token in "+tokenFile)

	env := []string{"GRAPHCTL_SERVER=" + srv.url}
	r := gc(t, dir, "", env, "query", "FIND guild COUNT")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "8\n")
	r = gc(t, dir, "", append(env, "GRAPHCTL_TOKEN=wrong"), "query", "FIND guild COUNT")
	assert.Equal(t, exitUser, r.code)
	assert.Equal(t, "graphctl: unauthorized\n", r.stderr)
	// A server that is no cluster node cannot place an entity in a shard.
	r = gc(t, dir, "", env, "set", "--kind", "player", "--shard", "s0", "<http://ex.org/p9>")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, srv.url+" is no cluster node")
	require.NoError(t, srv.stop(t, syscall.SIGTERM))

	r = gc(t, dir, "", nil, "serve", "--db", "world.sg", "--addr", "0.0.0.0:0", "--insecure")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "is not a loopback address: serving it needs a token")
}
