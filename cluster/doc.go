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
// It is the first slice of issue 21. Not built:
//
//   - Edges across shards: Link refuses an edge between two shards (ErrCrossShard), and a
//     query follows edges within each shard only, so a world must keep its edges inside
//     shards (which the parent placement does for a tree such as guild → player → item).
//     An ic:// URI of another shard in a query is an error of that shard (entity.ErrScope).
//   - A placement directory: an IRI is found by asking every shard (one request each),
//     and two coordinators creating one new IRI at once with different placements may
//     create it twice, once in each shard (Locate then reports ErrAmbiguous).
//   - ORDER BY on a predicate imported from RDF whose values span several typed columns
//     is merged by all of an entity's values, where one store orders by the named column
//     alone; float NaN and infinities (sent as text) are merged as strings.
package cluster
