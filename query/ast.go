package query

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pos is a position in query text. The zero Pos is not valid; nodes built
// in Go rather than parsed have it.
type Pos struct {
	Offset int // byte offset, from 0
	Line   int // line, from 1
	Col    int // column in bytes, from 1
}

// IsValid reports whether p is a position in query text.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String returns "line:col", or "-" for the zero Pos.
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Query is a FIND query: the entities of one kind that satisfy a condition,
// and what to return about them. A Query is also the body of a sub-query
// target, where only Kind, Where, OrderBy and Limit may be set.
type Query struct {
	Pos     Pos          // position of the FIND keyword
	Explain bool         // EXPLAIN: describe the plan instead of running it
	Analyze bool         // EXPLAIN ANALYZE: run the query and describe the plan with what each step did
	Kind    Name         // the kind of entity to find
	Where   Cond         // the condition the entities satisfy; nil matches every entity of Kind
	Select  []Name       // SELECT: the columns to return; empty returns the entities
	Count   bool         // COUNT: return how many entities match; never set with Select
	OrderBy *Order       // ORDER BY, or nil
	Limit   Limit        // LIMIT: the most entities to return
	Budget  BudgetClause // BUDGET: the most pages the query may touch
}

// SelectIRI is the name a Query's Select holds for IRI (SELECT IRI, name): the entity's
// external IRI, or for an entity without one its blank-node label _:b<id>, as N-Triples
// export writes it.
const SelectIRI = "$iri"

// Name is a kind, column or verb name as written in a query.
type Name struct {
	Pos  Pos
	Name string // the name itself, without the backquotes of a quoted name
}

// String returns the name as query text: bare if it is an identifier and
// not a keyword, IRI for SelectIRI, else in backquotes.
func (n Name) String() string {
	if n.Name == SelectIRI {
		return "IRI"
	}
	if isIdent(n.Name) {
		return n.Name
	}
	return "`" + n.Name + "`"
}

// Order is an ORDER BY clause.
type Order struct {
	Pos  Pos  // position of the ORDER keyword
	Col  Name // the column to order by
	Desc bool // DESC: largest first
}

// Limit is a LIMIT clause.
type Limit struct {
	Pos Pos    // position of the LIMIT keyword
	Set bool   // whether the query has a LIMIT clause
	N   uint64 // the most entities to return; may be 0
}

// BudgetClause is a BUDGET clause. (A store.Budget is what a message may touch; this
// is how many pages a query asks to be held to.)
type BudgetClause struct {
	Pos   Pos    // position of the BUDGET keyword
	Set   bool   // whether the query has a BUDGET clause
	Pages uint64 // the most distinct 4 KiB pages the query may touch
}

// Cond is a condition on an entity: *AndCond, *OrCond, *NotCond,
// *CompareCond, *BetweenCond, *HasCond or *FollowCond.
type Cond interface {
	// Position returns the position of the operator or keyword that makes
	// the condition: AND, OR, NOT, the comparison operator, BETWEEN, HAS or
	// the arrow.
	Position() Pos
	// String returns the condition as query text.
	String() string
	cond()
}

// AndCond holds when both L and R hold. A chain a AND b AND c parses
// left-nested: ((a AND b) AND c).
type AndCond struct {
	Pos  Pos // position of AND
	L, R Cond
}

// OrCond holds when L or R holds. A chain parses left-nested, as AndCond does.
type OrCond struct {
	Pos  Pos // position of OR
	L, R Cond
}

// NotCond holds when X does not.
type NotCond struct {
	Pos Pos // position of NOT
	X   Cond
}

// CompareCond holds when the entity's value in column Col compares to Value
// by Op.
type CompareCond struct {
	Pos   Pos // position of the operator
	Col   Name
	Op    Op
	Value Literal
}

// BetweenCond holds when the entity's value in column Col is at least Lo and
// at most Hi.
type BetweenCond struct {
	Pos    Pos // position of BETWEEN
	Col    Name
	Lo, Hi Literal
}

// HasCond holds when the entity has a value in column Col.
type HasCond struct {
	Pos Pos // position of HAS
	Col Name
}

// FollowCond holds when the entity is linked to Target by Verb edges:
//
//	verb -> t    the entity has a verb edge to t          (DirOut)
//	verb <- t    t has a verb edge to the entity          (DirIn)
//	verb ->+ t   a path of one or more verb edges leads from the entity to t
//	verb <-+ t   a path of one or more verb edges leads from t to the entity
//
// Transitive paths may contain cycles; each entity is visited once.
type FollowCond struct {
	Pos        Pos // position of the arrow
	Verb       Name
	Dir        Dir
	Transitive bool // ->+ or <-+
	Target     Target
}

