package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
)

// Files of a replica's directory.
const (
	replicaStore = "store.sgdb" // the store; its log is store.sgdb-wal
	replicaLog   = "raft.db"    // the Raft log and its stable state (bbolt)
)

// ErrReplica reports a replica that cannot serve: its options are wrong, or its store
// failed while applying the log (it must be restarted, and then catches up again).
var ErrReplica = errors.New("replica cannot serve")

// ReplicaOptions configures a Replica.
type ReplicaOptions struct {
	// ID is the replica's Raft server ID: unique in the cluster, and for all time.
	ID string
	// Shard is its shard's name, for messages and status.
	Shard string
	// Dir is the replica's own directory: its store, its Raft log and its snapshots.
	// The store in it is rebuilt at each start from the latest snapshot and the log.
	Dir string
	// Scope is the shard's scope, and Schema the schema every replica of the shard starts
	// from (nil: none); both must be the same on every replica of the shard.
	Scope  uri.Scope
	Schema *entity.Schema
	// Peers are the group's members, this one included, with their servers' URLs: the
	// configuration the group is bootstrapped with when it has no state yet. A replica
	// started with no Peers starts empty and waits for a leader to add it (AddVoter, or
	// POST /v1/replica/join on the leader's server).
	Peers []server.ReplicaPeer
	// RaftAddr is the host:port the Raft transport listens on; Transport, if set, is
	// used instead (raft.NewInmemTransport in tests).
	RaftAddr  string
	Transport raft.Transport
	// Server configures the replica's HTTP server (token, limits); its Gate is the
	// replica's.
	Server server.Config
	// Raft, if set, adjusts the Raft configuration (timeouts, snapshot thresholds)
	// after the replica's defaults.
	Raft func(*raft.Config)
	// NoSync skips the fsync of the Raft log at each entry: for tests and benchmarks, where
	// a crash of the machine is not the point. (The store is never synced: it is rebuilt
	// from the log at each start.)
	NoSync bool
	// LogOutput receives Raft's log (warnings and errors); nil discards it.
	LogOutput io.Writer
	// Cluster, if set, is the config of the cluster the replica belongs to: its server
	// answers GET /v1/cluster with it, so that a tool pointed at any node finds the rest.
	Cluster *Config
}

// Replica is one member of a shard's Raft group: a store, the Raft node that feeds it the
// shard's log, and the HTTP server that answers for it. Writes go through the log and
// are answered once this replica's store has applied them; every replica applies the same
// entries in the same order through server.Service.Apply, so that their stores stay byte
// for byte the same. A follower refuses writes, and reads unless they ask for a stale
// answer, with server.ErrNotLeader and the leader's URL (a 421 answer).
type Replica struct {
	opts  ReplicaOptions
	path  string // the store's file
	raft  *raft.Raft
	trans raft.Transport
	logs  *raftboltdb.BoltStore
	snaps raft.SnapshotStore

	// mu is held for reading by each request, and for writing by Restore, which swaps
	// the store under them.
	mu  sync.RWMutex
	st  *store.Store
	db  *entity.DB
	srv *server.Server
	// local applies the log's entries: the store's Service without a Writer. Only the
	// FSM's goroutine uses it.
	local *server.Service

	urlMu sync.Mutex
	urls  map[raft.ServerID]string // the group's servers' URLs, for redirects

	// applyMu is held by the FSM while it applies an entry, and by Checkpoint, so that a
	// checkpoint and the index of its last entry agree. fsmIndex is the last entry the
	// store applied (Raft's own AppliedIndex counts entries handed to the FSM, not done).
	applyMu  sync.Mutex
	fsmIndex atomic.Uint64

	ready   atomic.Bool // leader, and its store has applied every entry of earlier terms
	failed  atomic.Pointer[error]
	snapSeq atomic.Uint64
	done    chan struct{}
	wg      sync.WaitGroup
}

