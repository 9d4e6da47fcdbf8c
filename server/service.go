package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// Service is a store's operations, each one message: what the HTTP handlers call, and what
// a program that has the store at hand (graphctl with --db) calls directly, so that both
// give the same answers and the same errors.
type Service struct {
	st   *store.Store
	db   *entity.DB // nil for a store opened without its data model (Stats and Verify only)
	name string     // the store's name in messages: its path

	// QueryBudget and UpdateBudget bound the pages of every View and Update; zero fields
	// mean no limit. A server sets them to store.QueryBudget and store.UpdateBudget.
	QueryBudget, UpdateBudget store.Budget

	// Writer, if set, receives every write (Set, Link, Unlink, Delete, Import, Half) instead of
	// the store: a replicated shard's log (see Writer).
	Writer Writer
}

// NewService returns the operations of the store st, named name in messages (its path),
// and of db, its data model (nil to offer only Stats and Verify).
func NewService(st *store.Store, db *entity.DB, name string) *Service {
	return &Service{st: st, db: db, name: name}
}

// DB returns the data model the service serves (nil if it serves the store without it).
func (s *Service) DB() *entity.DB { return s.db }

// Name returns the store's name in messages.
func (s *Service) Name() string { return s.name }

// pageCounts adds up the pages of the messages of one request, for its answer and the
// server's metrics.
type pageCounts struct{ read, dirtied atomic.Uint64 }

type countsKey struct{}

// withCounts returns ctx carrying c, which the Service's messages add their pages to.
func withCounts(ctx context.Context, c *pageCounts) context.Context {
	return context.WithValue(ctx, countsKey{}, c)
}

func count(ctx context.Context, st store.Stats) {
	if c, ok := ctx.Value(countsKey{}).(*pageCounts); ok {
		c.read.Add(st.PagesRead)
		c.dirtied.Add(st.PagesDirtied)
	}
}

func (s *Service) entityDB() (*entity.DB, error) {
	if s.db == nil {
		return nil, invalidf("the store is open without its data model")
	}
	return s.db, nil
}

// view runs fn in one View of the data model under the query budget and ctx.
func (s *Service) view(ctx context.Context, fn func(*entity.Tx) error) error {
	db, err := s.entityDB()
	if err != nil {
		return err
	}
	b := s.QueryBudget
	b.Context = ctx
	st, err := db.ViewWith(b, fn)
	count(ctx, st)
	return err
}

// update runs fn in one Update of the data model under the update budget and ctx.
func (s *Service) update(ctx context.Context, fn func(*entity.Tx) error) error {
	db, err := s.entityDB()
	if err != nil {
		return err
	}
	b := s.UpdateBudget
	b.Context = ctx
	st, err := db.UpdateWith(b, fn)
	count(ctx, st)
	return err
}

// QueryRequest asks for one query.
type QueryRequest struct {
	Query   string `json:"query"`
	Explain bool   `json:"explain,omitempty"` // the plan instead of the rows
	Budget  uint64 `json:"budget,omitempty"`  // stop past this many pages; 0: the query's BUDGET, or no limit
	// IRI puts each row's IRI (or blank-node label) in the place of its ic:// URI.
	IRI bool `json:"iri,omitempty"`
	// OrderKeys asks, with ORDER BY, for the value each row was ordered by
	// (QueryResult.OrderKeys): what a cluster merging several stores' answers compares.
	OrderKeys bool `json:"order_keys,omitempty"`
}

// PageStats are the pages one query touched.
type PageStats struct {
	PagesRead      uint64            `json:"pages_read"`
	PagesWritten   uint64            `json:"pages_written"`
	EstimatedPages uint64            `json:"estimated_pages"`
	ByVariable     map[string]uint64 `json:"by_variable"`
}