func (*AndCond) cond()     {}
func (*OrCond) cond()      {}
func (*NotCond) cond()     {}
func (*CompareCond) cond() {}
func (*BetweenCond) cond() {}
func (*HasCond) cond()     {}
func (*FollowCond) cond()  {}

// Position returns the position of AND.
func (c *AndCond) Position() Pos { return c.Pos }

// Position returns the position of OR.
func (c *OrCond) Position() Pos { return c.Pos }

// Position returns the position of NOT.
func (c *NotCond) Position() Pos { return c.Pos }

// Position returns the position of the comparison operator.
func (c *CompareCond) Position() Pos { return c.Pos }

// Position returns the position of BETWEEN.
func (c *BetweenCond) Position() Pos { return c.Pos }

// Position returns the position of HAS.
func (c *HasCond) Position() Pos { return c.Pos }

// Position returns the position of the arrow.
func (c *FollowCond) Position() Pos { return c.Pos }

// Op is a comparison operator.
type Op int

// The comparison operators.
const (
	OpEq Op = iota + 1 // =
	OpNe               // !=
	OpLt               // <
	OpLe               // <=
	OpGt               // >
	OpGe               // >=
)

var opText = [...]string{OpEq: "=", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">="}

// String returns the operator as written in a query, such as "<=".
func (op Op) String() string {
	if op < OpEq || op > OpGe {
		return "Op(" + strconv.Itoa(int(op)) + ")"
	}
	return opText[op]
}

// Dir is the direction in which a FollowCond follows a verb's edges.
type Dir int

// The directions of a FollowCond.
const (
	DirOut Dir = iota + 1 // ->: from the entity to the target
	DirIn                 // <-: from the target to the entity
)

// String returns the arrow of the direction: "->" or "<-".
func (d Dir) String() string {
	switch d {
	case DirOut:
		return "->"
	case DirIn:
		return "<-"
	}
	return "Dir(" + strconv.Itoa(int(d)) + ")"
}

// Target is what a FollowCond's edges lead to: *AnyTarget, *EntityTarget or
// *SubQuery.
type Target interface {
	// Position returns the position of the target's first token.
	Position() Pos
	// String returns the target as query text.
	String() string
	target()
}

// AnyTarget is ANY: any entity at all.
type AnyTarget struct {
	Pos Pos // position of ANY
}

// EntityTarget is one entity, named by a reference.
type EntityTarget struct {
	Ref EntityRef
}

// SubQuery is a parenthesised FIND: any of the entities it finds.
type SubQuery struct {
	Pos   Pos // position of the opening parenthesis
	Query *Query
}

func (*AnyTarget) target()    {}
func (*EntityTarget) target() {}
func (*SubQuery) target()     {}

// Position returns the position of ANY.
func (t *AnyTarget) Position() Pos { return t.Pos }

// Position returns the position of the reference.
func (t *EntityTarget) Position() Pos { return t.Ref.Pos }

// Position returns the position of the opening parenthesis.
func (t *SubQuery) Position() Pos { return t.Pos }

// RefForm is the way an entity reference is written.
type RefForm int

// The forms of entity reference.
const (
	RefURI    RefForm = iota + 1 // ic://<canister>/<kind>/<id>
	RefKindID                    // <kind>/<id>, in the store being queried
	RefHashID                    // #<id>, in the store being queried
	RefIRI                       // <iri>: an external IRI, such as one imported from RDF
)

// String returns the name of the form, such as "KindID".
func (f RefForm) String() string {
	switch f {
	case RefURI:
		return "URI"
	case RefKindID:
		return "KindID"
	case RefHashID:
		return "HashID"
	case RefIRI:
		return "IRI"
	}
	return "RefForm(" + strconv.Itoa(int(f)) + ")"
}

// EntityRef is a reference to one entity as written in a query. The parser
// checks only its shape and splits it into its fields; whether the canister,
// kind and ID are well formed and name an entity is for the binder to decide,
// from those fields, with the uri package's rules for each part (a reference is
// parsed once, here).
type EntityRef struct {
	Pos      Pos
	Form     RefForm
	Raw      string // the reference exactly as written, such as "guild/7" or "<http://x/y>"
	Canister string // RefURI: the canister or scope, unvalidated
	Kind     string // RefURI, RefKindID: the entity's kind
	ID       uint64 // RefURI, RefKindID, RefHashID: the entity's ID
	IRI      string // RefIRI: the IRI without its angle brackets
}

