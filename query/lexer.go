package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind int

const (
	tEOF     tokKind = iota
	tIllegal         // the lexer has reported the error; the parser stops
	tIdent           // bare name: health, member_of, Synset
	tQuoted          // backquoted name: `order`
	tInt             // -5, 20
	tFloat           // 1.5, -0.25, 1e3
	tString          // "with \" escapes"
	tRef             // entity reference: ic://…, kind/id, #id, <iri>

	tLParen  // (
	tRParen  // )
	tComma   // ,
	tSemi    // ;
	tEq      // =
	tNe      // !=
	tLt      // <
	tLe      // <=
	tGt      // >
	tGe      // >=
	tOut     // ->
	tIn      // <-
	tOutPlus // ->+
	tInPlus  // <-+

	keywordBeg
	tExplain
	tFind
	tWhere
	tSelect
	tCount
	tOrder
	tBy
	tAsc
	tDesc
	tLimit
	tBudget
	tAnd
	tOr
	tNot
	tBetween
	tHas
	tAny
	tTrue
	tFalse
	tIRI
	keywordEnd
)

// keywords maps the upper-case spelling of each keyword to its token.
var keywords = map[string]tokKind{
	"EXPLAIN": tExplain,
	"FIND":    tFind,
	"WHERE":   tWhere,
	"SELECT":  tSelect,
	"COUNT":   tCount,
	"ORDER":   tOrder,
	"BY":      tBy,
	"ASC":     tAsc,
	"DESC":    tDesc,
	"LIMIT":   tLimit,
	"BUDGET":  tBudget,
	"AND":     tAnd,
	"OR":      tOr,
	"NOT":     tNot,
	"BETWEEN": tBetween,
	"HAS":     tHas,
	"ANY":     tAny,
	"TRUE":    tTrue,
	"FALSE":   tFalse,
	"IRI":     tIRI,
}

// lookupKeyword returns the keyword token spelled by word, or tIdent.
// Keywords are matched case-insensitively in ASCII only, so that no
// Unicode case folding (such as "ſelect" folding to "SELECT") turns a
// name into a keyword.
func lookupKeyword(word string) tokKind {
	const longest = len("EXPLAIN")
	if len(word) < 2 || len(word) > longest {
		return tIdent
	}
	var buf [longest]byte
	for i := range len(word) {
		c := word[i]
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case 'A' <= c && c <= 'Z':
		default:
			return tIdent
		}
		buf[i] = c
	}
	if k, ok := keywords[string(buf[:len(word)])]; ok {
		return k
	}
	return tIdent
}

func (k tokKind) isKeyword() bool { return keywordBeg < k && k < keywordEnd }

// token is one lexical token.
type token struct {
	kind tokKind
	pos  Pos
	text string    // the token's source text
	val  string    // tIdent, tQuoted: the name; tString: the decoded value
	lang string    // tString: its language tag, if it has one
	ref  EntityRef // tRef
}

// describe names the token for an error message ("found …").
func (t token) describe() string {
	switch {
	case t.kind == tEOF:
		return "end of query"
	case t.kind == tIdent:
		return strconv.Quote(clip(t.text))
	case t.kind == tQuoted:
		return "name " + clip(t.text)
	case t.kind.isKeyword():
		return "keyword " + strings.ToUpper(t.text)
	case t.kind == tInt || t.kind == tFloat:
		return "number " + clip(t.text)
	case t.kind == tString:
		return "string " + clip(t.text)
	case t.kind == tRef:
		return "entity reference " + clip(t.text)
	default:
		return "'" + t.text + "'"
	}
}

// clip shortens s for an error message, cutting at a rune boundary.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isIdentPart(r rune) bool {
	return r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdent reports whether s can be written as a bare name: an identifier
// that is not a keyword.
func isIdent(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			return false
		}
	}
	return lookupKeyword(s) == tIdent
}

// lexer splits query text into tokens. It is driven by the parser one token
// at a time, because the text after an arrow is lexed differently: there '<'
// opens an IRI rather than being less-than, and "guild/7" and "ic://…" are
// single entity references.
type lexer struct {
	src       string
	off       int // offset of the next unread byte
	line      int // line of src[off]
	lineStart int // offset of the first byte of line
	errs      *ErrorList
}

func (lx *lexer) init(src string, errs *ErrorList) {
	*lx = lexer{src: src, line: 1, errs: errs}
	if strings.HasPrefix(src, "\uFEFF") {
		lx.off = len("\uFEFF") // a byte order mark is not part of the query, but counts in columns
	}
}

