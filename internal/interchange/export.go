package interchange

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// Exports read the store in one View and stream it in entity-ID order: the members of the
// kinds are merged, and every column and verb is read with one forward scan beside them,
// so each leaf page is read once.

// ExportKinds returns the kinds to export: all that can be read, or the one called only
// (an error wrapping entity.ErrNoKind, with a close name, if it is not a readable kind).
func ExportKinds(tx *entity.Tx, only string) ([]*entity.Kind, error) {
	var out []*entity.Kind
	for _, k := range tx.Kinds() {
		if k.Def().State == store.Retired {
			continue
		}
		if v, ok := tx.Var(k.Name()); !ok || v.State == store.Retired {
			continue
		}
		if only == "" || k.Name() == only {
			out = append(out, k)
		}
	}
	if only != "" && len(out) == 0 {
		return nil, fmt.Errorf("kind %q: %w%s", only, entity.ErrNoKind, SuggestKind(tx, only))
	}
	return out, nil
}

// entitiesOf iterates over the live entities of the given kinds in ID order, once each,
// with the kinds among them it is a member of (in the order of kinds).
func entitiesOf(tx *entity.Tx, kinds []*entity.Kind) iter.Seq2[entity.ID, []*entity.Kind] {
	return func(yield func(entity.ID, []*entity.Kind) bool) {
		type head struct {
			id   entity.ID
			ok   bool
			next func() (entity.ID, bool)
		}
		heads := make([]head, len(kinds))
		for i, k := range kinds {
			next, stop := iter.Pull(k.All(tx))
			defer stop()
			id, ok := next()
			heads[i] = head{id, ok, next}
		}
		var of []*entity.Kind
		for {
			best := -1
			for i := range heads {
				if heads[i].ok && (best < 0 || heads[i].id < heads[best].id) {
					best = i
				}
			}
			if best < 0 {
				return
			}
			id := heads[best].id
			of = of[:0]
			for i := range heads {
				if h := &heads[i]; h.ok && h.id == id {
					of = append(of, kinds[i])
					h.id, h.ok = h.next()
				}
			}
			if !yield(id, of) {
				return
			}
		}
	}
}

// groupReader reads the (entity, value) pairs of a column or verb forward, in entity order,
// and hands out one entity's values at a time.
type groupReader[S, V any] struct {
	src  S // the column or verb read
	next func() (entity.ID, V, bool)
	stop func()
	id   entity.ID
	v    V
	ok   bool
}

// colReader reads a column's values; verbReader reads a verb's objects.
type (
	colReader  = groupReader[*column.Dyn, column.Value]
	verbReader = groupReader[*verb.Verb, entity.ID]
)

func newGroupReader[S, V any](src S, seq iter.Seq2[entity.ID, V]) *groupReader[S, V] {
	r := &groupReader[S, V]{src: src}
	r.next, r.stop = iter.Pull2(seq)
	r.id, r.v, r.ok = r.next()
	return r
}

func newColReader(tx *entity.Tx, c *column.Dyn) *colReader { return newGroupReader(c, c.Scan(tx)) }

func newVerbReader(tx *entity.Tx, v *verb.Verb) *verbReader { return newGroupReader(v, v.All(tx)) }

// of returns the values of entity id, skipping those of entities before it.
func (r *groupReader[S, V]) of(id entity.ID) []V {
	for r.ok && r.id < id {
		r.id, r.v, r.ok = r.next()
	}
	var out []V
	for r.ok && r.id == id {
		out = append(out, r.v)
		r.id, r.v, r.ok = r.next()
	}
	return out
}

// readers opens a reader on every column and verb that can be read, in name order.
func readers(tx *entity.Tx) ([]*colReader, []*verbReader, func()) {
	var cols []*colReader
	var verbs []*verbReader
	for _, c := range column.Columns(tx) {
		if c.State() != store.Retired {
			cols = append(cols, newColReader(tx, c))
		}
	}
	for _, v := range verb.Verbs(tx) {
		if v.State() != store.Retired {
			verbs = append(verbs, newVerbReader(tx, v))
		}
	}
	return cols, verbs, func() {
		for _, r := range cols {
			r.stop()
		}
		for _, r := range verbs {
			r.stop()
		}
	}
}

// mintIRI returns the IRI export gives a kind, column or verb that has none:
// ic://<scope>/<name>, whose local name is the name again.
func mintIRI(tx *entity.Tx, name string) string {
	scope := tx.DB().Scope().String()
	if scope == "" {
		scope = "local"
	}
	return "ic://" + scope + "/" + name
}

