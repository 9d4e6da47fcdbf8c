package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
)

// ShardStatus is the state of one shard's servers.
type ShardStatus struct {
	Name     string          `json:"name"`
	Scope    string          `json:"scope"`
	Replicas []ReplicaHealth `json:"replicas"`
}

// ReplicaHealth is what one server of a shard says of itself: a replica its Raft state,
// a shard of one server only that it answers.
type ReplicaHealth struct {
	ID  string `json:"id,omitempty"` // empty for a shard of one server
	URL string `json:"url"`
	// Status is the replica's own account (nil if it did not answer, or is no replica).
	Status *server.ReplicaStatus `json:"status,omitempty"`
	// Behind is how many entries of the leader's log it has yet to apply (0 when no
	// leader answered).
	Behind uint64 `json:"behind"`
	Err    string `json:"error,omitempty"` // why it did not answer
}

// ErrUnavailable reports a shard that cannot serve: none of its servers answers, or none
// of its replicas that answer is the leader (so no write can commit).
var ErrUnavailable = errors.New("shard unavailable")

// Available returns nil if the shard can serve reads and writes, else an ErrUnavailable
// error naming the shard and saying why.
func (s ShardStatus) Available() error {
	answered, leader := 0, false
	for _, r := range s.Replicas {
		if r.Err != "" {
			continue
		}
		answered++
		if r.Status == nil || r.Status.State == "Leader" {
			leader = true // a shard of one server has no Raft state: it leads itself
		}
	}
	switch {
	case answered == 0:
		return fmt.Errorf("shard %s: %w: none of its %d servers answers", s.Name, ErrUnavailable, len(s.Replicas))
	case !leader:
		return fmt.Errorf("shard %s: %w: %d of its %d replicas answer, none is the leader", s.Name, ErrUnavailable, answered, len(s.Replicas))
	}
	return nil
}

// statusTimeout bounds each server's answer to Status: a server that does not answer is
// reported, not waited for.
const statusTimeout = 2 * time.Second

// Status asks every server of every shard for its state, at once. A server that does not
// answer is reported with its error; Status fails only if ctx ends.
func (c *Cluster) Status(ctx context.Context) ([]ShardStatus, error) {
	out := make([]ShardStatus, len(c.shards))
	err := c.each(ctx, func(ctx context.Context, i int, s *Shard) error {
		out[i] = ShardStatus{Name: s.Name, Scope: s.Scope.String()}
		if len(s.Replicas) == 0 {
			h := ReplicaHealth{URL: s.Client.URL()}
			if _, err := s.Client.Info(ctx); err != nil {
				h.Err = err.Error()
			}
			out[i].Replicas = []ReplicaHealth{h}
			return ctx.Err()
		}
		hs := make([]ReplicaHealth, len(s.Replicas))
		for j, r := range s.Replicas {
			hs[j] = ReplicaHealth{ID: r.ID, URL: r.Server}
		}
		done := make(chan struct{}, len(hs))
		for j := range hs {
			go func() {
				defer func() { done <- struct{}{} }()
				hs[j].Status, hs[j].Err = c.replicaStatus(ctx, hs[j].URL)
			}()
		}
		for range hs {
			<-done
		}
		var last uint64
		for _, h := range hs {
			if h.Status != nil && h.Status.State == "Leader" {
				last = h.Status.LastIndex
			}
		}
		for j := range hs {
			if st := hs[j].Status; st != nil && last > st.AppliedIndex {
				hs[j].Behind = last - st.AppliedIndex
			}
		}
		out[i].Replicas = hs
		return ctx.Err()
	})
	return out, err
}

func (c *Cluster) replicaStatus(ctx context.Context, url string) (*server.ReplicaStatus, string) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	cl, err := client.New(url, c.token, c.hc)
	if err != nil {
		return nil, err.Error()
	}
	st, err := cl.Replica(ctx)
	if err != nil {
		return nil, err.Error()
	}
	return st, ""
}