// pos returns the position of offset off, which must lie on the current line:
// tokens never span lines.
func (lx *lexer) pos(off int) Pos {
	return Pos{Offset: off, Line: lx.line, Col: off - lx.lineStart + 1}
}

func (lx *lexer) errorf(off int, format string, args ...any) {
	*lx.errs = append(*lx.errs, &Error{Pos: lx.pos(off), Msg: fmt.Sprintf(format, args...), Err: ErrSyntax})
}

// illegal reports a fatal error at off and returns the token that makes the
// parser stop.
func (lx *lexer) illegal(off int, format string, args ...any) token {
	lx.errorf(off, format, args...)
	return token{kind: tIllegal, pos: lx.pos(off)}
}

// skipSpace skips white space and comments.
func (lx *lexer) skipSpace() {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == '\n':
			lx.off++
			lx.line++
			lx.lineStart = lx.off
		case c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f':
			lx.off++
		case c == '-' && strings.HasPrefix(lx.src[lx.off:], "--"):
			if i := strings.IndexByte(lx.src[lx.off:], '\n'); i >= 0 {
				lx.off += i
			} else {
				lx.off = len(lx.src)
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(lx.src[lx.off:])
			if !unicode.IsSpace(r) {
				return
			}
			lx.off += size
		default:
			return
		}
	}
}

// scanWord returns the end of the run of identifier characters from off.
func (lx *lexer) scanWord(off int) int {
	for off < len(lx.src) {
		r, size := utf8.DecodeRuneInString(lx.src[off:])
		if !isIdentPart(r) {
			break
		}
		off += size
	}
	return off
}

// next returns the next token. With target set it lexes a verb's target,
// where entity references are recognised.
func (lx *lexer) next(target bool) token {
	lx.skipSpace()
	start := lx.off
	if start >= len(lx.src) {
		return token{kind: tEOF, pos: lx.pos(start)}
	}
	c := lx.src[start]
	if target {
		if c == '<' {
			return lx.iri()
		}
		if t, ok := lx.targetRef(); ok {
			return t
		}
	}
	tok := func(k tokKind, n int) token {
		lx.off = start + n
		return token{kind: k, pos: lx.pos(start), text: lx.src[start : start+n]}
	}
	peek := func(i int) byte {
		if start+i < len(lx.src) {
			return lx.src[start+i]
		}
		return 0
	}
	switch c {
	case '(':
		return tok(tLParen, 1)
	case ')':
		return tok(tRParen, 1)
	case ',':
		return tok(tComma, 1)
	case ';':
		return tok(tSemi, 1)
	case '=':
		return tok(tEq, 1)
	case '!':
		if peek(1) == '=' {
			return tok(tNe, 2)
		}
		return lx.illegal(start, "unexpected character '!'; did you mean '!='?")
	case '>':
		if peek(1) == '=' {
			return tok(tGe, 2)
		}
		return tok(tGt, 1)
	case '<':
		switch {
		case peek(1) == '=':
			return tok(tLe, 2)
		case peek(1) == '-' && peek(2) == '+':
			return tok(tInPlus, 3)
		case peek(1) == '-' && isDigit(peek(2)):
			// "x<-5" compares with a negative number: no target is a number.
			return tok(tLt, 1)
		case peek(1) == '-':
			return tok(tIn, 2)
		}
		return tok(tLt, 1)
	case '-':
		switch {
		case peek(1) == '>' && peek(2) == '+':
			return tok(tOutPlus, 3)
		case peek(1) == '>':
			return tok(tOut, 2)
		case isDigit(peek(1)):
			return lx.number()
		}
		if w := lx.dashedName(start); w != "" {
			return lx.illegal(start, "unexpected '-'; a name with '-' is written in backquotes: `%s`", clip(w))
		}
		return lx.illegal(start, "unexpected '-'; expected '->', '--' or a negative number")
	case '"':
		return lx.string()
	case '`':
		return lx.quotedName()
	case '#':
		return lx.hashID()
	}
	if isDigit(c) {
		return lx.number()
	}
	r, size := utf8.DecodeRuneInString(lx.src[start:])
	switch {
	case r == utf8.RuneError && size == 1:
		return lx.illegal(start, "invalid UTF-8 encoding")
	case isIdentStart(r):
		end := lx.scanWord(start + size)
		t := tok(lookupKeyword(lx.src[start:end]), end-start)
		t.val = t.text
		return t
	}
	return lx.illegal(start, "unexpected character %q", r)
}

