package query

import (
	"reflect"
	"slices"
)

// Builder builds a Query in Go. Its methods set a clause and return the
// Builder, so that calls chain:
//
//	q := query.Find("player").
//		Where(query.And(query.Lt("health", 10), query.Out("member_of", query.Entity("guild/7")))).
//		Select("name", "health").
//		OrderBy("health", false).
//		Limit(20).
//		Query()
//
// The result equals what Parse returns for the same query, but that its
// nodes have zero positions. The builder does not check its input: call
// Query.Validate, as the executor does, to find names and references that
// cannot be written as query text.
type Builder struct {
	q Query
}

// Find starts a query for the entities of kind.
func Find(kind string) *Builder {
	return &Builder{q: Query{Kind: Name{Name: kind}}}
}

// Explain makes the query describe its plan instead of running.
func (b *Builder) Explain() *Builder {
	b.q.Explain = true
	return b
}

// Where sets the condition, replacing any set before. A nil condition
// matches every entity.
func (b *Builder) Where(c Cond) *Builder {
	b.q.Where = c
	return b
}

// Select sets the columns to return, replacing any set before.
func (b *Builder) Select(cols ...string) *Builder {
	b.q.Select = names(cols)
	return b
}

// Count makes the query return the number of matching entities.
func (b *Builder) Count() *Builder {
	b.q.Count = true
	return b
}

// OrderBy orders the results by col, largest first if desc.
func (b *Builder) OrderBy(col string, desc bool) *Builder {
	b.q.OrderBy = &Order{Col: Name{Name: col}, Desc: desc}
	return b
}

// Limit returns at most n entities.
func (b *Builder) Limit(n uint64) *Builder {
	b.q.Limit = Limit{Set: true, N: n}
	return b
}

// Budget stops the query if it would touch more than pages distinct pages.
func (b *Builder) Budget(pages uint64) *Builder {
	b.q.Budget = BudgetClause{Set: true, Pages: pages}
	return b
}

// Query returns the query built so far. Later calls on b do not change it.
func (b *Builder) Query() *Query {
	q := b.q
	q.Select = slices.Clone(q.Select)
	if q.OrderBy != nil {
		o := *q.OrderBy
		q.OrderBy = &o
	}
	return &q
}

func names(ss []string) []Name {
	if len(ss) == 0 {
		return nil
	}
	ns := make([]Name, len(ss))
	for i, s := range ss {
		ns[i] = Name{Name: s}
	}
	return ns
}

// And returns a condition that holds when all of conds hold, nested to the
// left as the parser nests a AND b AND c. Nil conditions are skipped; And of
// one condition is that condition, and of none is nil.
func And(conds ...Cond) Cond {
	return chain(conds, func(l, r Cond) Cond { return &AndCond{L: l, R: r} })
}

// Or returns a condition that holds when any of conds holds, nested as And
// nests. Nil conditions are skipped; Or of one condition is that condition,
// and of none is nil.
func Or(conds ...Cond) Cond {
	return chain(conds, func(l, r Cond) Cond { return &OrCond{L: l, R: r} })
}

func chain(conds []Cond, join func(l, r Cond) Cond) Cond {
	var c Cond
	for _, x := range conds {
		switch {
		case x == nil:
		case c == nil:
			c = x
		default:
			c = join(c, x)
		}
	}
	return c
}

// Not returns a condition that holds when c does not.
func Not(c Cond) Cond { return &NotCond{X: c} }

// LiteralValue is the set of Go types that Lit turns into a Literal.
// Unsigned integers wider than 32 bits are left out because a Literal's
// integers are int64.
type LiteralValue interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint8 | ~uint16 | ~uint32 |
		~float32 | ~float64 | ~string | ~bool
}

// Lit returns the literal with value v.
func Lit[V LiteralValue](v V) Literal {
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return Literal{Kind: LitInt, Int: rv.Int()}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return Literal{Kind: LitInt, Int: int64(rv.Uint())}
	case reflect.Float32, reflect.Float64:
		return Literal{Kind: LitFloat, Float: rv.Float()}
	case reflect.String:
		return Literal{Kind: LitString, Str: rv.String()}
	default: // reflect.Bool, the only kind left in LiteralValue
		return Literal{Kind: LitBool, Bool: rv.Bool()}
	}
}

func compare[V LiteralValue](col string, op Op, v V) Cond {
	return &CompareCond{Col: Name{Name: col}, Op: op, Value: Lit(v)}
}

// Eq returns the condition col = v.
func Eq[V LiteralValue](col string, v V) Cond { return compare(col, OpEq, v) }

// Ne returns the condition col != v.
func Ne[V LiteralValue](col string, v V) Cond { return compare(col, OpNe, v) }

// Lt returns the condition col < v.
func Lt[V LiteralValue](col string, v V) Cond { return compare(col, OpLt, v) }

// Le returns the condition col <= v.
func Le[V LiteralValue](col string, v V) Cond { return compare(col, OpLe, v) }

// Gt returns the condition col > v.
func Gt[V LiteralValue](col string, v V) Cond { return compare(col, OpGt, v) }

// Ge returns the condition col >= v.
func Ge[V LiteralValue](col string, v V) Cond { return compare(col, OpGe, v) }

// Between returns the condition col BETWEEN lo AND hi.
func Between[L, H LiteralValue](col string, lo L, hi H) Cond {
	return &BetweenCond{Col: Name{Name: col}, Lo: Lit(lo), Hi: Lit(hi)}
}

// Has returns the condition HAS col: the entity has a value in col.
func Has(col string) Cond { return &HasCond{Col: Name{Name: col}} }

func follow(verb string, dir Dir, transitive bool, t Target) Cond {
	return &FollowCond{Verb: Name{Name: verb}, Dir: dir, Transitive: transitive, Target: t}
}

// Out returns the condition verb -> t: the entity has a verb edge to t.
func Out(verb string, t Target) Cond { return follow(verb, DirOut, false, t) }

// In returns the condition verb <- t: t has a verb edge to the entity.
func In(verb string, t Target) Cond { return follow(verb, DirIn, false, t) }

// OutTransitive returns the condition verb ->+ t: a path of one or more verb
// edges leads from the entity to t.
func OutTransitive(verb string, t Target) Cond { return follow(verb, DirOut, true, t) }

// InTransitive returns the condition verb <-+ t: a path of one or more verb
// edges leads from t to the entity.
func InTransitive(verb string, t Target) Cond { return follow(verb, DirIn, true, t) }

// Any returns the target ANY: any entity.
func Any() Target { return &AnyTarget{} }

// Entity returns the entity named by ref, written as in a query:
// "ic://<canister>/<kind>/<id>", "<kind>/<id>", "#<id>" or "<iri>". A ref
// that does not parse gives a target that Query.Validate reports.
func Entity(ref string) Target {
	r, err := ParseEntityRef(ref)
	if err != nil {
		return &EntityTarget{Ref: EntityRef{Raw: ref}}
	}
	r.Pos = Pos{}
	return &EntityTarget{Ref: r}
}

// Sub returns the target "any of the entities that b finds".
func Sub(b *Builder) Target { return &SubQuery{Query: b.Query()} }
