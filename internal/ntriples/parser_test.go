package ntriples

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type lineTriple struct {
	Line   int
	Triple Triple
}

// parseAll parses doc with ParseLines, and requires a Reader fed one byte at
// a time and Chunks of several sizes to give the same triples, lines and
// first error.
func parseAll(t *testing.T, doc string) ([]lineTriple, error) {
	t.Helper()
	var got []lineTriple
	err := ParseLines([]byte(doc), 1, func(line int, tr Triple) error {
		got = append(got, lineTriple{line, tr})
		return nil
	})

	var viaReader []lineTriple
	r := NewReader(iotest.OneByteReader(strings.NewReader(doc)))
	var rerr error
	for tr, err := range r.All() {
		if err != nil {
			rerr = err
			break
		}
		viaReader = append(viaReader, lineTriple{r.Line(), tr})
	}
	require.Equal(t, got, viaReader, "Reader and ParseLines disagree")
	require.Equal(t, errString(err), errString(rerr), "Reader and ParseLines disagree")

	for _, size := range []int{1, 7, 64} {
		var viaChunks []lineTriple
		var cerr error
	chunks:
		for c, err := range Chunks(iotest.HalfReader(strings.NewReader(doc)), size) {
			require.NoError(t, err)
			cerr = c.Parse(func(line int, tr Triple) error {
				viaChunks = append(viaChunks, lineTriple{line, tr})
				return nil
			})
			if cerr != nil {
				break chunks
			}
		}
		require.Equal(t, got, viaChunks, "Chunks(%d) and ParseLines disagree", size)
		require.Equal(t, errString(err), errString(cerr), "Chunks(%d) and ParseLines disagree", size)
	}
	return got, err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func triple(s, p, o Term) Triple { return Triple{Subject: s, Predicate: p, Object: o} }

var (
	exS = NewIRI("http://example/s")
	exP = NewIRI("http://example/p")
	exO = NewIRI("http://example/o")
)

// TestParseValid covers every production of the grammar on documents that
// must parse, most of them from the W3C N-Triples test suite.
func TestParseValid(t *testing.T) {
	const spo = "<http://example/s> <http://example/p> "
	lit := func(v string) Triple { return triple(exS, exP, NewLiteral(v, "")) }
	tests := []struct {
		name string
		doc  string
		want []lineTriple
	}{
		// ntriplesDoc, EOL, comments, white space
		{"empty file", "", nil},
		{"only comment", "#Empty file.", nil},
		{"one comment, one empty line", "#One comment, one empty line.\n\n", nil},
		{"blank lines with white space", " \t\n\t\r\n  ", nil},
		{"comment with any characters", "# <a> \"b\" \x00\x01 ü 😀 \\ \\u\n", nil},
		{"comment after white space", " \t# c\r\n\t#\n", nil},
		{"only IRIs", spo + "<http://example/o> .\n", []lineTriple{{1, triple(exS, exP, exO)}}},
		{"last line without EOL", spo + "<http://example/o> .", []lineTriple{{1, triple(exS, exP, exO)}}},
		{"LF line ends", "\n" + spo + "<http://example/o> .\n\n" + spo + "<http://example/o> .\n",
			[]lineTriple{{2, triple(exS, exP, exO)}, {4, triple(exS, exP, exO)}}},
		{"CRLF line ends", "\r\n" + spo + "<http://example/o> .\r\n\r\n" + spo + "<http://example/o> .\r\n",
			[]lineTriple{{2, triple(exS, exP, exO)}, {4, triple(exS, exP, exO)}}},
		{"CR line ends", "\r" + spo + "<http://example/o> .\r\r" + spo + "<http://example/o> .\r",
			[]lineTriple{{2, triple(exS, exP, exO)}, {4, triple(exS, exP, exO)}}},
		{"LF CR is two line ends", "\n\r" + spo + "<http://example/o> .", []lineTriple{{3, triple(exS, exP, exO)}}},
		{"tabs and spaces everywhere", " \t<http://example/s>\t \t<http://example/p>\t<http://example/o>\t.\t \n",
			[]lineTriple{{1, triple(exS, exP, exO)}}},
		{"comment following triple", spo + "<http://example/o> . # comment\n" +
			spo + "_:o . # comment\n" +
			spo + "\"o\" . # comment\n" +
			spo + "\"o\"^^<http://example/dt> . # comment\n" +
			spo + "\"o\"@en . # comment\n" +
			spo + "<http://example/o> .#no space\n",
			[]lineTriple{
				{1, triple(exS, exP, exO)},
				{2, triple(exS, exP, NewBlankNode("o"))},
				{3, lit("o")},
				{4, triple(exS, exP, NewLiteral("o", "http://example/dt"))},
				{5, triple(exS, exP, NewLangLiteral("o", "en"))},
				{6, triple(exS, exP, exO)},
			}},
		{"minimal whitespace", "<http://example/s><http://example/p><http://example/o>.\n" +
			"<http://example/s><http://example/p>\"Alice\".\n" +
			"<http://example/s><http://example/p>_:o.\n" +
			"_:s<http://example/p><http://example/o>.\n" +
			"_:s<http://example/p>\"Alice\".\n" +
			"_:s<http://example/p>_:bnode1.\n" +
			"<http://example/s><http://example/p>\"x\"@en.\n" +
			"<http://example/s><http://example/p>\"x\"^^<http://example/dt>.\n",
			[]lineTriple{
				{1, triple(exS, exP, exO)},
				{2, lit("Alice")},
				{3, triple(exS, exP, NewBlankNode("o"))},
				{4, triple(NewBlankNode("s"), exP, exO)},
				{5, triple(NewBlankNode("s"), exP, NewLiteral("Alice", ""))},
				{6, triple(NewBlankNode("s"), exP, NewBlankNode("bnode1"))},
				{7, triple(exS, exP, NewLangLiteral("x", "en"))},
				{8, triple(exS, exP, NewLiteral("x", "http://example/dt"))},
			}},

		// IRIREF
		{"IRI with \\u escape", "<http://example/\\u0053> <http://example/p> <http://example/o> .",
			[]lineTriple{{1, triple(NewIRI("http://example/S"), exP, exO)}}},
		{"IRI with \\U escape", "<http://example/\\U00000053> <http://example/p> <http://example/o> .",
			[]lineTriple{{1, triple(NewIRI("http://example/S"), exP, exO)}}},
		{"legal IRI characters", "<http://example/s> <http://example/p> <scheme:!$%25&'()*+,-./0123456789:/@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~?#> .",
			[]lineTriple{{1, triple(exS, exP, NewIRI("scheme:!$%25&'()*+,-./0123456789:/@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~?#"))}}},
		{"IRI with raw non-ASCII", spo + "<http://example/\u00fc/\u20ac/\U0001F600> .",
			[]lineTriple{{1, triple(exS, exP, NewIRI("http://example/\u00fc/\u20ac/\U0001F600"))}}},
		{"IRI escapes of forbidden characters", spo + `<http://example/\u0020\u003C\u003e\u0022\u007B\u007D\u007C\u005E\u0060\u005C\u0000> .`,
			[]lineTriple{{1, triple(exS, exP, NewIRI("http://example/ <>\"{}|^`\\\x00"))}}},
		{"IRI scheme written with an escape", spo + `<\u0068ttp://example/o> .`,
			[]lineTriple{{1, triple(exS, exP, exO)}}},
		{"IRI schemes", "<urn:x> <a+b-c.d:p> <X:> .",
			[]lineTriple{{1, triple(NewIRI("urn:x"), NewIRI("a+b-c.d:p"), NewIRI("X:"))}}},

		// STRING_LITERAL_QUOTE, ECHAR, UCHAR
		{"string literal", spo + `"string" .`, []lineTriple{{1, lit("string")}}},
		{"empty literal", spo + `"" .`, []lineTriple{{1, lit("")}}},
		{"literal with escaped newline", spo + `"a\n" .`, []lineTriple{{1, lit("a\n")}}},
		{"literal with \\u escape", spo + `"a\u0020b" .`, []lineTriple{{1, lit("a b")}}},
		{"literal with \\U escape", spo + `"a\U00000020b" .`, []lineTriple{{1, lit("a b")}}},
		{"literal with \\U0001F600", spo + `"\U0001F600" .`, []lineTriple{{1, lit("\U0001F600")}}},
		{"literal with \\u in lower and upper hex", spo + `"\u00e9\u00E9" .`, []lineTriple{{1, lit("éé")}}},
		{"literal with all ECHARs", spo + `"\t\b\n\r\f\"\'\\" .`, []lineTriple{{1, lit("\t\b\n\r\f\"'\\")}}},
		{"literal with all controls escaped", spo + `"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\t\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F" .`,
			[]lineTriple{{1, lit("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\x0B\x0C\x0E\x0F\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B\x1C\x1D\x1E\x1F")}}},
		{"literal ASCII boundaries raw", spo + "\"\x00\t\x0B\x0C\x0E&([]\x7F\" .", []lineTriple{{1, lit("\x00\t\x0B\x0C\x0E&([]\x7F")}}},
		{"literal UTF-8 boundaries raw", spo + "\"\u0080\u07FF\u0800\u0FFF\u1000\uCFFF\uD000\uD7FF\uE000\uFFFD\U00010000\U0003FFFF\U00040000\U000FFFFF\U00100000\U0010FFFF\" .",
			[]lineTriple{{1, lit("\u0080\u07FF\u0800\u0FFF\u1000\uCFFF\uD000\uD7FF\uE000\uFFFD\U00010000\U0003FFFF\U00040000\U000FFFFF\U00100000\U0010FFFF")}}},
		{"literal all punctuation", spo + "\"x !#$%&()*+,-./:;<=>?@[]^_`{|}~\" .", []lineTriple{{1, lit("x !#$%&()*+,-./:;<=>?@[]^_`{|}~")}}},
		{"literal with squote", spo + `"x'y" .`, []lineTriple{{1, lit("x'y")}}},
		{"literal with 2 squotes", spo + `"x''y" .`, []lineTriple{{1, lit("x''y")}}},
		{"literal with dquote", spo + `"x\"y" .`, []lineTriple{{1, lit(`x"y`)}}},
		{"literal with 2 dquotes", spo + `"x\"\"y" .`, []lineTriple{{1, lit(`x""y`)}}},
		{"reverse solidus at end of literal", spo + `"test-\\" .`, []lineTriple{{1, lit(`test-\`)}}},
		{"literal holding comment and IRI syntax", spo + `"# <a> _:b ." .`, []lineTriple{{1, lit("# <a> _:b .")}}},

		// LANGTAG and datatypes
		{"langString literal", spo + `"chat"@en .`, []lineTriple{{1, triple(exS, exP, NewLangLiteral("chat", "en"))}}},
		{"langString literal with region", spo + `"x"@en-US .`, []lineTriple{{1, triple(exS, exP, NewLangLiteral("x", "en-US"))}}},
		{"language tag with subtags keeps case", spo + `"x"@zh-Hant-TW-1901 .`, []lineTriple{{1, triple(exS, exP, NewLangLiteral("x", "zh-Hant-TW-1901"))}}},
		{"xsd:byte literal", spo + `"123"^^<http://www.w3.org/2001/XMLSchema#byte> .`,
			[]lineTriple{{1, triple(exS, exP, NewLiteral("123", "http://www.w3.org/2001/XMLSchema#byte"))}}},
		{"integer as xsd:string is a simple literal", spo + `"123"^^<http://www.w3.org/2001/XMLSchema#string> .`,
			[]lineTriple{{1, lit("123")}}},
		{"datatype IRI with escape", spo + `"1"^^<http://example/\u0064t> .`,
			[]lineTriple{{1, triple(exS, exP, NewLiteral("1", "http://example/dt"))}}},
		{"white space around ^^ and before @", spo + "\"x\" ^^\t<http://example/dt> .\n" + spo + "\"y\"\t@en .",
			[]lineTriple{{1, triple(exS, exP, NewLiteral("x", "http://example/dt"))}, {2, triple(exS, exP, NewLangLiteral("y", "en"))}}},

		// BLANK_NODE_LABEL
		{"bnode subject", "_:a  <http://example/p> <http://example/o> .", []lineTriple{{1, triple(NewBlankNode("a"), exP, exO)}}},
		{"bnode object", spo + "_:b1 .", []lineTriple{{1, triple(exS, exP, NewBlankNode("b1"))}}},
		{"bnode label starting with a digit", "_:1a <http://example/p> _:0 .", []lineTriple{{1, triple(NewBlankNode("1a"), exP, NewBlankNode("0"))}}},
		{"bnode label starting with _", "_:_x <http://example/p> <http://example/o> .", []lineTriple{{1, triple(NewBlankNode("_x"), exP, exO)}}},
		{"bnode label with dots", "_:a.b <http://example/p> _:c..d .", []lineTriple{{1, triple(NewBlankNode("a.b"), exP, NewBlankNode("c..d"))}}},
		{"bnode object label then '.'", spo + "_:a.b.", []lineTriple{{1, triple(exS, exP, NewBlankNode("a.b"))}}},
		{"bnode label with '-' and PN_CHARS", "_:a-b_c\u00B7\u0300\u203F <http://example/p> <http://example/o> .",
			[]lineTriple{{1, triple(NewBlankNode("a-b_c\u00B7\u0300\u203F"), exP, exO)}}},
		{"bnode label non-ASCII start", "_:\u00e9t\u00e9 <http://example/p> _:\U00010000 .",
			[]lineTriple{{1, triple(NewBlankNode("\u00e9t\u00e9"), exP, NewBlankNode("\U00010000"))}}},
		{"bnode label with U+FFFD", "_:\uFFFD <http://example/p> <http://example/o> .",
			[]lineTriple{{1, triple(NewBlankNode("\uFFFD"), exP, exO)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseAll(t, tc.doc)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestParseErrors covers every way a document can fail, with the position
// and message of the error.
func TestParseErrors(t *testing.T) {
	const spo = "<http://example/s> <http://example/p> " // the object starts at column 39
	tests := []struct {
		name      string
		doc       string
		line, col int
		msg       string
	}{
		// IRIREF
		{"bad IRI: space", "<http://example/ space> <http://example/p> <http://example/o> .", 1, 17, "space not allowed in IRI (escape it as \\u0020)"},
		{"bad IRI: bad \\u escape", "<http://example/\\u00ZZ11> <http://example/p> <http://example/o> .", 1, 21, `invalid escape \u: expected 4 hexadecimal digits, found 'Z'`},
		{"bad IRI: bad \\U escape", "<http://example/\\U00ZZ1111> <http://example/p> <http://example/o> .", 1, 21, `invalid escape \U: expected 8 hexadecimal digits, found 'Z'`},
		{"bad IRI: character escape \\n", "<http://example/\\n> <http://example/p> <http://example/o> .", 1, 17, `invalid escape \n in IRI`},
		{"bad IRI: character escape \\/", "<http://example/\\/> <http://example/p> <http://example/o> .", 1, 17, `invalid escape \/ in IRI`},
		{"relative IRI in subject", "<s> <http://example/p> <http://example/o> .", 1, 1, "relative IRI <s> not allowed"},
		{"relative IRI in predicate", "<http://example/s> <p> <http://example/o> .", 1, 20, "relative IRI <p> not allowed"},
		{"relative IRI in object", spo + "<o> .", 1, 39, "relative IRI <o> not allowed"},
		{"relative IRI in datatype", spo + `"foo"^^<dt> .`, 1, 46, "relative IRI <dt> not allowed"},
		{"empty IRI", spo + "<> .", 1, 39, "relative IRI <> not allowed"},
		{"IRI starting with ':'", spo + "<:a> .", 1, 39, "relative IRI"},
		{"IRI with bad scheme character", spo + "<a_b:c> .", 1, 39, "relative IRI"},
		{"IRI not terminated at end of input", spo + "<http://example/o", 1, 39, "IRI not terminated: expected '>'"},
		{"IRI not terminated at end of line", spo + "<http://example/o\n> .", 1, 39, "IRI not terminated: expected '>' before the end of the line"},
		{"IRI with raw '{'", spo + "<http://example/{x}> .", 1, 55, `'{' not allowed in IRI (escape it as \u007B)`},
		{"IRI with raw NUL", spo + "<http://example/\x00> .", 1, 55, "control character U+0000 not allowed in IRI"},
		{"IRI with invalid UTF-8", spo + "<http://example/\xc3> .", 1, 55, "invalid UTF-8 in IRI"},
		{"IRI with surrogate escape", spo + `<http://example/\uD800> .`, 1, 55, `escape \uD800 denotes a surrogate`},
		{"IRI with escape beyond U+10FFFF", spo + `<http://example/\U00110000> .`, 1, 55, `escape \U00110000 is beyond U+10FFFF`},
		{"IRI with escape FFFFFFFF", spo + `<http://example/\UFFFFFFFF> .`, 1, 55, `is beyond U+10FFFF`},
		{"IRI with escape cut short", spo + `<http://example/\u12`, 1, 59, `escape \u cut short`},

		// directives and other Turtle
		{"@prefix", "@prefix : <http://example/> .", 1, 1, "found '@' (N-Triples has no @prefix or @base: is this Turtle?)"},
		{"PREFIX", "PREFIX ex: <http://example/>", 1, 1, "found 'P' (N-Triples has no PREFIX or BASE: is this Turtle?)"},
		{"prefixed name", "ex:a.b <http://example/p> 1 .", 1, 1, "found 'e' (a prefixed name? N-Triples writes every IRI in full, in <…>: is this Turtle?)"},
		{"@base", "@base <http://example/> .", 1, 1, "N-Triples has no @prefix or @base"},
		{"PREFIX", "PREFIX : <http://example/>", 1, 1, "expected subject (IRI or blank node), found 'P'"},
		{"objectList", spo + "<http://example/o>, <http://example/o2> .", 1, 57, `expected '.' after the object, found ','`},
		{"predicateObjectList", spo + "<http://example/o>; <http://example/p2> <http://example/o2> .", 1, 57, `expected '.' after the object, found ';'`},
		{"integer", spo + "1 .", 1, 39, "found '1' (N-Triples has no unquoted numbers or booleans)"},
		{"decimal", spo + "1.0 .", 1, 39, "N-Triples has no unquoted numbers"},
		{"double", spo + "1.0e0 .", 1, 39, "N-Triples has no unquoted numbers"},
		{"boolean", spo + "true .", 1, 39, "N-Triples has no unquoted numbers or booleans"},
		{"prefixed name", spo + "ex:o .", 1, 39, "expected object (IRI, blank node or literal), found 'e'"},
		{"'a' as predicate", "<http://example/s> a <http://example/o> .", 1, 20, "expected predicate (IRI), found 'a'"},

		// BLANK_NODE_LABEL
		{"colon in bnode label first", "_::a  <http://example/p> <http://example/o> .", 1, 3, "blank node label must start with a letter, a digit or '_', found ':'"},
		{"colon in bnode label", "_:abc:def  <http://example/p> <http://example/o> .", 1, 6, "expected predicate (IRI), found ':'"},
		{"bnode label starting with '-'", "_:-a <http://example/p> <http://example/o> .", 1, 3, "must start with a letter, a digit or '_', found '-'"},
		{"bnode label starting with '.'", spo + "_:.a .", 1, 41, "must start with a letter, a digit or '_', found '.'"},
		{"bnode label starting with U+00B7", "_:\u00B7a <http://example/p> <http://example/o> .", 1, 3, "must start with a letter, a digit or '_'"},
		{"bnode label starting with U+0300", "_:\u0300a <http://example/p> <http://example/o> .", 1, 3, "must start with a letter, a digit or '_'"},
		{"subject bnode label ending in '.'", "_:a. <http://example/p> <http://example/o> .", 1, 4, "blank node label must not end with '.'"},
		{"subject bnode label ending in '..'", "_:a.b.. <http://example/p> <http://example/o> .", 1, 6, "blank node label must not end with '.'"},
		{"object bnode label ending in '..'", spo + "_:a.. .", 1, 43, "expected end of line after '.', found '.'"},
		{"bnode label with U+00D7", "_:a\u00D7b <http://example/p> <http://example/o> .", 1, 4, "expected predicate (IRI), found '×' (U+00D7)"},
		{"empty bnode label", "_: <http://example/p> <http://example/o> .", 1, 3, "must start with a letter, a digit or '_', found space"},
		{"bnode label at end of input", spo + "_:", 1, 41, "expected blank node label after '_:', found end of input"},
		{"'_' without ':'", "_a <http://example/p> <http://example/o> .", 1, 2, "expected ':' after '_' in blank node, found 'a'"},
		{"bnode label with invalid UTF-8", "_:a\xff <http://example/p> <http://example/o> .", 1, 4, "invalid UTF-8 in blank node label"},
		{"bnode label starting with invalid UTF-8", "_:\xff <http://example/p> <http://example/o> .", 1, 3, "invalid UTF-8 in blank node label"},
		{"bnode predicate", "<http://example/s> _:p <http://example/o> .", 1, 20, "blank node not allowed as predicate: expected IRI"},

		// STRING_LITERAL_QUOTE and escapes
		{"literal subject", `"s" <http://example/p> <http://example/o> .`, 1, 1, "literal not allowed as subject: expected IRI or blank node"},
		{"literal predicate", `<http://example/s> "p" <http://example/o> .`, 1, 20, "literal not allowed as predicate: expected IRI"},
		{"bad string escape", spo + `"a\zb" .`, 1, 41, `invalid escape \z in string literal: expected one of \t \b \n \r \f \" \' \\ \uXXXX \UXXXXXXXX`},
		{"bad string \\u escape", spo + `"\uWXYZ" .`, 1, 42, `invalid escape \u: expected 4 hexadecimal digits, found 'W'`},
		{"bad string \\U escape", spo + `"\U0000WXYZ" .`, 1, 46, `invalid escape \U: expected 8 hexadecimal digits, found 'W'`},
		{"\\u escape cut by quote", spo + `"\u12" .`, 1, 44, `found '"'`},
		{"backslash before end of line", spo + "\"a\\\n\" .", 1, 41, `invalid escape \ followed by end of line`},
		{"backslash at end of input", spo + "\"a\\", 1, 41, "string literal not terminated"},
		{"surrogate \\u escape", spo + `"\uD800" .`, 1, 40, `escape \uD800 denotes a surrogate, not a character`},
		{"low surrogate \\u escape", spo + `"\uDFFF" .`, 1, 40, `denotes a surrogate`},
		{"surrogate \\U escape", spo + `"\U0000DC00" .`, 1, 40, `denotes a surrogate`},
		{"surrogate pair escapes", spo + `"\uD83D\uDE00" .`, 1, 40, `denotes a surrogate`},
		{"mismatched quotes \"'", spo + `"abc' .`, 1, 39, `string literal not terminated: expected '"'`},
		{"mismatched quotes '\"", spo + `'abc" .`, 1, 39, `expected object (IRI, blank node or literal), found '\''`},
		{"single quotes", spo + `'abc' .`, 1, 39, `found '\''`},
		{"long single quotes", spo + `'''abc''' .`, 1, 39, `found '\''`},
		{"long double quotes", spo + `"""abc""" .`, 1, 41, `expected '.' after the object, found '"'`},
		{"string with no end", spo + "\"abc .\n", 1, 39, `string literal not terminated: expected '"' before the end of the line`},
		{"string broken by CR", spo + "\"a\rb\" .", 1, 39, "string literal not terminated"},
		{"string with no start", spo + `abc" .`, 1, 39, "expected object"},
		{"literal with invalid UTF-8", spo + "\"a\xe2\x82\" .", 1, 41, "invalid UTF-8 in string literal"},
		{"literal with UTF-8 surrogate", spo + "\"\xed\xa0\x80\" .", 1, 40, "invalid UTF-8 in string literal"},
		{"literal with overlong UTF-8", spo + "\"\xc0\xaf\" .", 1, 40, "invalid UTF-8 in string literal"},

		// LANGTAG and datatype
		{"bad language tag", spo + `"string"@1 .`, 1, 48, "expected a letter to start the language tag, found '1'"},
		{"language tag ending in '-'", spo + `"x"@en- .`, 1, 46, "expected a letter or digit after '-' in the language tag, found space"},
		{"empty language tag", spo + `"x"@ .`, 1, 43, "expected a letter to start the language tag"},
		{"space after '@'", spo + `"x"@ en .`, 1, 43, "expected a letter to start the language tag, found space"},
		{"language tag with '_'", spo + `"x"@en_US .`, 1, 45, "expected '.' after the object, found '_'"},
		{"language tag and datatype", spo + `"x"@en^^<http://example/dt> .`, 1, 45, "expected '.' after the object, found '^'"},
		{"datatype and language tag", spo + `"x"^^<http://example/dt>@en .`, 1, 63, "expected '.' after the object, found '@'"},
		{"single '^'", spo + `"x"^<http://example/dt> .`, 1, 42, "expected '^^' before the datatype IRI, found '^'"},
		{"'^^' without IRI", spo + `"x"^^ "y" .`, 1, 45, "expected datatype IRI after '^^', found '\"'"},
		{"'^^' with prefixed name", spo + `"x"^^xsd:string .`, 1, 44, "expected datatype IRI after '^^', found 'x'"},
		{"'^^' then end of line", spo + "\"x\"^^\n<http://example/dt> .", 1, 44, "expected datatype IRI after '^^', found end of line"},
		{"rdf:langString without language tag", spo + `"x"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString> .`, 1, 44, "datatype rdf:langString not allowed without a language tag"},

		// triple structure
		{"missing final '.'", spo + "<http://example/o>", 1, 57, "expected '.' after the object, found end of input"},
		{"missing final '.' before EOL", spo + "<http://example/o>\n", 1, 57, "expected '.' after the object, found end of line"},
		{"missing object", spo + ".", 1, 39, "expected object (IRI, blank node or literal), found '.'"},
		{"missing predicate", "<http://example/s> .", 1, 20, "expected predicate (IRI), found '.'"},
		{"subject only", "<http://example/s>", 1, 19, "expected predicate (IRI), found end of input"},
		{"triple split over lines", "<http://example/s>\n<http://example/p> <http://example/o> .", 1, 19, "expected predicate (IRI), found end of line"},
		{"two triples on a line", spo + "<http://example/o> . " + spo + "<http://example/o> .", 1, 60, "expected end of line after '.', found '<'"},
		{"two dots", spo + "<http://example/o> . .", 1, 60, "expected end of line after '.', found '.'"},
		{"quad", spo + "<http://example/o> <http://example/g> .", 1, 58, "expected '.' after the object, found a fourth term (N-Triples has no graph names: is this N-Quads?)"},
		{"byte order mark", "\uFEFF" + spo + "<http://example/o> .", 1, 1, "expected subject (IRI or blank node), found '\\ufeff' (U+FEFF)"},
		{"invalid UTF-8 as subject", "\xff", 1, 1, "expected subject (IRI or blank node), found invalid UTF-8 byte 0xFF"},
		{"control character as subject", "\x01", 1, 1, "found control character U+0001"},
		{"form feed is not white space", "\f" + spo + "<http://example/o> .", 1, 1, "found control character U+000C"},
		{"invalid UTF-8 in comment", "# caf\xe9\n", 1, 6, "invalid UTF-8 in comment"},
		{"invalid UTF-8 in trailing comment", spo + "<http://example/o> . # \xe9", 1, 62, "invalid UTF-8 in comment"},

		// positions past the first line
		{"error on line 3 after LF", "# c\n" + spo + "<http://example/o> .\n" + spo + "<o> .\n", 3, 39, "relative IRI"},
		{"error on line 3 after CRLF", "# c\r\n" + spo + "<http://example/o> .\r\n" + spo + "<o> .\r\n", 3, 39, "relative IRI"},
		{"error on line 3 after CR", "# c\r" + spo + "<http://example/o> .\r" + spo + "<o> .\r", 3, 39, "relative IRI"},
		{"error on line 4 after blank lines", "\n\n\n\t" + spo + "<o> .", 4, 40, "relative IRI"},
		{"column counts bytes", "<http://example/\u00e9\U0001F600> <http://example/p> \"\u00e9\" .\n<http://example/s\u00e9> <p> <http://example/o> .", 2, 22, "relative IRI <p>"},
		{"column after multi-byte", spo + "\"\u00e9\U0001F600\"@1 .", 1, 48, "expected a letter to start the language tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseAll(t, tc.doc)
			require.Error(t, err)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.ErrorIs(t, err, ErrSyntax)
			assert.Equal(t, tc.line, se.Line, "line")
			assert.Equal(t, tc.col, se.Column, "column")
			assert.Contains(t, se.Msg, tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), fmt.Sprintf("%d:%d: ", tc.line, tc.col)), "Error() = %q", err.Error())
		})
	}
}

// TestParseLinesNumbering checks that a chunk's lines count from firstLine.
func TestParseLinesNumbering(t *testing.T) {
	doc := []byte("<http://example/s> <http://example/p> <http://example/o> .\n\n<http://example/s> <p> <http://example/o> .\n")
	var lines []int
	err := ParseLines(doc, 1000, func(line int, _ Triple) error {
		lines = append(lines, line)
		return nil
	})
	assert.Equal(t, []int{1000}, lines)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 1002, se.Line)
	assert.Equal(t, "1002:20: relative IRI <p> not allowed: expected an absolute IRI (scheme:...)", err.Error())
}

// TestParseLinesCallbackError checks that an error from the callback stops
// parsing and comes back unchanged.
func TestParseLinesCallbackError(t *testing.T) {
	stop := errors.New("stop")
	doc := bytes.Repeat([]byte("<http://example/s> <http://example/p> <http://example/o> .\n"), 3)
	calls := 0
	err := ParseLines(doc, 1, func(int, Triple) error {
		calls++
		return stop
	})
	assert.Same(t, stop, err)
	assert.Equal(t, 1, calls)
}

// TestParseTriplesDoNotAliasInput checks that parsed values stay valid when
// the caller reuses its buffer.
func TestParseTriplesDoNotAliasInput(t *testing.T) {
	doc := []byte(`_:b <http://example/p> "value"@en .`)
	var got Triple
	require.NoError(t, ParseLines(doc, 1, func(_ int, tr Triple) error { got = tr; return nil }))
	for i := range doc {
		doc[i] = 'X'
	}
	assert.Equal(t, triple(NewBlankNode("b"), exP, NewLangLiteral("value", "en")), got)
}

// TestParseInternTableFull checks that values are right once the table of
// interned predicates, datatypes and language tags is full.
func TestParseInternTableFull(t *testing.T) {
	var doc strings.Builder
	n := maxIntern + 10
	for i := range n {
		doc.WriteString("_:s <http://example/p" + strconv.Itoa(i) + "> \"v\"^^<http://example/dt" + strconv.Itoa(i) + "> .\n")
		doc.WriteString("_:s <http://example/p> \"v\"@l-" + strconv.Itoa(i) + " .\n")
		doc.WriteString("_:s <http://example/p> \"v\"^^<http://www.w3.org/2001/XMLSchema#string> .\n")
	}
	i := 0
	err := ParseLines([]byte(doc.String()), 1, func(line int, tr Triple) error {
		k := (line - 1) / 3
		switch (line - 1) % 3 {
		case 0:
			require.Equal(t, triple(NewBlankNode("s"), NewIRI("http://example/p"+strconv.Itoa(k)), NewLiteral("v", "http://example/dt"+strconv.Itoa(k))), tr)
		case 1:
			require.Equal(t, triple(NewBlankNode("s"), exP, NewLangLiteral("v", "l-"+strconv.Itoa(k))), tr)
		case 2:
			require.Equal(t, triple(NewBlankNode("s"), exP, NewLiteral("v", "")), tr)
		}
		i++
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3*n, i)
}

func BenchmarkParse(b *testing.B) {
	doc := genDocument(100_000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := ParseLines(doc, 1, func(int, Triple) error { n++; return nil })
		if err != nil || n != 100_000 {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/triple")
}

func TestNoTurtleHintWithoutReason(t *testing.T) {
	for _, doc := range []string{"abc <http://example/p> 1 .", "prefixes <http://example/p> 1 .", "\xff:"} {
		err := ParseLines([]byte(doc), 1, func(int, Triple) error { return nil })
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "Turtle", doc)
	}
}
