package interchange

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

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
// an Update's, so that any error leaves the store as it was. It runs in steps, each of
// which does one thing, in this order.
func (d *NTriples) Apply(tx *entity.Tx, st *Summary) error {
	a := newNTApply(d, tx, st)
	st.Skipped += int64(len(d.skipped))
	for _, step := range []func() error{
		a.findExisting,     // which nodes are entities of the store already
		a.markTypes,        // which rdf:type triples are kinds, which nodes must be entities
		a.refuseLongIRIs,   // which nodes cannot be entities, and their triples
		a.listFresh,        // which nodes become new entities
		a.defineKinds,      // the kinds of the new entities, made if need be
		a.groupLiterals,    // the literals by predicate and class
		a.definePredicates, // a verb for node objects, columns for each class of literals
		a.createEntities,   // the new entities
		a.startSorting,     // the edges and literals sorted by entity, on other cores
		a.giveIRIs,         // the new entities' IRIs
		a.addMemberships,   // every other kind an rdf:type names
		a.writeEdges,       // the edges, verb by verb
		a.placeValues,      // which column each literal goes to, columns made if need be
		a.writeValues,      // the values, column by column
	} {
		if err := step(); err != nil {
			if a.sorted != nil {
				<-a.sorted
			}
			return err
		}
	}
	return nil
}

// ntApply is the state of one Apply, filled in step by step. Its slices are indexed by
// node (d.nodes), by triple (d.triples) or by predicate (d.preds).
type ntApply struct {
	d  *NTriples
	tx *entity.Tx
	st *Summary
	ci *catalogIndex

	ids      []entity.ID // by node: its entity, once it has one
	existing []bool      // by node: its entity was in the store before the import
	needed   []bool      // by node: it must be an entity
	bad      []bool      // by node: its IRI is too long to be an entity's (SkipBad)
	consumed []bool      // by triple: an rdf:type that a kind stands for, not an edge
	skip     []bool      // by triple: skipped, for a node that cannot be an entity
	fresh    []int32     // the nodes that become new entities
	firstNew entity.ID   // the ID of the first new entity

	kinds    map[string]*entity.Kind          // the kinds of new entities by IRI, "" the default
	hasEdges []bool                           // by predicate: it has node objects
	byPred   map[int32]map[litClass]*litGroup // the literals by predicate and class
	verbs    []*verb.Verb                     // by predicate: its verb, for node objects
	groups   []*litGroup                      // the groups of byPred in the mapping's order
	// edges are the edges by predicate, and the groups' values, sorted by entity once
	// sorted is closed (startSorting).
	edges  [][]edge
	sorted chan struct{}
}

func newNTApply(d *NTriples, tx *entity.Tx, st *Summary) *ntApply {
	return &ntApply{
		d: d, tx: tx, st: st, ci: newCatalogIndex(tx),
		ids:      make([]entity.ID, len(d.nodes)),
		existing: make([]bool, len(d.nodes)),
		needed:   make([]bool, len(d.nodes)),
		bad:      make([]bool, len(d.nodes)),
		consumed: make([]bool, len(d.triples)),
		skip:     make([]bool, len(d.triples)),
		verbs:    make([]*verb.Verb, len(d.preds)),
	}
}

// findExisting finds the entities the store has already, by IRI.
func (a *ntApply) findExisting() error {
	for i, n := range a.d.nodes {
		if n.iri != "" {
			if id, ok := a.tx.ByIRI(n.iri); ok {
				if a.tx.IsStandIn(id) {
					return a.d.lineError(n.line, standInErr(n.iri))
				}
				a.ids[i], a.existing[i] = id, true
			}
		} else if id, ok := a.blankID(n.label); ok { // made by an earlier batch
			a.ids[i], a.existing[i] = id, true
		}
	}
	return nil
}

