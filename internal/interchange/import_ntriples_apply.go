package interchange

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// catalogIndex finds the variables an import can reuse, by IRI, and hands out free names.
type catalogIndex struct {
	names   namer
	kinds   map[string]string   // IRI → kind name
	verbs   map[string]string   // IRI → verb name
	columns map[string][]string // column IRI text and type → column names, sorted
	vars    map[string]store.Var
	schema  *entity.Schema // a scratch schema, for the definitions of new variables
}

func newCatalogIndex(tx *entity.Tx) *catalogIndex {
	ci := &catalogIndex{
		names:   namer{taken: map[string]bool{}},
		kinds:   map[string]string{},
		verbs:   map[string]string{},
		columns: map[string][]string{},
		vars:    map[string]store.Var{},
		schema:  entity.NewSchema(),
	}
	for _, v := range tx.Vars() {
		ci.names.taken[v.Name] = true
		ci.vars[v.Name] = v
		if v.IRI == "" {
			continue
		}
		switch v.Role {
		case store.RoleKind:
			if _, ok := ci.kinds[v.IRI]; !ok {
				ci.kinds[v.IRI] = v.Name
			}
		case store.RoleVerb:
			if _, ok := ci.verbs[v.IRI]; !ok {
				ci.verbs[v.IRI] = v.Name
			}
		case store.RoleColumn:
			if t, err := column.ParseType(v.Type); err == nil {
				key := columnKey(v.IRI, t.Kind())
				ci.columns[key] = append(ci.columns[key], v.Name)
			}
		}
	}
	for _, names := range ci.columns {
		slices.Sort(names)
	}
	return ci
}

func columnKey(iriText string, k column.TypeKind) string {
	return fmt.Sprintf("%s\x00%d", iriText, k)
}

// defaultKind returns the name of the kind of entities without rdf:type: the first of
// Resource, Resource_2, … that is free or an existing kind without an IRI. It reserves the
// name, so that no kind from an IRI takes it.
func (ci *catalogIndex) defaultKind() (name string, exists bool) {
	for i := 1; ; i++ {
		name = resourceKind
		if i > 1 {
			name = fmt.Sprintf("%s_%d", resourceKind, i)
		}
		v, ok := ci.vars[name]
		if !ok && !ci.names.taken[name] {
			ci.names.taken[name] = true
			return name, false
		}
		if ok && v.Role == store.RoleKind && v.IRI == "" {
			return name, true
		}
	}
}

// create adds the variables of a member or kind definition to the catalog in this message.
func createVars(tx *entity.Tx, defs []store.VarDef) error {
	for _, d := range defs {
		if _, err := tx.CreateVar(d); err != nil {
			return err
		}
	}
	return nil
}

// writable reports an error if the variable cannot take writes.
func writable(v store.Var, what string) error {
	switch v.State {
	case store.Deprecated:
		return fmt.Errorf("%s %q (%s) is deprecated: %w", what, v.Name, v.IRI, store.ErrReadOnly)
	case store.Retired:
		return fmt.Errorf("%s %q (%s) is retired: %w", what, v.Name, v.IRI, store.ErrRetired)
	}
	return nil
}

// colSlot is a column that literals of one class go to: existing, or made by this import.
type colSlot struct {
	name     string
	dyn      *column.Dyn
	existing bool
	multi    bool
	maxLen   int // for strings: the longest value it holds
	writes   []colWrite
}

type colWrite struct {
	id   entity.ID
	v    any
	line int
}

// litGroup is the literals of one class of one predicate.
type litGroup struct {
	pred  int32
	class litClass
	vals  []colWrite // in file order, entity IDs filled in once entities exist
	slots []*colSlot
	multi bool // some subject has two or more values
	long  int  // the longest string value
}

// lineError is an error at a line of the input.
func (d *NTriples) lineError(line int, err error) error {
	return fmt.Errorf("%s:%d: %w", d.name, line, err)
}

