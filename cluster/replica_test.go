package cluster_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// replicaSchema is the schema of the replication tests' shard.
func replicaSchema() *entity.Schema {
	s := entity.NewSchema()
	s.Kind("guild")
	s.Kind("player")
	column.Define[string](s, "name", column.MaxLen(32), column.Indexed())
	column.Define[int64](s, "level", column.Indexed())
	verb.Define(s, "member_of", verb.ManyToOne())
	return s
}

// fastRaft makes elections quick on loopback, and snapshots rare unless a test asks. The
// timeouts leave room for a loaded machine under -race: at 150 ms a leader lost its lease
// now and then in the middle of a test's writes (leadership lost while committing).
func fastRaft(c *raft.Config) {
	c.HeartbeatTimeout = 300 * time.Millisecond
	c.ElectionTimeout = 300 * time.Millisecond
	c.LeaderLeaseTimeout = 200 * time.Millisecond
	c.CommitTimeout = 5 * time.Millisecond
	c.SnapshotInterval = time.Hour
	c.SnapshotThreshold = 1 << 20
	c.TrailingLogs = 16
}

// group is a shard's replicas in this process, on in-memory Raft transports that a test
// can cut, each with its HTTP server on 127.0.0.1.
type group struct {
	t      *testing.T
	shard  int                   // the shard's place: its name s<shard>, its scope scopeN(shard)
	schema func() *entity.Schema // the shard's schema
	reps   []*cluster.Replica
	trans  []*raft.InmemTransport
	srvs   []*httptest.Server
	peers  []server.ReplicaPeer
}

// handlerBox lets a test server exist, with its URL, before the replica it serves.
type handlerBox struct {
	h atomic.Pointer[cluster.Replica]
}

func (b *handlerBox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rep := b.h.Load(); rep != nil {
		rep.ServeHTTP(w, r)
		return
	}
	http.Error(w, "starting", http.StatusServiceUnavailable)
}

// newGroup starts n replicas of shard s0 (replicaSchema), bootstrapped together.
func newGroup(t *testing.T, n int) *group {
	return newShardGroup(t, 0, n, replicaSchema)
}

// newShardGroup starts n replicas of shard s<shard>, bootstrapped together.
func newShardGroup(t *testing.T, shard, n int, schema func() *entity.Schema) *group {
	g := &group{t: t, shard: shard, schema: schema}
	var boxes []*handlerBox
	for i := range n {
		id := g.id(i)
		addr, tr := raft.NewInmemTransport(raft.ServerAddress(id + ":1")) // HOST:PORT, as a config wants
		box := &handlerBox{}
		srv := httptest.NewServer(box)
		t.Cleanup(srv.Close)
		for j, other := range g.trans {
			tr.Connect(raft.ServerAddress(g.peers[j].Raft), other)
			other.Connect(raft.ServerAddress(addr), tr)
		}
		g.trans = append(g.trans, tr)
		g.srvs = append(g.srvs, srv)
		boxes = append(boxes, box)
		g.peers = append(g.peers, server.ReplicaPeer{ID: id, URL: srv.URL, Raft: string(addr), Voter: true})
	}
	for i := range n {
		g.reps = append(g.reps, g.start(i, g.trans[i], g.peers))
		boxes[i].h.Store(g.reps[i])
	}
	return g
}

// id is the ID of the group's i-th replica: r<i> in shard s0, s<shard>r<i> in others.
func (g *group) id(i int) string {
	if g.shard == 0 {
		return fmt.Sprintf("r%d", i)
	}
	return fmt.Sprintf("s%dr%d", g.shard, i)
}

