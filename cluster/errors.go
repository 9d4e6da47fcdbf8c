package cluster

import "errors"

// Errors of the cluster; the shards' own errors cross the wire with their sentinels (see
// server.Problem) and are returned wrapped with the shard's name.
var (
	// ErrConfig reports a cluster config that cannot be used: malformed YAML, an unknown
	// field, a missing or invalid name, scope or server, a name or scope given twice.
	ErrConfig = errors.New("bad cluster config")
	// ErrNoShard reports a shard name, or a URI's scope, that no shard of the cluster has.
	ErrNoShard = errors.New("no such shard")
	// ErrWrongShard reports a server whose store's scope is not the one the config gives
	// its shard (Cluster.Check).
	ErrWrongShard = errors.New("shard serves another scope")
	// ErrAmbiguous reports an entity reference the cluster cannot place: one relative to a
	// store (kind/id or #id), which every shard reads differently, or an IRI that more
	// than one shard holds.
	ErrAmbiguous = errors.New("ambiguous entity reference")
	// ErrSchemas reports shards whose schemas differ where the cluster needs one, as a
	// JSON Lines export of the whole cluster does.
	ErrSchemas = errors.New("the shards hold different schemas")
)
