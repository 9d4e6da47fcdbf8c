// Package turtle reads Turtle 1.1 (W3C Recommendation, 25 February 2014),
// the RDF syntax most vocabularies and datasets are published in, into the
// triples of package ntriples, so that an import does not care which of the
// two it read.
//
// # Reading
//
// Parse streams a document: it calls a function with each triple as soon as
// the triple is read, and holds no more of the document than the statement
// it is in, so memory does not grow with the document. It accepts the whole
// grammar: @prefix and @base and their SPARQL forms PREFIX and BASE,
// prefixed names (with %XX kept and \-escapes decoded in local names),
// relative IRIs resolved against the base as RFC 3986 section 5.2 does,
// 'a', predicate and object lists (';' and ','), blank node property lists
// [ … ], collections ( … ), strings in all four quotings (the long ones may
// span lines), escapes, language tags, datatypes, and numbers and booleans
// written bare (xsd:integer, xsd:decimal, xsd:double, xsd:boolean, the
// lexical form kept as written).
//
// A byte order mark at the start of the document is skipped, as editors on
// some systems write one.
//
// The triples are canonical ntriples.Terms: "x"^^xsd:string is the simple
// literal "x", and "x"^^rdf:langString without a tag is refused, as in
// N-Triples. Absolute IRIs are kept as written; only relative ones are
// resolved. A relative IRI with no base (neither Options.Base nor an @base
// before it) is an error.
//
// Blank nodes keep the labels the document gives them, except that a label
// beginning with "genid" gets "genid-" in front: the blank nodes the parser
// makes for [ … ] and collections are labelled genid1, genid2, …, and the
// two must not meet. Labels are scoped to one document, as RDF says; a
// caller that reads several documents into one graph keeps them apart.
//
// The parser checks everything the grammar does and stops at the first
// error: a *SyntaxError, matched by errors.Is(err, ErrSyntax), formatted
// "LINE:COL: message" as the N-Triples parser does (lines from 1, columns
// in bytes from 1), pointing at the start of the offending token, or, for
// an unterminated string or IRI, at its opening quote. A Turtle document
// cannot be resumed after an error, so there is no skipping bad lines.
//
// The parser passes the W3C RDF 1.1 Turtle test suite, all 313 tests (see
// TestW3CSuite for how to run it).
package turtle
