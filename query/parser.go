package query

import (
	"fmt"
	"strconv"
	"strings"
)

const (
	// maxNesting bounds NOTs, parentheses and sub-queries inside one
	// another, so that hostile input cannot exhaust the stack.
	maxNesting = 1000
	// maxErrors is how many errors Parse collects before it gives up.
	maxErrors = 10
)

// Parse parses one query. On error it returns a nil Query and an ErrorList
// sorted by position whose errors wrap ErrSyntax.
func Parse(src string) (*Query, error) {
	p := &parser{}
	p.lx.init(src, &p.errs)
	return p.parse()
}

// Split cuts src into the texts of the queries it holds, at the semicolons that end them:
// not those inside strings, quoted names, IRIs or comments, which it tells apart as Parse
// does. Pieces holding nothing but white space and comments are dropped. Text that does
// not lex is kept in a piece for Parse to report.
func Split(src string) []string {
	var errs ErrorList
	var lx lexer
	lx.init(src, &errs)
	var out []string
	start, empty, target := 0, true, false
	flush := func(end int) {
		if !empty {
			out = append(out, strings.TrimSpace(src[start:end]))
		}
		start, empty = end+1, true
	}
	for {
		t := lx.next(target)
		switch t.kind {
		case tEOF:
			flush(len(src))
			return out
		case tSemi:
			flush(t.pos.Offset)
		case tIllegal:
			// Go on after the byte at fault; Parse reports it when the piece is run.
			lx.off = max(lx.off, t.pos.Offset+1)
			empty = false
		default:
			empty = false
		}
		target = t.kind == tOut || t.kind == tIn || t.kind == tOutPlus || t.kind == tInPlus
	}
}

// ParseEntityRef parses an entity reference as it is written after an arrow:
// ic://<canister>/<kind>/<id>, <kind>/<id>, #<id> or <iri>. The reference's
// Pos is relative to s. The error is an ErrorList wrapping ErrSyntax.
func ParseEntityRef(s string) (EntityRef, error) {
	var errs ErrorList
	var lx lexer
	lx.init(s, &errs)
	start := lx.off
	t := lx.next(true)
	if len(errs) == 0 {
		switch {
		case t.kind != tRef:
			lx.errorf(t.pos.Offset, "expected entity reference, found %s", t.describe())
		case t.pos.Offset != start || lx.off != len(s):
			lx.errorf(t.pos.Offset, "entity reference %q has text around it", clip(s))
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		return EntityRef{}, errs
	}
	return t.ref, nil
}

// bailout is panicked to stop parsing at an error the parser cannot go on
// from; parse recovers it.
type bailout struct{}

type parser struct {
	lx    lexer
	tok   token // the current token, not yet consumed
	errs  ErrorList
	depth int // nesting of NOT, parentheses and sub-queries
}

func (p *parser) parse() (q *Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
		}
		if len(p.errs) > 0 {
			p.errs.Sort()
			q, err = nil, p.errs
		}
	}()
	p.next()
	return p.parseQuery(), nil
}

// next moves to the next token.
func (p *parser) next() {
	p.tok = p.lx.next(false)
	p.checkLexer()
}

// nextTarget moves to the next token, lexing it as a verb's target.
func (p *parser) nextTarget() {
	p.tok = p.lx.next(true)
	p.checkLexer()
}

func (p *parser) checkLexer() {
	if p.tok.kind == tIllegal || len(p.errs) >= maxErrors {
		panic(bailout{})
	}
}

// error records an error and goes on parsing.
func (p *parser) error(pos Pos, format string, args ...any) {
	p.errs = append(p.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Err: ErrSyntax})
	if len(p.errs) >= maxErrors {
		panic(bailout{})
	}
}

// fail records an error and stops parsing.
func (p *parser) fail(pos Pos, format string, args ...any) {
	p.errs = append(p.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Err: ErrSyntax})
	panic(bailout{})
}