// blankID returns the entity an earlier batch made for the blank node label: one of this
// run of batches, or, in a resumed import, one of the import stopped before (its notes in
// the store's metadata).
func (a *ntApply) blankID(label string) (entity.ID, bool) {
	if a.d.blankIDs == nil {
		return 0, false
	}
	if id, ok := a.d.blankIDs[label]; ok {
		return id, true
	}
	if v, ok := a.tx.Meta(blankKey(label)); ok && len(v) == entity.KeySize {
		if id := entity.FromKey(v); a.tx.Exists(id) {
			a.d.blankIDs[label] = id
			return id, true
		}
	}
	return 0, false
}

// markTypes decides which nodes must be entities: every subject, and every object of a
// triple that becomes an edge. Every rdf:type triple with an IRI object stands for a kind
// its subject is a member of, and is no edge.
func (a *ntApply) markTypes() error {
	d := a.d
	for i, t := range d.triples {
		a.needed[t.s] = true
		if t.o < 0 {
			continue
		}
		a.consumed[i] = t.p == d.typePred && d.nodes[t.o].iri != ""
		if !a.consumed[i] {
			a.needed[t.o] = true
		}
	}
	return nil
}

// refuseLongIRIs refuses the IRIs too long to be an entity's or, with SkipBad, skips the
// triples they are in.
func (a *ntApply) refuseLongIRIs() error {
	d := a.d
	for i, n := range d.nodes {
		if a.needed[i] && !a.existing[i] && len(n.iri) > entity.MaxIRI {
			err := d.lineError(n.line, fmt.Errorf("%w: IRI of %d bytes, an entity's can have at most %d", ErrBadInput, len(n.iri), entity.MaxIRI))
			if !d.skipBad {
				return err
			}
			a.bad[i] = true
		}
	}
	for i, t := range d.triples {
		if a.bad[t.s] || (t.o >= 0 && !a.consumed[i] && a.bad[t.o]) {
			a.skip[i] = true
			a.st.Skipped++
		}
	}
	return nil
}

// listFresh lists the nodes that become new entities.
func (a *ntApply) listFresh() error {
	for i := range a.d.nodes {
		if a.needed[i] && !a.existing[i] && !a.bad[i] {
			a.fresh = append(a.fresh, int32(i))
		}
	}
	return nil
}

// defineKinds finds or makes the kinds that rdf:type triples name, and the default kind
// if a new entity has no type.
func (a *ntApply) defineKinds() error {
	d, ci := a.d, a.ci
	defKind, defExists := ci.defaultKind()
	kindIRIs := map[string]bool{}
	needDefault := false
	for _, i := range a.fresh {
		// A batch (import_batches.go) may hold none of the rdf:type lines of a node's own
		// kind: its kind comes from the whole document.
		if k := d.nodes[i].kind; k >= 0 {
			kindIRIs[d.nodes[k].iri] = true
		} else {
			needDefault = true
		}
	}
	for i, t := range d.triples {
		if a.consumed[i] && !a.skip[i] {
			kindIRIs[d.nodes[t.o].iri] = true
		}
	}
	a.kinds = map[string]*entity.Kind{"": ci.schema.Kind(defKind)}
	if needDefault && !defExists {
		if err := createVars(a.tx, []store.VarDef{a.kinds[""].Def()}); err != nil {
			return err
		}
		a.st.Kinds = append(a.st.Kinds, defKind)
	}
	for _, iri := range slices.Sorted(maps.Keys(kindIRIs)) {
		if name, ok := ci.kinds[iri]; ok {
			if err := writable(ci.vars[name], "kind"); err != nil {
				return err
			}
			a.kinds[iri] = ci.schema.Kind(name)
			continue
		}
		name := ci.names.claim(baseName(iri))
		k := ci.schema.Kind(name, entity.IRI(iri))
		if err := createVars(a.tx, []store.VarDef{k.Def()}); err != nil {
			return err
		}
		a.kinds[iri] = k
		a.st.Kinds = append(a.st.Kinds, name)
	}
	return nil
}