// Apply writes the document into the store (see rdfmap.go for how), in the message tx:
// an Update's, so that any error leaves the store as it was.
func (d *NTriples) Apply(tx *entity.Tx, st *Stats) error {
	skipBad := d.skipBad
	ci := newCatalogIndex(tx)
	st.Skipped += int64(len(d.skipped))

	// Entities the store has already, by IRI.
	ids := make([]entity.ID, len(d.nodes))
	existing := make([]bool, len(d.nodes))
	for i, n := range d.nodes {
		if n.iri != "" {
			if id, ok := tx.ByIRI(n.iri); ok {
				ids[i], existing[i] = id, true
			}
		}
	}
	kindIRIOf := map[entity.ID]string{}
	existingKindIRI := func(id entity.ID) (string, error) {
		if iri, ok := kindIRIOf[id]; ok {
			return iri, nil
		}
		k, err := tx.KindOf(id)
		if err != nil {
			return "", err
		}
		kindIRIOf[id] = k.Def().IRI
		return k.Def().IRI, nil
	}

	// Which rdf:type triples the kinds stand for, and which nodes must be entities.
	consumed := make([]bool, len(d.triples))
	needed := make([]bool, len(d.nodes))
	for i, t := range d.triples {
		needed[t.s] = true
		if t.o < 0 {
			continue
		}
		if t.p == d.typePred && d.nodes[t.o].iri != "" {
			if existing[t.s] {
				kiri, err := existingKindIRI(ids[t.s])
				if err != nil {
					return d.lineError(t.line, err)
				}
				consumed[i] = kiri == d.nodes[t.o].iri
			} else {
				consumed[i] = d.nodes[t.s].kind == t.o
			}
		}
		if !consumed[i] {
			needed[t.o] = true
		}
	}

	// IRIs too long to be an entity's: refused, or with skipBad their triples skipped.
	bad := make([]bool, len(d.nodes))
	for i, n := range d.nodes {
		if needed[i] && !existing[i] && len(n.iri) > entity.MaxIRI {
			err := d.lineError(n.line, fmt.Errorf("%w: IRI of %d bytes, an entity's can have at most %d", ErrBadInput, len(n.iri), entity.MaxIRI))
			if !skipBad {
				return err
			}
			bad[i] = true
		}
	}
	skip := make([]bool, len(d.triples))
	for i, t := range d.triples {
		if bad[t.s] || (t.o >= 0 && !consumed[i] && bad[t.o]) {
			skip[i] = true
			st.Skipped++
		}
	}

	// The nodes that become new entities.
	var fresh []int32
	for i := range d.nodes {
		if needed[i] && !existing[i] && !bad[i] {
			fresh = append(fresh, int32(i))
		}
	}

	// Kinds: the kinds of new entities, by IRI.
	defKind, defExists := ci.defaultKind()
	kindIRIs := map[string]bool{}
	needDefault := false
	for _, i := range fresh {
		if k := d.nodes[i].kind; k >= 0 {
			kindIRIs[d.nodes[k].iri] = true
		} else {
			needDefault = true
		}
	}
	kinds := map[string]*entity.Kind{"": ci.schema.Kind(defKind)}
	if needDefault && !defExists {
		if err := createVars(tx, []store.VarDef{kinds[""].Def()}); err != nil {
			return err
		}
		st.Kinds = append(st.Kinds, defKind)
	}
	for _, iri := range slices.Sorted(maps.Keys(kindIRIs)) {
		if name, ok := ci.kinds[iri]; ok {
			if err := writable(ci.vars[name], "kind"); err != nil {
				return err
			}
			kinds[iri] = ci.schema.Kind(name)
			continue
		}
		name := ci.names.claim(baseName(iri))
		k := ci.schema.Kind(name, entity.IRI(iri))
		if err := createVars(tx, []store.VarDef{k.Def()}); err != nil {
			return err
		}
		kinds[iri] = k
		st.Kinds = append(st.Kinds, name)
	}

	// Predicates: a verb for node objects, columns for literals by class.
	hasEdges := make([]bool, len(d.preds))
	groups := map[int32]map[litClass]*litGroup{}
	for i, t := range d.triples {
		if skip[i] || consumed[i] {
			continue
		}
		if t.o >= 0 {
			hasEdges[t.p] = true
			continue
		}
		lit := d.lits[-1-t.o]
		c, v := classify(lit)
		byClass := groups[t.p]
		if byClass == nil {
			byClass = map[litClass]*litGroup{}
			groups[t.p] = byClass
		}
		g := byClass[c]
		if g == nil {
			g = &litGroup{pred: t.p, class: c}
			byClass[c] = g
		}
		g.vals = append(g.vals, colWrite{id: entity.ID(t.s), v: v, line: t.line}) // node index for now
		if s, ok := v.(string); ok {
			g.long = max(g.long, len(s))
		}
	}
	verbs := make([]*verb.Verb, len(d.preds))
	var ordered []*litGroup
	for _, p := range d.sortedPreds() {
		iri := d.preds[p]
		if hasEdges[p] {
			name, ok := ci.verbs[iri]
			if ok {
				if err := writable(ci.vars[name], "verb"); err != nil {
					return err
				}
			} else {
				name = ci.names.claim(baseName(iri))
				if err := createVars(tx, verb.Define(ci.schema, name, verb.IRI(iri)).Defs()); err != nil {
					return err
				}
				st.Verbs = append(st.Verbs, name)
			}
			v, err := verb.Lookup(tx, name)
			if err != nil {
				return err
			}
			verbs[p] = v
		}
		classes := sortedClasses(groups[p])
		for _, c := range classes {
			g := groups[p][c]
			ordered = append(ordered, g)
			for _, name := range ci.columns[columnKey(columnIRI(iri, c), c.typ)] {
				if err := writable(ci.vars[name], "column"); err != nil {
					return err
				}
				dyn, err := column.Lookup(tx, name)
				if err != nil {
					return err
				}
				g.slots = append(g.slots, &colSlot{name: name, dyn: dyn, existing: true, multi: dyn.Multi(), maxLen: dyn.Type().MaxLen()})
			}
			if len(g.slots) == 0 {
				// The column made for the class: its name is claimed now, in the order the
				// mapping promises; its shape once the values are known.
				g.slots = append(g.slots, &colSlot{name: ci.names.claim(baseName(iri))})
			}
		}
	}

	// New entities, grouped by kind, in IRI (then blank-label) order, so that their IDs do
	// not depend on the order of the triples.
	d.firstNew = tx.LastID() + 1
	kindOf := func(i int32) *entity.Kind {
		if k := d.nodes[i].kind; k >= 0 {
			return kinds[d.nodes[k].iri]
		}
		return kinds[""]
	}
	slices.SortFunc(fresh, func(a, b int32) int {
		na, nb := &d.nodes[a], &d.nodes[b]
		return cmp.Or(
			cmp.Compare(kindOf(a).Name(), kindOf(b).Name()),
			cmp.Compare(b2i(na.iri == ""), b2i(nb.iri == "")), // IRIs before blank nodes
			cmp.Compare(na.iri, nb.iri),
			compareNatural(na.label, nb.label),
		)
	})
	for _, i := range fresh {
		id, err := kindOf(i).New(tx)
		if err != nil {
			return d.lineError(d.nodes[i].line, err)
		}
		if iri := d.nodes[i].iri; iri != "" {
			if err := tx.SetIRI(id, iri); err != nil {
				return d.lineError(d.nodes[i].line, err)
			}
		}
		ids[i] = id
	}
	st.Entities += int64(len(fresh))

	// Edges, verb by verb, in (subject, object) order.
	type edge struct {
		s, o entity.ID
		line int
	}
	edges := make([][]edge, len(d.preds))
	for i, t := range d.triples {
		if skip[i] || consumed[i] || t.o < 0 {
			continue
		}
		edges[t.p] = append(edges[t.p], edge{ids[t.s], ids[t.o], t.line})
	}
	for p, es := range edges {
		if len(es) == 0 {
			continue
		}
		slices.SortFunc(es, func(a, b edge) int { return cmp.Or(cmp.Compare(a.s, b.s), cmp.Compare(a.o, b.o)) })
		es = slices.CompactFunc(es, func(a, b edge) bool { return a.s == b.s && a.o == b.o })
		for _, e := range es {
			if e.s < d.firstNew && e.o < d.firstNew {
				// Both ends were there before: the edge may be too.
				has, err := verbs[p].Has(tx, e.s, e.o)
				if err != nil {
					return d.lineError(e.line, err)
				}
				if has {
					continue
				}
			}
			if err := verbs[p].Link(tx, e.s, e.o); err != nil {
				if skipBad && errors.Is(err, verb.ErrCardinality) {
					st.Skipped++
					continue
				}
				return d.lineError(e.line, err)
			}
			st.Edges++
		}
	}

	// Column values: placed, then written column by column in entity order.
	for _, g := range ordered {
		for i := range g.vals {
			g.vals[i].id = ids[g.vals[i].id]
		}
		if err := d.place(tx, ci, g, st); err != nil {
			return err
		}
	}
	for _, g := range ordered {
		for _, s := range g.slots {
			for _, w := range s.writes {
				var err error
				if s.multi {
					err = s.dyn.Add(tx, w.id, w.v)
				} else {
					err = s.dyn.Set(tx, w.id, w.v)
				}
				if err != nil {
					return d.lineError(w.line, err)
				}
			}
			st.Values += int64(len(s.writes))
		}
	}
	return nil
}