// number lexes an integer or a float: -?digits(.digits)?([eE][+-]?digits)?.
func (lx *lexer) number() token {
	src, start := lx.src, lx.off
	i := start
	if src[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(src) && isDigit(src[i]) {
			i++
		}
		return i > j
	}
	kind := tInt
	ok := digits()
	if ok && i < len(src) && src[i] == '.' {
		kind = tFloat
		i++
		ok = digits()
	}
	if ok && i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		kind = tFloat
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		ok = digits()
	}
	if i < len(src) {
		if r, _ := utf8.DecodeRuneInString(src[i:]); isIdentPart(r) {
			ok = false
			i = lx.scanWord(i)
		}
	}
	if !ok {
		return lx.illegal(start, "invalid number %q", clip(src[start:i]))
	}
	lx.off = i
	return token{kind: kind, pos: lx.pos(start), text: src[start:i]}
}

// string lexes a double-quoted string with Go's escape sequences.
func (lx *lexer) string() token {
	src, start := lx.src, lx.off
	var b strings.Builder
	i := start + 1
	for {
		if i >= len(src) || src[i] == '\n' {
			return lx.illegal(start, "string literal not terminated")
		}
		c := src[i]
		switch {
		case c == '"':
			lx.off = i + 1
			t := token{kind: tString, pos: lx.pos(start), val: b.String()}
			// A language tag, as in RDF: "chat"@fr, "colour"@en-GB.
			if j := langTagEnd(src, lx.off); j > lx.off {
				t.lang, lx.off = src[lx.off+1:j], j
			}
			t.text = src[start:lx.off]
			return t
		case c == '\\':
			v, multibyte, tail, err := strconv.UnquoteChar(src[i:], '"')
			if err != nil {
				lx.errorf(i, "invalid escape sequence in string literal")
				i++
				if i < len(src) && src[i] != '\n' {
					_, size := utf8.DecodeRuneInString(src[i:])
					i += size
				}
				continue
			}
			if v < utf8.RuneSelf || !multibyte {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(v)
			}
			i = len(src) - len(tail)
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && size == 1 {
				return lx.illegal(i, "invalid UTF-8 encoding")
			}
			b.WriteString(src[i : i+size])
			i += size
		}
	}
}

// langTagEnd returns the end of a language tag @[a-zA-Z]+(-[a-zA-Z0-9]+)* at off, or off
// if none starts there.
func langTagEnd(src string, off int) int {
	if off >= len(src) || src[off] != '@' {
		return off
	}
	i := off + 1
	letters := func(digits bool) bool {
		j := i
		for i < len(src) && ('a' <= src[i]|0x20 && src[i]|0x20 <= 'z' || digits && isDigit(src[i])) {
			i++
		}
		return i > j
	}
	if !letters(false) {
		return off
	}
	for i < len(src) && src[i] == '-' {
		i++
		if !letters(true) {
			return off
		}
	}
	return i
}

