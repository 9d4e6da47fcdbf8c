package cluster

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/google/uuid"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
)

// Placement says where Create puts a new entity. The first rule that applies decides:
//
//  1. Shard, if set: that shard, by name.
//  2. Parent, if set: the shard of that entity (an ic:// URI or an <IRI>), so that a
//     player lives with its guild and the edges between them stay in one store.
//  3. Else the shard chosen by the hash of the entity's key (HashShard): its IRI, or for
//     an entity created without one ("new"), a fresh random UUID.
//
// An entity whose IRI a shard already holds stays where it is: creating it again returns
// it, and a Placement naming another shard is refused (entity.ErrIRITaken).
type Placement struct {
	Shard  string
	Parent string
}

// HashShard returns the shard a key goes to when nothing else places it: the one whose
// hash of (scope, key) is highest (rendezvous hashing), so keys spread evenly and a shard
// added to the config takes keys only from the others, about 1/N of them.
func (c *Cluster) HashShard(key string) *Shard {
	var best *Shard
	var bestH uint64
	for _, s := range c.shards {
		h := fnv.New64a()
		h.Write([]byte(s.Scope.String()))
		h.Write([]byte{0})
		h.Write([]byte(key))
		if v := mix(h.Sum64()); best == nil || v > bestH {
			best, bestH = s, v
		}
	}
	return best
}

// mix is SplitMix64's finalizer: FNV's high bits vary little with a key's last bytes.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Place returns the shard p chooses for a new entity whose key is key (see Placement).
func (c *Cluster) Place(ctx context.Context, key string, p Placement) (*Shard, error) {
	switch {
	case p.Shard != "":
		return c.Shard(p.Shard)
	case p.Parent != "":
		s, err := c.Locate(ctx, p.Parent)
		if err != nil {
			return nil, fmt.Errorf("parent %s: %w", p.Parent, err)
		}
		return s, nil
	}
	return c.HashShard(key), nil
}

// Create creates the entity req asks for (req.Kind, and req.Ref "new" or an <IRI>), with
// req's values, in the shard p chooses, and returns what the shard did and the shard.
func (c *Cluster) Create(ctx context.Context, req server.SetRequest, p Placement) (*server.SetResult, *Shard, error) {
	if req.Kind == "" {
		return nil, nil, fmt.Errorf("create %s: %w: give the new entity's kind", req.Ref, server.ErrInvalid)
	}
	var key string
	switch {
	case req.Ref == "new":
		key = uuid.NewString()
	case strings.HasPrefix(req.Ref, "<"):
		iri, isIRI, err := interchange.ParseRef(req.Ref)
		if err != nil {
			return nil, nil, err
		}
		if !isIRI {
			return nil, nil, fmt.Errorf("create %s: %w: the new entity is \"new\" or an <iri>", req.Ref, server.ErrInvalid)
		}
		key = iri
		holder, err := c.Locate(ctx, req.Ref)
		switch {
		case err == nil:
			if want, perr := c.Place(ctx, key, p); perr != nil {
				return nil, nil, perr
			} else if (p.Shard != "" || p.Parent != "") && want != holder {
				return nil, nil, fmt.Errorf("create %s in shard %s: %w: shard %s holds it", req.Ref, want.Name, entity.ErrIRITaken, holder.Name)
			}
			res, err := holder.Client.Set(ctx, req)
			return res, holder, shardErr(holder, err)
		case !errors.Is(err, interchange.ErrNotFound):
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("create %s: %w: the new entity is \"new\" or an <iri>", req.Ref, server.ErrInvalid)
	}
	s, err := c.Place(ctx, key, p)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.Client.Set(ctx, req)
	return res, s, shardErr(s, err)
}

// shardErr names the shard an error came from.
func shardErr(s *Shard, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("shard %s: %w", s.Name, err)
}
