package interchange

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// JSON Lines and CSV imports read their input into a list of records, one per entity, and
// apply it in one message, as the N-Triples import does.
//
// A JSON Lines record is an object:
//
//	{"uri": "ic://…/player/3", "iri": "http://ex.org/p3", "kind": "player",
//	 "other_kinds": ["hero"], "set": {"name": "Ann", "health": 90, "tags": ["a", "b"]},
//	 "link": {"member_of": ["guild/1", "<http://ex.org/g2>"]}}
//
// The entity is the one carrying "iri", or the one "uri" names in this store; otherwise
// a new entity of "kind" (which then needs a kind), carrying "iri" if given. It is made a
// member of each of "other_kinds" too. A "uri" of
// another store names the new entity within the file, so that "link" targets can refer to
// it. A CSV file holds entities of one kind (--kind), a header line first: the columns
// "uri" and "iri" as above, and one column per attribute; an empty cell is no value, and
// a multi-valued column's cell is a JSON array.
//
// A JSON Lines document may open with a line {"schema": …} (a SchemaDoc, as WriteJSONL
// writes it): the kinds, columns and verbs it defines are created as it defines them.
// Other columns, verbs and kinds that do not exist are created: a column typed by its values
// (whole numbers int64, other numbers float64, true/false bool, anything else a string),
// multi-valued if a value is a list; a verb many-to-many.

// docRecord is one entity of a JSON Lines or CSV document.
type docRecord struct {
	line int
	URI  string `json:"uri"`
	IRI  string `json:"iri"`
	Kind string `json:"kind"`
	// OtherKinds are the kinds the entity is a member of besides its own.
	OtherKinds []string            `json:"other_kinds"`
	Set        map[string]any      `json:"set"`
	Link       map[string][]string `json:"link"`
}

// cellText is a CSV cell: text to parse by the column's type.
type cellText string

// Records is a parsed JSON Lines or CSV document, ready to be applied to a store.
type Records struct {
	name    string
	skipBad bool
	records []docRecord
	skipped []error
	schema  *SchemaDoc // the definitions a JSON Lines export opens with, if any
}

// Read returns the number of records (lines, rows) read, the skipped ones included.
func (d *Records) Read() int64 { return int64(len(d.records) + len(d.skipped)) }

// Skipped returns the errors of the lines skipped with Options.SkipBad, in file order.
func (d *Records) Skipped() []error { return d.skipped }

// ParseJSONL reads a JSON Lines document, named name in messages: one record (an object,
// as the package's JSON Lines export writes them) per line.
func ParseJSONL(r io.Reader, name string, opts Options) (*Records, error) {
	d := &Records{name: name, skipBad: opts.SkipBad}
	skipBad := opts.SkipBad
	br := bufio.NewReaderSize(r, 1<<20)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			opts.progress(int64(len(b)), 1)
		}
		if len(bytes.TrimSpace(b)) > 0 && d.schema == nil && len(d.records) == 0 && len(d.skipped) == 0 && isSchemaLine(b) {
			sd, perr := parseSchemaLine(b)
			if perr != nil {
				return nil, fmt.Errorf("%s:%d: %w: %w", name, line, ErrBadInput, perr)
			}
			d.schema = sd
		} else if len(bytes.TrimSpace(b)) > 0 {
			if rec, perr := parseRecord(b, line); perr != nil {
				perr = fmt.Errorf("%s:%d: %w: %w", name, line, ErrBadInput, perr)
				if !skipBad {
					return nil, perr
				}
				d.skipped = append(d.skipped, perr)
			} else {
				d.records = append(d.records, rec)
			}
		}
		if err == io.EOF {
			return d, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
}

// isSchemaLine reports whether a line is the {"schema": …} a JSON Lines export opens with.
func isSchemaLine(b []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(b), []byte(`{"schema"`))
}

