package cluster_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/server"
)

func TestShardAvailable(t *testing.T) {
	leader := &server.ReplicaStatus{State: "Leader"}
	follower := &server.ReplicaStatus{State: "Follower"}
	for _, tc := range []struct {
		name     string
		replicas []cluster.ReplicaHealth
		want     string // "" when available
	}{
		{"one server answers", []cluster.ReplicaHealth{{URL: "u"}}, ""},
		{"one server down", []cluster.ReplicaHealth{{URL: "u", Err: "refused"}}, "none of its 1 servers answers"},
		{"leader and a follower down", []cluster.ReplicaHealth{{Status: leader}, {Err: "refused"}, {Status: follower}}, ""},
		{"followers only", []cluster.ReplicaHealth{{Status: follower}, {Err: "refused"}, {Status: follower}}, "2 of its 3 replicas answer, none is the leader"},
		{"all down", []cluster.ReplicaHealth{{Err: "a"}, {Err: "b"}, {Err: "c"}}, "none of its 3 servers answers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := cluster.ShardStatus{Name: "s0", Replicas: tc.replicas}.Available()
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.True(t, errors.Is(err, cluster.ErrUnavailable), "%v", err)
			assert.ErrorContains(t, err, "shard s0: ")
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