// WriteNTriples writes the entities of kinds as N-Triples (see rdfmap.go), in entity-ID
// order, and returns the number of triples.
func WriteNTriples(tx *entity.Tx, w io.Writer, kinds []*entity.Kind) (int64, error) {
	nw := ntriples.NewWriter(w)
	cols, verbs, stop := readers(tx)
	defer stop()
	type colInfo struct {
		pred     ntriples.Term
		dt       string
		explicit bool
	}
	colInfos := make([]colInfo, len(cols))
	for i, r := range cols {
		iri := r.src.IRI()
		if iri == "" {
			iri = mintIRI(tx, r.src.Name())
		}
		p, dt, explicit := splitColumnIRI(iri)
		colInfos[i] = colInfo{ntriples.NewIRI(p), dt, explicit}
	}
	verbPreds := make([]ntriples.Term, len(verbs))
	for i, r := range verbs {
		iri := r.src.IRI()
		if iri == "" {
			iri = mintIRI(tx, r.src.Name())
		}
		verbPreds[i] = ntriples.NewIRI(iri)
	}
	kindTerms := map[string]ntriples.Term{}
	for _, k := range kinds {
		switch iri := k.Def().IRI; {
		case k.Name() == entity.KindRemote:
			// A stand-in is its remote entity's IRI, an end of this store's edges; what it
			// is, its types included, is the other store's to say.
		case iri != "":
			kindTerms[k.Name()] = ntriples.NewIRI(iri)
		case k.Name() != resourceKind:
			kindTerms[k.Name()] = ntriples.NewIRI(mintIRI(tx, k.Name()))
		}
	}
	typePred := ntriples.NewIRI(rdfType)
	term := func(id entity.ID) ntriples.Term {
		if iri, ok := tx.IRI(id); ok {
			return ntriples.NewIRI(iri)
		}
		return ntriples.NewBlankNode(strings.TrimPrefix(entity.BlankLabel(id), "_:"))
	}
	var n int64
	write := func(t ntriples.Triple) error {
		n++
		return nw.Write(t)
	}
	for id, of := range entitiesOf(tx, kinds) {
		s := term(id)
		for _, k := range of {
			if kt, ok := kindTerms[k.Name()]; ok {
				if err := write(ntriples.Triple{Subject: s, Predicate: typePred, Object: kt}); err != nil {
					return n, err
				}
			}
		}
		for i, r := range cols {
			for _, v := range r.of(id) {
				lit, err := literalOf(r.src.Type(), colInfos[i].dt, colInfos[i].explicit, v)
				if err != nil {
					return n, fmt.Errorf("column %s of %s: %w", r.src.Name(), EntityName(tx, id), err)
				}
				if err := write(ntriples.Triple{Subject: s, Predicate: colInfos[i].pred, Object: lit}); err != nil {
					return n, err
				}
			}
		}
		for i, r := range verbs {
			for _, o := range r.of(id) {
				if err := write(ntriples.Triple{Subject: s, Predicate: verbPreds[i], Object: term(o)}); err != nil {
					return n, err
				}
			}
		}
	}
	return n, nw.Flush()
}