// NewReplica starts a replica: it makes the store afresh from the shard's scope and
// schema, starts the Raft node (which restores the latest snapshot and applies the log
// after it), and bootstraps the group if it has no state and Peers are given.
func NewReplica(opts ReplicaOptions) (*Replica, error) {
	if opts.ID == "" || opts.Dir == "" || (opts.Transport == nil && opts.RaftAddr == "") {
		return nil, fmt.Errorf("%w: a replica needs an ID, a directory and a Raft address", ErrReplica)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	r := &Replica{opts: opts, path: filepath.Join(opts.Dir, replicaStore), urls: map[raft.ServerID]string{}, done: make(chan struct{})}
	for _, p := range opts.Peers {
		r.urls[raft.ServerID(p.ID)] = p.URL
	}
	if err := r.resetStore(); err != nil {
		return nil, err
	}
	if err := r.start(); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Replica) start() error {
	logOut := r.opts.LogOutput
	if logOut == nil {
		logOut = io.Discard
	}
	var err error
	r.logs, err = raftboltdb.New(raftboltdb.Options{Path: filepath.Join(r.opts.Dir, replicaLog), NoSync: r.opts.NoSync})
	if err != nil {
		return fmt.Errorf("replica %s: the Raft log: %w", r.opts.ID, err)
	}
	snaps, err := raft.NewFileSnapshotStore(r.opts.Dir, 2, logOut)
	r.snaps = snaps
	if err != nil {
		return fmt.Errorf("replica %s: snapshots: %w", r.opts.ID, err)
	}
	r.trans = r.opts.Transport
	if r.trans == nil {
		if r.trans, err = raft.NewTCPTransport(r.opts.RaftAddr, nil, 3, 10*time.Second, logOut); err != nil {
			return fmt.Errorf("replica %s: %w", r.opts.ID, err)
		}
	}
	conf := raft.DefaultConfig()
	conf.LocalID = raft.ServerID(r.opts.ID)
	// Loopback and LAN timings: a lost leader is replaced within about a second.
	conf.HeartbeatTimeout = 500 * time.Millisecond
	conf.ElectionTimeout = 500 * time.Millisecond
	conf.LeaderLeaseTimeout = 250 * time.Millisecond
	conf.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft " + r.opts.ID, Level: hclog.Warn, Output: logOut})
	if r.opts.Raft != nil {
		r.opts.Raft(conf)
	}
	has, err := raft.HasExistingState(r.logs, r.logs, snaps)
	if err != nil {
		return err
	}
	if r.raft, err = raft.NewRaft(conf, (*replicaFSM)(r), r.logs, r.logs, snaps, r.trans); err != nil {
		return fmt.Errorf("replica %s: %w", r.opts.ID, err)
	}
	if !has && len(r.opts.Peers) > 0 {
		var c raft.Configuration
		for _, p := range r.opts.Peers {
			c.Servers = append(c.Servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Raft)})
		}
		// Every replica bootstraps with the same configuration; all but the first to win
		// an election find the group started, which is no error.
		if err := r.raft.BootstrapCluster(c).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			return fmt.Errorf("replica %s: bootstrap: %w", r.opts.ID, err)
		}
	}
	r.wg.Add(1)
	go r.watchLeadership()
	return nil
}

// resetStore makes the store the group's log starts from: empty but for the shard's
// scope and schema, the same on every replica.
func (r *Replica) resetStore() error {
	// Copies a snapshot or a restore left behind when the process stopped go too.
	tmps, _ := filepath.Glob(filepath.Join(r.opts.Dir, "snapshot-*.tmp"))
	for _, p := range append(tmps, r.path, r.path+"-wal", r.path+".restore") {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return r.openStore(r.opts.Schema)
}

// openStore opens the store file and sets the services over it. The caller holds mu or
// is alone with the replica.
func (r *Replica) openStore(schema *entity.Schema) error {
	// The store is rebuilt from the group at each start: what makes a write durable is
	// the Raft log's sync, so the store's own would only add a second one.
	st, err := store.Open(r.path, &store.Options{NoSync: true})
	if err != nil {
		return fmt.Errorf("replica %s: %s: %w", r.opts.ID, r.path, err)
	}
	db, err := entity.Open(st, schema, &entity.Options{Scope: r.opts.Scope})
	if err != nil {
		_ = st.Close()
		return fmt.Errorf("replica %s: %s: %w", r.opts.ID, r.path, err)
	}
	r.st, r.db = st, db
	name := r.opts.Shard + "/" + r.opts.ID
	r.local = server.NewService(st, db, name)
	r.local.QueryBudget, r.local.UpdateBudget = store.QueryBudget, store.UpdateBudget
	svc := server.NewService(st, db, name)
	svc.Writer = r
	cfg := r.opts.Server
	cfg.Gate = r.gate
	r.srv = server.New(svc, cfg)
	r.srv.Handle("GET /v1/replica", "replica", func(w http.ResponseWriter, _ *http.Request) (any, error) {
		return r.Status(), nil
	})
	r.srv.Handle("POST /v1/replica/join", "join", r.serveJoin)
	if r.opts.Cluster != nil {
		r.srv.Handle("GET /v1/cluster", "cluster", func(w http.ResponseWriter, _ *http.Request) (any, error) {
			return r.opts.Cluster, nil
		})
	}
	return nil
}

// ID returns the replica's ID.
func (r *Replica) ID() string { return r.opts.ID }

// Raft returns the replica's Raft node, for tests and tools.
func (r *Replica) Raft() *raft.Raft { return r.raft }

// ServeHTTP answers a request with the replica's server.Server (see the Replica doc).
func (r *Replica) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	r.srv.ServeHTTP(w, req)
}