// QueryResult is a query's answer: a table whose rows start with the entity's URI (none
// for a COUNT), the count, and the pages the query touched. Cells are JSON values: bytes
// in hex, lists as arrays, NaN and infinities as text.
type QueryResult struct {
	Columns []string  `json:"columns"`
	Rows    [][]any   `json:"rows"`
	Count   uint64    `json:"count"`
	Stats   PageStats `json:"stats"`
	// Explain is the plan, for a query with EXPLAIN or QueryRequest.Explain (with what
	// each step did, for EXPLAIN ANALYZE).
	Explain string `json:"explain,omitempty"`
	// Warnings are what the query found questionable but ran anyway, such as a
	// reference to an entity that does not exist; left out when there are none.
	Warnings []string `json:"warnings,omitempty"`
	// OrderKeys holds, for QueryRequest.OrderKeys, each row's ORDER BY key: the named
	// column's value (a Multi column's smallest, its largest with DESC), null for none.
	// Cells as in Rows, but an infinite float as {"float": "+Inf"} or {"float": "-Inf"},
	// so that it stays a number (see client.Client.Query).
	OrderKeys []any `json:"order_keys,omitempty"`
}

// Query runs one query in one View. Its errors carry their position in the query (a
// *query.Error).
func (s *Service) Query(ctx context.Context, req QueryRequest) (*QueryResult, error) {
	db, err := s.entityDB()
	if err != nil {
		return nil, err
	}
	q, err := query.Parse(req.Query)
	if err != nil {
		return nil, err
	}
	if req.Explain {
		q.Explain = true
	}
	byIRI := req.IRI && !q.Count && !q.Explain
	if byIRI {
		// The IRI is selected first, so its pages are planned and counted, and takes the
		// URI's place.
		q.Select = append([]query.Name{{Name: query.SelectIRI}}, q.Select...)
	}
	p, err := query.Prepare(db, q)
	if err != nil {
		return nil, err
	}
	budget := req.Budget
	if limit := s.QueryBudget.MaxAccessed; limit != 0 && (budget == 0 || budget > limit) {
		budget = limit
	}
	res, err := p.Run(query.RunOptions{Budget: budget, Context: ctx, OrderKeys: req.OrderKeys})
	if err != nil {
		return nil, err
	}
	count(ctx, store.Stats{PagesRead: res.Stats.PagesRead, PagesDirtied: res.Stats.PagesDirtied})
	out := &QueryResult{
		Columns: res.Columns,
		Rows:    make([][]any, len(res.Rows)),
		Count:   res.Count,
		Stats: PageStats{
			PagesRead:      res.Stats.PagesRead,
			PagesWritten:   res.Stats.PagesDirtied,
			EstimatedPages: res.Stats.EstimatedPages,
			ByVariable:     res.Stats.ByVariable,
		},
	}
	if out.Columns == nil {
		out.Columns = []string{}
	}
	if out.Stats.ByVariable == nil {
		out.Stats.ByVariable = map[string]uint64{}
	}
	for i, row := range res.Rows {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = CellValue(v)
		}
		out.Rows[i] = cells
	}
	if byIRI {
		out.Columns = out.Columns[1:]
		for i, row := range out.Rows {
			out.Rows[i] = row[1:]
		}
	}
	for _, w := range res.Warnings {
		out.Warnings = append(out.Warnings, w.Error())
	}
	for _, k := range res.OrderKeys {
		out.OrderKeys = append(out.OrderKeys, orderKeyValue(k))
	}
	switch {
	case q.Analyze: // the plan with what each step did, one line a row
		var b strings.Builder
		for _, row := range res.Rows {
			fmt.Fprintln(&b, row[0])
		}
		out.Explain = b.String()
	case q.Explain:
		out.Explain = p.Explain()
	}
	return out, nil
}

// CellValue makes a column value fit JSON, CSV and tables alike: bytes in hex, lists
// element by element, NaN and infinities as text.
func CellValue(v column.Value) any {
	switch v := v.(type) {
	case []byte:
		return fmt.Sprintf("%x", v)
	case []column.Value:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = CellValue(x)
		}
		return out
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return interchange.FormatText(v)
		}
	case float32:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return interchange.FormatText(v)
		}
	}
	return v
}