// expected stops parsing at the current token, which is not what was
// expected. An identifier close to one of the keywords kws is reported as a
// misspelt keyword.
func (p *parser) expected(what string, kws ...string) {
	if p.tok.kind == tIdent {
		if s, ok := Suggest(p.tok.text, kws); ok {
			p.fail(p.tok.pos, "unknown keyword %q; did you mean %q?", p.tok.text, s)
		}
	}
	p.fail(p.tok.pos, "expected %s, found %s", what, p.tok.describe())
}

// expectedOneOf is expected with a list of tokens, such as "AND", "OR",
// "ORDER BY" and "end of query". Those that are keywords are suggested for a
// misspelling.
func (p *parser) expectedOneOf(items []string) {
	var kws []string
	for _, it := range items {
		kw, _, _ := strings.Cut(it, " ")
		if lookupKeyword(kw) != tIdent {
			kws = append(kws, kw)
		}
	}
	p.expected(orList(items), kws...)
}

// orList writes items as "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxNesting {
		p.fail(p.tok.pos, "conditions nested more than %d deep", maxNesting)
	}
}

func (p *parser) leave() { p.depth-- }

// parseQuery parses [EXPLAIN] FIND … [;] up to the end of the input.
func (p *parser) parseQuery() *Query {
	q := &Query{}
	if p.tok.kind == tExplain {
		q.Explain = true
		p.next()
		// ANALYZE is a keyword only here, where no name can stand: it stays a valid name.
		if p.tok.kind == tIdent && strings.EqualFold(p.tok.text, "ANALYZE") {
			q.Analyze = true
			p.next()
		}
		if p.tok.kind != tFind {
			p.expected("FIND", "FIND")
		}
	} else if p.tok.kind != tFind {
		p.expected("FIND or EXPLAIN", "FIND", "EXPLAIN")
	}
	p.parseBody(q, false)
	return q
}

// Clauses, ranked in the order they must be written.
const (
	rankWhere = iota + 1
	rankSelect
	rankOrder
	rankLimit
	rankBudget
)

var clauseRank = map[tokKind]int{
	tWhere:  rankWhere,
	tSelect: rankSelect,
	tCount:  rankSelect,
	tOrder:  rankOrder,
	tLimit:  rankLimit,
	tBudget: rankBudget,
}

var clauseName = map[tokKind]string{
	tWhere:  "WHERE",
	tSelect: "SELECT",
	tCount:  "COUNT",
	tOrder:  "ORDER BY",
	tLimit:  "LIMIT",
	tBudget: "BUDGET",
}

// parseBody parses FIND <kind> and its clauses, from the FIND keyword up to
// the end of the query, or up to the closing parenthesis of a sub-query.
func (p *parser) parseBody(q *Query, sub bool) {
	q.Pos = p.tok.pos
	p.next()
	q.Kind = p.parseName("kind name")

	var (
		last tokKind // the clause of the highest rank so far
		seen = map[tokKind]bool{}
		more []string // what could continue the last clause
	)
	for {
		kw := p.tok
		rank, ok := clauseRank[kw.kind]
		if !ok {
			break
		}
		switch {
		case sub && (kw.kind == tSelect || kw.kind == tCount || kw.kind == tBudget):
			p.error(kw.pos, "%s is not allowed in a sub-query", clauseName[kw.kind])
		case seen[kw.kind]:
			p.error(kw.pos, "duplicate %s", clauseName[kw.kind])
		case kw.kind == tSelect && seen[tCount] || kw.kind == tCount && seen[tSelect]:
			p.error(kw.pos, "SELECT and COUNT cannot be combined")
		case rank < clauseRank[last]:
			p.error(kw.pos, "%s must come before %s", clauseName[kw.kind], clauseName[last])
		}
		seen[kw.kind] = true
		if rank >= clauseRank[last] {
			last = kw.kind
		}
		p.next()
		more = nil
		switch kw.kind {
		case tWhere:
			q.Where = p.parseOr()
			more = []string{"AND", "OR"}
		case tSelect:
			q.Select = append(q.Select[:0], p.parseSelected())
			for p.tok.kind == tComma {
				p.next()
				q.Select = append(q.Select, p.parseSelected())
			}
			more = []string{"','"}
		case tCount:
			q.Count = true
		case tOrder:
			q.OrderBy = &Order{Pos: kw.pos}
			if p.tok.kind != tBy {
				p.expected("BY after ORDER", "BY")
			}
			p.next()
			q.OrderBy.Col = p.parseName("column name")
			switch p.tok.kind {
			case tAsc:
				p.next()
			case tDesc:
				q.OrderBy.Desc = true
				p.next()
			default:
				more = []string{"ASC", "DESC"}
			}
		case tLimit:
			q.Limit = Limit{Pos: kw.pos, Set: true, N: p.parseCount("LIMIT")}
		case tBudget:
			q.Budget = BudgetClause{Pos: kw.pos, Set: true, Pages: p.parseCount("BUDGET")}
		}
	}

	// What may follow: the clauses after the last one, then the end.
	expect := more
	for _, k := range []tokKind{tWhere, tSelect, tCount, tOrder, tLimit, tBudget} {
		if clauseRank[k] > clauseRank[last] && !(sub && (k == tSelect || k == tCount || k == tBudget)) {
			expect = append(expect, clauseName[k])
		}
	}
	if sub {
		if p.tok.kind != tRParen {
			p.expectedOneOf(append(expect, "')'"))
		}
		return
	}
	if p.tok.kind == tSemi {
		p.next()
		if p.tok.kind != tEOF {
			p.expected("end of query after ';'")
		}
	}
	if p.tok.kind != tEOF {
		p.expectedOneOf(append(expect, "end of query"))
	}
}