// Err returns the error that stopped the replica's store, if one did.
func (r *Replica) Err() error {
	if p := r.failed.Load(); p != nil {
		return *p
	}
	return nil
}

func (r *Replica) fail(err error) {
	err = fmt.Errorf("%w: replica %s of shard %s: %w; restart it: it rebuilds its store from the group", ErrReplica, r.opts.ID, r.opts.Shard, err)
	r.failed.CompareAndSwap(nil, &err)
}

// writeOps are the operations that go through the log; readOps those a follower answers
// only when asked for a stale answer. The others (stats, verify, schema, info, replica)
// describe the replica's own store.
var (
	writeOps = map[string]bool{"set": true, "link": true, "unlink": true, "delete": true, "import": true, "join": true}
	readOps  = map[string]bool{"query": true, "get": true, "export": true}
)

// gate refuses what this replica does not answer: anything once its store failed, writes
// unless it leads, reads unless it leads or the request asks for a stale answer.
func (r *Replica) gate(w http.ResponseWriter, req *http.Request, op string) error {
	if err := r.Err(); err != nil {
		return err
	}
	switch {
	case writeOps[op]:
		return r.leaderOnly(w)
	case readOps[op] && req.Header.Get(server.HeaderRead) == "stale":
		st := r.Status()
		w.Header().Set(server.HeaderApplied, strconv.FormatUint(st.AppliedIndex, 10))
		w.Header().Set(server.HeaderLag, strconv.FormatUint(st.Lag, 10))
		return nil
	case readOps[op]:
		if err := r.leaderOnly(w); err != nil {
			return err
		}
		return r.waitReady(req.Context())
	}
	return nil
}

// leaderOnly fails with server.ErrNotLeader, naming the leader in w's header, unless
// this replica leads its group.
func (r *Replica) leaderOnly(w http.ResponseWriter) error {
	if r.raft.State() == raft.Leader {
		return nil
	}
	_, id := r.raft.LeaderWithID()
	if id == "" {
		return fmt.Errorf("replica %s of shard %s: %w: no leader is known yet (an election is under way)", r.opts.ID, r.opts.Shard, server.ErrNotLeader)
	}
	u := r.peerURL(id)
	if u != "" {
		w.Header().Set(server.HeaderLeader, u)
	}
	return fmt.Errorf("replica %s of shard %s: %w: the leader is %s %s", r.opts.ID, r.opts.Shard, server.ErrNotLeader, id, u)
}