// parseSchemaLine decodes the {"schema": …} line, refusing unknown fields.
func parseSchemaLine(b []byte) (*SchemaDoc, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var head struct {
		Schema *SchemaDoc `json:"schema"`
	}
	if err := dec.Decode(&head); err != nil {
		return nil, jsonErrCol(b, err)
	}
	if head.Schema == nil {
		return nil, errors.New(`"schema" is null`)
	}
	return head.Schema, nil
}

func parseRecord(b []byte, line int) (docRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var rec docRecord
	if err := dec.Decode(&rec); err != nil {
		return rec, jsonErrCol(b, err)
	}
	if dec.More() {
		return rec, errors.New("more than one JSON value on the line")
	}
	rec.line = line
	if rec.URI == "" && rec.IRI == "" && rec.Kind == "" {
		return rec, errors.New(`a record needs "uri", "iri" or "kind"`)
	}
	return rec, nil
}

// jsonErrCol adds the column to a JSON error on one line.
func jsonErrCol(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("col %d: %w", se.Offset, err)
	}
	return err
}

// ParseCSV reads a CSV document of entities of one kind, named name in messages: a header
// line, then one row per entity.
func ParseCSV(r io.Reader, name, kind string, opts Options) (*Records, error) {
	d := &Records{name: name, skipBad: opts.SkipBad}
	skipBad := opts.SkipBad
	cr := csv.NewReader(&countingReader{r: r, opts: opts})
	header, err := cr.Read()
	if err == io.EOF {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s:%w: %w", name, ErrBadInput, csvErr(err))
	}
	for i, h := range header {
		if h == "" {
			return nil, fmt.Errorf("%s:1: %w: column %d of the header has no name", name, ErrBadInput, i+1)
		}
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return d, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			err = fmt.Errorf("%s:%w: %w", name, ErrBadInput, csvErr(err))
			if !skipBad {
				return nil, err
			}
			d.skipped = append(d.skipped, err)
			continue
		}
		opts.progress(0, 1)
		rec := docRecord{line: line, Kind: kind, Set: map[string]any{}}
		for i, cell := range row {
			switch h := header[i]; {
			case h == "uri":
				rec.URI = cell
			case h == "iri":
				rec.IRI = cell
			case cell != "":
				rec.Set[h] = cellText(cell)
			}
		}
		d.records = append(d.records, rec)
	}
}

// csvErr formats a CSV error as LINE:COL: message.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%d:%d: %w", pe.Line, pe.Column, pe.Err)
	}
	return err
}

// countingReader reports the bytes read to a Progress.
type countingReader struct {
	r    io.Reader
	opts Options
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.opts.progress(int64(n), 0)
	return n, err
}

