package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/uri"
)

// ErrUnpaired reports edges across shards that are not whole: a half without the other,
// an intent not finished, or what a shard holds of them that cannot be read.
var ErrUnpaired = errors.New("edges across shards not whole")

// HeldIntent is an intent record and the shard that holds it.
type HeldIntent struct {
	Shard  string        `json:"shard"`
	Intent server.Intent `json:"intent"`
}

// Unpaired is a half of an edge across shards whose other half is missing, with no
// intent to say why.
type Unpaired struct {
	Edge    server.Edge `json:"edge"`
	Has     string      `json:"has"`     // the shard that holds the half
	Lacks   string      `json:"lacks"`   // the shard that should hold the other
	Forward bool        `json:"forward"` // the half is the subject's (the one written first)
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	Edges    int          `json:"edges"`   // edges across shards with both halves
	Pending  []HeldIntent `json:"pending"` // intents not finished
	Unpaired []Unpaired   `json:"unpaired"`
	Bad      []string     `json:"bad"` // what cannot be read or placed, by shard
}

// Err returns nil if every edge across shards is whole, else an error matching
// ErrUnpaired that counts what is not.
func (r *VerifyReport) Err() error {
	if len(r.Pending)+len(r.Unpaired)+len(r.Bad) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d pending intents, %d halves without the other, %d damaged (run Repair)",
		ErrUnpaired, len(r.Pending), len(r.Unpaired), len(r.Bad))
}

// Verify pairs the halves of every edge across shards: each must be in the shard of its
// subject and in the shard of its object, and no intent may be left. It reads each
// shard's halves in one message (GET /v1/half), so it is exact on a cluster without
// writes in flight; while Link runs, an edge may show as unpaired for a moment.
func (c *Cluster) Verify(ctx context.Context) (*VerifyReport, error) {
	states := make([]*server.HalfState, len(c.shards))
	err := c.each(ctx, func(ctx context.Context, i int, s *Shard) error {
		st, err := s.Client.HalfState(ctx)
		states[i] = st
		return err
	})
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Pending: []HeldIntent{}, Unpaired: []Unpaired{}, Bad: []string{}}
	type key struct{ s, v, o string }
	held := map[key][]*Shard{} // the shards holding a half of each edge
	var order []key
	for i, st := range states {
		s := c.shards[i]
		for _, b := range st.Bad {
			rep.Bad = append(rep.Bad, fmt.Sprintf("shard %s: %s", s.Name, b))
		}
		for _, in := range st.Intents {
			rep.Pending = append(rep.Pending, HeldIntent{Shard: s.Name, Intent: in})
		}
		for _, e := range st.Halves {
			k := key{e.Subject, e.Verb, e.Object}
			if _, seen := held[k]; !seen {
				order = append(order, k)
			}
			held[k] = append(held[k], s)
		}
	}
	pending := map[key]bool{}
	for _, p := range rep.Pending {
		pending[key{p.Intent.Edge.Subject, p.Intent.Edge.Verb, p.Intent.Edge.Object}] = true
	}
	for _, k := range order {
		e := server.Edge{Subject: k.s, Verb: k.v, Object: k.o}
		ss, err1 := c.scopeShard(k.s)
		os, err2 := c.scopeShard(k.o)
		if err := errors.Join(err1, err2); err != nil {
			rep.Bad = append(rep.Bad, fmt.Sprintf("%s %s %s: %v", k.s, k.v, k.o, err))
			continue
		}
		in := held[k]
		switch {
		case slices.Contains(in, ss) && slices.Contains(in, os):
			rep.Edges++
		case pending[k]:
		case slices.Contains(in, ss):
			rep.Unpaired = append(rep.Unpaired, Unpaired{Edge: e, Has: ss.Name, Lacks: os.Name, Forward: true})
		case slices.Contains(in, os):
			rep.Unpaired = append(rep.Unpaired, Unpaired{Edge: e, Has: os.Name, Lacks: ss.Name})
		default:
			var names []string
			for _, s := range in {
				names = append(names, s.Name)
			}
			rep.Bad = append(rep.Bad, fmt.Sprintf("%s %s %s: held by shard %s, which holds neither end", k.s, k.v, k.o, strings.Join(names, ", ")))
		}
	}
	return rep, nil
}

// scopeShard returns the shard of the entity an ic:// URI names.
func (c *Cluster) scopeShard(ref string) (*Shard, error) {
	u, err := uri.ParseEntityURI(ref)
	if err != nil {
		return nil, err
	}
	s, ok := c.byScope[u.Scope]
	if !ok {
		return nil, fmt.Errorf("%w: scope %s", ErrNoShard, u.Scope)
	}
	return s, nil
}

// RepairReport is what Repair did.
type RepairReport struct {
	Finished  int `json:"finished"`   // intents whose other half it wrote or removed
	TakenBack int `json:"taken_back"` // links the other shard refused, whose first half it removed
	Restored  int `json:"restored"`   // missing second halves it wrote again
	Removed   int `json:"removed"`    // halves it removed: their first half was gone, or the other end
}

// Repair makes every edge across shards whole. First it finishes each shard's intents (as
// Link, Unlink and Delete would have); then, for a half without the other and no intent:
// a subject's half whose object's half is missing gets it again (or is removed if the
// object's shard refuses it: the object is gone, say), and an object's half without the
// subject's is removed, since the subject's half is written first and removed first.
// Each step is idempotent: after a failure, Repair can run again and go on. A
// coordinator should run it when it starts (after Check), since a coordinator that
// stopped between two halves leaves an intent only Repair finishes; like Verify, it is
// meant for a cluster without writes in flight (an intent it finishes while Link
// finishes it too is harmless, but an unpaired half it mends may be one Link is writing).
func (c *Cluster) Repair(ctx context.Context) (*RepairReport, error) {
	rep := &RepairReport{}
	v, err := c.Verify(ctx)
	if err != nil {
		return rep, err
	}
	var errs []error
	for _, p := range v.Pending {
		held := c.byName[p.Shard]
		other, err := c.remoteShard(held, p.Intent.Edge)
		if err == nil {
			err = c.finish(ctx, held, other, p.Intent)
		}
		switch {
		case err == nil:
			rep.Finished++
		case !errors.Is(err, ErrPending) && refused(err):
			rep.TakenBack++
		default:
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return rep, errors.Join(errs...)
	}
	if v, err = c.Verify(ctx); err != nil {
		return rep, err
	}
	for _, u := range v.Unpaired {
		has, lacks := c.byName[u.Has], c.byName[u.Lacks]
		var err error
		if u.Forward {
			_, err = lacks.Client.Half(ctx, server.HalfRequest{Op: server.HalfLink, Edge: u.Edge})
			if err == nil {
				rep.Restored++
				continue
			}
			if !refused(err) {
				errs = append(errs, shardErr(lacks, err))
				continue
			}
		}
		if _, err = has.Client.Half(ctx, server.HalfRequest{Op: server.HalfUnlink, Edge: u.Edge}); err != nil {
			errs = append(errs, shardErr(has, err))
			continue
		}
		rep.Removed++
	}
	return rep, errors.Join(errs...)
}
