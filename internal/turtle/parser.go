package turtle

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stablegraph/stablegraph/internal/ntriples"
)

// IRIs the grammar produces by itself.
const (
	rdfNS      = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	rdfType    = rdfNS + "type"
	rdfFirst   = rdfNS + "first"
	rdfRest    = rdfNS + "rest"
	rdfNil     = rdfNS + "nil"
	xsdNS      = "http://www.w3.org/2001/XMLSchema#"
	xsdInteger = xsdNS + "integer"
	xsdDecimal = xsdNS + "decimal"
	xsdDouble  = xsdNS + "double"
	xsdBoolean = xsdNS + "boolean"
)

// genPrefix begins the labels of the blank nodes the parser makes for [] and
// collections. A label of the document that begins with it gets genEscape
// in front, so that the two never meet (see blankLabel).
const (
	genPrefix = "genid"
	genEscape = "genid-"
)

// Options configures a parse.
type Options struct {
	// Base is the IRI that relative IRIs resolve against until the document
	// sets its own with @base or BASE. It must be absolute, or empty: then a
	// relative IRI before any @base is an error.
	Base string
}

// ErrBase is returned by Parse for an Options.Base that is not an absolute
// IRI.
var ErrBase = errors.New("turtle: base IRI is not absolute")

// Parse reads the Turtle document r and calls fn with each triple and the
// number of the line it ends on, in document order, as soon as it is read:
// Parse holds no more of the document than the statement it is reading.
//
// It stops at the first error: a *SyntaxError, an error reading r (wrapped),
// or an error fn returned, unchanged. Triples of a statement that fails are
// not all passed to fn before the error; a caller that needs all or nothing
// keeps what fn got until Parse returns nil.
func Parse(r io.Reader, opts Options, fn func(line int, t ntriples.Triple) error) error {
	if opts.Base != "" && schemeLen(opts.Base) == 0 {
		return fmt.Errorf("%w: %q", ErrBase, opts.Base)
	}
	p := &parser{
		s:        newScanner(r),
		base:     opts.Base,
		prefixes: map[string]string{},
		intern:   map[string]string{},
		emit:     fn,
	}
	// A byte order mark is no part of the grammar, but editors on some systems write one.
	if p.s.peekAt(0) == 0xEF && p.s.peekAt(1) == 0xBB && p.s.peekAt(2) == 0xBF {
		p.s.advance(3)
	}
	err := p.document()
	if p.s.rerr != nil && (err == nil || errors.Is(err, ErrSyntax) && p.s.hitEnd) {
		// The document was cut short by the read error: that is the cause.
		return fmt.Errorf("turtle: reading line %d: %w", p.s.line, p.s.rerr)
	}
	return err
}

// maxIntern bounds the strings interned, as the N-Triples parser does.
const maxIntern = 4096

// parser is a recursive-descent parser of the Turtle 1.1 grammar (W3C
// Recommendation, 25 February 2014, section 6.5), working on the scanner's
// bytes directly rather than on tokens.
type parser struct {
	s        *scanner
	base     string
	prefixes map[string]string
	genID    int // blank nodes made so far
	intern   map[string]string
	buf      []byte // the value being decoded
	lastEnd  mark   // where the last object ended
	emit     func(line int, t ntriples.Triple) error
}

func (p *parser) errorf(m mark, format string, args ...any) error {
	return errorAt(m, format, args...)
}

// document parses statements up to the end of input.
func (p *parser) document() error {
	for {
		if err := p.ws(); err != nil {
			return err
		}
		if p.s.peek() < 0 {
			return nil
		}
		if err := p.statement(); err != nil {
			return err
		}
	}
}