// waitReady waits until this leader's store has applied every entry committed before
// its term: a read then sees every acknowledged write.
func (r *Replica) waitReady(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !r.ready.Load() {
		if r.raft.State() != raft.Leader {
			return r.leaderOnly(discardHeader{})
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// discardHeader is a ResponseWriter whose headers go nowhere.
type discardHeader struct{}

func (discardHeader) Header() http.Header         { return http.Header{} }
func (discardHeader) Write(b []byte) (int, error) { return len(b), nil }
func (discardHeader) WriteHeader(int)             {}

// watchLeadership marks the replica ready once it leads and a barrier has applied the
// entries of earlier terms, and not ready when it stops leading.
func (r *Replica) watchLeadership() {
	defer r.wg.Done()
	for {
		select {
		case <-r.done:
			return
		case leader := <-r.raft.LeaderCh():
			r.ready.Store(false)
			if leader && r.raft.Barrier(10*time.Second).Error() == nil {
				r.ready.Store(r.raft.State() == raft.Leader)
			}
		}
	}
}

func (r *Replica) peerURL(id raft.ServerID) string {
	r.urlMu.Lock()
	defer r.urlMu.Unlock()
	return r.urls[id]
}

// Status says what the replica knows of itself and its group.
func (r *Replica) Status() server.ReplicaStatus {
	addr, id := r.raft.LeaderWithID()
	_ = addr
	st := server.ReplicaStatus{
		ID: r.opts.ID, Shard: r.opts.Shard, State: r.raft.State().String(), Term: r.raft.CurrentTerm(),
		LeaderID: string(id), LeaderURL: r.peerURL(id),
		AppliedIndex: r.applied(), CommitIndex: r.raft.CommitIndex(), LastIndex: r.raft.LastIndex(),
		Peers: []server.ReplicaPeer{},
	}
	st.SnapshotIndex, _ = strconv.ParseUint(r.raft.Stats()["last_snapshot_index"], 10, 64)
	if st.CommitIndex > st.AppliedIndex {
		st.Lag = st.CommitIndex - st.AppliedIndex
	}
	if f := r.raft.GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			st.Peers = append(st.Peers, server.ReplicaPeer{ID: string(s.ID), URL: r.peerURL(s.ID), Raft: string(s.Address), Voter: s.Suffrage == raft.Voter})
		}
	}
	return st
}

// applied returns the index of the last log entry the store has applied: the last write
// entry it applied, or past it the entries with nothing to apply (an election's no-op, a
// change of members) that Raft has handed on, up to the next write.
func (r *Replica) applied() uint64 {
	idx := r.fsmIndex.Load()
	for handed := r.raft.AppliedIndex(); idx < handed; idx++ {
		var l raft.Log
		if err := r.logs.GetLog(idx+1, &l); err == nil && l.Type == raft.LogCommand {
			break // a write the store has yet to apply
		}
	}
	return idx
}

// JoinRequest asks a group's leader to add a replica (POST /v1/replica/join).
type JoinRequest struct {
	ID   string `json:"id"`
	Raft string `json:"raft"` // its Raft transport address
	URL  string `json:"url"`  // its server's URL
}

func (r *Replica) serveJoin(w http.ResponseWriter, req *http.Request) (any, error) {
	var j JoinRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, 1<<16)).Decode(&j); err != nil {
		return nil, fmt.Errorf("%w: a join request: %v", server.ErrInvalid, err)
	}
	if err := r.Join(req.Context(), j); err != nil {
		return nil, err
	}
	return r.Status(), nil
}

// Join adds the replica j to the group as a voter; this replica must lead it. The new
// replica catches up from the latest snapshot (the store file) and the log after it.
func (r *Replica) Join(ctx context.Context, j JoinRequest) error {
	if j.ID == "" || j.Raft == "" {
		return fmt.Errorf("%w: a join request needs the replica's id and raft address", server.ErrInvalid)
	}
	if err := r.leaderOnly(discardHeader{}); err != nil {
		return err
	}
	r.urlMu.Lock()
	r.urls[raft.ServerID(j.ID)] = j.URL
	r.urlMu.Unlock()
	return raftErr(r.raft.AddVoter(raft.ServerID(j.ID), raft.ServerAddress(j.Raft), 0, timeout(ctx)).Error())
}

// Write sends w through the group's log and returns its result once this replica's store
// has applied it (server.Writer).
func (r *Replica) Write(ctx context.Context, w *server.Write) (any, error) {
	b, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	f := r.raft.Apply(append([]byte{entryWrite}, b...), timeout(ctx))
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: the write is in shard %s's log and may yet be applied: %w", store.ErrInDoubt, r.opts.Shard, ctx.Err())
	}
	if err != nil {
		return nil, raftErr(err)
	}
	res, ok := f.Response().(applied)
	if !ok {
		return nil, fmt.Errorf("shard %s: the log answered %T", r.opts.Shard, f.Response())
	}
	return res.v, res.err
}

// raftErr says what a Raft error means to the writer: not sent (ErrNotLeader, which a
// client may send again to the leader), or in doubt.
func raftErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%w: %w", server.ErrNotLeader, err)
	case errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrEnqueueTimeout), errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %w", store.ErrInDoubt, err)
	}
	return err
}

// timeout is how long a Raft operation may take under ctx: until its deadline, or 30 s.
func timeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Millisecond)
	}
	return 30 * time.Second
}

// Checkpoint writes the replica's store, as of the last write entry it applied, to the
// file at path, byte for byte as the store file holds it once checkpointed, and returns
// that entry's index in the log. Replicas that applied the same entries write the same
// bytes.
func (r *Replica) Checkpoint(path string) (uint64, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	return r.applied(), writeImage(r.st, path)
}

// Close stops the replica: its Raft node, its transport, its log and its store.
func (r *Replica) Close() error {
	select {
	case <-r.done:
		return nil
	default:
		close(r.done)
	}
	var errs []error
	if r.raft != nil {
		errs = append(errs, r.raft.Shutdown().Error())
	}
	r.wg.Wait()
	if c, ok := r.trans.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if r.logs != nil {
		errs = append(errs, r.logs.Close())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st != nil {
		errs = append(errs, r.st.Close())
		r.st = nil
	}
	return errors.Join(errs...)
}
