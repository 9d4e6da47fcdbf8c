package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/uri"
)

// Shard is one store of a cluster, reached through its server.
type Shard struct {
	Name   string
	Scope  uri.Scope
	Client *client.Client
	// Replicas are the members of the shard's Raft group; none for a shard of one server.
	Replicas []ReplicaConfig
}

// Options configures New. The zero value calls every server without a token.
type Options struct {
	// Token is the bearer token of every shard's server.
	Token string
	// HTTPClient calls the servers; nil means one of the cluster's own.
	HTTPClient *http.Client
}

// Cluster is a coordinator over the shards of a Config: it places new entities, sends
// each operation on one entity to the shard that holds it, and runs queries on every
// shard and merges their answers. It holds no data itself and is safe for concurrent use.
type Cluster struct {
	token   string
	hc      *http.Client
	shards  []*Shard
	byName  map[string]*Shard
	byScope map[uri.Scope]*Shard

	// afterFirstHalf, if set, runs between the halves of an edge across shards; an error
	// stops there, as a coordinator that crashed would (tests).
	afterFirstHalf func(server.Intent) error
}

// New returns the coordinator of the shards of cfg. It does not call them: Check does.
func New(cfg *Config, opts *Options) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	c := &Cluster{token: o.Token, hc: hc, byName: map[string]*Shard{}, byScope: map[uri.Scope]*Shard{}}
	for _, sc := range cfg.Shards {
		scope, err := uri.ParseScope(sc.Scope)
		if err != nil {
			return nil, fmt.Errorf("%w: shard %s: %w", ErrConfig, sc.Name, err)
		}
		cl, err := client.NewGroup(sc.URLs(), o.Token, hc)
		if err != nil {
			return nil, fmt.Errorf("%w: shard %s: %w", ErrConfig, sc.Name, err)
		}
		s := &Shard{Name: sc.Name, Scope: scope, Client: cl, Replicas: sc.Replicas}
		c.shards = append(c.shards, s)
		c.byName[s.Name] = s
		c.byScope[scope] = s
	}
	return c, nil
}

// Shards returns the cluster's shards in the config's order.
func (c *Cluster) Shards() []*Shard { return append([]*Shard(nil), c.shards...) }

// Shard returns the shard named name (ErrNoShard if there is none).
func (c *Cluster) Shard(name string) (*Shard, error) {
	if s, ok := c.byName[name]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("shard %q: %w: the cluster has %s", name, ErrNoShard, strings.Join(c.names(), ", "))
}

func (c *Cluster) names() []string {
	out := make([]string, len(c.shards))
	for i, s := range c.shards {
		out[i] = s.Name
	}
	return out
}

// Check asks every shard's server what it serves, and fails unless each answers and
// serves a store of its shard's scope (ErrWrongShard).
func (c *Cluster) Check(ctx context.Context) error {
	return c.each(ctx, func(ctx context.Context, _ int, s *Shard) error {
		info, err := s.Client.Info(ctx)
		if err != nil {
			return err
		}
		if info.Scope != s.Scope.String() {
			have := info.Scope
			if have == "" {
				have = "no scope"
			}
			return fmt.Errorf("%w: its server %s serves %s (%s), not %s", ErrWrongShard, s.Client.URL(), info.Name, have, s.Scope)
		}
		return nil
	})
}

// Locate returns the shard that holds the entity ref names, written as in a query: an
// ic:// URI names its shard by its scope; an <iri> is looked for in every shard. A
// reference relative to one store (kind/id, #id, _:b<id>) fails with ErrAmbiguous unless
// the cluster has one shard.
func (c *Cluster) Locate(ctx context.Context, ref string) (*Shard, error) {
	s, _, err := c.locate(ctx, ref)
	return s, err
}