func (g *group) start(i int, tr raft.Transport, peers []server.ReplicaPeer) *cluster.Replica {
	g.t.Helper()
	r, err := cluster.NewReplica(cluster.ReplicaOptions{
		ID: g.id(i), Shard: fmt.Sprintf("s%d", g.shard), Dir: filepath.Join(g.t.TempDir(), g.id(i)),
		Scope: scopeN(g.t, g.shard), Schema: g.schema(), Peers: peers, Transport: tr,
		Server: server.Config{Token: token}, Raft: fastRaft, NoSync: true,
	})
	require.NoError(g.t, err)
	g.t.Cleanup(func() { _ = r.Close() })
	return r
}

// leader waits for one replica of the group (among those for which ok says yes) to lead,
// and returns its place.
func (g *group) leader(ok func(i int) bool) int {
	g.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, r := range g.reps {
			if ok(i) && r.Raft().State() == raft.Leader {
				return i
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	g.t.Fatal("no leader elected within 10 s")
	return -1
}

func all(int) bool { return true }

// client returns a client of the group's servers, listing them from the i-th on.
func (g *group) client(i int) *client.Client {
	var urls []string
	for j := range g.srvs {
		urls = append(urls, g.srvs[(i+j)%len(g.srvs)].URL)
	}
	c, err := client.NewGroup(urls, token, nil)
	require.NoError(g.t, err)
	return c
}

// converge waits until every replica has applied the leader's last entry, then
// checkpoints each and requires the checkpoints to be byte-identical.
func (g *group) converge(reps []*cluster.Replica) {
	g.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var last, lowest uint64 = 0, 1 << 63
		for _, r := range reps {
			if r.Raft().State() == raft.Leader {
				last = r.Raft().LastIndex()
			}
			lowest = min(lowest, r.Status().AppliedIndex)
		}
		if last > 0 && lowest >= last {
			break
		}
		require.True(g.t, time.Now().Before(deadline), "replicas did not converge within 10 s")
		time.Sleep(10 * time.Millisecond)
	}
	var want [32]byte
	var wantIdx uint64
	for i, r := range reps {
		path := filepath.Join(g.t.TempDir(), "checkpoint")
		idx, err := r.Checkpoint(path)
		require.NoError(g.t, err)
		b, err := os.ReadFile(path)
		require.NoError(g.t, err)
		sum := sha256.Sum256(b)
		if i == 0 {
			want, wantIdx = sum, idx
			continue
		}
		require.Equal(g.t, wantIdx, idx, "replica %s applied another last entry", r.ID())
		require.Equal(g.t, want, sum, "replica %s's store differs from replica %s's", r.ID(), reps[0].ID())
	}
}

// writer makes random writes through a client and remembers what was acknowledged.
type writer struct {
	rng    *rand.Rand
	c      *client.Client
	levels map[string]int64  // player IRI → level, of acknowledged writes
	guild  map[string]string // player IRI → its guild's
}

func (w *writer) step(ctx context.Context) error {
	if w.guild == nil {
		w.guild = map[string]string{}
	}
	iri := fmt.Sprintf("<http://ex.org/p/%d>", w.rng.IntN(40))
	switch op := w.rng.IntN(10); {
	case op < 6: // create or update a player
		level := w.rng.Int64N(1000)
		req := server.SetRequest{Ref: iri, Set: []server.Assign{{Column: "level", Value: fmt.Sprint(level)}}}
		if _, ok := w.levels[iri]; !ok {
			req.Kind = "player"
			req.Set = append(req.Set, server.Assign{Column: "name", Value: iri[len(iri)-4 : len(iri)-1]})
		}
		if err := settle(func() error { _, err := w.c.Set(ctx, req); return err }); err != nil {
			return err
		}
		w.levels[iri] = level
	case op < 8: // a guild, and the player joins it
		if _, ok := w.levels[iri]; !ok {
			return nil
		}
		g := fmt.Sprintf("<http://ex.org/g/%d>", w.rng.IntN(3))
		if err := settle(func() error {
			_, err := w.c.Set(ctx, server.SetRequest{Ref: g, Kind: "guild", Set: []server.Assign{{Column: "name", Value: g[len(g)-4 : len(g)-1]}}})
			return err
		}); err != nil {
			return err
		}
		if old, ok := w.guild[iri]; ok {
			if err := settle(func() error { return w.c.Unlink(ctx, server.Edge{Subject: iri, Verb: "member_of", Object: old}) }); err != nil {
				return err
			}
			delete(w.guild, iri)
		}
		if err := settle(func() error { return w.c.Link(ctx, server.Edge{Subject: iri, Verb: "member_of", Object: g}) }); err != nil {
			return err
		}
		w.guild[iri] = g
	case op < 9: // delete
		if _, ok := w.levels[iri]; !ok {
			return nil
		}
		retried := false
		if err := settle(func() error {
			_, err := w.c.Delete(ctx, iri)
			if retried && errors.Is(err, interchange.ErrNotFound) {
				return nil // the first try did commit
			}
			retried = true
			return err
		}); err != nil {
			return err
		}
		delete(w.levels, iri)
		delete(w.guild, iri)
	default: // a write that fails the same way on every replica
		_, err := w.c.Set(ctx, server.SetRequest{Ref: "<http://ex.org/nobody>", Set: []server.Assign{{Column: "level", Value: "1"}}})
		if err == nil {
			return fmt.Errorf("a write to a missing entity succeeded")
		}
	}
	return nil
}

// settle runs a write again while its outcome is in doubt (a leader lost while committing
// it, as a loaded machine's slow heartbeats can cause): every write of the model is
// idempotent, so running it again settles whether it happened.
func settle(write func() error) error {
	for range 10 {
		if err := write(); !errors.Is(err, store.ErrInDoubt) {
			return err
		}
	}
	return write()
}

// check requires every acknowledged player, with its level, on the replica behind c
// (read with a stale client: each replica's own copy) and no other player.
func (w *writer) check(t *testing.T, c *client.Client, name string) {
	t.Helper()
	ctx := context.Background()
	res, err := c.Stale(nil).Query(ctx, server.QueryRequest{Query: "FIND player SELECT level", IRI: true})
	require.NoError(t, err)
	got := map[string]int64{}
	for _, row := range res.Rows {
		got["<"+row[0].(string)+">"] = row[1].(int64)
	}
	require.Equal(t, w.levels, got, "replica %s", name)
}

func TestReplicaGroupIdenticalAndCatchUp(t *testing.T) {
	g := newGroup(t, 3)
	ctx := context.Background()
	lead := g.leader(all)
	// The client starts at a follower: its writes are redirected to the leader.
	w := &writer{rng: rand.New(rand.NewPCG(testutil.Seed(t, 21), 0)), c: g.client((lead + 1) % 3), levels: map[string]int64{}}
	for range 150 {
		require.NoError(t, w.step(ctx))
	}
	// An import goes through the log whole.
	res, err := w.c.Import(ctx, server.ImportRequest{Format: "ntriples"}, strings.NewReader(
		"<http://ex.org/g/9> <http://ex.org/name> \"imported\" .\n"))
	require.NoError(t, err)
	require.EqualValues(t, 1, res.Read)
	g.converge(g.reps)
	for i := range g.reps {
		w.check(t, g.client(i), g.reps[i].ID())
	}

	// A snapshot compacts a replica's log, so that a new replica must start from the
	// snapshot (the store file) and then follow the log. Every replica takes one: on a
	// loaded machine leadership may move, and whichever leads when the new replica joins
	// must have compacted its log.
	snapshotAll := func() {
		for _, r := range g.reps {
			if err := r.Raft().Snapshot().Error(); !errors.Is(err, raft.ErrNothingNewToSnapshot) {
				require.NoError(t, err, "snapshot of replica %s", r.ID())
			}
		}
	}
	snapshotAll()
	for range 50 {
		require.NoError(t, w.step(ctx))
	}
	g.converge(g.reps)
	snapshotAll()
	for range 20 { // more than TrailingLogs: the log no longer starts at 1
		require.NoError(t, w.step(ctx))
	}
	addr, tr := raft.NewInmemTransport("r3")
	for i, other := range g.trans {
		tr.Connect(raft.ServerAddress(g.peers[i].Raft), other)
		other.Connect(addr, tr)
	}
	box := &handlerBox{}
	srv := httptest.NewServer(box)
	t.Cleanup(srv.Close)
	joined := g.start(3, tr, nil)
	box.h.Store(joined)
	lead = g.leader(all)
	require.NoError(t, g.reps[lead].Join(ctx, cluster.JoinRequest{ID: "r3", Raft: string(addr), URL: srv.URL}))
	for range 30 {
		require.NoError(t, w.step(ctx))
	}
	g.reps = append(g.reps, joined)
	g.converge(g.reps)
	st := joined.Status()
	require.NotZero(t, st.SnapshotIndex, "the new replica caught up without a snapshot")
	require.Len(t, st.Peers, 4)
	c, err := client.New(srv.URL, token, nil)
	require.NoError(t, err)
	w.check(t, c, "r3")
}

func TestReplicaPartitionedLeaderRefusesWrites(t *testing.T) {
	g := newGroup(t, 3)
	ctx := context.Background()
	old := g.leader(all)
	w := &writer{rng: rand.New(rand.NewPCG(testutil.Seed(t, 7), 0)), c: g.client(old), levels: map[string]int64{}}
	for range 30 {
		require.NoError(t, w.step(ctx))
	}
	// Cut the leader off: it is now a minority of one.
	g.trans[old].DisconnectAll()
	for i, tr := range g.trans {
		if i != old {
			tr.Disconnect(raft.ServerAddress(g.peers[old].Raft))
		}
	}
	// Its write cannot commit: it is refused, or in doubt once it steps down.
	wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, err := g.reps[old].Write(wctx, &server.Write{Set: &server.SetRequest{Ref: "<http://ex.org/lost>", Kind: "player"}})
	cancel()
	require.Error(t, err)
	// The majority elects a leader and takes writes, through any of its servers.
	lead := g.leader(func(i int) bool { return i != old })
	maj := &writer{rng: w.rng, c: g.client(lead), levels: w.levels, guild: w.guild}
	for range 30 {
		require.NoError(t, maj.step(ctx))
	}
	// The minority replica refuses writes and current reads: it leads no one.
	require.Eventually(t, func() bool { return g.reps[old].Raft().State() != raft.Leader }, 5*time.Second, 10*time.Millisecond)
	_, err = g.reps[old].Write(ctx, &server.Write{Set: &server.SetRequest{Ref: "<http://ex.org/lost2>", Kind: "player"}})
	require.ErrorIs(t, err, server.ErrNotLeader)
	// A stale read from it answers from its own copy and says how far it got.
	var applied uint64
	stale, err := client.New(g.srvs[old].URL, token, nil)
	require.NoError(t, err)
	_, err = stale.Stale(func(a, lag uint64) { applied = a }).Query(ctx, server.QueryRequest{Query: "FIND player COUNT"})
	require.NoError(t, err)
	require.NotZero(t, applied)
	require.Less(t, applied, g.reps[lead].Status().AppliedIndex)

	// Healed, it follows the new leader: the write it took alone is gone, every
	// acknowledged write is there, and the stores are the same bytes.
	for i, tr := range g.trans {
		if i != old {
			tr.Connect(raft.ServerAddress(g.peers[old].Raft), g.trans[old])
			g.trans[old].Connect(raft.ServerAddress(g.peers[i].Raft), tr)
		}
	}
	require.NoError(t, maj.step(ctx))
	g.converge(g.reps)
	for i := range g.reps {
		maj.check(t, g.client(i), g.reps[i].ID())
		_, err := g.client(i).Stale(nil).Get(ctx, "<http://ex.org/lost>")
		require.ErrorIs(t, err, interchange.ErrNotFound)
	}
}
