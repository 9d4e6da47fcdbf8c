package query

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// Binding resolves the names of a query against the store's catalog: the kind, the
// columns and the verbs, checks each literal against the type of the column it is
// compared with, and turns each comparison into intervals of column values (bounds.go).
// It reads only the catalog. Entity references are checked for form and scope here, from
// the parts the lexer found, and resolved to IDs when the query runs, since finding an
// entity reads data pages.

// boundQuery is a Query whose names are resolved.
type boundQuery struct {
	q      *Query
	kind   *entity.Kind
	where  bcond         // nil: every entity of the kind
	sel    []*column.Dyn // nil for SELECT IRI
	out    []selOut      // the result's columns: each one or more of sel, in order
	order  *column.Dyn   // nil without ORDER BY
	desc   bool
	limit  Limit
	budget BudgetClause
}

// selOut is one column of a result: the values of n selected columns (several for a
// predicate imported from RDF with values of several datatypes).
type selOut struct {
	name string
	n    int
}

// bcond is a bound condition: *bAnd, *bOr, *bNot, *bPred or *bFollow.
type bcond interface{ src() Cond }

type bAnd struct {
	c    *AndCond
	l, r bcond
}

type bOr struct {
	c    *OrCond
	l, r bcond
}

type bNot struct {
	c    *NotCond
	x    bcond
	kind *entity.Kind // the kind of the FIND: NOT is the complement within its members
}

// bPred is a condition on one column: some value of the entity lies in one of ivs; has
// (HAS) means any value at all.
type bPred struct {
	c   Cond // *CompareCond, *BetweenCond or *HasCond
	col *column.Dyn
	dom domain
	ivs []interval
	has bool
	m   *column.Matcher // ivs over encoded values (encoded.go); nil for has, numText or a type without one
	// numText marks a string column of a numeric datatype (spellings an import kept as
	// text, "042"^^xsd:integer): its values are read as numbers and ivs are float64
	// intervals; no index serves it.
	numText bool
}

// bFollow is a FollowCond with its verb and target bound.
type bFollow struct {
	c      *FollowCond
	verb   *verb.Verb
	target btarget
	kind   *entity.Kind // the kind of the FIND, whose entities the edges start from
}

func (b *bAnd) src() Cond    { return b.c }
func (b *bOr) src() Cond     { return b.c }
func (b *bNot) src() Cond    { return b.c }
func (b *bPred) src() Cond   { return b.c }
func (b *bFollow) src() Cond { return b.c }

// btarget is a bound target: *bAny, *bEntity or *bSub.
type btarget interface{ text() string }

type bAny struct{}

// bEntity is an entity reference, resolved when the query runs.
type bEntity struct {
	ref  EntityRef
	uref uri.Ref // RefURI, RefKindID, RefHashID
	kind *entity.Kind
}

type bSub struct {
	sq *SubQuery
	q  *boundQuery
}

func (*bAny) text() string      { return "ANY" }
func (t *bEntity) text() string { return t.ref.Raw }
func (t *bSub) text() string    { return "(" + t.sq.Query.String() + ")" }

// binder binds one query, collecting every error it finds.
type binder struct {
	db   *entity.DB
	tx   *entity.Tx
	errs ErrorList

	cols   map[string]*column.Dyn
	groups map[string][]*column.Dyn // by predicate IRI
	verbs  map[string]*verb.Verb
}

func (b *binder) errorf(pos Pos, sentinel error, format string, args ...any) {
	b.errs = append(b.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Err: sentinel})
}

// hint returns "; did you mean "x"?" for the candidate closest to name, or "".
func hint(name string, candidates []string) string {
	if s, ok := Suggest(name, candidates); ok {
		return "; did you mean " + strconv.Quote(s) + "?"
	}
	return ""
}

// kindList returns "; the store has no kinds", "; the kinds are a, b" or, for a store
// with many, "; the nearest of its 40 kinds are a, b, …": for an unknown kind that no
// kind is close to.
func kindList(name string, kinds []string) string {
	const shown = 8
	switch {
	case len(kinds) == 0:
		return "; the store has no kinds"
	case len(kinds) <= shown:
		return "; the kinds are " + strings.Join(slices.Sorted(slices.Values(kinds)), ", ")
	}
	return fmt.Sprintf("; the nearest of its %d kinds are %s", len(kinds), strings.Join(Nearest(name, kinds, shown), ", "))
}

// bind resolves q, which must be valid (Query.Validate).
func bind(db *entity.DB, tx *entity.Tx, q *Query) (*boundQuery, error) {
	b := &binder{db: db, tx: tx, cols: map[string]*column.Dyn{}, groups: map[string][]*column.Dyn{}, verbs: map[string]*verb.Verb{}}
	bq := b.query(q)
	if len(b.errs) > 0 {
		b.errs.Sort()
		return nil, b.errs
	}
	return bq, nil
}

