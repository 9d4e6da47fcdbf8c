package cluster

import "github.com/stablegraph/stablegraph/server"

// SetAfterFirstHalf makes c call fn between the halves of every edge across shards; an
// error from fn stops there, as a coordinator that crashed would.
func SetAfterFirstHalf(c *Cluster, fn func(server.Intent) error) { c.afterFirstHalf = fn }