// quotedName lexes a backquoted name, which may be any text without a
// backquote or a newline, including a keyword.
func (lx *lexer) quotedName() token {
	src, start := lx.src, lx.off
	for i := start + 1; i < len(src) && src[i] != '\n'; {
		if src[i] == '`' {
			lx.off = i + 1
			name := src[start+1 : i]
			if name == "" {
				lx.errorf(start, "empty quoted name")
			}
			return token{kind: tQuoted, pos: lx.pos(start), text: src[start:lx.off], val: name}
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && size == 1 {
			return lx.illegal(i, "invalid UTF-8 encoding")
		}
		i += size
	}
	return lx.illegal(start, "quoted name not terminated")
}

// hashID lexes #<id>.
func (lx *lexer) hashID() token {
	start := lx.off
	end := lx.scanWord(start + 1)
	raw := lx.src[start:end]
	ref := EntityRef{Pos: lx.pos(start), Form: RefHashID, Raw: raw}
	if end == start+1 {
		return lx.illegal(start, "expected entity ID after '#'")
	}
	ref.ID = lx.entityID(start+1, end, raw)
	lx.off = end
	return token{kind: tRef, pos: ref.Pos, text: raw, ref: ref}
}

// entityID parses src[lo:hi] as the decimal ID of the reference raw,
// reporting a malformed ID and returning 0.
func (lx *lexer) entityID(lo, hi int, raw string) uint64 {
	s := lx.src[lo:hi]
	for i := range len(s) {
		if !isDigit(s[i]) {
			lx.errorf(lo, "invalid entity ID %q in %q: expected a decimal number", clip(s), clip(raw))
			return 0
		}
	}
	if s == "" {
		lx.errorf(lo, "missing entity ID in %q", clip(raw))
		return 0
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		lx.errorf(lo, "entity ID %s out of range", clip(s))
	}
	return id
}

// dashedName returns the name around the '-' at off if letters or digits touch it on
// both sides, as in names taken from IRIs (date-of-birth), or "".
func (lx *lexer) dashedName(off int) string {
	src := lx.src
	before, _ := utf8.DecodeLastRuneInString(src[:off])
	after, _ := utf8.DecodeRuneInString(src[off+1:])
	if !isIdentPart(before) || !isIdentPart(after) {
		return ""
	}
	lo := off
	for lo > 0 {
		r, size := utf8.DecodeLastRuneInString(src[:lo])
		if !isIdentPart(r) && r != '-' {
			break
		}
		lo -= size
	}
	return src[lo:lx.scanDashedWord(off)]
}

// scanDashedWord returns the end of the run of identifier characters and '-' from off.
func (lx *lexer) scanDashedWord(off int) int {
	for off < len(lx.src) {
		r, size := utf8.DecodeRuneInString(lx.src[off:])
		if !isIdentPart(r) && r != '-' {
			break
		}
		off += size
	}
	return off
}

// iri lexes <iri>: any characters except '>' and white space, kept raw.
func (lx *lexer) iri() token {
	src, start := lx.src, lx.off
	for i := start + 1; i < len(src); {
		if src[i] == '>' {
			lx.off = i + 1
			raw := src[start:lx.off]
			if i == start+1 {
				lx.errorf(start, "empty IRI")
			}
			ref := EntityRef{Pos: lx.pos(start), Form: RefIRI, Raw: raw, IRI: src[start+1 : i]}
			return token{kind: tRef, pos: ref.Pos, text: raw, ref: ref}
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && size == 1 {
			return lx.illegal(i, "invalid UTF-8 encoding")
		}
		if unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return lx.illegal(start, "IRI not terminated: expected '>' before white space or the end of the query")
}

// targetRef lexes ic://<canister>/<kind>/<id> or <kind>/<id> if one starts at
// the current offset.
func (lx *lexer) targetRef() (token, bool) {
	src, start := lx.src, lx.off
	if len(src)-start >= len("ic://") && strings.EqualFold(src[start:start+len("ic://")], "ic://") {
		return lx.uri(), true
	}
	r, _ := utf8.DecodeRuneInString(src[start:])
	if !isIdentStart(r) {
		return token{}, false
	}
	// A kind in a reference may contain '-' as the uri package allows; in a
	// reference it cannot be mistaken for an arrow.
	end := lx.scanDashedWord(start)
	if strings.HasPrefix(src[end:], "://") {
		return lx.illegal(start, "entity URIs start with ic://; write any other IRI in angle brackets: <%s>",
			clip(src[start:lx.refEnd(start)])), true
	}
	if end == len(src) || src[end] != '/' {
		return token{}, false
	}
	idEnd := lx.scanWord(end + 1)
	raw := src[start:idEnd]
	ref := EntityRef{Pos: lx.pos(start), Form: RefKindID, Raw: raw, Kind: src[start:end]}
	ref.ID = lx.entityID(end+1, idEnd, raw)
	lx.off = idEnd
	return token{kind: tRef, pos: ref.Pos, text: raw, ref: ref}, true
}

// refEnd returns the end of an unbracketed reference starting at off: the
// next white space, ')' or ';'.
func (lx *lexer) refEnd(off int) int {
	for off < len(lx.src) {
		c := lx.src[off]
		if c == ')' || c == ';' {
			break
		}
		r, size := utf8.DecodeRuneInString(lx.src[off:])
		if unicode.IsSpace(r) || r == utf8.RuneError && size == 1 {
			break
		}
		off += size
	}
	return off
}

// uri lexes ic://<canister>/<kind>/<id>. Only the shape is checked here;
// whether the canister and kind are well formed is left to the uri package
// when the reference is bound.
func (lx *lexer) uri() token {
	src, start := lx.src, lx.off
	end := lx.refEnd(start)
	if end < len(src) && src[end] >= utf8.RuneSelf {
		if r, size := utf8.DecodeRuneInString(src[end:]); r == utf8.RuneError && size == 1 {
			return lx.illegal(end, "invalid UTF-8 encoding")
		}
	}
	raw := src[start:end]
	lx.off = end
	ref := EntityRef{Pos: lx.pos(start), Form: RefURI, Raw: raw}
	parts := strings.Split(raw[len("ic://"):], "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		lx.errorf(start, "malformed entity URI %q: expected ic://<canister>/<kind>/<id>", clip(raw))
		return token{kind: tRef, pos: ref.Pos, text: raw, ref: ref}
	}
	ref.Canister, ref.Kind = parts[0], parts[1]
	ref.ID = lx.entityID(end-len(parts[2]), end, raw)
	return token{kind: tRef, pos: ref.Pos, text: raw, ref: ref}
}
