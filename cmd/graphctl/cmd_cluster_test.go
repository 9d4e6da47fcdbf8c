package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
)

var clusterDuration = flag.Duration("cluster.duration", 3*time.Second, "how long the clients of the replicated cluster test write and query")

// freePorts returns n ports free on 127.0.0.1 a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// replicaProc is one 'graphctl serve --cluster' process.
type replicaProc struct {
	id, dir string
	cmd     *exec.Cmd
	stderr  *syncBuffer
	done    chan error
}

// startReplica starts the replica id of the config in dir, and waits for it to serve.
func startReplica(t *testing.T, dir, id string) *replicaProc {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--cluster", "cluster.yaml", "--replica", id, "--dir", id, "--schema", "schema.json", "--insecure")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &replicaProc{id: id, dir: filepath.Join(dir, id), cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "serve said: %s", p.stderr)
	require.Contains(t, line, "serving replica "+id)
	go func() { _, _ = io.Copy(io.Discard, out); p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.stop(t, syscall.SIGKILL) })
	return p
}

func (p *replicaProc) stop(t *testing.T, sig syscall.Signal) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("replica %s did not stop on %v in 10 s", p.id, sig)
	}
}

// leaders waits until every shard has a leader that every answering replica agrees on,
// and returns the leaders' IDs by shard.
func leaders(t *testing.T, c *cluster.Cluster) map[string]string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := c.Status(context.Background())
		require.NoError(t, err)
		out := map[string]string{}
		for _, s := range st {
			for _, r := range s.Replicas {
				if r.Status != nil && r.Status.State == "Leader" {
					out[s.Name] = r.ID
				}
			}
		}
		if len(out) == len(st) {
			return out
		}
		require.True(t, time.Now().Before(deadline), "not every shard has a leader after 15 s: %+v", st)
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClusterReplicasSurviveKill runs 3 shards of 3 replicas, each a 'graphctl serve
// --cluster' process on loopback; clients write and query through the Go coordinator for
// -cluster.duration while the leader of one shard is killed (SIGKILL) halfway. A new
// leader is elected, the clients go on, and afterwards every acknowledged write is on
// every replica, the killed one (restarted) included, and each shard's replicas close
// with byte-identical store files.
func TestClusterReplicasSurviveKill(t *testing.T) {
	dir := t.TempDir()
	ports := freePorts(t, 18)
	var cfg cluster.Config
	for i := range 3 {
		sc := cluster.ShardConfig{Name: fmt.Sprintf("s%d", i), Scope: fmt.Sprintf("6ba7b810-9dad-11d1-80b4-00c04fd430%02x", i)}
		for j := range 3 {
			p := ports[2*(3*i+j):]
			sc.Replicas = append(sc.Replicas, cluster.ReplicaConfig{
				ID: fmt.Sprintf("s%d-%d", i, j+1), Server: fmt.Sprintf("http://127.0.0.1:%d", p[0]), Raft: fmt.Sprintf("127.0.0.1:%d", p[1]),
			})
		}
		cfg.Shards = append(cfg.Shards, sc)
	}
	require.NoError(t, cfg.Save(filepath.Join(dir, "cluster.yaml")))
	write(t, dir, "schema.json", gameSchema)
	procs := map[string]*replicaProc{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, sc := range cfg.Shards {
		for _, rc := range sc.Replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := startReplica(t, dir, rc.ID)
				mu.Lock()
				procs[rc.ID] = p
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	c, err := cluster.New(&cfg, nil)
	require.NoError(t, err)
	require.NoError(t, c.Check(context.Background()))
	lead := leaders(t, c)

	// Clients write players (placed by hash) and count them, until told to stop.
	type ack struct {
		shard  string
		health int
	}
	acked := map[string]ack{}
	tried := map[string]bool{}
	var writes, queries, failed, afterKill int
	var killedAt, s1Back time.Time // the kill, and shard s1's first acknowledged write after it
	stop := make(chan struct{})
	killed := make(chan struct{})
	for cl := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(cl), 21))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if rng.IntN(4) == 0 {
					_, err := c.Query(ctx, server.QueryRequest{Query: "FIND player COUNT"})
					mu.Lock()
					queries++
					if err != nil {
						failed++
					}
					mu.Unlock()
					cancel()
					continue
				}
				iri := fmt.Sprintf("http://ex.org/c%d/p%d", cl, n)
				health := rng.IntN(100)
				mu.Lock()
				tried[iri] = true
				mu.Unlock()
				_, s, err := c.Create(ctx, server.SetRequest{Ref: "<" + iri + ">", Kind: "player",
					Set: []server.Assign{{Column: "health", Value: fmt.Sprint(health)}}}, cluster.Placement{})
				cancel()
				mu.Lock()
				if err == nil {
					acked[iri] = ack{s.Name, health}
					writes++
					select {
					case <-killed:
						afterKill++
						if s.Name == "s1" && s1Back.IsZero() {
							s1Back = time.Now()
						}
					default:
					}
				} else {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(*clusterDuration / 2)
	victim := procs[lead["s1"]]
	mu.Lock()
	killedAt = time.Now()
	mu.Unlock()
	victim.stop(t, syscall.SIGKILL)
	close(killed)
	time.Sleep(*clusterDuration / 2)
	after := leaders(t, c)
	require.NotEqual(t, lead["s1"], after["s1"], "shard s1 kept its killed leader")
	// The clients go on after the election: give them a moment if the election was late.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := afterKill
		mu.Unlock()
		if n >= 20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%s: %d writes acknowledged, %d queries, %d requests failed (during the election); %d writes after the kill; s1 leader %s → %s; s1's first write acknowledged %s after the kill",
		*clusterDuration, writes, queries, failed, afterKill, lead["s1"], after["s1"], s1Back.Sub(killedAt).Round(time.Millisecond))
	require.GreaterOrEqual(t, afterKill, 20, "the clients did not go on after the leader was killed")

	// The killed replica comes back: it rebuilds its store from its group.
	procs[victim.id] = startReplica(t, dir, victim.id)

	// graphctl --server pointed at a follower works for every command: writes and
	// reads go to the leader.
	after = leaders(t, c)
	var follower cluster.ReplicaConfig
	for _, rc := range cfg.Shards[2].Replicas {
		if rc.ID != after["s2"] {
			follower = rc
		}
	}
	at := []string{"--server", follower.Server}
	cli := func(stdin string, args ...string) string {
		t.Helper()
		r := gc(t, dir, stdin, nil, append(args, at...)...)
		require.Equal(t, 0, r.code, "graphctl %s: %s", strings.Join(args, " "), r.stderr)
		return r.stdout
	}
	// A player and a guild that the hash places in one shard, so that they may be linked.
	player, guild := "http://ex.org/cli/1", ""
	for i := 0; guild == "" || c.HashShard(guild) != c.HashShard(player); i++ {
		guild = fmt.Sprintf("http://ex.org/cli/g%d", i)
	}
	home := c.HashShard(player).Name
	cli("", "set", "--kind", "player", "<"+player+">", "health=7")
	acked[player] = ack{home, 7}
	tried[player] = true
	// An import goes to the shard of the node it is sent to.
	cli("{\"iri\":\"http://ex.org/cli/2\",\"kind\":\"player\",\"set\":{\"health\":8}}\n", "import", "--format", "jsonl", "-")
	acked["http://ex.org/cli/2"] = ack{"s2", 8}
	tried["http://ex.org/cli/2"] = true
	cli("", "set", "--kind", "guild", "<"+guild+">", "name=CLI")
	tried[guild] = true
	cli("", "link", "<"+player+">", "member_of", "<"+guild+">")
	assert.Contains(t, cli("", "get", "<"+player+">"), "member_of")
	assert.Regexp(t, `\b1\b`, cli("", "query", "-o", "csv", "FIND player WHERE member_of -> (FIND guild WHERE name = \"CLI\") COUNT"))
	// Queries, export and verify cover the whole cluster.
	count := cli("", "query", "-o", "json", "FIND player COUNT")
	mu.Lock()
	total := 0
	for iri := range acked {
		if strings.Contains(iri, "/p") || strings.Contains(iri, "/cli/") {
			total++
		}
	}
	mu.Unlock()
	assert.GreaterOrEqual(t, countOf(t, count), total)
	export := cli("", "export", "--format", "ntriples")
	assert.Contains(t, export, "http://ex.org/cli/2")
	assert.Contains(t, export, player)
	assert.Contains(t, cli("", "verify"), "the cluster's 3 shards and 0 edges across them: ok")
	stale := gc(t, dir, "", nil, "query", "--server", follower.Server, "--stale", "FIND player COUNT")
	require.Equal(t, 0, stale.code, stale.stderr)
	assert.Regexp(t, `graphctl: a stale read from http://127.0.0.1:\d+: its store has applied the shard's log up to entry \d+, \d+ behind`, stale.stderr)
	assert.Contains(t, fails(t, dir, exitUsage, "query", "--db", "x.sg", "--stale", "FIND player COUNT"), "--stale reads a replica's copy")
	stats := cli("", "stats")
	assert.Regexp(t, `cluster: 3 shards`, stats)
	assert.Regexp(t, `s1 +s1-\d +(Leader|Follower) +\d+ +\d+`, stats)
	assert.Regexp(t, `s1 +`+after["s1"]+` +Leader`, cli("", "cluster", "status"))
	for _, sc := range cfg.Shards {
		converge(t, c, sc.Name)
		for _, rc := range sc.Replicas {
			cl, err := client.New(rc.Server, "", nil)
			require.NoError(t, err)
			res, err := cl.Stale(nil).Query(context.Background(), server.QueryRequest{Query: "FIND player SELECT health", IRI: true})
			require.NoError(t, err, "replica %s", rc.ID)
			got := map[string]int64{}
			for _, row := range res.Rows {
				got[row[0].(string)] = row[1].(int64)
			}
			for iri, a := range acked {
				if a.shard == sc.Name {
					require.Contains(t, got, iri, "replica %s lost an acknowledged write; its log: %s", rc.ID, procs[rc.ID].stderr)
					require.EqualValues(t, a.health, got[iri], "replica %s: %s", rc.ID, iri)
				}
			}
			for iri := range got {
				require.True(t, tried[iri], "replica %s holds %s, which no client wrote", rc.ID, iri)
			}
		}
	}
	// Stopped cleanly (their logs checkpointed), each shard's replicas hold the same bytes.
	for _, p := range procs {
		p.stop(t, syscall.SIGTERM)
		assert.NotContains(t, p.stderr.String(), "panic", "replica %s", p.id)
	}
	for _, sc := range cfg.Shards {
		var want [32]byte
		for j, rc := range sc.Replicas {
			b, err := os.ReadFile(filepath.Join(dir, rc.ID, "store.sgdb"))
			require.NoError(t, err)
			sum := sha256.Sum256(b)
			if j == 0 {
				want = sum
				continue
			}
			require.Equal(t, want, sum, "replica %s's store file differs from %s's", rc.ID, sc.Replicas[0].ID)
		}
	}
}