// String returns Raw.
func (r EntityRef) String() string { return r.Raw }

// LitKind is the type of a Literal.
type LitKind int

// The types of literal.
const (
	LitInt    LitKind = iota + 1 // Literal.Int
	LitFloat                     // Literal.Float
	LitString                    // Literal.Str
	LitBool                      // Literal.Bool
)

// String returns the name of the type: "int", "float", "string" or "bool".
func (k LitKind) String() string {
	switch k {
	case LitInt:
		return "int"
	case LitFloat:
		return "float"
	case LitString:
		return "string"
	case LitBool:
		return "bool"
	}
	return "LitKind(" + strconv.Itoa(int(k)) + ")"
}

// Literal is a constant in a query. Kind says which of its value fields
// holds the value; the others are zero.
type Literal struct {
	Pos   Pos
	Kind  LitKind
	Int   int64
	Float float64
	Str   string
	Lang  string // a string's language tag ("chat"@fr), as RDF writes them; "" for none
	Bool  bool
}

// Value returns the literal's value as an int64, float64, string or bool,
// or nil if Kind is not valid.
func (l Literal) Value() any {
	switch l.Kind {
	case LitInt:
		return l.Int
	case LitFloat:
		return l.Float
	case LitString:
		return l.Str
	case LitBool:
		return l.Bool
	}
	return nil
}

// String returns the literal as query text. A float always has a '.' or an
// exponent, so that it reads back as a float.
func (l Literal) String() string {
	switch l.Kind {
	case LitInt:
		return strconv.FormatInt(l.Int, 10)
	case LitFloat:
		s := strconv.FormatFloat(l.Float, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEIN") { // I and N: Inf and NaN, which Validate refuses
			s += ".0"
		}
		return s
	case LitString:
		if l.Lang != "" {
			return strconv.Quote(l.Str) + "@" + l.Lang
		}
		return strconv.Quote(l.Str)
	case LitBool:
		return strconv.FormatBool(l.Bool)
	}
	return "<invalid literal>"
}

// String returns the query as canonical query text: keywords in upper case,
// names quoted only when they must be, and parentheses only where they are
// needed. If q.Validate reports no error, parsing the text gives a Query
// equal to q but for positions.
func (q *Query) String() string {
	var b strings.Builder
	writeQuery(&b, q)
	return b.String()
}

// String returns the condition as query text.
func (c *AndCond) String() string { return condString(c) }

// String returns the condition as query text.
func (c *OrCond) String() string { return condString(c) }

// String returns the condition as query text.
func (c *NotCond) String() string { return condString(c) }

// String returns the condition as query text.
func (c *CompareCond) String() string { return condString(c) }

// String returns the condition as query text.
func (c *BetweenCond) String() string { return condString(c) }

// String returns the condition as query text.
func (c *HasCond) String() string { return condString(c) }

// String returns the condition as query text.
func (c *FollowCond) String() string { return condString(c) }

// String returns "ANY".
func (t *AnyTarget) String() string { return "ANY" }

// String returns the reference as written.
func (t *EntityTarget) String() string { return t.Ref.Raw }

// String returns the sub-query in parentheses.
func (t *SubQuery) String() string {
	var b strings.Builder
	writeTarget(&b, t)
	return b.String()
}

func condString(c Cond) string {
	var b strings.Builder
	writeCond(&b, c)
	return b.String()
}

