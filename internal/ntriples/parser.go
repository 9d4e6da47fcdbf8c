package ntriples

import (
	"bytes"
	"fmt"
	"sync"
	"unicode/utf8"
)

// The parser works on a byte slice of whole lines and never looks past the
// end of a line while parsing a triple: no N-Triples production spans a line
// end, so a document can be cut at any line end and its pieces parsed
// independently, given the number of each piece's first line.
//
// It is a hand-written scanner over bytes rather than a tokenizer: every
// decoded value of a triple is appended to one scratch buffer, which becomes
// a single string, and the Terms slice it. A triple so costs one allocation
// (plus none for predicates, datatypes and language tags, which repeat and
// are interned).

// maxIntern bounds how many distinct predicates, datatypes and language tags
// a parser keeps, so that a document with unbounded distinct predicates
// cannot grow the table without limit.
const maxIntern = 4096

// parser parses N-Triples from data.
type parser struct {
	data       []byte
	pos        int // offset in data of the next byte to parse
	line       int // number of the line containing pos
	lineStart  int // offset in data of the start of that line
	tripleLine int // number of the line of the last triple parsed

	scratch []byte            // decoded values of the current triple
	intern  map[string]string // predicates, datatypes, language tags

	quads bool // N-Quads: a graph label may follow the object
	graph Term // the graph label of the last quad parsed, or the zero Term
}

// span is a decoded value: an interned string, or the bounds of the value
// in the scratch buffer.
type span struct {
	s    string
	a, b int
}

func (sp span) in(s string) string {
	if sp.s != "" {
		return sp.s
	}
	return s[sp.a:sp.b]
}

func newParser() *parser {
	return &parser{intern: make(map[string]string)}
}

// reset makes p parse data, whose first line is numbered line.
func (p *parser) reset(data []byte, line int) {
	p.data, p.pos, p.line, p.lineStart, p.tripleLine = data, 0, line, 0, 0
	p.graph = Term{}
}

var parserPool = sync.Pool{New: func() any { return newParser() }}

// ParseLines parses data, a run of whole lines of an N-Triples document
// whose first line has number firstLine, and calls fn with each triple and
// the number of its line, in order. The last line of data may lack its line
// end.
//
// ParseLines stops at the first error: a *SyntaxError, whose line numbers
// count from firstLine, or an error that fn returned, which it returns
// unchanged. The triples do not refer to data, which the caller may reuse
// once ParseLines returns. It is safe to call ParseLines concurrently.
func ParseLines(data []byte, firstLine int, fn func(line int, t Triple) error) error {
	return parseLines(data, firstLine, false, func(line int, t Triple, _ Term) error { return fn(line, t) })
}

// ParseQuadLines is ParseLines for N-Quads 1.1 (W3C Recommendation,
// 25 February 2014): N-Triples in which a graph label, an IRI or a blank
// node, may follow the object. It calls fn with each triple and its graph
// label, the zero Term for a triple of the default graph.
func ParseQuadLines(data []byte, firstLine int, fn func(line int, t Triple, graph Term) error) error {
	return parseLines(data, firstLine, true, fn)
}

func parseLines(data []byte, firstLine int, quads bool, fn func(line int, t Triple, graph Term) error) error {
	p := parserPool.Get().(*parser)
	defer func() {
		p.reset(nil, 0)
		p.quads = false
		if cap(p.scratch) > 64<<10 {
			p.scratch = nil // one huge literal should not stay pinned in the pool
		}
		parserPool.Put(p)
	}()
	p.reset(data, firstLine)
	p.quads = quads
	var t Triple
	for {
		ok, err := p.next(&t)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := fn(p.tripleLine, t, p.graph); err != nil {
			return err
		}
	}
}

// next parses up to the next triple and stores it in *t. It returns false
// at the end of data. After a syntax error, p stands at the end of the
// offending line, so that next may be called again to go on after it.
func (p *parser) next(t *Triple) (bool, error) {
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return false, nil
		}
		switch p.data[p.pos] {
		case '\n', '\r':
			p.eol()
			continue
		case '#':
			if err := p.comment(); err != nil {
				p.skipLine()
				return false, err
			}
			continue
		}
		p.tripleLine = p.line
		if err := p.triple(t); err != nil {
			p.skipLine()
			return false, err
		}
		return true, nil
	}
}

// eol consumes the line end at pos: "\n", "\r" or "\r\n".
func (p *parser) eol() {
	if p.data[p.pos] == '\r' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '\n' {
		p.pos++
	}
	p.pos++
	p.line++
	p.lineStart = p.pos
}

