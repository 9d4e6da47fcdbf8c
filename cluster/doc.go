// Package cluster splits one world over several stores, each served by 'graphctl serve'
// (package server), and answers as one store would: a coordinator that places entities,
// sends each operation on an entity to the store that holds it, and runs queries on
// every store and merges their answers.
//
// A cluster is N shards, each a store with its own scope (the canister ID of its entity
// URIs, ic://<scope>/<kind>/<id>) and the address of its server. Membership is a small
// YAML file (Config, LoadConfig). An entity lives in the shard its URI's scope names;
// Placement decides where a new one goes: the shard the caller names, else its parent's
// shard (a player with its guild), else by a hash of its IRI (rendezvous hashing over
// the shards' scopes). Operations on one entity (Get, Set, Delete, Link, Unlink) go to
// its shard, found from an ic:// URI's scope or by asking every shard for an <IRI>.
//
// Query sends a query to every shard at once and merges the answers: rows in shard order
// or sorted again for ORDER BY, LIMIT after the merge, COUNT summed, pages per shard and
// in total, a BUDGET on the total (see Cluster.Query for the rules). Every shard must
// hold the same schema (apply one schema file to each): a name a shard lacks is an error
// of the query there.
//
// An edge may join entities of two shards (edges.go): each shard holds its half, the
// other end being a stand-in there (a local entity of the reserved kind
// entity.KindRemote whose IRI is the remote entity's URI), so both directions are
// navigable in each shard. Link writes the subject's half with an intent record, then the
// object's half, then clears the intent; Verify pairs the halves of every shard, and
// Repair finishes what a failure between the halves left (ErrPending). A query follows
// such edges in rounds (rounds.go): each sub-query runs over the cluster first, and its
// answer goes into the condition each shard runs.
//
// # Replication
//
// A shard may be a Raft group of replicas (hashicorp/raft): Replica serves one, and
// ShardConfig.Replicas lists them. Every write goes through the group's log and is applied
// by each replica through server.Service.Apply, so that their stores stay byte for byte
// the same; a snapshot is a copy of the store file. Writes go to the leader, and reads
// too unless a client asks a follower for a stale answer (client.Client.Stale); the
// coordinator's client of a replicated shard follows the leader (client.NewGroup).
// Cluster.Status reports each replica's state, term, applied index and lag. 'graphctl
// cluster init|status|add-shard' and 'graphctl serve --cluster' run it from the command
// line (docs/cluster.md).
//
// # What this version does not do yet
//
//   - Cheap closures across shards: "verb ->+ T" grows T in rounds, each asking every
//     shard for every kind; it is exact but costs far more pages than one store.
//   - A sub-query whose answer exceeds MaxFollowSet entities is refused when a condition
//     follows edges to it; a sub-query's LIMIT without ORDER BY keeps the first entities
//     in shard order, not one store's ID order.
//   - A placement directory: an IRI is found by asking every shard (one request each),
//     and two coordinators creating one new IRI at once with different placements may
//     create it twice, once in each shard (Locate then reports ErrAmbiguous).
//   - Changing a running group's members or the cluster config without a restart, from
//     the command line (the Go API has Replica.Join), and a schema change after start.
package cluster