// groupLiterals sorts the literal objects of the triples that are written into groups, by
// predicate and class (see classify), and notes which predicates have node objects.
func (a *ntApply) groupLiterals() error {
	d := a.d
	a.hasEdges = make([]bool, len(d.preds))
	a.byPred = map[int32]map[litClass]*litGroup{}
	// Classified on every core first, in runs of literals.
	classes, values := make([]litClass, len(d.lits)), make([]any, len(d.lits))
	const run = 1 << 14
	each((len(d.lits)+run-1)/run, func(r int) {
		for i := r * run; i < min((r+1)*run, len(d.lits)); i++ {
			classes[i], values[i] = classify(d.lits[i])
		}
	})
	groups := make([][]*litGroup, len(d.preds)) // by predicate: its groups, for a quick look-up
	for i, t := range d.triples {
		if a.skip[i] || a.consumed[i] {
			continue
		}
		if t.o >= 0 {
			a.hasEdges[t.p] = true
			continue
		}
		c, v := classes[-1-t.o], values[-1-t.o]
		var g *litGroup
		for _, h := range groups[t.p] {
			if h.class == c {
				g = h
				break
			}
		}
		if g == nil {
			g = &litGroup{pred: t.p, class: c}
			groups[t.p] = append(groups[t.p], g)
			byClass := a.byPred[t.p]
			if byClass == nil {
				byClass = map[litClass]*litGroup{}
				a.byPred[t.p] = byClass
			}
			byClass[c] = g
		}
		g.vals = append(g.vals, colWrite{id: entity.ID(t.s), v: v, line: t.line}) // node index for now
		if s, ok := v.(string); ok {
			g.long = max(g.long, len(s))
		}
	}
	return nil
}

// definePredicates finds or makes, for each predicate in IRI order, its verb (if it has
// node objects), then the columns of each class of its literals: the order in which the
// mapping promises to claim new names.
func (a *ntApply) definePredicates() error {
	for _, p := range a.d.sortedPreds() {
		if a.hasEdges[p] {
			if err := a.defineVerb(p); err != nil {
				return err
			}
		}
		byClass := a.byPred[p]
		for _, c := range sortedClasses(byClass) {
			g := byClass[c]
			a.groups = append(a.groups, g)
			if err := a.defineColumns(g); err != nil {
				return err
			}
		}
	}
	return nil
}

// defineVerb finds the verb that carries predicate p's IRI, or makes one.
func (a *ntApply) defineVerb(p int32) error {
	ci, iri := a.ci, a.d.preds[p]
	name, ok := ci.verbs[iri]
	if ok {
		if err := writable(ci.vars[name], "verb"); err != nil {
			return err
		}
	} else {
		name = ci.names.claim(baseName(iri))
		if err := createVars(a.tx, verb.Define(ci.schema, name, verb.IRI(iri)).Defs()); err != nil {
			return err
		}
		a.st.Verbs = append(a.st.Verbs, name)
	}
	v, err := verb.Lookup(a.tx, name)
	if err != nil {
		return err
	}
	a.verbs[p] = v
	return nil
}

// defineColumns finds the columns that can take the literals of g: those that carry its
// predicate and class (same IRI text, same type). Without one, it claims the name of the
// column it will make; its shape waits until the values are known (placeValues).
func (a *ntApply) defineColumns(g *litGroup) error {
	ci, iri := a.ci, a.d.preds[g.pred]
	for _, name := range ci.columns[columnKey(columnIRI(iri, g.class), g.class.typ)] {
		if err := writable(ci.vars[name], "column"); err != nil {
			return err
		}
		dyn, err := column.Lookup(a.tx, name)
		if err != nil {
			return err
		}
		g.slots = append(g.slots, &colSlot{name: name, dyn: dyn, existing: true, multi: dyn.Multi(), maxLen: dyn.Type().MaxLen()})
	}
	if len(g.slots) == 0 {
		g.slots = append(g.slots, &colSlot{name: ci.names.claim(baseName(iri))})
	}
	return nil
}

