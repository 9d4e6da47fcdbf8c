package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// Edges across shards. An edge a -v-> b with a in shard S and b in shard O is two halves:
// a -v-> stand-in(b) in S and stand-in(a) -v-> b in O, a stand-in being a local entity of
// the reserved kind entity.KindRemote whose IRI is the remote entity's ic:// URI. So each
// shard answers both directions of its own entities' edges alone.
//
// The guarantee is repair, not two-phase commit: Link writes S's half together with an
// intent record (in one message of S), then O's half, then clears the intent. A failure
// between the halves leaves the intent; Repair (and the next Link or Unlink of the same
// edge) finishes it: it writes O's half, or, if O refuses it for good (the verb's
// cardinality, an object that does not exist), takes S's half back. Unlink removes S's half
// with an unlink intent, then O's. Delete deletes the entity with an unlink intent per edge
// across shards, in one message of its shard, then removes the other halves. Every step is
// idempotent, so Repair can stop anywhere and run again. Verify pairs the halves of every
// shard and lists what is pending or unpaired.

// ErrPending reports an edge across shards whose first half is written and whose second
// could not be: an intent record holds it, and Repair finishes it.
var ErrPending = errors.New("edge across shards half done (Repair finishes it)")

// end is one end of an edge: its shard and its canonical URI.
type end struct {
	shard *Shard
	uri   string
}

// resolveEnd finds the shard of the entity ref names and, with canonical, its URI as its
// shard writes it (asking the shard for an ic:// URI, which may name another of its
// kinds); the entity must exist.
func (c *Cluster) resolveEnd(ctx context.Context, ref string, canonical bool) (end, error) {
	s, d, err := c.locate(ctx, ref)
	if err != nil {
		return end{}, err
	}
	if d == nil && canonical {
		if d, err = s.Client.Get(ctx, ref); err != nil {
			return end{}, shardErr(s, err)
		}
	}
	if d == nil {
		return end{shard: s}, nil
	}
	if d.Kind == entity.KindRemote {
		return end{}, fmt.Errorf("%s: %w: it is a stand-in of shard %s for %s", ref, ErrAmbiguous, s.Name, d.IRI)
	}
	return end{shard: s, uri: d.URI}, nil
}

// edgeEnds resolves both ends of e, with their URIs if they are in two shards.
func (c *Cluster) edgeEnds(ctx context.Context, e server.Edge) (sub, obj end, err error) {
	if sub, err = c.resolveEnd(ctx, e.Subject, false); err != nil {
		return
	}
	if obj, err = c.resolveEnd(ctx, e.Object, false); err != nil || sub.shard == obj.shard {
		return
	}
	if sub.uri == "" {
		if sub, err = c.resolveEnd(ctx, e.Subject, true); err != nil {
			return
		}
	}
	if obj.uri == "" {
		obj, err = c.resolveEnd(ctx, e.Object, true)
	}
	return
}

// link adds (or with unlink removes) edge e, within a shard or across two.
func (c *Cluster) link(ctx context.Context, e server.Edge, unlink bool) error {
	sub, obj, err := c.edgeEnds(ctx, e)
	if err != nil {
		return err
	}
	if sub.shard == obj.shard {
		if unlink {
			return shardErr(sub.shard, sub.shard.Client.Unlink(ctx, e))
		}
		return shardErr(sub.shard, sub.shard.Client.Link(ctx, e))
	}
	edge := server.Edge{Subject: sub.uri, Verb: e.Verb, Object: obj.uri}
	if unlink {
		in := server.Intent{Op: server.IntentUnlink, Edge: edge}
		if _, err := sub.shard.Client.Half(ctx, server.HalfRequest{Op: server.HalfUnlink, Edge: edge, Strict: true, Record: &in}); err != nil {
			return shardErr(sub.shard, err)
		}
		return c.finish(ctx, sub.shard, obj.shard, in)
	}
	in := server.Intent{Op: server.IntentLink, Edge: edge}
	if _, err := sub.shard.Client.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: edge, Record: &in}); err != nil {
		return shardErr(sub.shard, err)
	}
	return c.finish(ctx, sub.shard, obj.shard, in)
}

