package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store"
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
//   - a closure (->+, <-+) to a sub-query or an entity first grows the target in rounds
//     (closure): each shard finds, for every kind, what reaches the target inside it,
//     until a round finds nothing new; the condition is then a closure to any member.
//
// The conditions are then exact in every shard, and the last round merges as Query says.
// An entity named relative to one store (kind/id, #id) is refused (ErrAmbiguous).

// ErrUnsupported reports a query that a cluster of several shards will not answer: one
// that follows edges to more entities than MaxFollowSet.
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
	if f.Transitive && len(members) > 0 {
		var err error
		if members, err = c.closure(ctx, f, members, budget, r); err != nil {
			return nil, err
		}
	}
	per := make([]query.Cond, len(c.shards))
	for i, s := range c.shards {
		if len(members) == 0 {
			kind := f.Target.(*query.SubQuery).Query.Kind
			per[i] = &query.FollowCond{Verb: f.Verb, Dir: f.Dir, Transitive: f.Transitive,
				Target: &query.SubQuery{Query: &query.Query{Kind: kind, Limit: query.Limit{Set: true}}}}
			continue
		}
		per[i] = followAny(f, s, members)
		for _, m := range members {
			if m.shard != s {
				r.hidden[i] = append(r.hidden[i], m.uri)
			}
		}
	}
	return per, nil
}

// member is an entity a condition follows edges to: its shard, its URI, and how the
// query wrote it (for its own shard).
type member struct {
	shard *Shard
	uri   string
	raw   string
}

// followAny returns f's condition in shard s over members: an edge (or with a closure, a
// path) to any of them, each named as s reads it: as written in its own shard, by its
// stand-in's IRI elsewhere.
func followAny(f *query.FollowCond, s *Shard, members []member) query.Cond {
	var cond query.Cond
	for _, m := range members {
		ref := query.EntityRef{Form: query.RefIRI, Raw: "<" + m.uri + ">", IRI: m.uri}
		if m.shard == s {
			ref = query.EntityRef{Raw: m.raw}
		}
		t := &query.FollowCond{Verb: f.Verb, Dir: f.Dir, Transitive: f.Transitive, Target: &query.EntityTarget{Ref: ref}}
		if cond == nil {
			cond = t
		} else {
			cond = &query.OrCond{L: cond, R: t}
		}
	}
	return cond
}

// closure returns members with every entity that reaches one of them by a path of f's
// verb (led from one, for <-+), across shards: in rounds, each shard finds, for every
// kind, its entities with a path inside the shard to a member (or to a member's
// stand-in), which become members, until a round finds none. A path that leaves a
// shard ends there at a stand-in, whose entity the round that found it as a member
// continues from; so at the end, a path of one shard to a member or its stand-in is
// exactly a path across shards to one of the first members.
func (c *Cluster) closure(ctx context.Context, f *query.FollowCond, members []member, budget uint64, r *rounds) ([]member, error) {
	sc, err := c.shards[0].Client.Schema(ctx)
	if err != nil {
		return nil, shardErr(c.shards[0], err)
	}
	var kinds []query.Name
	for _, k := range sc.Kinds {
		if k.State != store.Retired && !strings.HasPrefix(k.Name, "$") {
			kinds = append(kinds, query.Name{Name: k.Name})
		}
	}
	have := map[string]bool{}
	for _, m := range members {
		have[m.uri] = true
	}
	for round := 1; ; round++ {
		step := &QueryResult{Rounds: 1, Shards: make([]ShardResult, len(c.shards))}
		step.Stats.ByVariable = map[string]uint64{}
		found := make([][]string, len(c.shards))
		left := uint64(0)
		if budget != 0 {
			left = max(budget-min(budget, r.spent()), 1)
		}
		err := c.each(ctx, func(ctx context.Context, i int, s *Shard) error {
			cond := followAny(f, s, members)
			sr := &step.Shards[i]
			sr.Shard, sr.Stats.ByVariable = s.Name, map[string]uint64{}
			for _, k := range kinds {
				res, err := s.Client.Query(ctx, server.QueryRequest{Query: shardQuery(&query.Query{Kind: k}, cond), Budget: left})
				if err != nil {
					return err
				}
				sr.Messages++
				sr.Stats.PagesRead += res.Stats.PagesRead
				sr.Stats.EstimatedPages += res.Stats.EstimatedPages
				for v, n := range res.Stats.ByVariable {
					sr.Stats.ByVariable[v] += n
				}
				for _, row := range res.Rows {
					u, _ := row[0].(string)
					found[i] = append(found[i], u)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, sr := range step.Shards {
			step.Stats.PagesRead += sr.Stats.PagesRead
			step.Stats.EstimatedPages += sr.Stats.EstimatedPages
		}
		r.subs = append(r.subs, step)
		if budget != 0 && r.spent() > budget {
			return nil, fmt.Errorf("query stopped: %w: %d pages read in the rounds of the closure at %d:%d, budget %d",
				store.ErrPageBudgetExceeded, r.spent(), f.Pos.Line, f.Pos.Col, budget)
		}
		grew := false
		for i, us := range found {
			for _, u := range us {
				if !have[u] {
					have[u], grew = true, true
					members = append(members, member{shard: c.shards[i], uri: u, raw: u})
				}
			}
		}
		if len(members) > MaxFollowSet {
			return nil, fmt.Errorf("%d:%d: %w: the closure reaches over %d entities; a cluster follows edges to at most %d (MaxFollowSet)",
				f.Pos.Line, f.Pos.Col, ErrUnsupported, MaxFollowSet, MaxFollowSet)
		}
		if !grew {
			return members, nil
		}
	}
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
