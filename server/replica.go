package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrNotLeader reports a write (or a read that must be current) sent to a replica that
// is not its group's leader; the answer's Stablegraph-Leader header names the leader's
// URL when the replica knows it. A client sends the request again there.
var ErrNotLeader = errors.New("not the leader of its replica group")

// Headers of a replicated server (package cluster): the leader's URL in a 421 answer, and
// the request header that lets a follower answer a read from its own, possibly stale,
// copy (value "stale"), with the answer's Stablegraph-Applied header giving the log index
// that copy has applied and Stablegraph-Lag how many committed entries it has yet to apply.
const (
	HeaderLeader  = "Stablegraph-Leader"
	HeaderRead    = "Stablegraph-Read"
	HeaderApplied = "Stablegraph-Applied"
	HeaderLag     = "Stablegraph-Lag"
)

// MaxReplicatedImport is the largest import body a replicated Service takes: the whole
// body is one entry of the log, held in memory by every replica until it is applied.
const MaxReplicatedImport = 64 << 20

// Writer carries the writes of a Service somewhere other than its store: a replicated
// shard sends each through its log, and every replica applies the log's entries with
// Service.Apply. Write returns what the write returns: *SetResult, *DeleteResult,
// *ImportResult, or nil for a link or an unlink.
type Writer interface {
	Write(ctx context.Context, w *Write) (any, error)
}

// Write is one write request, as a replicated log carries it: exactly one field is set.
type Write struct {
	Set    *SetRequest  `json:"set,omitempty"`
	Link   *Edge        `json:"link,omitempty"`
	Unlink *Edge        `json:"unlink,omitempty"`
	Delete *string      `json:"delete,omitempty"`
	Import *ImportWrite `json:"import,omitempty"`
}

// ImportWrite is an import with its whole body (gzip-compressed or not).
type ImportWrite struct {
	Request ImportRequest `json:"request"`
	Body    []byte        `json:"body"`
}

// Apply runs w on the service's own store, bypassing its Writer: what a replica does with
// each entry of its log. Its result is Writer.Write's.
func (s *Service) Apply(ctx context.Context, w *Write) (any, error) {
	l := *s
	l.Writer = nil
	switch {
	case w.Set != nil:
		return l.Set(ctx, *w.Set)
	case w.Link != nil:
		return nil, l.Link(ctx, *w.Link)
	case w.Unlink != nil:
		return nil, l.Unlink(ctx, *w.Unlink)
	case w.Delete != nil:
		return l.Delete(ctx, *w.Delete)
	case w.Import != nil:
		return l.Import(ctx, w.Import.Request, bytes.NewReader(w.Import.Body), nil)
	}
	return nil, invalidf("a write that writes nothing")
}

// write sends w through s.Writer and returns its result as a T.
func write[T any](ctx context.Context, s *Service, w *Write) (T, error) {
	var zero T
	v, err := s.Writer.Write(ctx, w)
	if err != nil || v == nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("a replicated write returned %T, not %T", v, zero)
	}
	return t, nil
}

// importWrite reads an import's body whole, for the log.
func importWrite(req ImportRequest, r io.Reader) (*Write, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxReplicatedImport+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxReplicatedImport {
		return nil, fmt.Errorf("%w: a replicated store takes imports of up to %d MiB (one log entry); split the input", ErrTooLarge, MaxReplicatedImport>>20)
	}
	return &Write{Import: &ImportWrite{Request: req, Body: b}}, nil
}

// ReplicaStatus is what a replica of a replicated shard says of itself and its group
// (GET /v1/replica on its server).
type ReplicaStatus struct {
	ID        string `json:"id"`
	Shard     string `json:"shard,omitempty"`
	State     string `json:"state"` // Leader, Follower, Candidate or Shutdown
	Term      uint64 `json:"term"`
	LeaderID  string `json:"leader_id,omitempty"` // empty while no leader is known
	LeaderURL string `json:"leader_url,omitempty"`
	// AppliedIndex is the last log entry its store holds; CommitIndex the last it knows
	// committed; LastIndex the last in its log; SnapshotIndex its latest snapshot's.
	AppliedIndex  uint64 `json:"applied_index"`
	CommitIndex   uint64 `json:"commit_index"`
	LastIndex     uint64 `json:"last_index"`
	SnapshotIndex uint64 `json:"snapshot_index"`
	// Lag is how many committed entries its store has yet to apply, as far as it knows
	// the commit index (a partitioned follower does not know it is behind).
	Lag   uint64        `json:"lag"`
	Peers []ReplicaPeer `json:"peers"`
}

// ReplicaPeer is one member of a replica group.
type ReplicaPeer struct {
	ID    string `json:"id"`
	URL   string `json:"url,omitempty"` // its server, if the replica knows it
	Raft  string `json:"raft"`          // its Raft transport address
	Voter bool   `json:"voter"`
}
