package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/uri"
)

// Export writes the export of every shard to w, one after the other in the config's
// order, joined so that importing it into one store gives the same world:
//
//   - JSON Lines: one schema line first (the first shard's, without the kind of
//     stand-ins; a shard whose schema differs fails the export), then every shard's
//     records without its stand-ins; an edge to a stand-in names the remote entity by
//     its ic:// URI, which the remote entity's own record carries.
//   - N-Triples: a blank node is labelled _:<scope>_b<ID> by its shard's scope, so that
//     labels of two shards never meet; a stand-in's IRI (the remote entity's ic:// URI)
//     becomes the remote entity's IRI, or its blank node if it has none; kinds, columns
//     and verbs named ic://<scope>/<name> are named by the first shard's scope.
//   - CSV: every shard's rows under the first shard's header line.
//
// It returns the number of records, triples or rows written and what the format cannot
// carry. A shard's export that fails stops it, naming the shard. The shards are read
// one at a time, not at one instant: a write during the export may be in it or not.
func (c *Cluster) Export(ctx context.Context, req server.ExportRequest, w io.Writer) (int64, []string, error) {
	x := &exporter{c: c, ctx: ctx, w: w, resolved: map[string]ntriples.Term{}, scopes: map[uri.Scope]bool{}}
	for _, s := range c.shards {
		x.scopes[s.Scope] = true
	}
	var total int64
	var losses []string
	seen := map[string]bool{}
	for i, s := range c.shards {
		var n int64
		var ls []string
		var err error
		switch req.Format {
		case "jsonl":
			n, ls, err = x.shard(s, req, func(r io.Reader) (int64, error) { return x.jsonl(i, s, r) })
		case "ntriples":
			n, ls, err = x.shard(s, req, func(r io.Reader) (int64, error) { return x.ntriples(s, r) })
		default:
			out := w
			if i > 0 && req.Format == "csv" {
				out = &afterFirstLine{w: w}
			}
			n, ls, err = s.Client.Export(ctx, req, out)
		}
		if err != nil {
			return total, losses, fmt.Errorf("shard %s: %w", s.Name, err)
		}
		total += n
		for _, l := range ls {
			if req.Format == "ntriples" && strings.Contains(l, "stand-ins") {
				continue // joined here: a cluster's export has none
			}
			if !seen[l] {
				seen[l] = true
				losses = append(losses, l)
			}
		}
	}
	if x.gone > 0 {
		losses = append(losses, fmt.Sprintf("%d edges end at entities that their shard does not hold (a half without the other: 'graphctl verify' lists them); they are written with the entity's ic:// URI as its IRI", x.gone))
	}
	return total, losses, nil
}

// exporter is the state of one Cluster.Export.
type exporter struct {
	c        *Cluster
	ctx      context.Context
	w        io.Writer
	scopes   map[uri.Scope]bool       // the shards' scopes
	schema   []byte                   // the schema line written, stand-ins' kind removed
	resolved map[string]ntriples.Term // a remote entity's term, by its ic:// URI
	gone     int                      // edges to stand-ins of entities not found
}

// shard runs shard s's export into rewrite, which reads it from r and writes to x.w
// what it makes of it, returning how many records or triples it wrote.
func (x *exporter) shard(s *Shard, req server.ExportRequest, rewrite func(r io.Reader) (int64, error)) (int64, []string, error) {
	pr, pw := io.Pipe()
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := rewrite(pr)
		if err != nil {
			pr.CloseWithError(err) // the shard's export stops writing
		} else {
			_, err = io.Copy(io.Discard, pr)
		}
		done <- result{n, err}
	}()
	_, losses, err := s.Client.Export(x.ctx, req, pw)
	pw.CloseWithError(err)
	res := <-done
	if res.err != nil {
		return 0, nil, res.err
	}
	return res.n, losses, err
}

// remote returns the entity URI that term names if it is an ic:// URI of a shard other
// than s: the IRI of one of s's stand-ins.
func (x *exporter) remote(s *Shard, iri string) (uri.EntityURI, bool) {
	if !strings.HasPrefix(iri, "ic://") {
		return uri.EntityURI{}, false
	}
	u, err := uri.ParseEntityURI(iri)
	if err != nil || u.Scope == s.Scope || !x.scopes[u.Scope] {
		return uri.EntityURI{}, false
	}
	return u, true
}

// jsonRecord is a record of a JSON Lines export; the values stay as the shard wrote them.
type jsonRecord struct {
	URI        string              `json:"uri,omitempty"`
	IRI        string              `json:"iri,omitempty"`
	Kind       string              `json:"kind"`
	OtherKinds []string            `json:"other_kinds,omitempty"`
	Set        json.RawMessage     `json:"set,omitempty"`
	Link       map[string][]string `json:"link,omitempty"`
}