// parseName parses a bare or backquoted name.
func (p *parser) parseName(what string) Name {
	switch {
	case p.tok.kind == tIdent || p.tok.kind == tQuoted:
		n := Name{Pos: p.tok.pos, Name: p.tok.val}
		p.next()
		return n
	case p.tok.kind.isKeyword():
		p.fail(p.tok.pos, "expected %s, found keyword %s (quote it as `%s` to use it as a name)",
			what, strings.ToUpper(p.tok.text), p.tok.text)
	}
	p.expected(what)
	panic("unreachable")
}

// parseSelected parses a column name or IRI after SELECT.
func (p *parser) parseSelected() Name {
	if p.tok.kind == tIRI {
		n := Name{Pos: p.tok.pos, Name: SelectIRI}
		p.next()
		return n
	}
	return p.parseName("column name or IRI")
}

// parseCount parses the non-negative integer after LIMIT or BUDGET.
func (p *parser) parseCount(kw string) uint64 {
	t := p.tok
	if t.kind != tInt {
		p.expected("non-negative integer after " + kw)
	}
	p.next()
	if strings.HasPrefix(t.text, "-") {
		p.error(t.pos, "%s must not be negative", kw)
		return 0
	}
	n, err := strconv.ParseUint(t.text, 10, 64)
	if err != nil {
		p.error(t.pos, "%s %s out of range", kw, clip(t.text))
	}
	return n
}

// parseOr parses cond { OR cond }.
func (p *parser) parseOr() Cond {
	c := p.parseAnd()
	for p.tok.kind == tOr {
		pos := p.tok.pos
		p.next()
		c = &OrCond{Pos: pos, L: c, R: p.parseAnd()}
	}
	return c
}

// parseAnd parses unary { AND unary }.
func (p *parser) parseAnd() Cond {
	c := p.parseUnary()
	for p.tok.kind == tAnd {
		pos := p.tok.pos
		p.next()
		c = &AndCond{Pos: pos, L: c, R: p.parseUnary()}
	}
	return c
}

