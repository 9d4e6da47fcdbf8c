package server

import (
	"context"
	"fmt"
	"net/url"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// Edges across stores: the halves a cluster (package cluster) writes in each store of an
// edge whose ends live in two stores. The end in another store is a stand-in here
// (entity.KindRemote, its IRI the other entity's ic:// URI), and an intent record written
// with one half says that the other half is still to be done.

// Intent ops: an edge across stores to be added, or removed, in the other store.
const (
	IntentLink   = "link"
	IntentUnlink = "unlink"
)

// Intent is one intent record: an edge across stores, written as ic:// URIs, whose half in
// this store is done and whose half in the other store (the store of the end that is
// remote here) is still to be added (IntentLink) or removed (IntentUnlink).
type Intent struct {
	Op   string `json:"op"`
	Edge Edge   `json:"edge"`
}

// record is the intent's text in the store.
func (in Intent) record() string {
	return url.Values{"op": {in.Op}, "s": {in.Edge.Subject}, "v": {in.Edge.Verb}, "o": {in.Edge.Object}}.Encode()
}

func parseIntent(rec string) (Intent, error) {
	q, err := url.ParseQuery(rec)
	in := Intent{Op: q.Get("op"), Edge: Edge{Subject: q.Get("s"), Verb: q.Get("v"), Object: q.Get("o")}}
	if err != nil || (in.Op != IntentLink && in.Op != IntentUnlink) || in.Edge.Subject == "" || in.Edge.Verb == "" || in.Edge.Object == "" {
		return Intent{}, fmt.Errorf("%w: intent record %q cannot be read", store.ErrCorrupt, rec)
	}
	return in, nil
}

// Half ops of a HalfRequest.
const (
	HalfLink   = "link"   // add this store's half of the edge
	HalfUnlink = "unlink" // remove it
	HalfDelete = "delete" // delete an entity, recording an unlink intent per edge across stores
)

// HalfRequest asks for one message on a store's half of edges across stores.
type HalfRequest struct {
	Op string `json:"op,omitempty"` // HalfLink, HalfUnlink, HalfDelete, or none (Record and Clear only)
	// Edge is the edge of HalfLink and HalfUnlink: its subject and object as ic:// URIs,
	// one of this store, the other of another.
	Edge Edge `json:"edge"`
	// Ref names the entity HalfDelete deletes, as in a query.
	Ref string `json:"ref,omitempty"`
	// Strict makes HalfUnlink fail with interchange.ErrNotFound if the half is not there;
	// otherwise removing a missing half does nothing (as repair needs).
	Strict bool `json:"strict,omitempty"`
	// Record is an intent to write in the same message; Clear one to remove.
	Record *Intent `json:"record,omitempty"`
	Clear  *Intent `json:"clear,omitempty"`
}

// HalfResult is what a HalfRequest did.
type HalfResult struct {
	Deleted string   `json:"deleted,omitempty"` // HalfDelete: the entity's URI
	Intents []Intent `json:"intents,omitempty"` // HalfDelete: the unlink intents it recorded
}

// HalfState is what a store holds of edges across stores: every edge with a stand-in at
// one end (its halves here), the intent records, and what cannot be read as either.
type HalfState struct {
	Halves  []Edge   `json:"halves"`
	Intents []Intent `json:"intents"`
	Bad     []string `json:"bad,omitempty"`
}

// Half runs one HalfRequest in one Update: a half and the intents around it are written
// together or not at all. With a Writer, the request is one write of the log.
func (s *Service) Half(ctx context.Context, req HalfRequest) (*HalfResult, error) {
	if s.Writer != nil {
		return write[*HalfResult](ctx, s, &Write{Half: &req})
	}
	res := &HalfResult{}
	err := s.update(ctx, func(tx *entity.Tx) error {
		switch req.Op {
		case HalfLink, HalfUnlink:
			v, local, remote, localIsSubject, err := s.halfEnds(tx, req.Edge)
			if err != nil {
				return err
			}
			if req.Op == HalfLink {
				st, err := tx.StandIn(remote)
				if err != nil {
					return err
				}
				sub, obj := local, st
				if !localIsSubject {
					sub, obj = st, local
				}
				if err := v.Link(tx, sub, obj); err != nil {
					return fmt.Errorf("%s %s %s: %w", req.Edge.Subject, req.Edge.Verb, req.Edge.Object, err)
				}
			} else if err := unlinkHalf(tx, v, req, local, remote, localIsSubject); err != nil {
				return err
			}
		case HalfDelete:
			id, err := interchange.Resolve(tx, req.Ref)
			if err != nil {
				return err
			}
			if err := refuseStandIn(tx, req.Ref, id); err != nil {
				return err
			}
			res.Deleted = interchange.EntityName(tx, id)
			if res.Intents, err = deleteAcross(tx, id, res.Deleted); err != nil {
				return err
			}
		case "":
			if req.Record == nil && req.Clear == nil {
				return invalidf("half: nothing to do")
			}
		default:
			return invalidf("half: unknown op %q: want %s, %s or %s", req.Op, HalfLink, HalfUnlink, HalfDelete)
		}
		if req.Record != nil {
			if _, err := parseIntent(req.Record.record()); err != nil {
				return invalidf("half: intent %+v: want op link or unlink and a whole edge", *req.Record)
			}
			if err := tx.PutIntent(req.Record.record()); err != nil {
				return err
			}
		}
		if req.Clear != nil {
			if _, err := tx.DropIntent(req.Clear.record()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// refuseStandIn refuses to delete id, which ref names, if it is a stand-in: it goes with
// its last edge across stores, which only a cluster removes (both halves, with an intent).
func refuseStandIn(tx *entity.Tx, ref string, id entity.ID) error {
	if tx.IsStandIn(id) {
		return invalidf("%s is a stand-in for %s, not an entity of this store", ref, interchange.RefText(tx, id))
	}
	return nil
}

// halfEnds resolves an edge across stores: its verb, its end in this store, the URI of its
// end in another, and which end is here.
func (s *Service) halfEnds(tx *entity.Tx, e Edge) (v *verb.Verb, local entity.ID, remote string, localIsSubject bool, err error) {
	here := tx.DB().Scope()
	scopeOf := func(ref string) (uri.Scope, error) {
		u, err := uri.ParseEntityURI(ref)
		if err != nil {
			return uri.Scope{}, invalidf("half: %q: want an ic:// URI: %v", ref, err)
		}
		return u.Scope, nil
	}
	ss, err := scopeOf(e.Subject)
	if err != nil {
		return nil, 0, "", false, err
	}
	os, err := scopeOf(e.Object)
	if err != nil {
		return nil, 0, "", false, err
	}
	switch {
	case ss == here && os != here:
		local, remote, localIsSubject = 0, e.Object, true
		local, err = interchange.Resolve(tx, e.Subject)
	case os == here && ss != here:
		remote = e.Subject
		local, err = interchange.Resolve(tx, e.Object)
	default:
		return nil, 0, "", false, invalidf("half: %s %s %s: want one end in this store (%s) and one in another", e.Subject, e.Verb, e.Object, here)
	}
	if err != nil {
		return nil, 0, "", false, err
	}
	v, err = interchange.LookupVerb(tx, e.Verb)
	return v, local, remote, localIsSubject, err
}

// unlinkHalf removes this store's half of an edge, and the stand-in if no edge is left to it.
func unlinkHalf(tx *entity.Tx, v *verb.Verb, req HalfRequest, local entity.ID, remote string, localIsSubject bool) error {
	st, ok := tx.LookupStandIn(remote)
	found := false
	if ok {
		sub, obj := local, st
		if !localIsSubject {
			sub, obj = st, local
		}
		var err error
		if found, err = v.Unlink(tx, sub, obj); err != nil {
			return err
		}
	}
	if !found {
		if req.Strict {
			return fmt.Errorf("%s %s %s: no such edge: %w", req.Edge.Subject, req.Edge.Verb, req.Edge.Object, interchange.ErrNotFound)
		}
		return nil
	}
	return dropIdleStandIn(tx, st)
}

// dropIdleStandIn deletes stand-in st if no edge of any verb is left to it.
func dropIdleStandIn(tx *entity.Tx, st entity.ID) error {
	for _, v := range verb.Verbs(tx) {
		if v.State() == store.Retired {
			continue
		}
		if v.OutDegree(tx, st) > 0 || v.InDegree(tx, st) > 0 {
			return nil
		}
	}
	return tx.Delete(st)
}

// edgesAcross returns the edges of entity id (named name) with a stand-in at their other
// end, and the stand-ins.
func edgesAcross(tx *entity.Tx, id entity.ID, name string) ([]Edge, []entity.ID) {
	var out []Edge
	var standIns []entity.ID
	for _, v := range verb.Verbs(tx) {
		if v.State() == store.Retired {
			continue
		}
		for o := range v.Objects(tx, id) {
			if u, ok := standInURI(tx, o); ok {
				out = append(out, Edge{Subject: name, Verb: v.Name(), Object: u})
				standIns = append(standIns, o)
			}
		}
		for s := range v.Subjects(tx, id) {
			if u, ok := standInURI(tx, s); ok {
				out = append(out, Edge{Subject: u, Verb: v.Name(), Object: name})
				standIns = append(standIns, s)
			}
		}
	}
	return out, standIns
}

func standInURI(tx *entity.Tx, id entity.ID) (string, bool) {
	if !tx.IsStandIn(id) {
		return "", false
	}
	return tx.IRI(id)
}

// deleteAcross deletes entity id with an unlink intent for each of its edges across
// stores, and the stand-ins left without an edge.
func deleteAcross(tx *entity.Tx, id entity.ID, name string) ([]Intent, error) {
	edges, standIns := edgesAcross(tx, id, name)
	var intents []Intent
	for _, e := range edges {
		in := Intent{Op: IntentUnlink, Edge: e}
		if err := tx.PutIntent(in.record()); err != nil {
			return nil, err
		}
		intents = append(intents, in)
	}
	if err := tx.Delete(id); err != nil {
		return nil, err
	}
	for _, st := range standIns {
		if !tx.Exists(st) {
			continue // dropped already, as another edge's
		}
		if err := dropIdleStandIn(tx, st); err != nil {
			return nil, err
		}
	}
	return intents, nil
}

// HalfState lists the store's halves of edges across stores and its intent records, in
// one View: what a cluster's verify pairs with the other stores'.
func (s *Service) HalfState(ctx context.Context) (*HalfState, error) {
	out := &HalfState{Halves: []Edge{}, Intents: []Intent{}}
	err := s.view(ctx, func(tx *entity.Tx) error {
		verbs := verb.Verbs(tx)
		for st, remote := range tx.StandIns() {
			for _, v := range verbs {
				if v.State() == store.Retired {
					continue
				}
				for o := range v.Objects(tx, st) {
					other, ok := s.halfName(tx, o)
					if !ok {
						out.Bad = append(out.Bad, fmt.Sprintf("%s %s %s: an edge between two stand-ins", remote, v.Name(), other))
						continue
					}
					out.Halves = append(out.Halves, Edge{Subject: remote, Verb: v.Name(), Object: other})
				}
				for sub := range v.Subjects(tx, st) {
					if other, ok := s.halfName(tx, sub); ok {
						out.Halves = append(out.Halves, Edge{Subject: other, Verb: v.Name(), Object: remote})
					} // an edge between two stand-ins is reported once, from its subject
				}
			}
		}
		for _, rec := range tx.Intents() {
			in, err := parseIntent(rec)
			if err != nil {
				out.Bad = append(out.Bad, err.Error())
				continue
			}
			out.Intents = append(out.Intents, in)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// halfName is how HalfState names a local entity: its URI; false for a stand-in.
func (s *Service) halfName(tx *entity.Tx, id entity.ID) (string, bool) {
	if u, ok := standInURI(tx, id); ok {
		return u, false
	}
	return interchange.EntityName(tx, id), true
}