func (b *binder) query(q *Query) *boundQuery {
	bq := &boundQuery{q: q, limit: q.Limit, budget: q.Budget}
	bq.kind = b.kind(q.Kind.Name, q.Kind.Pos, "")
	if q.Where != nil {
		bq.where = b.cond(q.Where, bq.kind, q.Kind.Name)
	}
	for _, n := range q.Select {
		if n.Name == SelectIRI {
			bq.sel = append(bq.sel, nil)
			bq.out = append(bq.out, selOut{name: "iri", n: 1})
		} else if g := b.group(n, q.Kind.Name); g != nil {
			bq.sel = append(bq.sel, g...)
			bq.out = append(bq.out, selOut{name: n.Name, n: len(g)})
		}
	}
	if q.OrderBy != nil {
		bq.desc = q.OrderBy.Desc
		if c := b.column(q.OrderBy.Col, q.Kind.Name); c != nil {
			if !domainOf(c.Type()).orderable() {
				b.errorf(q.OrderBy.Col.Pos, ErrType, "cannot order by column %s of type %s", c.Name(), c.Type())
			}
			bq.order = c
		}
	}
	return bq
}

// kind resolves a kind name; in is "" for the kind of a FIND, or the text of the entity
// reference that names it.
func (b *binder) kind(name string, pos Pos, in string) *entity.Kind {
	v, ok := b.tx.Var(name)
	k, _ := b.tx.Kind(name)
	if !ok || v.Role != store.RoleKind || k == nil {
		what := "unknown kind " + strconv.Quote(name)
		if in != "" {
			what += " in " + in
		}
		if ok && v.Role != store.RoleKind {
			b.errorf(pos, ErrUnknownName, "%s (%q is a %s)", what, name, v.Role)
			return nil
		}
		var names []string
		for _, k := range b.tx.Kinds() {
			names = append(names, k.Name())
		}
		h := hint(name, names)
		if h == "" {
			h = kindList(name, names)
		}
		b.errorf(pos, ErrUnknownName, "%s%s", what, h)
		return nil
	}
	if v.State == store.Retired {
		b.errorf(pos, store.ErrRetired, "kind %q is retired", name)
		return nil
	}
	return k
}

// column resolves a column name used in a query of the given kind.
func (b *binder) column(n Name, kind string) *column.Dyn {
	if c, ok := b.cols[n.Name]; ok {
		return c
	}
	if n.Name == SelectIRI {
		b.errorf(n.Pos, ErrType, "IRI can only be selected; compare IRIs with verb -> <iri>")
		return nil
	}
	c, err := column.Lookup(b.tx, n.Name)
	if err != nil {
		if !errors.Is(err, column.ErrNoColumn) {
			b.errorf(n.Pos, err, "column %q: %v", n.Name, err)
			return nil
		}
		if v, ok := b.tx.Var(n.Name); ok {
			b.errorf(n.Pos, ErrUnknownName, "%q is a %s, not a column", n.Name, v.Role)
			return nil
		}
		var names []string
		for _, c := range column.Columns(b.tx) {
			names = append(names, c.Name())
		}
		b.errorf(n.Pos, ErrUnknownName, "unknown column %q on kind %s%s", n.Name, kind, hint(n.Name, names))
		return nil
	}
	if c.State() == store.Retired {
		b.errorf(n.Pos, store.ErrRetired, "column %q is retired", n.Name)
		return nil
	}
	b.cols[n.Name] = c
	return c
}

// verb resolves a verb name.
func (b *binder) verb(n Name) *verb.Verb {
	if v, ok := b.verbs[n.Name]; ok {
		return v
	}
	v, err := verb.Lookup(b.tx, n.Name)
	if err != nil {
		if !errors.Is(err, verb.ErrNoVerb) {
			b.errorf(n.Pos, err, "verb %q: %v", n.Name, err)
			return nil
		}
		if vr, ok := b.tx.Var(n.Name); ok {
			b.errorf(n.Pos, ErrUnknownName, "%q is a %s, not a verb", n.Name, vr.Role)
			return nil
		}
		var names []string
		for _, v := range verb.Verbs(b.tx) {
			names = append(names, v.Name())
		}
		b.errorf(n.Pos, ErrUnknownName, "unknown verb %q%s", n.Name, hint(n.Name, names))
		return nil
	}
	if v.State() == store.Retired {
		b.errorf(n.Pos, store.ErrRetired, "verb %q is retired", n.Name)
		return nil
	}
	b.verbs[n.Name] = v
	return v
}