// parseUnary parses NOT unary, ( cond ), HAS col, or a predicate.
func (p *parser) parseUnary() Cond {
	pos := p.tok.pos
	switch p.tok.kind {
	case tNot:
		p.enter()
		p.next()
		c := &NotCond{Pos: pos, X: p.parseUnary()}
		p.leave()
		return c
	case tLParen:
		p.enter()
		p.next()
		c := p.parseOr()
		if p.tok.kind != tRParen {
			p.expectedOneOf([]string{"AND", "OR", "')'"})
		}
		p.next()
		p.leave()
		return c
	case tHas:
		p.next()
		return &HasCond{Pos: pos, Col: p.parseName("column name")}
	case tIdent, tQuoted:
		return p.parsePredicate()
	}
	if p.tok.kind.isKeyword() {
		p.fail(pos, "expected condition, found keyword %s (quote it as `%s` to use it as a name)",
			strings.ToUpper(p.tok.text), p.tok.text)
	}
	p.expected("condition")
	panic("unreachable")
}

var compareOps = map[tokKind]Op{tEq: OpEq, tNe: OpNe, tLt: OpLt, tLe: OpLe, tGt: OpGt, tGe: OpGe}

// parsePredicate parses col op literal, col BETWEEN lo AND hi, or verb arrow target.
func (p *parser) parsePredicate() Cond {
	name := p.parseName("column name")
	pos := p.tok.pos
	if op, ok := compareOps[p.tok.kind]; ok {
		p.next()
		return &CompareCond{Pos: pos, Col: name, Op: op, Value: p.parseLiteral()}
	}
	switch p.tok.kind {
	case tBetween:
		p.next()
		lo := p.parseLiteral()
		if p.tok.kind != tAnd {
			p.expected("AND after BETWEEN's lower bound", "AND")
		}
		p.next()
		return &BetweenCond{Pos: pos, Col: name, Lo: lo, Hi: p.parseLiteral()}
	case tOut, tIn, tOutPlus, tInPlus:
		c := &FollowCond{
			Pos:        pos,
			Verb:       name,
			Dir:        DirOut,
			Transitive: p.tok.kind == tOutPlus || p.tok.kind == tInPlus,
		}
		if p.tok.kind == tIn || p.tok.kind == tInPlus {
			c.Dir = DirIn
		}
		p.nextTarget()
		c.Target = p.parseTarget()
		return c
	}
	p.expected("comparison operator, BETWEEN, '->' or '<-'", "BETWEEN")
	panic("unreachable")
}

// parseLiteral parses an integer, float, string, true or false.
func (p *parser) parseLiteral() Literal {
	t := p.tok
	l := Literal{Pos: t.pos}
	switch t.kind {
	case tInt:
		l.Kind = LitInt
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			p.error(t.pos, "integer %s out of range: integers fit an int64; write a larger number as a float (%se0)", clip(t.text), clip(t.text))
		}
		l.Int = v
	case tFloat:
		l.Kind = LitFloat
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			p.error(t.pos, "float %s out of range", clip(t.text))
		}
		l.Float = v
	case tString:
		l.Kind, l.Str, l.Lang = LitString, t.val, t.lang
	case tTrue, tFalse:
		l.Kind, l.Bool = LitBool, t.kind == tTrue
	case tIdent:
		p.fail(t.pos, "expected literal, found %s (write a string in double quotes: %s)",
			t.describe(), strconv.Quote(clip(t.text)))
	default:
		p.expected("literal (number, string, true or false)")
	}
	p.next()
	return l
}

// parseTarget parses ANY, an entity reference or ( FIND … ), the current
// token having been lexed as a target.
func (p *parser) parseTarget() Target {
	pos := p.tok.pos
	switch p.tok.kind {
	case tAny:
		p.next()
		return &AnyTarget{Pos: pos}
	case tRef:
		t := &EntityTarget{Ref: p.tok.ref}
		p.next()
		return t
	case tLParen:
		p.enter()
		p.next()
		q := &Query{}
		if p.tok.kind == tExplain {
			p.error(p.tok.pos, "EXPLAIN is not allowed in a sub-query")
			p.next()
		}
		if p.tok.kind != tFind {
			p.expected("FIND after '(' of a sub-query", "FIND")
		}
		p.parseBody(q, true)
		p.next() // the ')' that parseBody found
		p.leave()
		return &SubQuery{Pos: pos, Query: q}
	}
	p.expected("ANY, entity reference or '(' sub-query", "ANY")
	panic("unreachable")
}