// orderKeyValue is an ORDER BY key as QueryResult.OrderKeys carries it.
func orderKeyValue(v column.Value) any {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case float32:
		f = float64(v)
	default:
		return CellValue(v)
	}
	if math.IsInf(f, 0) {
		return map[string]string{"float": interchange.FormatText(f)}
	}
	return CellValue(v)
}

// Get describes one entity: its URI, IRI, kind, values, and edges both ways. ref is
// written as in a query.
func (s *Service) Get(ctx context.Context, ref string) (*interchange.EntityDoc, error) {
	var d *interchange.EntityDoc
	err := s.view(ctx, func(tx *entity.Tx) error {
		id, err := interchange.Resolve(tx, ref)
		if err != nil {
			return err
		}
		d, err = interchange.Describe(tx, id, true)
		return err
	})
	return d, err
}

// Assign is one col=value of a SetRequest, the value written as text.
type Assign struct {
	Column string `json:"column"`
	Value  string `json:"value"`
}

// SetRequest sets column values of one entity in one message.
type SetRequest struct {
	Ref string `json:"ref"`
	// Kind, if set, creates the entity: Ref is "new" or an <iri> no entity has yet.
	Kind  string   `json:"kind,omitempty"`
	Set   []Assign `json:"set,omitempty"`   // values; a multi-valued column gains one
	Unset []string `json:"unset,omitempty"` // columns whose every value goes
}

// SetResult says what Set did.
type SetResult struct {
	Created string `json:"created,omitempty"` // the URI of the entity created with Kind
}