// createEntities creates the new entities, grouped by kind, in IRI (then blank-label)
// order, so that their IDs do not depend on the order of the triples (giveIRIs gives them
// their IRIs).
func (a *ntApply) createEntities() error {
	d := a.d
	a.firstNew = a.tx.LastID() + 1
	kindOf := func(i int32) *entity.Kind {
		if k := d.nodes[i].kind; k >= 0 {
			return a.kinds[d.nodes[k].iri]
		}
		return a.kinds[""]
	}
	type freshNode struct {
		kind string // the name of its kind
		n    *ntNode
		i    int32
	}
	fs := make([]freshNode, len(a.fresh))
	for j, i := range a.fresh {
		fs[j] = freshNode{kindOf(i).Name(), &d.nodes[i], i}
	}
	slices.SortFunc(fs, func(x, y freshNode) int {
		return cmp.Or(
			cmp.Compare(x.kind, y.kind),
			cmp.Compare(b2i(x.n.iri == ""), b2i(y.n.iri == "")), // IRIs before blank nodes
			cmp.Compare(x.n.iri, y.n.iri),
			compareNatural(x.n.label, y.n.label),
		)
	})
	for j := range fs {
		a.fresh[j] = fs[j].i
	}
	// Each kind's entities get consecutive IDs, made bottom up.
	for start := 0; start < len(fs); {
		k := kindOf(a.fresh[start])
		end := start + 1
		for end < len(fs) && fs[end].kind == fs[start].kind {
			end++
		}
		first, err := k.NewN(a.tx, end-start)
		if err != nil {
			return d.lineError(d.nodes[a.fresh[start]].line, err)
		}
		for j, i := range a.fresh[start:end] {
			a.ids[i] = first + entity.ID(j)
		}
		start = end
	}
	a.st.Entities += int64(len(a.fresh))
	a.st.wrote()
	return nil
}

// startSorting sorts, on other cores while the next steps write, the edges by subject and
// the literals of each group by entity: now that every node has its entity.
func (a *ntApply) startSorting() error {
	a.sorted = make(chan struct{})
	go func() {
		defer close(a.sorted)
		a.sortEdges()
		each(len(a.groups), func(i int) {
			g := a.groups[i]
			for i := range g.vals {
				g.vals[i].id = a.ids[g.vals[i].id]
			}
			sortValues(g)
		})
	}()
	return nil
}

// giveIRIs gives the new entities their IRIs, and notes those of the blank nodes for the
// batches after.
func (a *ntApply) giveIRIs() error {
	d := a.d
	// In ID order: IRIs in bulk, blank nodes noted for the batches after.
	var withIRI []int32
	ids, iris := make([]entity.ID, 0, len(a.fresh)), make([]string, 0, len(a.fresh))
	for _, i := range a.fresh {
		if iri := d.nodes[i].iri; iri != "" {
			withIRI = append(withIRI, i)
			ids, iris = append(ids, a.ids[i]), append(iris, iri)
		} else if d.blankIDs != nil {
			label := d.nodes[i].label
			d.blankIDs[label] = a.ids[i]
			k := entity.Key(a.ids[i])
			if err := a.tx.SetMeta(blankKey(label), k[:]); err != nil {
				return err
			}
		}
	}
	if n, err := a.tx.SetIRIs(ids, iris); err != nil {
		return d.lineError(d.nodes[withIRI[n]].line, err)
	}
	return nil
}