// converge waits until every replica of the shard has applied its leader's whole log.
func converge(t *testing.T, c *cluster.Cluster, shard string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := c.Status(context.Background())
		require.NoError(t, err)
		ok := true
		for _, s := range st {
			if s.Name != shard {
				continue
			}
			var last uint64
			for _, r := range s.Replicas {
				if r.Status != nil && r.Status.State == "Leader" {
					last = r.Status.LastIndex
				}
			}
			for _, r := range s.Replicas {
				ok = ok && last > 0 && r.Status != nil && r.Status.AppliedIndex >= last
			}
		}
		if ok {
			return
		}
		require.True(t, time.Now().Before(deadline), "shard %s did not converge in 15 s: %s", shard, strings.TrimSpace(fmt.Sprint(st)))
		time.Sleep(50 * time.Millisecond)
	}
}

func TestClusterInitAddShard(t *testing.T) {
	dir := t.TempDir()
	out := ok(t, dir, "cluster", "init", "--config", "c.yaml", "--shards", "2", "--replicas", "3", "--port", "9000")
	assert.Contains(t, out, "wrote c.yaml: 2 shards of 3 replicas")
	assert.Contains(t, out, "graphctl serve --cluster c.yaml --replica s1-3 --dir s1-3\n")
	cfg, err := cluster.LoadConfig(filepath.Join(dir, "c.yaml"))
	require.NoError(t, err)
	require.Len(t, cfg.Shards, 2)
	require.Equal(t, cluster.ReplicaConfig{ID: "s1-3", Server: "http://127.0.0.1:9010", Raft: "127.0.0.1:9011"}, cfg.Shards[1].Replicas[2])
	assert.NotEqual(t, cfg.Shards[0].Scope, cfg.Shards[1].Scope)
	assert.Contains(t, fails(t, dir, exitUser, "cluster", "init", "--config", "c.yaml"), "c.yaml exists")
	assert.Contains(t, fails(t, dir, exitUsage, "cluster", "init", "--config", "d.yaml", "--replicas", "0"), "--replicas 0")

	out = ok(t, dir, "cluster", "add-shard", "--config", "c.yaml", "--name", "eu", "--replicas", "1")
	assert.Contains(t, out, "added shard eu")
	cfg, err = cluster.LoadConfig(filepath.Join(dir, "c.yaml"))
	require.NoError(t, err)
	require.Equal(t, []cluster.ReplicaConfig{{ID: "eu-1", Server: "http://127.0.0.1:9012", Raft: "127.0.0.1:9013"}}, cfg.Shards[2].Replicas)
	assert.Contains(t, fails(t, dir, exitUser, "cluster", "add-shard", "--config", "c.yaml", "--name", "eu"), `name "eu" is shards[2]'s too`)

	// Nothing serves the config: every replica is reported down, with why.
	r := gc(t, dir, "", nil, "cluster", "status", "--config", "c.yaml")
	require.Equal(t, exitUser, r.code, r.stderr)
	assert.Regexp(t, `eu +eu-1 +down .*connection refu`, r.stdout)
	for _, s := range []string{"s0", "s1", "eu"} {
		assert.Contains(t, r.stderr, "shard "+s+": shard unavailable: none of its")
	}
	assert.Contains(t, fails(t, dir, exitUsage, "cluster", "status"), "give --config FILE")
	assert.Contains(t, fails(t, dir, exitUsage, "serve", "--cluster", "c.yaml"), "needs --replica")
}