func (b *binder) cond(c Cond, k *entity.Kind, kind string) bcond {
	switch c := c.(type) {
	case *AndCond:
		l, r := b.cond(c.L, k, kind), b.cond(c.R, k, kind)
		return &bAnd{c: c, l: l, r: r}
	case *OrCond:
		l, r := b.cond(c.L, k, kind), b.cond(c.R, k, kind)
		return &bOr{c: c, l: l, r: r}
	case *NotCond:
		return &bNot{c: c, x: b.cond(c.X, k, kind), kind: k}
	case *HasCond:
		cols := b.group(c.Col, kind)
		return union(cols, func(col *column.Dyn) bcond {
			return &bPred{c: c, col: col, dom: domainOf(col.Type()), has: true}
		})
	case *CompareCond:
		if c.Value.Lang != "" && c.Op != OpEq && c.Op != OpNe {
			b.errorf(c.Value.Pos, ErrType, "a string with a language tag compares only with = and !=")
			return nil
		}
		cols := b.comparable(b.group(c.Col, kind), c.Value)
		return union(cols, func(col *column.Dyn) bcond {
			d, numText := compareDomain(col, c.Value)
			return matched(&bPred{c: c, col: col, dom: d, ivs: d.cmpIntervals(c.Op, tagged(c.Value)), numText: numText})
		})
	case *BetweenCond:
		if c.Lo.Lang != "" || c.Hi.Lang != "" {
			b.errorf(c.Pos, ErrType, "a string with a language tag compares only with = and !=")
			return nil
		}
		cols := b.comparable(b.group(c.Col, kind), c.Lo, c.Hi)
		return union(cols, func(col *column.Dyn) bcond {
			d, numText := compareDomain(col, c.Lo)
			return matched(&bPred{c: c, col: col, dom: d, ivs: d.betweenIntervals(c.Lo, c.Hi), numText: numText})
		})
	case *FollowCond:
		v := b.verb(c.Verb)
		t := b.target(c.Target)
		if v == nil || t == nil {
			return nil
		}
		return &bFollow{c: c, verb: v, target: t, kind: k}
	}
	return nil
}

// The datatypes of RDF literals that columns imported from RDF record (column.Dyn.Predicate).
const (
	rdfLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
	xsdNS         = "http://www.w3.org/2001/XMLSchema#"
)

// group returns the columns a name in a condition stands for: the column of that name
// and, for one imported from RDF, every other column of its predicate (one per datatype
// and type), the named one first, so that a query names a predicate once and sees all its
// values. It is nil if the name is not a column's.
func (b *binder) group(n Name, kind string) []*column.Dyn {
	c := b.column(n, kind)
	if c == nil {
		return nil
	}
	pred, _ := c.Predicate()
	if pred == "" {
		return []*column.Dyn{c}
	}
	if g, ok := b.groups[pred]; ok {
		return g
	}
	g := []*column.Dyn{c}
	for _, o := range column.Columns(b.tx) {
		if p, _ := o.Predicate(); p == pred && o.Name() != c.Name() && o.State() != store.Retired {
			g = append(g, o)
		}
	}
	b.groups[pred] = g
	return g
}