func writeQuery(b *strings.Builder, q *Query) {
	if q == nil {
		b.WriteString("<nil>")
		return
	}
	if q.Explain {
		b.WriteString("EXPLAIN ")
		if q.Analyze {
			b.WriteString("ANALYZE ")
		}
	}
	b.WriteString("FIND ")
	b.WriteString(q.Kind.String())
	if q.Where != nil {
		b.WriteString(" WHERE ")
		writeCond(b, q.Where)
	}
	for i, col := range q.Select {
		if i == 0 {
			b.WriteString(" SELECT ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(col.String())
	}
	if q.Count {
		b.WriteString(" COUNT")
	}
	if q.OrderBy != nil {
		b.WriteString(" ORDER BY ")
		b.WriteString(q.OrderBy.Col.String())
		if q.OrderBy.Desc {
			b.WriteString(" DESC")
		}
	}
	if q.Limit.Set {
		b.WriteString(" LIMIT ")
		b.WriteString(strconv.FormatUint(q.Limit.N, 10))
	}
	if q.Budget.Set {
		b.WriteString(" BUDGET ")
		b.WriteString(strconv.FormatUint(q.Budget.Pages, 10))
	}
}

// Precedences of conditions: OR binds loosest, then AND, then NOT and the
// predicates.
const (
	precOr = iota + 1
	precAnd
	precUnary
)

func precedence(c Cond) int {
	switch c.(type) {
	case *OrCond:
		return precOr
	case *AndCond:
		return precAnd
	}
	return precUnary
}

// needParens reports whether operand, of an operator of precedence prec,
// must be written in parentheses. AND and OR associate to the left, so a
// right operand of the same precedence needs them.
func needParens(operand Cond, prec int, right bool) bool {
	p := precedence(operand)
	return p < prec || right && p == prec
}

func writeOperand(b *strings.Builder, c Cond, prec int, right bool) {
	if needParens(c, prec, right) {
		b.WriteByte('(')
		writeCond(b, c)
		b.WriteByte(')')
		return
	}
	writeCond(b, c)
}

func writeCond(b *strings.Builder, c Cond) {
	switch c := c.(type) {
	case *AndCond:
		writeOperand(b, c.L, precAnd, false)
		b.WriteString(" AND ")
		writeOperand(b, c.R, precAnd, true)
	case *OrCond:
		writeOperand(b, c.L, precOr, false)
		b.WriteString(" OR ")
		writeOperand(b, c.R, precOr, true)
	case *NotCond:
		b.WriteString("NOT ")
		writeOperand(b, c.X, precUnary, false)
	case *CompareCond:
		b.WriteString(c.Col.String())
		b.WriteByte(' ')
		b.WriteString(c.Op.String())
		b.WriteByte(' ')
		b.WriteString(c.Value.String())
	case *BetweenCond:
		b.WriteString(c.Col.String())
		b.WriteString(" BETWEEN ")
		b.WriteString(c.Lo.String())
		b.WriteString(" AND ")
		b.WriteString(c.Hi.String())
	case *HasCond:
		b.WriteString("HAS ")
		b.WriteString(c.Col.String())
	case *FollowCond:
		b.WriteString(c.Verb.String())
		b.WriteByte(' ')
		b.WriteString(c.Dir.String())
		if c.Transitive {
			b.WriteByte('+')
		}
		b.WriteByte(' ')
		writeTarget(b, c.Target)
	default:
		b.WriteString("<nil>")
	}
}

func writeTarget(b *strings.Builder, t Target) {
	switch t := t.(type) {
	case *AnyTarget:
		b.WriteString("ANY")
	case *EntityTarget:
		b.WriteString(t.Ref.Raw)
	case *SubQuery:
		b.WriteByte('(')
		writeQuery(b, t.Query)
		b.WriteByte(')')
	default:
		b.WriteString("<nil>")
	}
}

// Validate reports whether q can be written as query text that parses back
// to q, as every Query that Parse returns can. Trees built in Go may not:
// a nil condition or target, a name with a backquote or newline, a
// malformed entity reference, a float that is not finite, a sub-query with
// EXPLAIN, SELECT, COUNT or BUDGET, or nesting deeper than the parser
// allows. The error is an *Error wrapping ErrInvalidQuery, positioned at
// the offending node if it has a position.
func (q *Query) Validate() error {
	v := validator{}
	v.query(q, Pos{}, false, 0)
	if v.err != nil {
		return v.err
	}
	return nil
}

type validator struct {
	err *Error
}

func (v *validator) fail(pos Pos, msg string) {
	if v.err == nil {
		v.err = &Error{Pos: pos, Msg: msg, Err: ErrInvalidQuery}
	}
}

func (v *validator) name(n Name, what string) {
	switch {
	case n.Name == "":
		v.fail(n.Pos, "empty "+what)
	case !utf8.ValidString(n.Name):
		v.fail(n.Pos, what+" "+strconv.Quote(n.Name)+" is not valid UTF-8")
	case strings.ContainsAny(n.Name, "`\n"):
		v.fail(n.Pos, what+" "+strconv.Quote(n.Name)+" contains a backquote or a newline")
	}
}

// depth follows the parser's nesting count: one level for each NOT, each
// parenthesised condition and each sub-query.
func (v *validator) depth(pos Pos, depth int) bool {
	if depth > maxNesting {
		v.fail(pos, "conditions nested more than "+strconv.Itoa(maxNesting)+" deep")
		return false
	}
	return true
}

func (v *validator) query(q *Query, pos Pos, sub bool, depth int) {
	if q == nil {
		v.fail(pos, "nil query")
		return
	}
	v.name(q.Kind, "kind")
	for _, col := range q.Select {
		v.name(col, "column")
	}
	if q.OrderBy != nil {
		v.name(q.OrderBy.Col, "column")
	}
	switch {
	case q.Count && len(q.Select) > 0:
		v.fail(q.Pos, "SELECT and COUNT cannot be combined")
	case sub && q.Explain:
		v.fail(q.Pos, "EXPLAIN is not allowed in a sub-query")
	case q.Analyze && !q.Explain:
		v.fail(q.Pos, "ANALYZE is only allowed after EXPLAIN")
	case sub && len(q.Select) > 0:
		v.fail(q.Pos, "SELECT is not allowed in a sub-query")
	case sub && q.Count:
		v.fail(q.Pos, "COUNT is not allowed in a sub-query")
	case sub && q.Budget.Set:
		v.fail(q.Budget.Pos, "BUDGET is not allowed in a sub-query")
	}
	if q.Where != nil {
		v.cond(q.Where, q.Pos, depth)
	}
}

func (v *validator) operand(c Cond, parent Pos, prec int, right bool, depth int) {
	if c != nil && needParens(c, prec, right) {
		depth++
		if !v.depth(parent, depth) {
			return
		}
	}
	v.cond(c, parent, depth)
}

func (v *validator) cond(c Cond, parent Pos, depth int) {
	if v.err != nil {
		return
	}
	if isNil(c) {
		v.fail(parent, "nil condition")
		return
	}
	switch c := c.(type) {
	case *AndCond:
		v.operand(c.L, c.Pos, precAnd, false, depth)
		v.operand(c.R, c.Pos, precAnd, true, depth)
	case *OrCond:
		v.operand(c.L, c.Pos, precOr, false, depth)
		v.operand(c.R, c.Pos, precOr, true, depth)
	case *NotCond:
		if v.depth(c.Pos, depth+1) {
			v.operand(c.X, c.Pos, precUnary, false, depth+1)
		}
	case *CompareCond:
		v.name(c.Col, "column")
		if c.Op < OpEq || c.Op > OpGe {
			v.fail(c.Pos, "invalid comparison operator "+c.Op.String())
		}
		v.literal(c.Value)
	case *BetweenCond:
		v.name(c.Col, "column")
		v.literal(c.Lo)
		v.literal(c.Hi)
	case *HasCond:
		v.name(c.Col, "column")
	case *FollowCond:
		v.name(c.Verb, "verb")
		if c.Dir != DirOut && c.Dir != DirIn {
			v.fail(c.Pos, "invalid direction "+c.Dir.String())
		}
		v.target(c.Target, c.Pos, depth)
	default:
		v.fail(parent, "unknown condition type "+reflect.TypeOf(c).String())
	}
}

// isNil reports whether x is nil or holds a nil pointer.
func isNil(x any) bool {
	v := reflect.ValueOf(x)
	return !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil()
}

func (v *validator) literal(l Literal) {
	if l.Lang != "" && (l.Kind != LitString || langTagEnd("@"+l.Lang, 0) != len(l.Lang)+1) {
		v.fail(l.Pos, "language tag "+strconv.Quote(l.Lang)+" is not valid or not on a string")
	}
	switch l.Kind {
	case LitInt, LitString, LitBool:
	case LitFloat:
		if math.IsInf(l.Float, 0) || math.IsNaN(l.Float) {
			v.fail(l.Pos, "float literal "+l.String()+" is not finite")
		}
	default:
		v.fail(l.Pos, "invalid literal kind "+l.Kind.String())
	}
}

func (v *validator) target(t Target, parent Pos, depth int) {
	if isNil(t) {
		v.fail(parent, "nil target")
		return
	}
	switch t := t.(type) {
	case *AnyTarget:
	case *EntityTarget:
		ref, err := ParseEntityRef(t.Ref.Raw)
		ref.Pos = t.Ref.Pos
		if err != nil || ref != t.Ref {
			v.fail(t.Ref.Pos, "entity reference "+strconv.Quote(t.Ref.Raw)+
				" is malformed or does not match its fields; build it with ParseEntityRef")
		}
	case *SubQuery:
		if v.depth(t.Pos, depth+1) {
			v.query(t.Query, t.Pos, true, depth+1)
		}
	default:
		v.fail(parent, "unknown target type "+reflect.TypeOf(t).String())
	}
}