// skipLine moves pos to the end of the current line.
func (p *parser) skipLine() {
	for p.pos < len(p.data) && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' {
		p.pos++
	}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) && (p.data[p.pos] == ' ' || p.data[p.pos] == '\t') {
		p.pos++
	}
}

// comment consumes a comment, from '#' up to the line end.
func (p *parser) comment() error {
	for p.pos < len(p.data) {
		b := p.data[p.pos]
		if b < utf8.RuneSelf {
			if b == '\n' || b == '\r' {
				return nil
			}
			p.pos++
			continue
		}
		r, size := utf8.DecodeRune(p.data[p.pos:])
		if r == utf8.RuneError && size == 1 {
			return p.errorf(p.pos, "invalid UTF-8 in comment")
		}
		p.pos += size
	}
	return nil
}

// triple parses a triple and what may follow it on its line: white space
// and a comment.
func (p *parser) triple(t *Triple) error {
	p.scratch = p.scratch[:0]
	var (
		subj, pred, obj, lang, dt span
		subjKind, objKind         Kind
		err                       error
	)

	switch c := p.data[p.pos]; c {
	case '<':
		subjKind = IRI
		subj, err = p.iriRef(false)
	case '_':
		subjKind = BlankNode
		subj, err = p.blankNode()
		if err == nil && p.pos < len(p.data) && p.data[p.pos] == '.' {
			err = p.errorf(p.pos, "blank node label must not end with '.'")
		}
	case '"':
		err = p.errorf(p.pos, "literal not allowed as subject: expected IRI or blank node")
	case '@':
		err = p.errorf(p.pos, "expected subject (IRI or blank node), found '@' (N-Triples has no @prefix or @base: is this Turtle?)")
	default:
		err = p.errorf(p.pos, "expected subject (IRI or blank node), found %s%s", p.found(p.pos), p.turtleHint())
	}
	if err != nil {
		return err
	}

	p.skipSpace()
	switch c := p.peek(); c {
	case '<':
		pred, err = p.iriRef(true)
	case '_':
		err = p.errorf(p.pos, "blank node not allowed as predicate: expected IRI")
	case '"':
		err = p.errorf(p.pos, "literal not allowed as predicate: expected IRI")
	default:
		err = p.errorf(p.pos, "expected predicate (IRI), found %s", p.found(p.pos))
	}
	if err != nil {
		return err
	}

	p.skipSpace()
	switch c := p.peek(); {
	case c == '<':
		objKind = IRI
		obj, err = p.iriRef(false)
	case c == '_':
		objKind = BlankNode
		obj, err = p.blankNode()
	case c == '"':
		objKind = Literal
		obj, lang, dt, err = p.literal()
	case isDigit(c) || c == '+' || c == '-' || bytes.HasPrefix(p.data[p.pos:], []byte("true")) || bytes.HasPrefix(p.data[p.pos:], []byte("false")):
		err = p.errorf(p.pos, "expected object (IRI, blank node or literal), found %s (N-Triples has no unquoted numbers or booleans)", p.found(p.pos))
	default:
		err = p.errorf(p.pos, "expected object (IRI, blank node or literal), found %s", p.found(p.pos))
	}
	if err != nil {
		return err
	}

	p.skipSpace()
	var graph span
	var graphKind Kind
	switch c := p.peek(); {
	case p.quads && c == '<':
		graphKind = IRI
		graph, err = p.iriRef(true)
	case p.quads && c == '_':
		graphKind = BlankNode
		graph, err = p.blankNode()
	case p.quads && c == '"':
		err = p.errorf(p.pos, "literal not allowed as graph label: expected IRI or blank node")
	case c == '<' || c == '_' && p.pos+1 < len(p.data) && p.data[p.pos+1] == ':':
		err = p.errorf(p.pos, "expected '.' after the object, found a fourth term (N-Triples has no graph names: is this N-Quads?)")
	}
	if err != nil {
		return err
	}
	p.skipSpace()
	if p.peek() != '.' {
		if p.quads {
			return p.errorf(p.pos, "expected graph label or '.' after the object, found %s", p.found(p.pos))
		}
		return p.errorf(p.pos, "expected '.' after the object, found %s", p.found(p.pos))
	}
	p.pos++
	p.skipSpace()
	if p.peek() == '#' {
		if err := p.comment(); err != nil {
			return err
		}
	}
	if p.pos < len(p.data) && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' {
		return p.errorf(p.pos, "expected end of line after '.', found %s", p.found(p.pos))
	}

	s := string(p.scratch)
	t.Subject = Term{Kind: subjKind, Value: subj.in(s)}
	t.Predicate = Term{Kind: IRI, Value: pred.in(s)}
	t.Object = Term{Kind: objKind, Value: obj.in(s), Datatype: dt.in(s), Lang: lang.in(s)}
	p.graph = Term{}
	if graphKind != 0 {
		p.graph = Term{Kind: graphKind, Value: graph.in(s)}
	}
	return nil
}