// jsonl copies the JSON Lines export r of shard s (the i-th) to x.w: the schema line of
// the first shard only, no stand-ins, edges to stand-ins named by the remote URI.
func (x *exporter) jsonl(i int, s *Shard, r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var n int64
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		if line == 1 && bytes.HasPrefix(b, []byte(`{"schema":`)) {
			if err := x.schemaLine(i, s, b); err != nil {
				return n, err
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var rec jsonRecord
		if err := dec.Decode(&rec); err != nil {
			return n, fmt.Errorf("its JSON Lines export, line %d: %w", line, err)
		}
		if rec.Kind == entity.KindRemote {
			continue
		}
		changed := false
		for _, targets := range rec.Link {
			for j, t := range targets {
				if u, ok := x.remote(s, strings.TrimSuffix(strings.TrimPrefix(t, "<"), ">")); ok && strings.HasPrefix(t, "<") {
					targets[j] = u.String() // the URI the remote entity's record carries
					changed = true
				}
			}
		}
		if changed {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(rec); err != nil {
				return n, err
			}
			b = buf.Bytes()
		}
		if _, err := x.w.Write(b); err != nil {
			return n, err
		}
		n++
	}
}

// schemaLine writes the schema line b of shard s (the i-th) without the kind of
// stand-ins if s is the first shard, and checks that it is the first's otherwise.
func (x *exporter) schemaLine(i int, s *Shard, b []byte) error {
	var line struct {
		Schema interchange.SchemaDoc `json:"schema"`
	}
	if err := json.Unmarshal(b, &line); err != nil {
		return fmt.Errorf("its JSON Lines export's schema line: %w", err)
	}
	kinds := line.Schema.Kinds[:0]
	for _, k := range line.Schema.Kinds {
		if k.Name != entity.KindRemote {
			kinds = append(kinds, k)
		}
	}
	line.Schema.Kinds = kinds
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(line); err != nil {
		return err
	}
	if i > 0 || x.schema != nil {
		if !bytes.Equal(buf.Bytes(), x.schema) {
			return fmt.Errorf("%w: its schema is not shard %s's, and a JSON Lines export of the cluster has one (compare 'graphctl schema show' at each shard)", ErrSchemas, x.c.shards[0].Name)
		}
		return nil
	}
	x.schema = buf.Bytes()
	_, err := x.w.Write(x.schema)
	return err
}

// ntriples copies the N-Triples export r of shard s to x.w with its blank nodes
// labelled by s's scope, stand-ins replaced by the entities they stand for, and the
// IRIs ic://<scope>/<name> of kinds, columns and verbs in the first shard's scope.
func (x *exporter) ntriples(s *Shard, r io.Reader) (int64, error) {
	nr := ntriples.NewReader(r)
	nw := ntriples.NewWriter(x.w)
	var n int64
	for t, err := range nr.All() {
		if err != nil {
			return n, fmt.Errorf("its N-Triples export, line %d: %w", nr.Line(), err)
		}
		for _, term := range []*ntriples.Term{&t.Subject, &t.Predicate, &t.Object} {
			if err := x.term(s, term); err != nil {
				return n, err
			}
		}
		if err := nw.Write(t); err != nil {
			return n, err
		}
		n++
	}
	return n, nw.Flush()
}

// term rewrites one term of shard s's N-Triples export in place.
func (x *exporter) term(s *Shard, t *ntriples.Term) error {
	switch t.Kind {
	case ntriples.BlankNode:
		t.Value = blankLabel(s.Scope, t.Value)
	case ntriples.IRI:
		if u, ok := x.remote(s, t.Value); ok {
			rt, err := x.resolve(u)
			if err != nil {
				return err
			}
			*t = rt
			return nil
		}
		rest, ok := strings.CutPrefix(t.Value, "ic://")
		if !ok {
			return nil
		}
		scope, name, ok := strings.Cut(rest, "/")
		if !ok || strings.Contains(name, "/") {
			return nil
		}
		if sc, err := uri.ParseScope(scope); err == nil && x.scopes[sc] {
			t.Value = "ic://" + x.c.shards[0].Scope.String() + "/" + name
		}
	}
	return nil
}

// resolve returns the term of the remote entity u: its IRI, or the blank node its own
// shard writes for it.
func (x *exporter) resolve(u uri.EntityURI) (ntriples.Term, error) {
	key := u.String()
	if t, ok := x.resolved[key]; ok {
		return t, nil
	}
	var t ntriples.Term
	doc, err := x.c.Get(x.ctx, key)
	switch {
	case errors.Is(err, entity.ErrNoEntity) || errors.Is(err, interchange.ErrNotFound):
		x.gone++
		t = ntriples.NewIRI(key)
	case err != nil:
		return t, fmt.Errorf("the entity of a stand-in: %w", err)
	case doc.IRI != "":
		t = ntriples.NewIRI(doc.IRI)
	default:
		t = ntriples.NewBlankNode(blankLabel(u.Scope, fmt.Sprintf("b%d", u.ID)))
	}
	x.resolved[key] = t
	return t, nil
}

// blankLabel is the label in a cluster's export of the blank node label of the shard of scope.
func blankLabel(scope uri.Scope, label string) string {
	return scope.String() + "_" + label
}

// afterFirstLine writes to w what follows the first line written to it.
type afterFirstLine struct {
	w    io.Writer
	past bool
}

func (a *afterFirstLine) Write(p []byte) (int, error) {
	if a.past {
		return a.w.Write(p)
	}
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		return len(p), nil
	}
	a.past = true
	if _, err := a.w.Write(p[i+1:]); err != nil {
		return 0, err
	}
	return len(p), nil
}