// WriteJSONL writes a first line {"schema": …} with the definitions of the store's kinds,
// columns and verbs (SchemaDoc: types, IRIs, and so the predicates, datatypes and
// language tags of data imported from RDF), then one JSON object per entity, as EntityDoc
// describes, and returns the number of entities. An import of it into a new store makes
// the same variables, so that its N-Triples export is the same graph.
func WriteJSONL(tx *entity.Tx, w io.Writer, kinds []*entity.Kind) (int64, error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Schema *SchemaDoc `json:"schema"`
	}{jsonlSchema(tx)}); err != nil {
		return 0, err
	}
	cols, verbs, stop := readers(tx)
	defer stop()
	var n int64
	for id, of := range entitiesOf(tx, kinds) {
		k, err := tx.KindOf(id)
		if err != nil {
			return n, err
		}
		d := EntityDoc{URI: EntityName(tx, id), Kind: k.Name()}
		for _, o := range of {
			if o.Name() != k.Name() {
				d.OtherKinds = append(d.OtherKinds, o.Name())
			}
		}
		d.IRI, _ = tx.IRI(id)
		for _, r := range cols {
			vals := r.of(id)
			if len(vals) == 0 {
				continue
			}
			if d.Set == nil {
				d.Set = map[string]any{}
			}
			if r.src.Multi() {
				list := make([]any, len(vals))
				for i, v := range vals {
					list[i] = toJSON(v)
				}
				d.Set[r.src.Name()] = list
			} else {
				d.Set[r.src.Name()] = toJSON(vals[0])
			}
		}
		for _, r := range verbs {
			for _, o := range r.of(id) {
				if d.Link == nil {
					d.Link = map[string][]string{}
				}
				d.Link[r.src.Name()] = append(d.Link[r.src.Name()], RefText(tx, o))
			}
		}
		if err := enc.Encode(&d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// jsonlSchema returns the schema a JSON Lines export opens with: every variable that is
// not retired, without lifecycle states (an import makes them active).
func jsonlSchema(tx *entity.Tx) *SchemaDoc {
	sd := SchemaOf(tx)
	sd.Kinds = slices.DeleteFunc(sd.Kinds, func(k KindSpec) bool { return k.State == store.Retired.String() })
	sd.Columns = slices.DeleteFunc(sd.Columns, func(c ColumnSpec) bool { return c.State == store.Retired.String() })
	sd.Verbs = slices.DeleteFunc(sd.Verbs, func(v VerbSpec) bool { return v.State == store.Retired.String() })
	for i := range sd.Kinds {
		sd.Kinds[i].State = ""
	}
	for i := range sd.Columns {
		sd.Columns[i].State = ""
	}
	for i := range sd.Verbs {
		sd.Verbs[i].State = ""
	}
	return sd
}

// WriteCSV writes the entities of one kind as CSV: uri, iri, then each column that any of
// them has a value in. A multi-valued column's cell is a JSON array. Verbs are left out.
func WriteCSV(tx *entity.Tx, w io.Writer, k *entity.Kind) (int64, error) {
	members := k.Bitmap(tx)
	var used []*column.Dyn
	for _, c := range column.Columns(tx) {
		if c.State() != store.Retired && !c.Filter(tx, members, nil).IsEmpty() {
			used = append(used, c)
		}
	}
	cw := csv.NewWriter(w)
	header := []string{"uri", "iri"}
	for _, c := range used {
		header = append(header, c.Name())
	}
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	rs := make([]*colReader, len(used))
	for i, c := range used {
		rs[i] = newColReader(tx, c)
		defer rs[i].stop()
	}
	var n int64
	rec := make([]string, len(header))
	for id := range k.All(tx) {
		rec[0] = EntityName(tx, id)
		rec[1], _ = tx.IRI(id)
		for i, r := range rs {
			rec[2+i] = csvCell(r.of(id), r.src.Multi())
		}
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	cw.Flush()
	return n, cw.Error()
}

// csvCell writes values as one CSV cell: as text, or a JSON array for a multi column.
func csvCell(vals []column.Value, multi bool) string {
	switch {
	case len(vals) == 0:
		return ""
	case multi:
		return FormatCell(append([]any(nil), vals...))
	}
	return FormatCell(vals[0])
}

// Losses says what an export in format ("ntriples", "jsonl" or "csv") of the given kinds
// cannot carry, one note per thing lost, for the command to print; nil if nothing is lost.
// JSON Lines carries everything an import makes again. N-Triples loses what RDF has no
// place for: the types of columns an import would type otherwise, verbs' cardinalities.
// CSV, one kind's columns, loses more.
func Losses(tx *entity.Tx, format string, kinds []*entity.Kind) []string {
	var notes []string
	switch format {
	case "ntriples":
		var typed, card []string
		for _, c := range column.Columns(tx) {
			switch k := c.Type().Kind(); {
			case c.State() == store.Retired:
			case k == column.Int64 || k == column.Float64 || k == column.Bool || k == column.String:
			default:
				typed = append(typed, c.Name()+" ("+c.Type().String()+")")
			}
		}
		for _, v := range verb.Verbs(tx) {
			if v.State() != store.Retired && v.Cardinality() != verb.CardManyToMany {
				card = append(card, v.Name()+" ("+v.Cardinality().String()+")")
			}
		}
		if len(typed) > 0 {
			notes = append(notes, "N-Triples keeps values, not column types: an import makes int64, float64, bool or string columns of "+strings.Join(typed, ", "))
		}
		if len(card) > 0 {
			notes = append(notes, "N-Triples has no cardinalities: an import makes many-to-many verbs of "+strings.Join(card, ", "))
		}
		for _, k := range kinds {
			if n := k.Bitmap(tx).GetCardinality(); k.Name() == entity.KindRemote && n > 0 {
				notes = append(notes, fmt.Sprintf("N-Triples has no stand-ins (here %d, for entities of other stores at the ends of edges): they are written as their ic:// IRIs, without a type, and an import makes them plain entities (JSON Lines keeps them)", n))
			}
		}
	case "csv":
		members := roaring64.New()
		for _, k := range kinds {
			members.Or(k.Bitmap(tx))
		}
		var verbs, iris []string
		for _, v := range verb.Verbs(tx) {
			if v.State() != store.Retired && !v.ObjectsOf(tx, members).IsEmpty() {
				verbs = append(verbs, v.Name())
			}
		}
		for _, c := range column.Columns(tx) {
			if c.State() != store.Retired && c.IRI() != "" && !c.Filter(tx, members, nil).IsEmpty() {
				iris = append(iris, c.Name())
			}
		}
		others := 0
		for _, k := range tx.Kinds() {
			if !slices.Contains(kinds, k) && k.Def().State != store.Retired && k.Bitmap(tx).Intersects(members) {
				others++
			}
		}
		if len(verbs) > 0 {
			notes = append(notes, "CSV holds no edges: those of "+strings.Join(verbs, ", ")+" are not written")
		}
		if len(iris) > 0 {
			notes = append(notes, "CSV holds no predicate IRIs, datatypes or language tags: those of "+strings.Join(iris, ", ")+" are not written")
		}
		if others > 0 {
			notes = append(notes, fmt.Sprintf("CSV holds one kind: the other kinds its entities belong to (%d) are not written", others))
		}
	}
	return notes
}