// locate is Locate, with the entity's description when it had to ask the shards for it.
func (c *Cluster) locate(ctx context.Context, ref string) (*Shard, *interchange.EntityDoc, error) {
	if strings.HasPrefix(ref, "ic://") {
		u, err := uri.ParseEntityURI(ref)
		if err != nil {
			return nil, nil, fmt.Errorf("%q: %w: %w", ref, interchange.ErrBadInput, err)
		}
		s, ok := c.byScope[u.Scope]
		if !ok {
			return nil, nil, fmt.Errorf("%s: %w: no shard has scope %s", ref, ErrNoShard, u.Scope)
		}
		return s, nil, nil
	}
	_, isIRI, err := interchange.ParseRef(ref)
	if err != nil {
		return nil, nil, err
	}
	if !isIRI {
		if len(c.shards) == 1 {
			return c.shards[0], nil, nil
		}
		return nil, nil, fmt.Errorf("%s: %w: in a cluster, name an entity by its ic:// URI or its <IRI>", ref, ErrAmbiguous)
	}
	docs := make([]*interchange.EntityDoc, len(c.shards))
	err = c.each(ctx, func(ctx context.Context, i int, s *Shard) error {
		d, err := s.Client.Get(ctx, ref)
		if errors.Is(err, interchange.ErrNotFound) || (err == nil && d.Kind == entity.KindRemote) {
			return nil // a stand-in is not the entity (edges.go)
		}
		docs[i] = d
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	var found []int
	for i, d := range docs {
		if d != nil {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil, fmt.Errorf("%s: no entity has this IRI in any shard: %w", ref, interchange.ErrNotFound)
	case 1:
		return c.shards[found[0]], docs[found[0]], nil
	}
	var in []string
	for _, i := range found {
		in = append(in, c.shards[i].Name)
	}
	return nil, nil, fmt.Errorf("%s: %w: shards %s each hold an entity with this IRI", ref, ErrAmbiguous, strings.Join(in, ", "))
}

// each calls fn for every shard at once, with the shard's place in the config, and
// returns the first error, naming its shard; the first error cancels the others' context.
func (c *Cluster) each(ctx context.Context, fn func(ctx context.Context, i int, s *Shard) error) error {
	g, ctx := errgroup.WithContext(ctx)
	for i, s := range c.shards {
		g.Go(func() error {
			if err := fn(ctx, i, s); err != nil {
				return fmt.Errorf("shard %s: %w", s.Name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// Get describes one entity, from the shard that holds it.
func (c *Cluster) Get(ctx context.Context, ref string) (*interchange.EntityDoc, error) {
	s, d, err := c.locate(ctx, ref)
	if err != nil || d != nil {
		return d, err
	}
	d, err = s.Client.Get(ctx, ref)
	return d, shardErr(s, err)
}

// Set writes column values of one entity on the shard that holds it. A request with a
// Kind creates the entity, placed as Create places it with no Placement.
func (c *Cluster) Set(ctx context.Context, req server.SetRequest) (*server.SetResult, error) {
	if req.Kind != "" {
		res, _, err := c.Create(ctx, req, Placement{})
		return res, err
	}
	s, err := c.Locate(ctx, req.Ref)
	if err != nil {
		return nil, err
	}
	res, err := s.Client.Set(ctx, req)
	return res, shardErr(s, err)
}

// Delete removes one entity, its values and its edges, on the shard that holds it, and
// the other halves of its edges across shards (see Link). If those fail, the entity is
// gone, the error matches ErrPending, and Repair removes them.
func (c *Cluster) Delete(ctx context.Context, ref string) (*server.DeleteResult, error) {
	return c.deleteAcross(ctx, ref)
}

// Link adds an edge; adding one that exists does nothing. Between two shards, the edge is
// written in both, the subject's half first with an intent record: if the object's
// shard refuses its half (the verb's cardinality, say) the first half is taken back and
// the refusal returned; if it fails otherwise, the error matches ErrPending and Repair
// finishes the edge.
func (c *Cluster) Link(ctx context.Context, e server.Edge) error {
	return c.link(ctx, e, false)
}

// Unlink removes an edge (interchange.ErrNotFound if there is none), from both shards
// for an edge between two: the subject's half first, with an intent record; a failure
// after it matches ErrPending, and Repair finishes the removal.
func (c *Cluster) Unlink(ctx context.Context, e server.Edge) error {
	return c.link(ctx, e, true)
}