// finish does the other half of intent in, held by shard held, in shard other, and clears
// the intent: the second step of Link, Unlink and Delete, and what Repair does. If other
// refuses a link for good, the half in held is taken back and the refusal returned.
func (c *Cluster) finish(ctx context.Context, held, other *Shard, in server.Intent) error {
	if c.afterFirstHalf != nil {
		if err := c.afterFirstHalf(in); err != nil {
			return err
		}
	}
	op := server.HalfLink
	if in.Op == server.IntentUnlink {
		op = server.HalfUnlink
	}
	_, err := other.Client.Half(ctx, server.HalfRequest{Op: op, Edge: in.Edge})
	switch {
	case err != nil && op == server.HalfLink && refused(err):
		// Take the first half back, clearing the intent in the same message.
		if _, err2 := held.Client.Half(ctx, server.HalfRequest{Op: server.HalfUnlink, Edge: in.Edge, Clear: &in}); err2 != nil {
			return fmt.Errorf("%w: %s %s %s: shard %s refused its half (%w), and taking back shard %s's failed: %w",
				ErrPending, in.Edge.Subject, in.Edge.Verb, in.Edge.Object, other.Name, err, held.Name, err2)
		}
		return shardErr(other, err)
	case err != nil:
		return fmt.Errorf("%w: %s %s %s: written in shard %s, not in shard %s: %w",
			ErrPending, in.Edge.Subject, in.Edge.Verb, in.Edge.Object, held.Name, other.Name, err)
	}
	if _, err := held.Client.Half(ctx, server.HalfRequest{Clear: &in}); err != nil {
		return fmt.Errorf("%w: %s %s %s: both halves written, clearing the intent in shard %s failed: %w",
			ErrPending, in.Edge.Subject, in.Edge.Verb, in.Edge.Object, held.Name, err)
	}
	return nil
}

// refused reports whether a shard refused a half for good: asking again would not help.
func refused(err error) bool {
	for _, target := range []error{verb.ErrCardinality, verb.ErrNoVerb, interchange.ErrNotFound, entity.ErrNoEntity,
		entity.ErrWrongKind, entity.ErrScope, server.ErrInvalid} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// remoteShard returns the shard of the end of e that is not in shard held.
func (c *Cluster) remoteShard(held *Shard, e server.Edge) (*Shard, error) {
	for _, ref := range []string{e.Subject, e.Object} {
		u, err := uri.ParseEntityURI(ref)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", ref, interchange.ErrBadInput, err)
		}
		if u.Scope != held.Scope {
			s, ok := c.byScope[u.Scope]
			if !ok {
				return nil, fmt.Errorf("%s: %w: no shard has scope %s", ref, ErrNoShard, u.Scope)
			}
			return s, nil
		}
	}
	return nil, fmt.Errorf("%s %s %s: both ends are in shard %s", e.Subject, e.Verb, e.Object, held.Name)
}

// deleteAcross deletes the entity ref names, with its edges across shards.
func (c *Cluster) deleteAcross(ctx context.Context, ref string) (*server.DeleteResult, error) {
	s, err := c.Locate(ctx, ref)
	if err != nil {
		return nil, err
	}
	res, err := s.Client.Half(ctx, server.HalfRequest{Op: server.HalfDelete, Ref: ref})
	if err != nil {
		return nil, shardErr(s, err)
	}
	var errs []error
	for _, in := range res.Intents {
		other, err := c.remoteShard(s, in.Edge)
		if err == nil {
			err = c.finish(ctx, s, other, in)
		}
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("deleted %s in shard %s, but not every edge across shards is gone: %w", res.Deleted, s.Name, err)
	}
	return &server.DeleteResult{Deleted: res.Deleted}, nil
}