// addMemberships adds each subject to every kind its rdf:type triples name besides its
// own, kind by kind in ID order; an entity the store had may be a member already.
func (a *ntApply) addMemberships() error {
	d := a.d
	type member struct {
		k    *entity.Kind
		id   entity.ID
		line int
	}
	var ms []member
	for i, t := range d.triples {
		if !a.consumed[i] || a.skip[i] {
			continue
		}
		if !a.existing[t.s] && d.nodes[t.s].kind == t.o {
			continue // its own kind
		}
		ms = append(ms, member{a.kinds[d.nodes[t.o].iri], a.ids[t.s], t.line})
	}
	slices.SortFunc(ms, func(x, y member) int {
		return cmp.Or(cmp.Compare(x.k.Name(), y.k.Name()), cmp.Compare(x.id, y.id))
	})
	ms = slices.CompactFunc(ms, func(x, y member) bool { return x.k == y.k && x.id == y.id })
	for _, m := range ms {
		if m.id < a.firstNew && m.k.Has(a.tx, m.id) {
			continue
		}
		if err := m.k.Add(a.tx, m.id); err != nil {
			return d.lineError(m.line, err)
		}
	}
	return nil
}

// edge is an edge to write, with the line of its triple.
type edge struct {
	s, o entity.ID
	line int
}

// writeEdges writes the edges, verb by verb, in (subject, object) order. An edge between
// two entities the store had may be there already; with SkipBad, an edge the verb's
// cardinality forbids is skipped.
func (a *ntApply) writeEdges() error {
	d := a.d
	<-a.sorted
	for p, es := range a.edges {
		v := a.verbs[p]
		// Edges between entities the store had may be there already: one at a time.
		// Those from new entities are new, written in bulk (bottom up into a verb without
		// edges, appended to one with edges); so are all of them into a verb without edges.
		old := 0
		if v == nil || d.skipBad || v.Len(a.tx) > 0 {
			old, _ = slices.BinarySearchFunc(es, a.firstNew, func(e edge, id entity.ID) int { return cmp.Compare(e.s, id) })
			if d.skipBad {
				old = len(es)
			}
		}
		for _, e := range es[:old] {
			if err := a.writeEdge(v, e); err != nil {
				return err
			}
		}
		if es = es[old:]; len(es) > 0 {
			ves := make([]verb.Edge, len(es))
			for i, e := range es {
				ves[i] = verb.Edge{S: e.s, O: e.o}
			}
			n, err := v.LinkSorted(a.tx, ves)
			if err != nil {
				return d.lineError(es[n].line, err)
			}
			a.st.Edges += int64(n)
			a.st.wrote()
		}
	}
	return nil
}

// sortEdges lists the edges by predicate, in (subject, object) order, each once.
func (a *ntApply) sortEdges() {
	d := a.d
	edges := make([][]edge, len(d.preds))
	for i, t := range d.triples {
		if a.skip[i] || a.consumed[i] || t.o < 0 {
			continue
		}
		edges[t.p] = append(edges[t.p], edge{a.ids[t.s], a.ids[t.o], t.line})
	}
	each(len(edges), func(p int) {
		es := edges[p]
		slices.SortFunc(es, func(x, y edge) int {
			return cmp.Or(cmp.Compare(x.s, y.s), cmp.Compare(x.o, y.o), cmp.Compare(x.line, y.line))
		})
		edges[p] = slices.CompactFunc(es, func(x, y edge) bool { return x.s == y.s && x.o == y.o })
	})
	a.edges = edges
}

// writeEdge links e unless it exists.
func (a *ntApply) writeEdge(v *verb.Verb, e edge) error {
	if e.s < a.firstNew && e.o < a.firstNew {
		// Both ends were there before: the edge may be too.
		has, err := v.Has(a.tx, e.s, e.o)
		if err != nil {
			return a.d.lineError(e.line, err)
		}
		if has {
			return nil
		}
	}
	if err := v.Link(a.tx, e.s, e.o); err != nil {
		if a.d.skipBad && errors.Is(err, verb.ErrCardinality) {
			a.st.Skipped++
			return nil
		}
		return a.d.lineError(e.line, err)
	}
	a.st.Edges++
	a.st.wrote()
	return nil
}

// placeValues decides which column each literal goes to, group by group (see place),
// once startSorting has sorted them.
func (a *ntApply) placeValues() error {
	<-a.sorted
	for _, g := range a.groups {
		if err := a.place(g); err != nil {
			return err
		}
	}
	return nil
}

