package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/uri"
)

// Queries that follow edges across shards, in rounds. An edge to another shard's entity
// is, in each shard, an edge to a stand-in whose IRI is that entity's URI, so a condition
// "verb -> T" holds in shard s for the entity's edges to T's members of s and to the
// stand-ins of T's members elsewhere. The coordinator finds T first:
//
//   - a sub-query is run over the cluster first (a round; its own sub-queries are rounds
//     before it), and the condition becomes, in each shard, "(verb -> m1 OR verb -> m2 …)"
//     over its answer: an ic:// URI for a member of that shard, the stand-in's <URI> for
//     a member of another (an empty sub-query if it found none);
//   - an entity (ic:// URI or <IRI>) stays as written in its own shard and becomes its
//     stand-in's <URI> in the others (an <IRI> is looked up in every shard first);
//   - ANY needs nothing: an edge to a stand-in is an edge.
//
// The conditions are then exact in every shard, and the last round merges as Query says.
// A closure (->+, <-+) to anything but ANY would need a round per step and is refused
// (ErrUnsupported), as is an entity named relative to one store (kind/id, #id).

// ErrUnsupported reports a query that a cluster of several shards cannot answer as one
// store would.
var ErrUnsupported = errors.New("not supported across shards")

// MaxFollowSet is the most entities a sub-query may find when a cluster follows an edge
// to them: each becomes a term of the condition sent to every shard.
const MaxFollowSet = 10000

// rounds is what the rounds before a query's last found: the condition each shard is to
// run, the references it hides from warnings, and the earlier rounds' answers.
type rounds struct {
	where  []query.Cond // per shard; nil if nothing needs rewriting
	hidden [][]string   // per shard: URIs whose warnings that shard is not to give
	subs   []*QueryResult
}

// needsRounds reports whether cond follows an edge to an entity or a sub-query, or is
// refused in a cluster.
func needsRounds(cond query.Cond) bool {
	found := false
	walkFollows(cond, func(f *query.FollowCond) {
		if _, any := f.Target.(*query.AnyTarget); !any {
			found = true
		}
	})
	return found
}

// walkFollows calls fn for every FollowCond of cond, not inside sub-queries.
func walkFollows(cond query.Cond, fn func(*query.FollowCond)) {
	switch x := cond.(type) {
	case *query.AndCond:
		walkFollows(x.L, fn)
		walkFollows(x.R, fn)
	case *query.OrCond:
		walkFollows(x.L, fn)
		walkFollows(x.R, fn)
	case *query.NotCond:
		walkFollows(x.X, fn)
	case *query.FollowCond:
		fn(x)
	}
}

// runRounds runs the rounds of q's conditions (sub-queries over the cluster, lookups of
// <IRI> targets) and returns each shard's condition. budget is what the rounds may read
// in all (0: no limit).
func (c *Cluster) runRounds(ctx context.Context, q *query.Query, req server.QueryRequest, budget uint64) (*rounds, error) {
	r := &rounds{where: make([]query.Cond, len(c.shards)), hidden: make([][]string, len(c.shards))}
	// Each FollowCond's replacement per shard, found in the order written.
	repl := map[*query.FollowCond][]query.Cond{}
	var err error
	walkFollows(q.Where, func(f *query.FollowCond) {
		if err != nil {
			return
		}
		var per []query.Cond
		per, err = c.followTargets(ctx, f, req, budget, r)
		if per != nil {
			repl[f] = per
		}
	})
	if err != nil {
		return nil, err
	}
	for i := range c.shards {
		r.where[i] = replaceFollows(q.Where, func(f *query.FollowCond) query.Cond {
			if per, ok := repl[f]; ok {
				return per[i]
			}
			return f
		})
	}
	return r, nil
}

// spent returns the pages the rounds so far read.
func (r *rounds) spent() uint64 {
	var n uint64
	for _, s := range r.subs {
		n += s.Stats.PagesRead
	}
	return n
}