// countOf returns the count of a query's JSON answer.
func countOf(t *testing.T, out string) int {
	t.Helper()
	var res struct {
		Count int `json:"count"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	return res.Count
}

// TestClusterVerifyRepair runs 2 shards of one replica each and leaves edges across them
// broken as a failure between the halves leaves them (the subject's half and its intent,
// no object's half) and as a delete behind the cluster's back does (a half without the
// other): verify on a node fails with exit code 3 naming them, 'cluster repair' mends
// them and says what it did, and verify passes again.
func TestClusterVerifyRepair(t *testing.T) {
	dir := t.TempDir()
	ports := freePorts(t, 4)
	var cfg cluster.Config
	for i := range 2 {
		cfg.Shards = append(cfg.Shards, cluster.ShardConfig{Name: fmt.Sprintf("s%d", i), Scope: fmt.Sprintf("6ba7b810-9dad-11d1-80b4-00c04fd430%02x", i),
			Replicas: []cluster.ReplicaConfig{{ID: fmt.Sprintf("s%d-1", i), Server: fmt.Sprintf("http://127.0.0.1:%d", ports[2*i]), Raft: fmt.Sprintf("127.0.0.1:%d", ports[2*i+1])}}})
	}
	require.NoError(t, cfg.Save(filepath.Join(dir, "cluster.yaml")))
	write(t, dir, "schema.json", gameSchema)
	for _, sc := range cfg.Shards {
		startReplica(t, dir, sc.Replicas[0].ID)
	}
	ctx := context.Background()
	c, err := cluster.New(&cfg, nil)
	require.NoError(t, err)
	require.NoError(t, c.Check(ctx))
	leaders(t, c)
	s0, s1 := c.Shards()[0].Client, c.Shards()[1].Client
	uris := map[string]string{}
	for _, p := range []struct {
		iri, kind string
		cl        *client.Client
	}{{"<http://ex.org/p1>", "player", s0}, {"<http://ex.org/p2>", "player", s0}, {"<http://ex.org/g1>", "guild", s1}, {"<http://ex.org/g2>", "guild", s1}} {
		res, err := p.cl.Set(ctx, server.SetRequest{Ref: p.iri, Kind: p.kind})
		require.NoError(t, err)
		uris[p.iri] = res.Created
	}
	node := cfg.Shards[1].Replicas[0].Server
	require.NoError(t, c.Link(ctx, server.Edge{Subject: "<http://ex.org/p1>", Verb: "member_of", Object: "<http://ex.org/g1>"}))
	assert.Contains(t, ok(t, dir, "verify", "--server", node), "the cluster's 2 shards and 1 edge across them: ok")

	// The first half of p2 member_of g2 with its intent, and nothing more, as a
	// coordinator that stopped between the halves leaves it; g1 deleted in its own shard
	// alone, leaving p1's half.
	e := server.Edge{Subject: uris["<http://ex.org/p2>"], Verb: "member_of", Object: uris["<http://ex.org/g2>"]}
	_, err = s0.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: e, Record: &server.Intent{Op: server.IntentLink, Edge: e}})
	require.NoError(t, err)
	_, err = s1.Delete(ctx, "<http://ex.org/g1>")
	require.NoError(t, err)
	stderr := fails(t, dir, exitDamaged, "verify", "--server", node)
	assert.Contains(t, stderr, "1 pending intents, 1 halves without the other")
	assert.Contains(t, stderr, "shard s0: pending intent to link "+e.Subject+" member_of "+e.Object)
	assert.Contains(t, stderr, uris["<http://ex.org/p1>"]+" member_of "+uris["<http://ex.org/g1>"]+": shard s0 holds the subject's half, shard s1 lacks the other")
	assert.Contains(t, stderr, "'graphctl cluster repair' mends them")

	out := ok(t, dir, "cluster", "repair", "--server", node)
	assert.Equal(t, "repair: 1 intent finished, 0 links taken back, 0 halves restored, 1 half removed\nedges across shards: ok (1 edge, each with both halves)\n", out)
	assert.Contains(t, ok(t, dir, "verify", "--server", node), "the cluster's 2 shards and 1 edge across them: ok")
	var rep cluster.RepairReport
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "cluster", "repair", "--config", "cluster.yaml", "-o", "json")), &rep))
	assert.Equal(t, cluster.RepairReport{}, rep, "nothing left to repair")
	res, err := c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE member_of -> <http://ex.org/g2> COUNT"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, res.Count)
	assert.Contains(t, fails(t, dir, exitUsage, "cluster", "repair"), "give --config FILE")

	// graphctl places a new entity where it is told: with its parent, or in a named shard.
	for _, p := range []struct{ iri, kind, flag, to, shard string }{
		{"<http://ex.org/p9>", "player", "--parent", "<http://ex.org/g2>", "s1"},
		{"<http://ex.org/g9>", "guild", "--shard", "s0", "s0"},
	} {
		created := strings.TrimSpace(ok(t, dir, "set", "--server", node, "--kind", p.kind, p.flag, p.to, p.iri))
		holder, err := c.Locate(ctx, p.iri)
		require.NoError(t, err)
		assert.Equal(t, p.shard, holder.Name, "%s %s %s", p.iri, p.flag, p.to)
		assert.True(t, strings.HasPrefix(created, "ic://"+holder.Scope.String()+"/"), "%s in %s", created, holder.Name)
	}
	assert.Contains(t, fails(t, dir, exitUsage, "set", "--server", node, "--shard", "s0", "<http://ex.org/p8>"), "give its --kind")
	assert.Contains(t, fails(t, dir, exitUsage, "set", "--db", "nowhere.sg", "--kind", "player", "--shard", "s0", "<http://ex.org/p8>"), "give --server with the URL of a cluster node")
	assert.Contains(t, fails(t, dir, exitUser, "set", "--server", node, "--kind", "player", "--shard", "s7", "<http://ex.org/p8>"), "s7")

	// The whole cluster's export, in either format, imports into one store with the edge
	// across shards joined up.
	for _, f := range []string{"all.jsonl", "all.nt"} {
		ok(t, dir, "export", "--server", node, f)
		db := f + ".sg"
		ok(t, dir, "import", "-q", "--db", db, f)
		assert.Contains(t, ok(t, dir, "query", "--db", db, "FIND player WHERE member_of -> <http://ex.org/g2> SELECT iri"), "http://ex.org/p2", f)
	}
}

// TestClusterInitPortsInRange refuses a layout whose last replicas would take ports past
// 65535, rather than writing a config no replica can serve.
func TestClusterInitPortsInRange(t *testing.T) {
	dir := t.TempDir()
	assert.Contains(t, fails(t, dir, exitUsage, "cluster", "init", "--config", "c.yaml", "--shards", "2", "--replicas", "3", "--port", "65530"),
		"--port 65530: the new replicas' ports (6 replicas, two each) run to 65541, past 65535")
	assert.NoFileExists(t, filepath.Join(dir, "c.yaml"))
	ok(t, dir, "cluster", "init", "--config", "c.yaml", "--shards", "1", "--replicas", "3", "--port", "65530") // 65530 to 65535
	assert.Contains(t, fails(t, dir, exitUsage, "cluster", "add-shard", "--config", "c.yaml", "--name", "eu", "--replicas", "1"),
		"--port 65536: want 1 to 65535")
}

// TestStaleRefusesWrites refuses --stale on a command that writes: a write through one
// node's own shard would skip the cluster (placement by hash, edges across shards with
// their intents), and --stale is for reading a follower's copy. Nothing is sent: no
// server listens at the URL.
func TestStaleRefusesWrites(t *testing.T) {
	dir := t.TempDir()
	url := "http://127.0.0.1:9"
	for _, args := range [][]string{
		{"set", "<http://ex.org/p/1>", "--kind", "player", "name=x"},
		{"link", "<http://ex.org/p/1>", "member_of", "<http://ex.org/g/1>"},
		{"unlink", "<http://ex.org/p/1>", "member_of", "<http://ex.org/g/1>"},
		{"delete", "<http://ex.org/p/1>"},
	} {
		out := fails(t, dir, exitUsage, append(args, "--server", url, "--stale", "--token-file", "/dev/null")...)
		assert.Contains(t, out, "--stale reads", args[0])
	}
}