// ws skips white space and comments.
func (p *parser) ws() error {
	for {
		switch p.s.peek() {
		case ' ', '\t':
			p.s.advance(1)
		case '\n', '\r':
			p.s.newline()
		case '#':
			if err := p.comment(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// comment consumes a comment up to the line end.
func (p *parser) comment() error {
	for {
		b := p.s.peek()
		switch {
		case b < 0 || b == '\n' || b == '\r':
			return nil
		case b < utf8.RuneSelf:
			p.s.advance(1)
		default:
			r, size := p.s.peekRuneAt(0)
			if r == invalidRune {
				return p.errorf(p.s.mark(), "invalid UTF-8 in comment")
			}
			p.s.advance(size)
		}
	}
}

// statement parses a directive or a run of triples ended by '.'.
func (p *parser) statement() error {
	m := p.s.mark()
	if p.s.peek() == '@' {
		word := p.word(1)
		switch word {
		case "prefix":
			p.s.advance(1 + len(word))
			return p.prefixDirective(m, true)
		case "base":
			p.s.advance(1 + len(word))
			return p.baseDirective(m, true)
		}
		return p.errorf(m, "unknown directive @%s: expected @prefix or @base", word)
	}
	// PREFIX and BASE, in any case; a prefixed name may begin with the same letters.
	if c := p.s.peek() | 0x20; c == 'p' || c == 'b' {
		if word := p.word(0); p.keywordEnds(len(word)) {
			switch strings.ToUpper(word) {
			case "PREFIX":
				p.s.advance(len(word))
				return p.prefixDirective(m, false)
			case "BASE":
				p.s.advance(len(word))
				return p.baseDirective(m, false)
			}
		}
	}
	if err := p.triples(); err != nil {
		return err
	}
	last := p.lastEnd
	if err := p.ws(); err != nil {
		return err
	}
	if p.s.peek() != '.' {
		if m := p.s.mark(); m.line != last.line {
			return p.errorf(m, "expected '.' to end the statement, found %s (is the '.' missing at the end of line %d?)", p.s.found(0), last.line)
		}
		return p.errorf(p.s.mark(), "expected '.' to end the statement, found %s", p.s.found(0))
	}
	p.s.advance(1)
	return nil
}

// word returns the run of ASCII letters k bytes after pos.
func (p *parser) word(k int) string {
	var b []byte
	for {
		c := p.s.peekAt(k + len(b))
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return string(b)
		}
		b = append(b, byte(c))
	}
}

// keywordEnds reports whether a keyword of n letters at pos is a whole
// token, not the start of a prefixed name such as a:b or prefixes:x.
func (p *parser) keywordEnds(n int) bool {
	if n == 0 {
		return false
	}
	c := p.s.peekAt(n)
	switch {
	case c < 0:
		return true
	case c == ':' || c == '.' && p.nameContinues(n+1):
		return false
	case c >= utf8.RuneSelf:
		r, _ := p.s.peekRuneAt(n)
		return !ntriples.IsPNChars(r)
	}
	return !ntriples.IsPNChars(rune(c))
}

// prefixDirective parses the rest of "@prefix p: <iri> ." (at) or
// "PREFIX p: <iri>".
func (p *parser) prefixDirective(m mark, at bool) error {
	if err := p.ws(); err != nil {
		return err
	}
	prefix, err := p.pnPrefix()
	if err != nil {
		return err
	}
	if p.s.peek() != ':' {
		return p.errorf(p.s.mark(), "expected ':' after the prefix name %q, found %s", prefix, p.s.found(0))
	}
	p.s.advance(1)
	iri, err := p.directiveIRI("the prefix's IRI")
	if err != nil {
		return err
	}
	p.prefixes[prefix] = iri
	return p.directiveEnd(m, at)
}

// baseDirective parses the rest of "@base <iri> ." (at) or "BASE <iri>".
func (p *parser) baseDirective(m mark, at bool) error {
	iri, err := p.directiveIRI("the base IRI")
	if err != nil {
		return err
	}
	p.base = iri
	return p.directiveEnd(m, at)
}

// directiveIRI parses the IRI of a directive, after white space.
func (p *parser) directiveIRI(what string) (string, error) {
	if err := p.ws(); err != nil {
		return "", err
	}
	if p.s.peek() != '<' {
		return "", p.errorf(p.s.mark(), "expected %s <…>, found %s", what, p.s.found(0))
	}
	return p.iriRef()
}

// directiveEnd parses the '.' that ends an @prefix or @base directive; the
// SPARQL forms have none.
func (p *parser) directiveEnd(m mark, at bool) error {
	if !at {
		return nil
	}
	if err := p.ws(); err != nil {
		return err
	}
	if p.s.peek() != '.' {
		return p.errorf(p.s.mark(), "expected '.' to end the directive begun at %d:%d, found %s", m.line, m.col, p.s.found(0))
	}
	p.s.advance(1)
	return nil
}

// triples parses the subject and predicate-object list of a statement.
func (p *parser) triples() error {
	m := p.s.mark()
	switch c := p.s.peek(); c {
	case '[':
		subj, anon, err := p.blankNodePropertyList()
		if err != nil {
			return err
		}
		if err := p.ws(); err != nil {
			return err
		}
		if !anon && p.s.peek() == '.' {
			return nil // a sole [ p o ] .
		}
		return p.predicateObjectList(subj)
	case '(':
		subj, err := p.collection()
		if err != nil {
			return err
		}
		if err := p.ws(); err != nil {
			return err
		}
		return p.predicateObjectList(subj)
	case '"', '\'':
		return p.errorf(m, "literal not allowed as subject: expected IRI or blank node")
	}
	subj, err := p.iriOrBlank("subject")
	if err != nil {
		return err
	}
	if err := p.ws(); err != nil {
		return err
	}
	return p.predicateObjectList(subj)
}

// predicateObjectList parses verb objectList (';' (verb objectList)?)*.
func (p *parser) predicateObjectList(subj ntriples.Term) error {
	if err := p.predicateObjects(subj); err != nil {
		return err
	}
	for {
		if err := p.ws(); err != nil {
			return err
		}
		if p.s.peek() != ';' {
			return nil
		}
		p.s.advance(1)
		if err := p.ws(); err != nil {
			return err
		}
		switch p.s.peek() {
		case ';', '.', ']', -1:
			continue
		}
		if err := p.predicateObjects(subj); err != nil {
			return err
		}
	}
}

// predicateObjects parses verb objectList.
func (p *parser) predicateObjects(subj ntriples.Term) error {
	pred, err := p.verb()
	if err != nil {
		return err
	}
	for {
		if err := p.ws(); err != nil {
			return err
		}
		obj, err := p.object()
		if err != nil {
			return err
		}
		p.lastEnd = p.s.mark()
		if err := p.emit(p.s.line, ntriples.Triple{Subject: subj, Predicate: pred, Object: obj}); err != nil {
			return err
		}
		if err := p.ws(); err != nil {
			return err
		}
		if p.s.peek() != ',' {
			return nil
		}
		p.s.advance(1)
	}
}

// verb parses a predicate: an IRI or 'a'.
func (p *parser) verb() (ntriples.Term, error) {
	m := p.s.mark()
	switch c := p.s.peek(); {
	case c == 'a' && p.keywordEnds(1):
		p.s.advance(1)
		return ntriples.NewIRI(rdfType), nil
	case c == '_' && p.s.peekAt(1) == ':', c == '[':
		return ntriples.Term{}, p.errorf(m, "blank node not allowed as predicate: expected IRI")
	case c == '"' || c == '\'':
		return ntriples.Term{}, p.errorf(m, "literal not allowed as predicate: expected IRI")
	case c == '<':
		iri, err := p.iriRef()
		return ntriples.NewIRI(p.internString(iri)), err
	case c == ':' || p.startsName(c):
		iri, err := p.prefixedName()
		return ntriples.NewIRI(p.internString(iri)), err
	}
	return ntriples.Term{}, p.errorf(m, "expected predicate (IRI or 'a'), found %s", p.s.found(0))
}

// iriOrBlank parses an IRI or a labelled blank node, in the given role.
func (p *parser) iriOrBlank(role string) (ntriples.Term, error) {
	m := p.s.mark()
	switch c := p.s.peek(); {
	case c == '<':
		iri, err := p.iriRef()
		return ntriples.NewIRI(iri), err
	case c == '_' && p.s.peekAt(1) == ':':
		return p.blankNodeLabel()
	case c == ':' || p.startsName(c):
		if c == 'a' && p.keywordEnds(1) {
			return ntriples.Term{}, p.errorf(m, "'a' is only allowed as a predicate: expected %s (IRI or blank node)", role)
		}
		iri, err := p.prefixedName()
		return ntriples.NewIRI(iri), err
	}
	return ntriples.Term{}, p.errorf(m, "expected %s (IRI or blank node), found %s", role, p.s.found(0))
}

// startsName reports whether the byte c may start a prefixed name.
func (p *parser) startsName(c int) bool {
	switch {
	case c < 0:
		return false
	case c < utf8.RuneSelf:
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	r, _ := p.s.peekRuneAt(0)
	return ntriples.IsPNCharsBase(r)
}

// object parses an object and returns its term, after passing fn the
// triples of any blank node property list or collection it is.
func (p *parser) object() (ntriples.Term, error) {
	m := p.s.mark()
	switch c := p.s.peek(); {
	case c == '[':
		t, _, err := p.blankNodePropertyList()
		return t, err
	case c == '(':
		return p.collection()
	case c == '"' || c == '\'':
		return p.rdfLiteral()
	case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.' && isDigit(p.s.peekAt(1)):
		return p.number()
	case (c == 't' || c == 'f') && p.boolean():
		w := p.word(0)
		p.s.advance(len(w))
		return ntriples.NewLiteral(w, xsdBoolean), nil
	case c == 'a' && p.keywordEnds(1):
		return ntriples.Term{}, p.errorf(m, "'a' is only allowed as a predicate: expected object")
	case c == '<' || c == ':' || c == '_' && p.s.peekAt(1) == ':' || p.startsName(c):
		return p.iriOrBlank("object")
	}
	return ntriples.Term{}, p.errorf(m, "expected object (IRI, blank node, literal, [ … ] or ( … )), found %s", p.s.found(0))
}

// boolean reports whether "true" or "false" stands at pos as a whole token.
func (p *parser) boolean() bool {
	w := p.word(0)
	return (w == "true" || w == "false") && p.keywordEnds(len(w))
}

func isDigit(c int) bool { return '0' <= c && c <= '9' }

// blankNodePropertyList parses "[ predicateObjectList ]", passing its
// triples to fn, or the anonymous blank node "[ ]" (anon set).
func (p *parser) blankNodePropertyList() (t ntriples.Term, anon bool, err error) {
	m := p.s.mark()
	p.s.advance(1) // '['
	t = p.newBlank()
	if err := p.ws(); err != nil {
		return t, false, err
	}
	if p.s.peek() == ']' {
		p.s.advance(1)
		return t, true, nil
	}
	if err := p.predicateObjectList(t); err != nil {
		return t, false, err
	}
	if err := p.ws(); err != nil {
		return t, false, err
	}
	if p.s.peek() != ']' {
		return t, false, p.errorf(p.s.mark(), "expected ']' to close the '[' at %d:%d, found %s", m.line, m.col, p.s.found(0))
	}
	p.s.advance(1)
	return t, false, nil
}

// collection parses "( object* )", passing fn the rdf:first and rdf:rest
// triples of its list, and returns the list's head: rdf:nil if empty.
func (p *parser) collection() (ntriples.Term, error) {
	m := p.s.mark()
	p.s.advance(1) // '('
	var head, cell ntriples.Term
	for {
		if err := p.ws(); err != nil {
			return head, err
		}
		switch p.s.peek() {
		case ')':
			p.s.advance(1)
			if head.Kind == 0 {
				return ntriples.NewIRI(rdfNil), nil
			}
			return head, p.emit(p.s.line, ntriples.Triple{Subject: cell, Predicate: ntriples.NewIRI(rdfRest), Object: ntriples.NewIRI(rdfNil)})
		case -1:
			return head, p.errorf(p.s.mark(), "expected ')' to close the '(' at %d:%d, found end of input", m.line, m.col)
		}
		obj, err := p.object()
		if err != nil {
			return head, err
		}
		next := p.newBlank()
		if head.Kind == 0 {
			head = next
		} else if err := p.emit(p.s.line, ntriples.Triple{Subject: cell, Predicate: ntriples.NewIRI(rdfRest), Object: next}); err != nil {
			return head, err
		}
		cell = next
		if err := p.emit(p.s.line, ntriples.Triple{Subject: cell, Predicate: ntriples.NewIRI(rdfFirst), Object: obj}); err != nil {
			return head, err
		}
	}
}

// newBlank returns a fresh blank node.
func (p *parser) newBlank() ntriples.Term {
	p.genID++
	return ntriples.NewBlankNode(genPrefix + strconv.Itoa(p.genID))
}

// blankNodeLabel parses "_:label".
func (p *parser) blankNodeLabel() (ntriples.Term, error) {
	p.s.advance(2) // "_:"
	m := p.s.mark()
	r, size := p.s.peekRuneAt(0)
	switch {
	case size == 0:
		return ntriples.Term{}, p.errorf(m, "expected blank node label after '_:', found end of input")
	case r == invalidRune:
		return ntriples.Term{}, p.errorf(m, "invalid UTF-8 in blank node label")
	case !ntriples.IsLabelStart(r):
		return ntriples.Term{}, p.errorf(m, "blank node label must start with a letter, a digit or '_', found %s", p.s.found(0))
	}
	p.buf = append(p.buf[:0], p.readName(size, false)...)
	label := string(p.buf)
	if strings.HasPrefix(label, genPrefix) {
		label = genEscape + label
	}
	return ntriples.NewBlankNode(label), nil
}

// readName consumes a name whose first character (first bytes long) has been
// checked, and the PN_CHARS and inner dots that follow it, and returns it.
// With local set, ':' continues it too (PLX escapes are handled by the
// caller). A name does not end with '.': trailing dots are left.
func (p *parser) readName(first int, local bool) []byte {
	n := first
	for {
		c := p.s.peekAt(n)
		switch {
		case c == '.':
			if !p.nameContinuesLocal(n+1, local) {
				out := p.take(n)
				return out
			}
			n++
		case c == ':' && local:
			n++
		case c < 0:
			return p.take(n)
		case c < utf8.RuneSelf:
			if !ntriples.IsPNChars(rune(c)) {
				return p.take(n)
			}
			n++
		default:
			r, size := p.s.peekRuneAt(n)
			if !ntriples.IsPNChars(r) {
				return p.take(n)
			}
			n += size
		}
	}
}

// take consumes n bytes, which hold no line end, and returns them; the slice
// is valid until the scanner next reads.
func (p *parser) take(n int) []byte {
	b := p.s.buf[p.s.pos : p.s.pos+n]
	p.s.advance(n)
	return b
}

// nameContinues reports whether the bytes k bytes after pos, after a run of
// dots, continue a name: whether dots there are inside it.
func (p *parser) nameContinues(k int) bool { return p.nameContinuesLocal(k, true) }

func (p *parser) nameContinuesLocal(k int, local bool) bool {
	for p.s.peekAt(k) == '.' {
		k++
	}
	c := p.s.peekAt(k)
	switch {
	case c < 0:
		return false
	case local && (c == ':' || c == '%' || c == '\\'):
		return true
	case c < utf8.RuneSelf:
		return ntriples.IsPNChars(rune(c))
	}
	r, _ := p.s.peekRuneAt(k)
	return ntriples.IsPNChars(r)
}

// pnPrefix parses the PN_PREFIX before a ':', possibly empty.
func (p *parser) pnPrefix() (string, error) {
	r, size := p.s.peekRuneAt(0)
	if size == 0 || r == ':' {
		return "", nil
	}
	m := p.s.mark()
	if r == invalidRune {
		return "", p.errorf(m, "invalid UTF-8 in prefix name")
	}
	if !ntriples.IsPNCharsBase(r) {
		return "", p.errorf(m, "prefix name must start with a letter, found %s", p.s.found(0))
	}
	name := string(p.readName(size, false))
	if p.s.peek() == '.' {
		return "", p.errorf(p.s.mark(), "prefix name %q must not end with '.'", name+".")
	}
	return name, nil
}

// prefixedName parses PNAME_LN or PNAME_NS and returns its IRI.
func (p *parser) prefixedName() (string, error) {
	m := p.s.mark()
	prefix, err := p.pnPrefix()
	if err != nil {
		return "", err
	}
	if p.s.peek() != ':' {
		return "", p.errorf(p.s.mark(), "expected ':' after %q in a prefixed name, found %s (did you mean <%s> or a prefix %s:?)", prefix, p.s.found(0), prefix, prefix)
	}
	p.s.advance(1)
	ns, ok := p.prefixes[prefix]
	if !ok {
		return "", p.errorf(m, "prefix %q not declared: add @prefix %s: <…> .", prefix+":", prefix)
	}
	p.buf = append(p.buf[:0], ns...)
	if err := p.pnLocal(); err != nil {
		return "", err
	}
	return string(p.buf), nil
}

// pnLocal parses a PN_LOCAL, possibly empty, appending it to p.buf:
// %XX kept as written, \-escapes decoded.
func (p *parser) pnLocal() error {
	first := true
	for {
		m := p.s.mark()
		c := p.s.peek()
		switch {
		case c == '%':
			h1, h2 := p.s.peekAt(1), p.s.peekAt(2)
			if hexVal(h1) < 0 || hexVal(h2) < 0 {
				return p.errorf(m, "'%%' in a local name must be followed by two hexadecimal digits, found %s", p.s.found(1+boolInt(hexVal(h1) >= 0)))
			}
			p.buf = append(p.buf, p.take(3)...)
		case c == '\\':
			e := p.s.peekAt(1)
			if e < 0 || !strings.ContainsRune(localEscapes, rune(e)) {
				return p.errorf(m, "invalid escape in local name: '\\' must be followed by one of %s, found %s", localEscapes, p.s.found(1))
			}
			p.buf = append(p.buf, byte(e))
			p.s.advance(2)
		case c == ':':
			p.buf = append(p.buf, p.take(1)...)
		case c == '.':
			if first || !p.nameContinues(1) {
				return nil
			}
			p.buf = append(p.buf, p.take(1)...)
		case c >= 0 && c < utf8.RuneSelf:
			if first && !ntriples.IsLabelStart(rune(c)) || !first && !ntriples.IsPNChars(rune(c)) {
				return nil
			}
			p.buf = append(p.buf, p.take(1)...)
		case c >= utf8.RuneSelf:
			r, size := p.s.peekRuneAt(0)
			if r == invalidRune {
				return p.errorf(m, "invalid UTF-8 in local name")
			}
			if first && !ntriples.IsLabelStart(r) || !first && !ntriples.IsPNChars(r) {
				return nil
			}
			p.buf = append(p.buf, p.take(size)...)
		default:
			return nil
		}
		first = false
	}
}

// localEscapes are the characters a local name may escape with '\'.
const localEscapes = "_~.-!$&'()*+,;=/?#@%"

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func hexVal(c int) int {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return -1
}

// iriRef parses "<…>" and returns the IRI, resolved against the base.
func (p *parser) iriRef() (string, error) {
	open := p.s.mark()
	p.s.advance(1) // '<'
	p.buf = p.buf[:0]
	for {
		m := p.s.mark()
		c := p.s.peek()
		switch {
		case c < 0:
			return "", p.errorf(open, "IRI not terminated: expected '>'")
		case c == '>':
			p.s.advance(1)
			return p.absolute(open, string(p.buf))
		case c == '\\':
			e := p.s.peekAt(1)
			if e != 'u' && e != 'U' {
				return "", p.errorf(m, "invalid escape in IRI: expected \\uXXXX or \\UXXXXXXXX, found '\\' followed by %s", p.s.found(1))
			}
			r, err := p.uchar()
			if err != nil {
				return "", err
			}
			if r < utf8.RuneSelf && !iriRaw(byte(r)) {
				return "", p.errorf(m, "escape in IRI denotes %q, which an IRI may not hold", r)
			}
			p.buf = utf8.AppendRune(p.buf, r)
		case c == '\n' || c == '\r':
			return "", p.errorf(open, "IRI not terminated: expected '>' before the end of the line")
		case c < utf8.RuneSelf:
			if !iriRaw(byte(c)) {
				return "", p.errorf(m, "%s not allowed in IRI (escape it as \\u%04X)", p.s.found(0), c)
			}
			p.buf = append(p.buf, byte(c))
			p.s.advance(1)
		default:
			if err := p.appendChar(m, "IRI"); err != nil {
				return "", err
			}
		}
	}
}

// absolute resolves the IRI reference ref, read at m, against the base.
func (p *parser) absolute(m mark, ref string) (string, error) {
	if schemeLen(ref) > 0 {
		return ref, nil
	}
	if p.base == "" {
		return "", p.errorf(m, "relative IRI <%s> and no base IRI to resolve it against: add @base <…> . or give a base", ref)
	}
	return resolve(p.base, ref), nil
}

// iriRaw reports whether the ASCII byte b may stand unescaped in an IRIREF.
func iriRaw(b byte) bool {
	return b > 0x20 && !strings.ContainsRune("<>\"{}|^`\\", rune(b))
}

// uchar decodes the \uXXXX or \UXXXXXXXX at pos.
func (p *parser) uchar() (rune, error) {
	m := p.s.mark()
	n := 4
	if p.s.peekAt(1) == 'U' {
		n = 8
	}
	var r uint32
	for i := 0; i < n; i++ {
		v := hexVal(p.s.peekAt(2 + i))
		if v < 0 {
			return 0, p.errorf(p.s.markAt(2+i), "invalid escape: \\%c needs %d hexadecimal digits, found %s", p.s.peekAt(1), n, p.s.found(2+i))
		}
		r = r<<4 | uint32(v)
	}
	p.s.advance(2 + n)
	switch {
	case 0xD800 <= r && r <= 0xDFFF:
		return 0, p.errorf(m, "escape denotes the surrogate U+%04X, not a character", r)
	case r > utf8.MaxRune:
		return 0, p.errorf(m, "escape denotes U+%X, beyond U+10FFFF", r)
	}
	return rune(r), nil
}

// rdfLiteral parses a string and its language tag or datatype.
func (p *parser) rdfLiteral() (ntriples.Term, error) {
	lex, err := p.str()
	if err != nil {
		return ntriples.Term{}, err
	}
	// White space may separate the string from '@' or '^^': they are
	// tokens of their own.
	if err := p.ws(); err != nil {
		return ntriples.Term{}, err
	}
	m := p.s.mark()
	switch p.s.peek() {
	case '@':
		p.s.advance(1)
		lang, err := p.langTag()
		if err != nil {
			return ntriples.Term{}, err
		}
		return ntriples.NewLangLiteral(lex, lang), nil
	case '^':
		if p.s.peekAt(1) != '^' {
			return ntriples.Term{}, p.errorf(m, "expected '^^' before the datatype IRI, found %s", p.s.found(0))
		}
		p.s.advance(2)
		if err := p.ws(); err != nil {
			return ntriples.Term{}, err
		}
		dm := p.s.mark()
		var dt string
		switch c := p.s.peek(); {
		case c == '<':
			dt, err = p.iriRef()
		case c == ':' || p.startsName(c):
			dt, err = p.prefixedName()
		default:
			return ntriples.Term{}, p.errorf(dm, "expected datatype IRI after '^^', found %s", p.s.found(0))
		}
		if err != nil {
			return ntriples.Term{}, err
		}
		if dt == ntriples.RDFLangString {
			return ntriples.Term{}, p.errorf(dm, "datatype rdf:langString not allowed without a language tag: expected \"…\"@lang")
		}
		return ntriples.NewLiteral(lex, p.internString(dt)), nil
	}
	return ntriples.NewLiteral(lex, ""), nil
}

// langTag parses a language tag after its '@': [a-zA-Z]+ ('-' [a-zA-Z0-9]+)*.
func (p *parser) langTag() (string, error) {
	n := 0
	for isLetter(p.s.peekAt(n)) {
		n++
	}
	if n == 0 {
		return "", p.errorf(p.s.mark(), "expected a letter to start the language tag, found %s", p.s.found(0))
	}
	for p.s.peekAt(n) == '-' {
		n++
		sub := n
		for c := p.s.peekAt(n); isLetter(c) || isDigit(c); c = p.s.peekAt(n) {
			n++
		}
		if n == sub {
			return "", p.errorf(p.s.markAt(n), "expected a letter or digit after '-' in the language tag, found %s", p.s.found(n))
		}
	}
	return p.internString(string(p.take(n))), nil
}

func isLetter(c int) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// str parses a string in any of its four quotings and returns its value.
func (p *parser) str() (string, error) {
	open := p.s.mark()
	q := p.s.peek()
	long := p.s.peekAt(1) == q && p.s.peekAt(2) == q
	if long {
		p.s.advance(3)
	} else {
		p.s.advance(1)
	}
	p.buf = p.buf[:0]
	for {
		m := p.s.mark()
		c := p.s.peek()
		switch {
		case c < 0:
			return "", p.errorf(open, "string not terminated: expected %s", quoteText(q, long))
		case c == q:
			if !long {
				p.s.advance(1)
				return string(p.buf), nil
			}
			if p.s.peekAt(1) == q && p.s.peekAt(2) == q {
				// The first three quotes in a row close the string: a quote
				// inside it must be followed by another character.
				p.s.advance(3)
				return string(p.buf), nil
			}
			p.buf = append(p.buf, byte(q))
			p.s.advance(1)
		case c == '\\':
			if err := p.stringEscape(); err != nil {
				return "", err
			}
		case c == '\n' || c == '\r':
			if !long {
				return "", p.errorf(open, "string not terminated: expected %s before the end of the line (use %s for a string of several lines)", quoteText(q, false), quoteText(q, true))
			}
			// The line end is part of the value as written: "\r\n" stays two
			// characters.
			p.buf = append(p.buf, byte(c))
			if c == '\r' && p.s.peekAt(1) == '\n' {
				p.buf = append(p.buf, '\n')
			}
			p.s.newline()
		case c < utf8.RuneSelf:
			p.buf = append(p.buf, byte(c))
			p.s.advance(1)
		default:
			if err := p.appendChar(m, "string"); err != nil {
				return "", err
			}
		}
	}
}

// appendChar appends the character at pos, not ASCII, to p.buf, or fails on
// invalid UTF-8 in what, at m.
func (p *parser) appendChar(m mark, what string) error {
	r, size := p.s.peekRuneAt(0)
	if r == invalidRune {
		return p.errorf(m, "invalid UTF-8 in %s", what)
	}
	p.buf = append(p.buf, p.take(size)...)
	return nil
}

func quoteText(q int, long bool) string {
	if long {
		return strings.Repeat(string(rune(q)), 3)
	}
	return fmt.Sprintf("%q", rune(q))
}

// stringEscape decodes the ECHAR or UCHAR at pos into p.buf.
func (p *parser) stringEscape() error {
	e := p.s.peekAt(1)
	if e == 'u' || e == 'U' {
		r, err := p.uchar()
		if err != nil {
			return err
		}
		p.buf = utf8.AppendRune(p.buf, r)
		return nil
	}
	c, ok := ntriples.UnescapeECHAR(byte(e))
	if e < 0 || !ok {
		return p.errorf(p.s.mark(), "invalid escape in string: '\\' followed by %s; expected one of \\t \\b \\n \\r \\f \\\" \\' \\\\ \\uXXXX \\UXXXXXXXX", p.s.found(1))
	}
	p.buf = append(p.buf, c)
	p.s.advance(2)
	return nil
}

// number parses an INTEGER, DECIMAL or DOUBLE literal; its lexical form is
// kept as written.
func (p *parser) number() (ntriples.Term, error) {
	m := p.s.mark()
	n := 0
	if c := p.s.peek(); c == '+' || c == '-' {
		n++
	}
	intDigits := 0
	for isDigit(p.s.peekAt(n)) {
		n++
		intDigits++
	}
	dt := xsdInteger
	if p.s.peekAt(n) == '.' {
		switch c := p.s.peekAt(n + 1); {
		case isDigit(c):
			n++
			for isDigit(p.s.peekAt(n)) {
				n++
			}
			dt = xsdDecimal
		case (c == 'e' || c == 'E') && intDigits > 0 && p.exponentAt(n+1) > 0:
			n++ // "1.e5": the '.' belongs to the double
			dt = xsdDecimal
		}
	}
	if dt == xsdInteger && intDigits == 0 {
		return ntriples.Term{}, p.errorf(m, "expected a number after %s, found %s", p.s.found(0), p.s.found(n))
	}
	if c := p.s.peekAt(n); c == 'e' || c == 'E' {
		if e := p.exponentAt(n); e > 0 {
			n += e
			dt = xsdDouble
		}
	}
	return ntriples.NewLiteral(string(p.take(n)), dt), nil
}

// exponentAt returns the length of the exponent [eE][+-]?[0-9]+ k bytes
// after pos, or 0 if there is none.
func (p *parser) exponentAt(k int) int {
	n := 1
	if c := p.s.peekAt(k + n); c == '+' || c == '-' {
		n++
	}
	if !isDigit(p.s.peekAt(k + n)) {
		return 0
	}
	for isDigit(p.s.peekAt(k + n)) {
		n++
	}
	return n
}

// internString returns s, or the equal string already interned.
func (p *parser) internString(s string) string {
	if v, ok := p.intern[s]; ok {
		return v
	}
	if len(p.intern) < maxIntern {
		p.intern[s] = s
	}
	return s
}
