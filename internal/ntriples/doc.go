// Package ntriples reads and writes N-Triples 1.1 (W3C Recommendation,
// 25 February 2014), the line-based RDF syntax that graphctl imports and
// exports, and reads N-Quads 1.1, N-Triples with graph labels.
//
// # Model
//
// A Triple holds three Terms. A Term is an IRI, a blank node or a literal,
// with every escape decoded; it is canonical, so == compares RDF terms: a
// simple literal has an empty Datatype (never xsd:string spelled out), a
// language-tagged literal has Lang set and an empty Datatype (never
// rdf:langString), and language tags keep the case they were written in.
// See Term.
//
// # Reading
//
// The parser is strict: it accepts exactly the documents of the N-Triples
// grammar that denote RDF triples, and loses nothing of them. It checks
// UTF-8, escapes (ECHAR, UCHAR without surrogates), IRIREF characters, that
// IRIs are absolute (have a scheme), blank node labels, language tags and
// where each kind of term may stand. Where the printed grammar and the W3C
// test suite disagree it follows the test suite: ':' is not allowed in blank
// node labels. It also refuses "x"^^rdf:langString, which RDF 1.1 does not
// allow without a language tag. White space (space and tab) may stand
// between any two terminals, including before '^^', after '^^' and before a
// language tag, as the grammar allows.
//
// Errors are *SyntaxError values, matched by errors.Is(err, ErrSyntax),
// formatted "LINE:COL: message": lines count from 1, line ends being "\n",
// "\r" or "\r\n"; columns count bytes from 1, as go/scanner does.
//
// A Reader streams a document triple by triple. For parsing in parallel,
// Chunks cuts a document at line ends into chunks of about a given size,
// each knowing the number of its first line, and ParseLines (or
// Chunk.Parse) parses one chunk; the line numbers of its triples and errors
// are those of the whole document. See the Chunks example for an import
// that parses on every core and applies the triples in file order.
//
// ParseQuadLines reads N-Quads 1.1 the same way, and Chunks cuts it alike
// (one statement a line): each triple comes with its graph label, an IRI or
// blank node, or the zero Term for the default graph. An N-Triples parse that meets a fourth term says
// that the input may be N-Quads.
//
// # Writing
//
// A Writer, or AppendTriple, writes canonical N-Triples (section 4 of the
// Recommendation): "S P O .\n" with single spaces; literals escape only
// '"', '\', LF and CR; IRIs escape, as \u00XX, only the characters an
// IRIREF may not hold raw; simple literals have no ^^xsd:string. What is
// written reads back as the same Triple; a triple that could not (for
// example a relative IRI, or a literal subject) is refused with an error
// wrapping ErrInvalidTerm, as Triple.Validate reports.
package ntriples