// sortedClasses returns the classes of a predicate's literals in the mapping's order.
func sortedClasses(m map[litClass]*litGroup) []litClass {
	cs := make([]litClass, 0, len(m))
	for c := range m {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, compareClass)
	return cs
}

// place decides which column each literal of g goes to. Each subject's values are taken
// in value order, duplicates and values the store has dropped, and each goes to the first
// column of the class that can take it: a multi-valued column whose strings are long
// enough, or a single-valued one where the subject has no value yet. A value no column
// can take makes a new column, named after the predicate as the first one was.
func (d *NTriples) place(tx *entity.Tx, ci *catalogIndex, g *litGroup, st *Stats) error {
	slices.SortStableFunc(g.vals, func(a, b colWrite) int {
		return cmp.Or(cmp.Compare(a.id, b.id), column.CompareValues(a.v, b.v))
	})
	g.vals = slices.CompactFunc(g.vals, func(a, b colWrite) bool { return a.id == b.id && column.CompareValues(a.v, b.v) == 0 })
	for i := 1; i < len(g.vals); i++ {
		if g.vals[i].id == g.vals[i-1].id {
			g.multi = true
			break
		}
	}
	iri := d.preds[g.pred]
	for _, w := range g.vals {
		placed := false
		for _, s := range g.slots {
			if s.dyn == nil {
				if err := d.shape(tx, ci, g, s, w, st); err != nil {
					return err
				}
			}
			ok, present, err := s.accepts(tx, w, w.id >= d.firstNew)
			if err != nil {
				return d.lineError(w.line, err)
			}
			if present {
				placed = true
				break
			}
			if ok {
				s.writes = append(s.writes, w)
				placed = true
				break
			}
		}
		if !placed {
			s := &colSlot{name: ci.names.claim(baseName(iri))}
			if err := d.shape(tx, ci, g, s, w, st); err != nil {
				return err
			}
			s.writes = append(s.writes, w)
			g.slots = append(g.slots, s)
		}
	}
	return nil
}