// Apply writes the records in the message tx: an Update's, so that any error leaves the
// store as it was.
func (d *Records) Apply(tx *entity.Tx, st *Summary) error {
	skipBad := d.skipBad
	st.Skipped += int64(len(d.skipped))
	ids := make([]entity.ID, len(d.records))
	byName := map[string]entity.ID{} // the "uri" and "<iri>" of each record
	lineErr := func(line int, err error) error { return fmt.Errorf("%s:%d: %w", d.name, line, err) }
	scope := tx.DB().Scope()

	// Kinds, columns and verbs to create.
	if err := d.define(tx, st); err != nil {
		return err
	}

	// Entities, in file order.
	for i, rec := range d.records {
		id, err := d.identify(tx, rec, scope, st)
		if err != nil {
			return lineErr(rec.line, err)
		}
		ids[i] = id
		for _, name := range rec.OtherKinds {
			k, ok := tx.Kind(name)
			if !ok {
				return lineErr(rec.line, fmt.Errorf("kind %q: %w", name, entity.ErrNoKind))
			}
			if !k.Has(tx, id) {
				if err := k.Add(tx, id); err != nil {
					return lineErr(rec.line, err)
				}
			}
		}
		if rec.URI != "" {
			byName[rec.URI] = id
		}
		if rec.IRI != "" {
			byName["<"+rec.IRI+">"] = id
		}
	}

	// Values and edges.
	for i, rec := range d.records {
		for _, name := range slices.Sorted(maps.Keys(rec.Set)) {
			c, err := LookupColumn(tx, name)
			if err != nil {
				return lineErr(rec.line, err)
			}
			vals := []any{rec.Set[name]}
			if c.Multi() {
				vals, err = multiValues(rec.Set[name])
				if err != nil {
					return lineErr(rec.line, fmt.Errorf("%s: %w: %w", name, ErrBadInput, err))
				}
			}
			for _, raw := range vals {
				v, err := convertRaw(c.Type(), raw)
				if err != nil {
					return lineErr(rec.line, fmt.Errorf("%s: %w: %w", name, ErrBadInput, err))
				}
				if c.Multi() {
					err = c.Add(tx, ids[i], v)
				} else {
					err = c.Set(tx, ids[i], v)
				}
				if err != nil {
					return lineErr(rec.line, fmt.Errorf("%s: %w", name, err))
				}
				st.Values++
				st.wrote()
			}
		}
		for _, name := range slices.Sorted(maps.Keys(rec.Link)) {
			v, err := LookupVerb(tx, name)
			if err != nil {
				return lineErr(rec.line, err)
			}
			for _, target := range rec.Link[name] {
				o, ok := byName[target]
				if !ok {
					if o, err = Resolve(tx, target); err != nil {
						return lineErr(rec.line, fmt.Errorf("%s -> %s: %w", name, target, err))
					}
				}
				if err := v.Link(tx, ids[i], o); err != nil {
					if skipBad && errors.Is(err, verb.ErrCardinality) {
						st.Skipped++
						continue
					}
					return lineErr(rec.line, err)
				}
				st.Edges++
				st.wrote()
			}
		}
	}
	return nil
}

// standInErr is the error of an import naming a stand-in (entity.KindRemote): its half of
// an edge across shards is the cluster's to write (cluster.Link), and values or kinds on it
// would not survive an export.
func standInErr(iri string) error {
	return fmt.Errorf("%w: <%s> is this shard's stand-in for another store's entity: write its edges through the cluster, and its values in its own store", ErrBadInput, iri)
}

// identify returns the entity a record is about, creating it if it is new.
func (d *Records) identify(tx *entity.Tx, rec docRecord, scope uri.Scope, st *Summary) (entity.ID, error) {
	if rec.Kind == entity.KindRemote {
		return standIn(tx, rec, scope, st)
	}
	if rec.IRI != "" {
		if id, ok := tx.ByIRI(rec.IRI); ok {
			if tx.IsStandIn(id) {
				return 0, standInErr(rec.IRI)
			}
			if rec.Kind != "" {
				if k, err := tx.KindOf(id); err == nil && k.Name() != rec.Kind {
					return 0, fmt.Errorf("<%s>: %w: it is a %s, not a %s", rec.IRI, entity.ErrWrongKind, k.Name(), rec.Kind)
				}
			}
			return id, nil
		}
	}
	if rec.URI != "" {
		if u, err := uri.ParseEntityURI(rec.URI); err == nil && u.Scope == scope || !strings.HasPrefix(rec.URI, "ic://") {
			// A URI of this store, or a relative one: the entity must exist.
			return Resolve(tx, rec.URI)
		}
	}
	if rec.Kind == "" {
		return 0, fmt.Errorf("%w: a new entity needs a \"kind\"", ErrBadInput)
	}
	k, ok := tx.Kind(rec.Kind)
	if !ok {
		k = entity.NewSchema().Kind(rec.Kind)
	}
	id, err := k.New(tx)
	if err != nil {
		return 0, err
	}
	if rec.IRI != "" {
		if err := tx.SetIRI(id, rec.IRI); err != nil {
			return 0, err
		}
	}
	st.Entities++
	st.wrote()
	return id, nil
}