// comparable returns the columns of a group that the literals compare with, as SPARQL
// compares RDF literals: a number with every numeric column whatever its datatype; a
// string with the plain and xsd:string columns and those of other non-numeric datatypes,
// a string with a language tag only with the language-tagged column; a string never with
// a number, nor with the strings an import kept for numbers it could not store as such
// ("042"^^xsd:integer). For a column that is alone in its group, a literal it cannot take
// is an error, as it is when no column of the group takes it.
func (b *binder) comparable(cols []*column.Dyn, lits ...Literal) []*column.Dyn {
	if len(cols) == 0 {
		return nil
	}
	if len(cols) > 1 {
		var out []*column.Dyn
		for _, c := range cols {
			if takes(c, lits) {
				out = append(out, c)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	c := cols[0]
	d := domainOf(c.Type())
	ok := true
	for _, l := range lits {
		ok = b.literal(c, d, l) && ok
	}
	if ok && !takes(c, lits) {
		b.errorf(lits[0].Pos, ErrType, "column %s holds no %s", c.Name(), literalText(lits[0]))
		return nil
	}
	if !ok {
		return nil
	}
	return []*column.Dyn{c}
}

// float64Type is the type whose domain numbers written as text are compared in.
var float64Type, _ = column.ParseType("float64")

// numberText reports whether column c holds numbers written as text: a string column
// whose datatype is numeric.
func numberText(c *column.Dyn) bool {
	_, dt := c.Predicate()
	local, ok := strings.CutPrefix(dt, xsdNS)
	return ok && c.Type().Kind() == column.String && !textDatatype(local) && local != "boolean"
}

// compareDomain returns the domain a literal is compared with column c in: the column's
// own, or float64 for numbers written as text (numText).
func compareDomain(c *column.Dyn, l Literal) (domain, bool) {
	if (l.Kind == LitInt || l.Kind == LitFloat) && numberText(c) {
		return domainOf(float64Type), true
	}
	return domainOf(c.Type()), false
}

// takes reports whether column c compares with every literal of lits.
func takes(c *column.Dyn, lits []Literal) bool {
	d := domainOf(c.Type())
	_, dt := c.Predicate()
	for _, l := range lits {
		switch {
		case (l.Kind == LitInt || l.Kind == LitFloat) && numberText(c):
		case !d.accepts(l.Kind):
			return false
		case l.Kind != LitString:
		case (l.Lang != "") != (dt == rdfLangString):
			return false
		case strings.HasPrefix(dt, xsdNS) && dt != xsdNS+"string" && !textDatatype(dt[len(xsdNS):]):
			return false
		}
	}
	return true
}

// textDatatype reports whether an XSD datatype's values are compared as text here: every
// one but the numeric and boolean types, whose strings are spellings of numbers.
func textDatatype(local string) bool {
	switch local {
	case "integer", "decimal", "float", "double", "long", "int", "short", "byte",
		"nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
		"unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "boolean":
		return false
	}
	return true
}

// tagged returns the value a language-tagged column holds for a string literal: its text,
// '@' and its tag, as an import keeps them.
func tagged(l Literal) Literal {
	if l.Lang != "" {
		l.Str += "@" + l.Lang
	}
	return l
}

// union returns the OR of the conditions of each column, nil for none.
func union(cols []*column.Dyn, pred func(*column.Dyn) bcond) bcond {
	var out bcond
	for _, c := range cols {
		p := pred(c)
		if out == nil {
			out = p
		} else {
			out = &bOr{c: &OrCond{L: out.src(), R: p.src()}, l: out, r: p}
		}
	}
	return out
}

// literal checks that l can be compared with column col.
func (b *binder) literal(col *column.Dyn, d domain, l Literal) bool {
	if d.accepts(l.Kind) {
		return true
	}
	if d.kind == vkNone {
		b.errorf(l.Pos, ErrType, "column %s of type %s cannot be compared with a literal; only HAS applies to it", col.Name(), col.Type())
		return false
	}
	b.errorf(l.Pos, ErrType, "cannot compare column %s of type %s with %s; want %s", col.Name(), col.Type(), literalText(l), d.want())
	return false
}

func (b *binder) target(t Target) btarget {
	switch t := t.(type) {
	case *AnyTarget:
		return &bAny{}
	case *SubQuery:
		q := b.query(t.Query)
		if q.kind == nil {
			return nil
		}
		if !q.limit.Set {
			// A sub-query stands for a set: its order matters only to its LIMIT, and
			// without one, reading the order column would cost pages for nothing.
			q.order = nil
		}
		return &bSub{sq: t, q: q}
	case *EntityTarget:
		return b.entityRef(t.Ref)
	}
	return nil
}

func (b *binder) entityRef(r EntityRef) btarget {
	te := &bEntity{ref: r}
	if r.Form == RefIRI {
		return te
	}
	raw := r.Raw
	ur, err := uriRef(r)
	if err != nil {
		b.errorf(r.Pos, ErrBadRef, "entity reference %s: %v", raw, err)
		return nil
	}
	if ur.IsAbsolute() && ur.Scope != b.db.Scope() {
		if b.db.Scope().IsZero() {
			b.errorf(r.Pos, entity.ErrScope, "entity %s is in another store: this store has no scope", raw)
		} else {
			b.errorf(r.Pos, entity.ErrScope, "entity %s is in another store: this store is %s", raw, b.db.Scope())
		}
		return nil
	}
	if ur.Kind != "" {
		kpos := r.Pos
		if r.Form == RefURI {
			kpos.Col += len("ic://") + len(r.Canister) + 1
			kpos.Offset += len("ic://") + len(r.Canister) + 1
		}
		te.kind = b.kind(ur.Kind, kpos, raw)
		if te.kind == nil {
			return nil
		}
	}
	te.uref = ur
	return te
}

// uriRef returns the uri.Ref of an entity reference from the parts the lexer found (the
// one parser of references): the uri package parses the canister as a scope and checks
// the kind and the ID, and the reference must be written as the uri package writes it
// (no leading zeros, a lowercase ic://), so that one entity has one spelling.
func uriRef(r EntityRef) (uri.Ref, error) {
	ur := uri.Ref{Kind: r.Kind, ID: r.ID}
	if r.Form == RefURI {
		sc, err := uri.ParseScope(r.Canister)
		if err != nil {
			return uri.Ref{}, err
		}
		ur.Scope = sc
	}
	if err := ur.Validate(); err != nil {
		return uri.Ref{}, err
	}
	if s := ur.String(); s != r.Raw {
		return uri.Ref{}, fmt.Errorf("write it as %s", s)
	}
	return ur, nil
}
