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
// # What this version does not do yet
//
// It is the first slice of issue 21. Not built:
//
//   - Edges across shards: Link refuses an edge between two shards (ErrCrossShard), and a
//     query follows edges within each shard only, so a world must keep its edges inside
//     shards (which the parent placement does for a tree such as guild → player → item).
//     An ic:// URI of another shard in a query is an error of that shard (entity.ErrScope).
//   - Replication: each shard is one server; losing it loses its part of the world until
//     it comes back. Nothing goes through Raft yet.
//   - A placement directory: an IRI is found by asking every shard (one request each),
//     and two coordinators creating one new IRI at once with different placements may
//     create it twice, once in each shard (Locate then reports ErrAmbiguous).
//   - graphctl commands: 'graphctl cluster …' and 'graphctl serve --cluster' do not exist;
//     the cluster is a Go API.
//   - ORDER BY on a predicate imported from RDF whose values span several typed columns
//     is merged by all of an entity's values, where one store orders by the named column
//     alone; float NaN and infinities (sent as text) are merged as strings.
package cluster