// standIn returns the stand-in a record of kind entity.KindRemote is (a cluster's shard
// holds one for each entity of another shard at the end of an edge, and exports it so),
// making it if it is new: its "iri" is the remote entity's ic:// URI, of another scope.
func standIn(tx *entity.Tx, rec docRecord, scope uri.Scope, st *Summary) (entity.ID, error) {
	u, err := uri.ParseEntityURI(rec.IRI)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%w: a %s record stands for an entity of another store: its \"iri\" is that entity's ic:// URI: %w", ErrBadInput, entity.KindRemote, err)
	case u.Scope == scope:
		return 0, fmt.Errorf("%w: a %s record stands for an entity of another store, and %s is of this one", ErrBadInput, entity.KindRemote, rec.IRI)
	case len(rec.OtherKinds) > 0 || len(rec.Set) > 0:
		return 0, fmt.Errorf("%w: a %s record has no other kinds and no values: they are the other store's", ErrBadInput, entity.KindRemote)
	}
	_, had := tx.LookupStandIn(rec.IRI)
	id, err := tx.StandIn(rec.IRI)
	if err == nil && !had {
		st.Entities++
		st.wrote()
	}
	return id, err
}

// define creates the kinds, columns and verbs the records name and the store lacks.
func (d *Records) define(tx *entity.Tx, st *Summary) error {
	sch := entity.NewSchema()
	kinds := map[string]bool{}
	samples := map[string][]any{}
	verbs := map[string]bool{}
	for _, rec := range d.records {
		if rec.Kind != "" && rec.Kind != entity.KindRemote { // stand-ins' kind is made with the first
			kinds[rec.Kind] = true
		}
		for _, k := range rec.OtherKinds {
			if k == entity.KindRemote {
				return fmt.Errorf("%s:%d: %w: other kind %s: only a %s record is a stand-in", d.name, rec.line, ErrBadInput, k, k)
			}
			kinds[k] = true
		}
		for name, v := range rec.Set {
			samples[name] = append(samples[name], v)
		}
		for name := range rec.Link {
			verbs[name] = true
		}
	}
	if err := d.defineFromSchema(tx, st, kinds, samples, verbs); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(kinds)) {
		if v, ok := tx.Var(name); ok {
			if v.Role != store.RoleKind {
				return fmt.Errorf("%s: %q is a %s, not a kind", d.name, name, v.Role)
			}
			continue
		}
		if err := uri.ValidateKind(name); err != nil {
			return fmt.Errorf("%s: kind %q: %w: %w", d.name, name, ErrBadInput, err)
		}
		if err := createVars(tx, []store.VarDef{sch.Kind(name).Def()}); err != nil {
			return err
		}
		st.Kinds = append(st.Kinds, name)
	}
	for _, name := range slices.Sorted(maps.Keys(samples)) {
		if _, ok := tx.Var(name); ok {
			continue
		}
		t, multi, err := inferType(samples[name])
		if err != nil {
			return fmt.Errorf("%s: column %q: %w: %w", d.name, name, ErrBadInput, err)
		}
		var opts []column.Option
		if multi {
			opts = append(opts, column.Multi())
		}
		if t.Kind() == column.String {
			opts = append(opts, column.MaxLen(t.MaxLen()))
			if t.MaxLen() <= column.MaxIndexedLen {
				opts = append(opts, column.Indexed())
			}
		} else {
			opts = append(opts, column.Indexed())
		}
		if err := createVars(tx, column.DefineDyn(sch, name, t, opts...).Defs()); err != nil {
			return err
		}
		st.Columns = append(st.Columns, name)
	}
	for _, name := range slices.Sorted(maps.Keys(verbs)) {
		if _, ok := tx.Var(name); ok {
			continue
		}
		if err := createVars(tx, verb.Define(sch, name).Defs()); err != nil {
			return err
		}
		st.Verbs = append(st.Verbs, name)
	}
	return sch.Err()
}