// each calls f(0), …, f(n-1) on every core, and returns when all have returned.
func each(n int, f func(int)) {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		g.Go(func() error { f(i); return nil })
	}
	_ = g.Wait()
}

// sortValues sorts g's values by entity, then value, then line (the file order of the
// triples), and drops each value given twice for an entity but the first.
func sortValues(g *litGroup) {
	slices.SortFunc(g.vals, func(a, b colWrite) int {
		return cmp.Or(cmp.Compare(a.id, b.id), column.CompareValues(a.v, b.v), cmp.Compare(a.line, b.line))
	})
	g.vals = slices.CompactFunc(g.vals, func(a, b colWrite) bool { return a.id == b.id && column.CompareValues(a.v, b.v) == 0 })
}

// writeValues writes the values, column by column, in entity order. The columns are
// encoded and sorted (column.Dyn.PrepareSorted) on every core, a few ahead of the one
// being written.
func (a *ntApply) writeValues() error {
	var slots []*colSlot
	for _, g := range a.groups {
		slots = append(slots, g.slots...)
	}
	return inOrder(len(slots), func(i int) *column.Sorted {
		s := slots[i]
		// In entity order (place): a column without values yet is built bottom up.
		ws := make([]column.Write, len(s.writes))
		for i, w := range s.writes {
			ws[i] = column.Write{ID: w.id, V: w.v}
		}
		return s.dyn.PrepareSorted(ws)
	}, func(i int, prep *column.Sorted) error {
		s := slots[i]
		if n, err := prep.Write(a.tx); err != nil {
			return a.d.lineError(s.writes[n].line, err)
		}
		a.st.Values += int64(len(s.writes))
		a.st.wrote()
		return nil
	})
}

// inOrder calls use(i, prep(i)) for i = 0, …, n-1 in order, on this goroutine, while
// prep runs on other cores for the next few. It stops at the first error of use.
func inOrder[T any](n int, prep func(int) T, use func(int, T) error) error {
	ahead := runtime.GOMAXPROCS(0)
	done := make(chan struct{})
	defer close(done)
	results := make([]chan T, n)
	for i := range results {
		results[i] = make(chan T, 1)
	}
	sem := make(chan struct{}, ahead)
	go func() {
		for i := range n {
			select {
			case sem <- struct{}{}:
			case <-done:
				return
			}
			go func() { results[i] <- prep(i) }()
		}
	}()
	for i := range n {
		v := <-results[i]
		err := use(i, v)
		<-sem
		if err != nil {
			return err
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

// place decides which column each literal of g goes to, its values sorted (sortValues).
// Each subject's values are taken in value order, duplicates and values the store has dropped, and each goes to the first
// column of the class that can take it: a multi-valued column whose strings are long
// enough, or a single-valued one where the subject has no value yet. A value no column
// can take makes a new column, named after the predicate as the first one was.
func (a *ntApply) place(g *litGroup) error {
	d := a.d
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
				if err := a.shape(g, s, w); err != nil {
					return err
				}
			}
			ok, present, err := s.accepts(a.tx, w, w.id >= a.firstNew)
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
			s := &colSlot{name: a.ci.names.claim(baseName(iri))}
			if err := a.shape(g, s, w); err != nil {
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
func (a *ntApply) shape(g *litGroup, s *colSlot, w colWrite) error {
	ci := a.ci
	str, isStr := w.v.(string)
	s.multi = g.multi && (!isStr || len(str) <= column.MaxMultiLen)
	var t column.Type
	opts := []column.Option{column.IRI(columnIRI(a.d.preds[g.pred], g.class))}
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
	if err := createVars(a.tx, dyn.Defs()); err != nil {
		return err
	}
	var err error
	if s.dyn, err = column.Lookup(a.tx, s.name); err != nil {
		return err
	}
	a.st.Columns = append(a.st.Columns, s.name)
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