// followTargets returns f's condition in each shard (nil if it is the same everywhere).
func (c *Cluster) followTargets(ctx context.Context, f *query.FollowCond, req server.QueryRequest, budget uint64, r *rounds) ([]query.Cond, error) {
	if _, any := f.Target.(*query.AnyTarget); any {
		return nil, nil
	}
	if f.Transitive {
		return nil, fmt.Errorf("%d:%d: %w: a closure (%s+) follows edges across shards one step at a time; only %s+ ANY is answered",
			f.Pos.Line, f.Pos.Col, ErrUnsupported, f.Dir, f.Dir)
	}
	// members: the target's entities, each with its shard and URI.
	type member struct {
		shard *Shard
		uri   string
		raw   string // as written, for the target's own shard
	}
	var members []member
	switch t := f.Target.(type) {
	case *query.EntityTarget:
		ref := t.Ref
		switch ref.Form {
		case query.RefURI:
			scope, err := uri.ParseScope(ref.Canister)
			owner, ok := c.byScope[scope]
			if err != nil || !ok {
				return nil, nil // a scope of no shard fails in every shard, as in one store
			}
			members = append(members, member{shard: owner, uri: ref.Raw, raw: ref.Raw})
		case query.RefIRI:
			s, d, err := c.locate(ctx, ref.Raw)
			if errors.Is(err, interchange.ErrNotFound) {
				return nil, nil // in no shard: each warns, as one store does
			}
			if err != nil {
				return nil, err
			}
			members = append(members, member{shard: s, uri: d.URI, raw: ref.Raw})
		default:
			return nil, fmt.Errorf("%d:%d: %s: %w: in a cluster, name an entity by its ic:// URI or its <IRI>", ref.Pos.Line, ref.Pos.Col, ref.Raw, ErrAmbiguous)
		}
	case *query.SubQuery:
		sub := *t.Query
		left := uint64(0)
		if budget != 0 {
			left = max(budget-min(budget, r.spent()), 1)
		}
		res, err := c.Query(ctx, server.QueryRequest{Query: sub.String(), Budget: left})
		if err != nil {
			return nil, err
		}
		r.subs = append(r.subs, res)
		if len(res.Rows) > MaxFollowSet {
			return nil, fmt.Errorf("%d:%d: %w: the sub-query finds %d entities; a cluster follows edges to at most %d (MaxFollowSet)",
				t.Pos.Line, t.Pos.Col, ErrUnsupported, len(res.Rows), MaxFollowSet)
		}
		for _, row := range res.Rows {
			u, _ := row[0].(string)
			owner, err := c.scopeShard(u)
			if err != nil {
				return nil, fmt.Errorf("sub-query at %d:%d: row %q: %w", t.Pos.Line, t.Pos.Col, u, err)
			}
			members = append(members, member{shard: owner, uri: u, raw: u})
		}
	}
	per := make([]query.Cond, len(c.shards))
	for i, s := range c.shards {
		var terms []query.Cond
		for _, m := range members {
			ref := query.EntityRef{Form: query.RefIRI, Raw: "<" + m.uri + ">", IRI: m.uri}
			if m.shard == s {
				ref = query.EntityRef{Raw: m.raw}
			} else {
				r.hidden[i] = append(r.hidden[i], m.uri)
			}
			terms = append(terms, &query.FollowCond{Verb: f.Verb, Dir: f.Dir, Target: &query.EntityTarget{Ref: ref}})
		}
		if len(terms) == 0 {
			kind := f.Target.(*query.SubQuery).Query.Kind
			per[i] = &query.FollowCond{Verb: f.Verb, Dir: f.Dir, Target: &query.SubQuery{Query: &query.Query{Kind: kind, Limit: query.Limit{Set: true}}}}
			continue
		}
		cond := terms[0]
		for _, t := range terms[1:] {
			cond = &query.OrCond{L: cond, R: t}
		}
		per[i] = cond
	}
	return per, nil
}

// replaceFollows returns cond with each FollowCond f (not inside sub-queries) replaced by
// fn(f), sharing what it does not change.
func replaceFollows(cond query.Cond, fn func(*query.FollowCond) query.Cond) query.Cond {
	switch x := cond.(type) {
	case *query.AndCond:
		return &query.AndCond{Pos: x.Pos, L: replaceFollows(x.L, fn), R: replaceFollows(x.R, fn)}
	case *query.OrCond:
		return &query.OrCond{Pos: x.Pos, L: replaceFollows(x.L, fn), R: replaceFollows(x.R, fn)}
	case *query.NotCond:
		return &query.NotCond{Pos: x.Pos, X: replaceFollows(x.X, fn)}
	case *query.FollowCond:
		return fn(x)
	}
	return cond
}

// shardQuery returns the text a shard runs for q: q with its condition.
func shardQuery(q *query.Query, where query.Cond) string {
	q2 := *q
	q2.Where = where
	return q2.String()
}