// defineFromSchema creates the kinds, columns and verbs that the records name, the store
// lacks and the document's schema line defines, as it defines them (with their IRIs).
func (d *Records) defineFromSchema(tx *entity.Tx, st *Summary, kinds map[string]bool, samples map[string][]any, verbs map[string]bool) error {
	if d.schema == nil {
		return nil
	}
	missing := func(name string, used bool) bool {
		_, ok := tx.Var(name)
		return used && !ok
	}
	need := &SchemaDoc{}
	for _, k := range d.schema.Kinds {
		if missing(k.Name, kinds[k.Name]) {
			need.Kinds = append(need.Kinds, k)
		}
	}
	for _, c := range d.schema.Columns {
		if missing(c.Name, samples[c.Name] != nil) {
			need.Columns = append(need.Columns, c)
		}
	}
	for _, v := range d.schema.Verbs {
		if missing(v.Name, verbs[v.Name]) {
			need.Verbs = append(need.Verbs, v)
		}
	}
	defs, err := need.Defs()
	if err != nil {
		return fmt.Errorf("%s: schema: %w", d.name, err)
	}
	if err := createVars(tx, defs); err != nil {
		return fmt.Errorf("%s: schema: %w", d.name, err)
	}
	for _, k := range need.Kinds {
		st.Kinds = append(st.Kinds, k.Name)
	}
	for _, c := range need.Columns {
		st.Columns = append(st.Columns, c.Name)
	}
	for _, v := range need.Verbs {
		st.Verbs = append(st.Verbs, v.Name)
	}
	return nil
}

// inferType returns the type of a new column from its values: int64 if every value is a
// whole number, float64 if every one is a number, bool if every one is true or false, else
// a string long enough for the longest. A list makes the column multi-valued.
func inferType(samples []any) (column.Type, bool, error) {
	var flat []any
	multi := false
	for _, s := range samples {
		switch v := s.(type) {
		case []any:
			multi = true
			flat = append(flat, v...)
		case cellText:
			if strings.HasPrefix(string(v), "[") {
				var list []any
				dec := json.NewDecoder(strings.NewReader(string(v)))
				dec.UseNumber()
				if dec.Decode(&list) == nil {
					multi = true
					flat = append(flat, list...)
					continue
				}
			}
			flat = append(flat, v)
		default:
			flat = append(flat, v)
		}
	}
	ints, floats, bools, longest := true, true, true, 0
	for _, v := range flat {
		text := ""
		switch v := v.(type) {
		case json.Number:
			text = string(v)
			bools = false
		case cellText:
			text = string(v)
		case string:
			text = v
			ints, floats, bools = false, false, false
		case bool:
			text = strconv.FormatBool(v)
			ints, floats = false, false
		default:
			return column.Type{}, false, fmt.Errorf("cannot store %s", jsonText(v))
		}
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			ints = false
		}
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			floats = false
		}
		if text != "true" && text != "false" {
			bools = false
		}
		longest = max(longest, len(text))
	}
	switch {
	case len(flat) == 0:
		return column.StringType(column.MaxIndexedLen), multi, nil
	case ints:
		return column.ScalarType(column.Int64), multi, nil
	case floats:
		return column.ScalarType(column.Float64), multi, nil
	case bools:
		return column.ScalarType(column.Bool), multi, nil
	case longest <= column.MaxIndexedLen:
		return column.StringType(column.MaxIndexedLen), multi, nil
	case multi:
		return column.StringType(column.MaxMultiLen), multi, nil
	}
	return column.StringType(store.MaxValueSize), multi, nil
}

// multiValues returns the values of a multi-valued column's entry: a list, or one value.
func multiValues(raw any) ([]any, error) {
	switch v := raw.(type) {
	case []any:
		return v, nil
	case cellText:
		if strings.HasPrefix(string(v), "[") {
			var list []any
			dec := json.NewDecoder(strings.NewReader(string(v)))
			dec.UseNumber()
			if err := dec.Decode(&list); err != nil {
				return nil, fmt.Errorf("a multi-valued cell is a JSON array: %w", err)
			}
			return list, nil
		}
	}
	return []any{raw}, nil
}

// convertRaw returns the value of type t that a JSON value or CSV cell stands for.
func convertRaw(t column.Type, raw any) (any, error) {
	if c, ok := raw.(cellText); ok {
		return ParseText(t, string(c))
	}
	return fromJSON(t, raw)
}