// Set writes the values of req in one Update.
func (s *Service) Set(ctx context.Context, req SetRequest) (*SetResult, error) {
	if len(req.Set) == 0 && len(req.Unset) == 0 && req.Kind == "" {
		return nil, invalidf("nothing to set: give col=value or --unset col")
	}
	if s.Writer != nil {
		return write[*SetResult](ctx, s, &Write{Set: &req})
	}
	res := &SetResult{}
	err := s.update(ctx, func(tx *entity.Tx) error {
		id, err := resolveOrCreate(tx, req.Ref, req.Kind)
		if err != nil {
			return err
		}
		if tx.IsStandIn(id) {
			// Its values are the other store's; an export holding some would not import.
			return invalidf("%s is a stand-in for %s: it takes no values here", req.Ref, interchange.RefText(tx, id))
		}
		if req.Kind != "" {
			res.Created = interchange.EntityName(tx, id)
		}
		for _, name := range req.Unset {
			c, err := interchange.LookupColumn(tx, name)
			if err != nil {
				return err
			}
			if _, err := c.Delete(tx, id); err != nil {
				return err
			}
		}
		for _, a := range req.Set {
			c, err := interchange.LookupColumn(tx, a.Column)
			if err != nil {
				return err
			}
			v, err := interchange.ParseText(c.Type(), a.Value)
			if err != nil {
				return fmt.Errorf("%s=%s: %w: %w", a.Column, a.Value, interchange.ErrBadInput, err)
			}
			if c.Multi() {
				err = c.Add(tx, id, v)
			} else {
				err = c.Set(tx, id, v)
			}
			if err != nil {
				return fmt.Errorf("%s=%s: %w", a.Column, a.Value, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// resolveOrCreate resolves ref or, with a kind, creates the entity it asks for.
func resolveOrCreate(tx *entity.Tx, ref, kind string) (entity.ID, error) {
	if kind == "" {
		return interchange.Resolve(tx, ref)
	}
	k, ok := tx.Kind(kind)
	if !ok {
		return 0, fmt.Errorf("kind %q: %w%s", kind, entity.ErrNoKind, interchange.SuggestKind(tx, kind))
	}
	if ref == "new" {
		return k.New(tx)
	}
	iri, isIRI, err := interchange.ParseRef(ref)
	if err != nil {
		return 0, err
	}
	if !isIRI {
		return 0, invalidf("with --kind, REF is \"new\" or an <iri>, not %q", ref)
	}
	return k.Intern(tx, iri)
}

// Edge names one edge: Subject -Verb-> Object, the entities written as in a query.
type Edge struct {
	Subject string `json:"subject"`
	Verb    string `json:"verb"`
	Object  string `json:"object"`
}

// Link adds an edge; adding one that exists does nothing, and one the verb's cardinality
// forbids is refused.
func (s *Service) Link(ctx context.Context, e Edge) error {
	if s.Writer != nil {
		_, err := s.Writer.Write(ctx, &Write{Link: &e})
		return err
	}
	return s.edge(ctx, e, func(tx *entity.Tx, v *verb.Verb, sub, obj entity.ID) error {
		return v.Link(tx, sub, obj)
	})
}

// Unlink removes an edge; one that does not exist is an error (interchange.ErrNotFound).
func (s *Service) Unlink(ctx context.Context, e Edge) error {
	if s.Writer != nil {
		_, err := s.Writer.Write(ctx, &Write{Unlink: &e})
		return err
	}
	return s.edge(ctx, e, func(tx *entity.Tx, v *verb.Verb, sub, obj entity.ID) error {
		found, err := v.Unlink(tx, sub, obj)
		if err == nil && !found {
			err = fmt.Errorf("%s %s %s: no such edge: %w", e.Subject, e.Verb, e.Object, interchange.ErrNotFound)
		}
		return err
	})
}

func (s *Service) edge(ctx context.Context, e Edge, fn func(tx *entity.Tx, v *verb.Verb, sub, obj entity.ID) error) error {
	return s.update(ctx, func(tx *entity.Tx) error {
		sub, err := interchange.Resolve(tx, e.Subject)
		if err != nil {
			return err
		}
		v, err := interchange.LookupVerb(tx, e.Verb)
		if err != nil {
			return err
		}
		obj, err := interchange.Resolve(tx, e.Object)
		if err != nil {
			return err
		}
		return fn(tx, v, sub, obj)
	})
}

// DeleteResult names the entity Delete removed.
type DeleteResult struct {
	Deleted string `json:"deleted"`
}

// Delete removes one entity, its values, its edges both ways and its IRI, in one Update.
func (s *Service) Delete(ctx context.Context, ref string) (*DeleteResult, error) {
	if s.Writer != nil {
		return write[*DeleteResult](ctx, s, &Write{Delete: &ref})
	}
	res := &DeleteResult{}
	err := s.update(ctx, func(tx *entity.Tx) error {
		id, err := interchange.Resolve(tx, ref)
		if err != nil {
			return err
		}
		if err := refuseStandIn(tx, ref, id); err != nil {
			return err
		}
		res.Deleted = interchange.EntityName(tx, id)
		return tx.Delete(id)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ImportRequest says how to read an import's body.
type ImportRequest struct {
	Format  string `json:"format"`         // ntriples, nquads, turtle, jsonl or csv
	Kind    string `json:"kind,omitempty"` // the kind of a CSV file's entities
	Name    string `json:"name,omitempty"` // the input's name in error messages (NAME:LINE:COL)
	Base    string `json:"base,omitempty"` // Turtle: the base IRI of relative IRIs
	SkipBad bool   `json:"skip_bad,omitempty"`
}

// ImportResult is what an import did.
type ImportResult struct {
	Read    int64         `json:"read"` // triples, records or rows read, skipped ones included
	Summary ImportSummary `json:"summary"`
	Skipped []string      `json:"skipped,omitempty"` // the errors of the lines skipped
	Notes   []string      `json:"notes,omitempty"`   // what the import dropped or changed, in words
}

// ImportSummary is what an import skipped, created and wrote.
type ImportSummary struct {
	Skipped  int64    `json:"skipped"`  // bad lines, triples and edges skipped with SkipBad
	Entities int64    `json:"entities"` // entities created
	Values   int64    `json:"values"`   // column values written
	Edges    int64    `json:"edges"`    // edges written
	Kinds    []string `json:"kinds,omitempty"`
	Columns  []string `json:"columns,omitempty"`
	Verbs    []string `json:"verbs,omitempty"`
}

// Import reads the whole input (gzip-compressed or not), checks it, and writes it in one
// Update: all or nothing. A malformed line fails it with NAME:LINE:COL before the store is
// touched. prog, if not nil, follows the reading.
func (s *Service) Import(ctx context.Context, req ImportRequest, r io.Reader, prog interchange.Progress) (*ImportResult, error) {
	if _, err := s.entityDB(); err != nil {
		return nil, err
	}
	name := req.Name
	if name == "" {
		name = "<body>"
	}
	if (req.Format == "csv") != (req.Kind != "") {
		return nil, invalidf("a CSV import needs a kind, and only a CSV import takes one")
	}
	if req.Format != "turtle" && req.Base != "" {
		return nil, invalidf("--base is for Turtle imports")
	}
	if s.Writer != nil {
		w, err := importWrite(req, r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return write[*ImportResult](ctx, s, w)
	}
	res := &ImportResult{}
	opts := interchange.Options{
		SkipBad: req.SkipBad, Progress: prog, Base: req.Base,
		Warn: func(msg string) { res.Notes = append(res.Notes, msg) },
	}
	r, _, err := interchange.Decompress(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	imp, err := interchange.Parse(ctx, r, req.Format, name, req.Kind, opts)
	if errors.Is(err, interchange.ErrUnknownFormat) {
		return nil, invalidf("unknown format %q: use ntriples, nquads, turtle, jsonl or csv", req.Format)
	}
	if err != nil {
		return nil, err
	}
	res.Read = imp.Read()
	for _, e := range imp.Skipped() {
		res.Skipped = append(res.Skipped, e.Error())
	}
	var sum interchange.Summary
	if err := s.update(ctx, func(tx *entity.Tx) error { return imp.Apply(tx, &sum) }); err != nil {
		return nil, err
	}
	res.Summary = ImportSummary{Skipped: sum.Skipped, Entities: sum.Entities, Values: sum.Values, Edges: sum.Edges,
		Kinds: sum.Kinds, Columns: sum.Columns, Verbs: sum.Verbs}
	return res, nil
}

// ExportRequest says what to export, and how.
type ExportRequest struct {
	Format string `json:"format"`         // ntriples, jsonl or csv
	Kind   string `json:"kind,omitempty"` // only this kind's entities (required for csv)
}

// Export writes the store's entities to w in entity-ID order, in one View, and returns
// how many triples, records or rows it wrote. before, if not nil, is called once the
// request is known to be sound, before the first byte is written, with what the format
// cannot carry of these entities (interchange.Losses), for the caller to tell its user.
func (s *Service) Export(ctx context.Context, req ExportRequest, w io.Writer, before func(losses []string)) (int64, error) {
	if req.Format == "csv" && req.Kind == "" {
		return 0, invalidf("a CSV export needs --kind: the kind of the entities to write")
	}
	var n int64
	err := s.view(ctx, func(tx *entity.Tx) error {
		kinds, err := interchange.ExportKinds(tx, req.Kind)
		if err != nil {
			return err
		}
		switch req.Format {
		case "ntriples", "jsonl", "csv":
		default:
			return invalidf("unknown format %q: use ntriples, jsonl or csv", req.Format)
		}
		if before != nil {
			before(interchange.Losses(tx, req.Format, kinds))
		}
		switch req.Format {
		case "ntriples":
			n, err = interchange.WriteNTriples(tx, w, kinds)
		case "jsonl":
			n, err = interchange.WriteJSONL(tx, w, kinds)
		case "csv":
			n, err = interchange.WriteCSV(tx, w, kinds[0])
		}
		return err
	})
	return n, err
}