// turtleHint returns a hint that the line may be Turtle if it begins, at pos,
// with what looks like a prefixed name (ex:a) or a PREFIX or BASE directive.
func (p *parser) turtleHint() string {
	i := p.pos
	for i < len(p.data) && p.data[i] < utf8.RuneSelf && (labelASCII[p.data[i]] || p.data[i] == '.') {
		i++
	}
	word := string(bytes.ToUpper(p.data[p.pos:i]))
	switch {
	case i < len(p.data) && p.data[i] == ':':
		return " (a prefixed name? N-Triples writes every IRI in full, in <…>: is this Turtle?)"
	case word == "PREFIX" || word == "BASE":
		return " (N-Triples has no PREFIX or BASE: is this Turtle?)"
	}
	return ""
}

// peek returns the byte at pos, or 0 at the end of data.
func (p *parser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

// iriRef parses an IRIREF at pos and appends the IRI to the scratch buffer.
// If intern is set, it returns the IRI as an interned string if it can.
func (p *parser) iriRef(intern bool) (span, error) {
	open := p.pos
	p.pos++ // '<'
	a := len(p.scratch)
	seg := p.pos // start of the run of raw bytes not yet appended
	for {
		if p.pos >= len(p.data) {
			return span{}, p.errorf(open, "IRI not terminated: expected '>'")
		}
		b := p.data[p.pos]
		if b < utf8.RuneSelf {
			if iriRaw[b] {
				p.pos++
				continue
			}
			switch b {
			case '>':
				p.scratch = append(p.scratch, p.data[seg:p.pos]...)
				p.pos++
				if !hasScheme(p.scratch[a:]) {
					return span{}, p.errorf(open, "relative IRI <%s> not allowed: expected an absolute IRI (scheme:...)", p.scratch[a:])
				}
				if intern {
					return p.internScratch(a), nil
				}
				return span{a: a, b: len(p.scratch)}, nil
			case '\\':
				p.scratch = append(p.scratch, p.data[seg:p.pos]...)
				if p.pos+1 >= len(p.data) {
					return span{}, p.errorf(open, "IRI not terminated: expected '>'")
				}
				if c := p.data[p.pos+1]; c != 'u' && c != 'U' {
					return span{}, p.errorf(p.pos, "invalid escape %s in IRI: expected \\uXXXX or \\UXXXXXXXX", p.escapeText(p.pos))
				}
				r, err := p.uchar()
				if err != nil {
					return span{}, err
				}
				p.scratch = utf8.AppendRune(p.scratch, r)
				seg = p.pos
			case '\n', '\r':
				return span{}, p.errorf(open, "IRI not terminated: expected '>' before the end of the line")
			default:
				return span{}, p.errorf(p.pos, "%s not allowed in IRI (escape it as \\u%04X)", p.found(p.pos), b)
			}
			continue
		}
		r, size := utf8.DecodeRune(p.data[p.pos:])
		if r == utf8.RuneError && size == 1 {
			return span{}, p.errorf(p.pos, "invalid UTF-8 in IRI")
		}
		p.pos += size
	}
}

// uchar decodes the UCHAR at pos: \uXXXX or \UXXXXXXXX.
func (p *parser) uchar() (rune, error) {
	start := p.pos
	n := 4
	if p.pos+1 < len(p.data) && p.data[p.pos+1] == 'U' {
		n = 8
	}
	p.pos += 2   // '\\' and 'u' or 'U'
	var r uint32 // not rune: eight hex digits overflow an int32
	for i := 0; i < n; i++ {
		if p.pos >= len(p.data) {
			return 0, p.errorf(p.pos, "escape %s cut short: expected %d hexadecimal digits", p.escapeText(start), n)
		}
		v := hexVal(p.data[p.pos])
		if v < 0 {
			return 0, p.errorf(p.pos, "invalid escape %s: expected %d hexadecimal digits, found %s", p.escapeText(start), n, p.found(p.pos))
		}
		r = r<<4 | uint32(v)
		p.pos++
	}
	switch {
	case 0xD800 <= r && r <= 0xDFFF:
		return 0, p.errorf(start, "escape %s denotes a surrogate, not a character", p.data[start:p.pos])
	case r > utf8.MaxRune:
		return 0, p.errorf(start, "escape %s is beyond U+10FFFF", p.data[start:p.pos])
	}
	return rune(r), nil
}

// spanIs reports whether the value sp is v.
func (p *parser) spanIs(sp span, v string) bool {
	if sp.s != "" {
		return sp.s == v
	}
	return string(p.scratch[sp.a:sp.b]) == v
}

// escapeText returns the backslash escape at i, for messages.
func (p *parser) escapeText(i int) string {
	if i+1 < len(p.data) && 0x20 < p.data[i+1] && p.data[i+1] < 0x7F {
		return string(p.data[i : i+2])
	}
	return `\ followed by ` + p.found(i+1)
}

// blankNode parses a BLANK_NODE_LABEL at pos and appends the label to the
// scratch buffer.
func (p *parser) blankNode() (span, error) {
	if p.pos+1 >= len(p.data) || p.data[p.pos+1] != ':' {
		return span{}, p.errorf(p.pos+1, "expected ':' after '_' in blank node, found %s", p.found(p.pos+1))
	}
	p.pos += 2
	start := p.pos
	r, size := p.decode()
	if r == utf8.RuneError && size <= 1 {
		if size == 1 {
			return span{}, p.errorf(p.pos, "invalid UTF-8 in blank node label")
		}
		return span{}, p.errorf(p.pos, "expected blank node label after '_:', found end of input")
	}
	if !isLabelStart(r) {
		return span{}, p.errorf(p.pos, "blank node label must start with a letter, a digit or '_', found %s", p.found(p.pos))
	}
	p.pos += size
	end := p.pos // end of the label so far, without trailing dots
	for p.pos < len(p.data) {
		b := p.data[p.pos]
		if b < utf8.RuneSelf {
			if labelASCII[b] {
				p.pos++
				end = p.pos
				continue
			}
			if b == '.' {
				p.pos++
				continue
			}
			break
		}
		r, size := utf8.DecodeRune(p.data[p.pos:])
		if r == utf8.RuneError && size == 1 {
			return span{}, p.errorf(p.pos, "invalid UTF-8 in blank node label")
		}
		if !isPNChars(r) {
			break
		}
		p.pos += size
		end = p.pos
	}
	// A label does not end with '.': trailing dots are the triple's end.
	p.pos = end
	a := len(p.scratch)
	p.scratch = append(p.scratch, p.data[start:end]...)
	return span{a: a, b: len(p.scratch)}, nil
}

// decode returns the rune at pos and its size; (RuneError, 0) at the end
// of data and (RuneError, 1) for invalid UTF-8.
func (p *parser) decode() (rune, int) {
	if p.pos >= len(p.data) {
		return utf8.RuneError, 0
	}
	if b := p.data[p.pos]; b < utf8.RuneSelf {
		return rune(b), 1
	}
	return utf8.DecodeRune(p.data[p.pos:])
}

// literal parses a literal at pos, appending its lexical form to the
// scratch buffer, and returns the form, the language tag and the datatype.
func (p *parser) literal() (val, lang, dt span, err error) {
	open := p.pos
	p.pos++ // '"'
	a := len(p.scratch)
	seg := p.pos
scan:
	for {
		if p.pos >= len(p.data) {
			return val, lang, dt, p.errorf(open, "string literal not terminated: expected '\"'")
		}
		b := p.data[p.pos]
		if b < utf8.RuneSelf {
			if stringRaw[b] {
				p.pos++
				continue
			}
			switch b {
			case '"':
				p.scratch = append(p.scratch, p.data[seg:p.pos]...)
				p.pos++
				break scan
			case '\\':
				p.scratch = append(p.scratch, p.data[seg:p.pos]...)
				if err := p.stringEscape(); err != nil {
					return val, lang, dt, err
				}
				seg = p.pos
			default: // '\n', '\r'
				return val, lang, dt, p.errorf(open, "string literal not terminated: expected '\"' before the end of the line")
			}
			continue
		}
		r, size := utf8.DecodeRune(p.data[p.pos:])
		if r == utf8.RuneError && size == 1 {
			return val, lang, dt, p.errorf(p.pos, "invalid UTF-8 in string literal")
		}
		p.pos += size
	}
	val = span{a: a, b: len(p.scratch)}

	// White space may separate the string from '^^' or the language tag:
	// the grammar allows it between any two terminals.
	p.skipSpace()
	switch p.peek() {
	case '@':
		lang, err = p.langTag()
	case '^':
		if p.pos+1 >= len(p.data) || p.data[p.pos+1] != '^' {
			return val, lang, dt, p.errorf(p.pos, "expected '^^' before the datatype IRI, found %s", p.found(p.pos))
		}
		p.pos += 2
		p.skipSpace()
		if p.peek() != '<' {
			return val, lang, dt, p.errorf(p.pos, "expected datatype IRI after '^^', found %s", p.found(p.pos))
		}
		open := p.pos
		dt, err = p.iriRef(true)
		if err != nil {
			return val, lang, dt, err
		}
		switch {
		case p.spanIs(dt, XSDString):
			// "x"^^xsd:string is the simple literal "x".
			if dt.s == "" {
				p.scratch = p.scratch[:dt.a]
			}
			dt = span{}
		case p.spanIs(dt, RDFLangString):
			err = p.errorf(open, "datatype rdf:langString not allowed without a language tag: expected \"...\"@lang")
		}
	}
	return val, lang, dt, err
}

// stringEscape decodes the ECHAR or UCHAR at pos into the scratch buffer.
func (p *parser) stringEscape() error {
	if p.pos+1 >= len(p.data) {
		return p.errorf(p.pos, "string literal not terminated: expected '\"'")
	}
	e := p.data[p.pos+1]
	if e == 'u' || e == 'U' {
		r, err := p.uchar()
		if err != nil {
			return err
		}
		p.scratch = utf8.AppendRune(p.scratch, r)
		return nil
	}
	c, ok := UnescapeECHAR(e)
	if !ok {
		return p.errorf(p.pos, "invalid escape %s in string literal: expected one of \\t \\b \\n \\r \\f \\\" \\' \\\\ \\uXXXX \\UXXXXXXXX", p.escapeText(p.pos))
	}
	p.scratch = append(p.scratch, c)
	p.pos += 2
	return nil
}

// langTag parses a LANGTAG at pos: '@' [a-zA-Z]+ ('-' [a-zA-Z0-9]+)*.
func (p *parser) langTag() (span, error) {
	p.pos++ // '@'
	start := p.pos
	for p.pos < len(p.data) && isLetter(p.data[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return span{}, p.errorf(p.pos, "expected a letter to start the language tag, found %s", p.found(p.pos))
	}
	for p.pos < len(p.data) && p.data[p.pos] == '-' {
		p.pos++
		sub := p.pos
		for p.pos < len(p.data) && (isLetter(p.data[p.pos]) || isDigit(p.data[p.pos])) {
			p.pos++
		}
		if p.pos == sub {
			return span{}, p.errorf(p.pos, "expected a letter or digit after '-' in the language tag, found %s", p.found(p.pos))
		}
	}
	tag := p.data[start:p.pos]
	if s, ok := p.intern[string(tag)]; ok {
		return span{s: s}, nil
	}
	if len(p.intern) < maxIntern {
		s := string(tag)
		p.intern[s] = s
		return span{s: s}, nil
	}
	a := len(p.scratch)
	p.scratch = append(p.scratch, tag...)
	return span{a: a, b: len(p.scratch)}, nil
}

// internScratch returns the value at scratch[a:] as an interned string and
// removes it from the scratch buffer, or leaves it there once the table is
// full.
func (p *parser) internScratch(a int) span {
	v := p.scratch[a:]
	if s, ok := p.intern[string(v)]; ok {
		p.scratch = p.scratch[:a]
		return span{s: s}
	}
	if len(p.intern) < maxIntern {
		s := string(v)
		p.intern[s] = s
		p.scratch = p.scratch[:a]
		return span{s: s}
	}
	return span{a: a, b: len(p.scratch)}
}

// found describes the input at i for messages.
func (p *parser) found(i int) string {
	if i >= len(p.data) {
		return DescribeFirst(nil)
	}
	return DescribeFirst(p.data[i:])
}

// errorf returns a *SyntaxError at offset i of the current line.
func (p *parser) errorf(i int, format string, args ...any) error {
	return &SyntaxError{Line: p.line, Column: i - p.lineStart + 1, Msg: fmt.Sprintf(format, args...)}
}