// accepts reports whether slot s can take value w.v for entity w.id, or has it already.
func (s *colSlot) accepts(tx *entity.Tx, w colWrite, fresh bool) (ok, present bool, err error) {
	str, isStr := w.v.(string)
	if isStr && len(str) > s.maxLen {
		return false, false, nil
	}
	if s.existing && !fresh {
		if s.multi {
			present, err = s.dyn.HasValue(tx, w.id, w.v)
			return !present, present, err
		}
		v, has, err := s.dyn.Get(tx, w.id)
		if err != nil {
			return false, false, err
		}
		if has {
			return false, column.CompareValues(v, w.v) == 0, nil
		}
	}
	if !s.multi && len(s.writes) > 0 && s.writes[len(s.writes)-1].id == w.id {
		return false, false, nil
	}
	return true, false, nil
}

// shape decides the type and options of a new column for the literals of g, starting with
// value w, and creates it. Numbers and booleans get an index. Strings are indexed when
// every value of the class fits an index key; otherwise a multi-valued column holds
// values up to column.MaxMultiLen bytes and a single-valued one any length.
func (d *NTriples) shape(tx *entity.Tx, ci *catalogIndex, g *litGroup, s *colSlot, w colWrite, st *Stats) error {
	str, isStr := w.v.(string)
	s.multi = g.multi && (!isStr || len(str) <= column.MaxMultiLen)
	var t column.Type
	opts := []column.Option{column.IRI(columnIRI(d.preds[g.pred], g.class))}
	indexed := true
	if isStr {
		switch {
		case g.long <= column.MaxIndexedLen:
			s.maxLen = column.MaxIndexedLen
		case s.multi:
			s.maxLen, indexed = column.MaxMultiLen, false
		default:
			s.maxLen, indexed = store.MaxValueSize, false
		}
		t = column.StringType(s.maxLen)
		opts = append(opts, column.MaxLen(s.maxLen))
	} else {
		t = column.ScalarType(g.class.typ)
	}
	if indexed {
		opts = append(opts, column.Indexed())
	}
	if s.multi {
		opts = append(opts, column.Multi())
	}
	dyn := column.DefineDyn(ci.schema, s.name, t, opts...)
	if err := ci.schema.Err(); err != nil {
		return err
	}
	if err := createVars(tx, dyn.Defs()); err != nil {
		return err
	}
	var err error
	if s.dyn, err = column.Lookup(tx, s.name); err != nil {
		return err
	}
	st.Columns = append(st.Columns, s.name)
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
