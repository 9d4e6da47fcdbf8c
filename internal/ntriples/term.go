package ntriples

import (
	"strconv"
	"strings"
)

// Well-known datatype IRIs of RDF 1.1 literals.
const (
	// XSDString is the datatype of a simple literal such as "x". A Term
	// never spells it out: its Datatype is empty instead.
	XSDString = "http://www.w3.org/2001/XMLSchema#string"

	// RDFLangString is the datatype of a language-tagged literal such as
	// "x"@en. A Term never spells it out: its Lang is set instead.
	RDFLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
)

// Kind is the kind of an RDF term. The zero Kind is no term at all.
type Kind uint8

// The kinds of RDF terms.
const (
	IRI       Kind = iota + 1 // an absolute IRI, <http://example.org/a>
	BlankNode                 // a blank node, _:b1
	Literal                   // a literal, "x", "x"@en or "1"^^<…#integer>
)

// String returns the name of the kind: "IRI", "BlankNode" or "Literal".
func (k Kind) String() string {
	switch k {
	case IRI:
		return "IRI"
	case BlankNode:
		return "BlankNode"
	case Literal:
		return "Literal"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Term is an RDF term: an IRI, a blank node or a literal.
//
// Value is the IRI, the blank node label without its "_:" prefix, or the
// literal's lexical form, with every escape sequence decoded.
//
// A Term is canonical: each RDF term has exactly one Term value, so == on
// Terms is equality of RDF terms (apart from the case of language tags,
// which is kept as written). For a literal:
//
//   - a simple literal "x" (datatype xsd:string) has empty Datatype and
//     Lang, whether the input wrote "x" or "x"^^<…XMLSchema#string>;
//   - a language-tagged literal "x"@en (datatype rdf:langString) has Lang
//     set and empty Datatype;
//   - any other literal has Datatype set and empty Lang.
//
// Datatype and Lang are empty for IRIs and blank nodes. The Reader and the
// constructors produce only canonical Terms; the Writer refuses others.
type Term struct {
	Kind     Kind
	Value    string
	Datatype string
	Lang     string
}

// NewIRI returns the IRI term for iri.
func NewIRI(iri string) Term { return Term{Kind: IRI, Value: iri} }

// NewBlankNode returns the blank node term with the given label (without
// "_:").
func NewBlankNode(label string) Term { return Term{Kind: BlankNode, Value: label} }

// NewLiteral returns the literal with the given lexical form and datatype
// IRI. An empty datatype or XSDString makes a simple literal.
func NewLiteral(lexical, datatype string) Term {
	if datatype == XSDString {
		datatype = ""
	}
	return Term{Kind: Literal, Value: lexical, Datatype: datatype}
}

// NewLangLiteral returns the language-tagged literal with the given lexical
// form and language tag (without "@").
func NewLangLiteral(lexical, lang string) Term {
	return Term{Kind: Literal, Value: lexical, Lang: lang}
}

// DatatypeIRI returns the datatype IRI of a literal as RDF defines it:
// Datatype when set, RDFLangString for a language-tagged literal, and
// XSDString for a simple literal. It returns "" for IRIs and blank nodes.
func (t Term) DatatypeIRI() string {
	switch {
	case t.Kind != Literal:
		return ""
	case t.Datatype != "":
		return t.Datatype
	case t.Lang != "":
		return RDFLangString
	}
	return XSDString
}

// String returns t in N-Triples syntax, for messages and debugging. It does
// not check t: use a Writer or AppendTriple to produce N-Triples output.
func (t Term) String() string {
	var b []byte
	switch t.Kind {
	case IRI:
		b = appendIRI(b, t.Value)
	case BlankNode:
		b = append(append(b, "_:"...), t.Value...)
	case Literal:
		b = appendLiteral(b, t)
	default:
		return "<invalid " + t.Kind.String() + ">"
	}
	return string(b)
}

// Triple is an RDF triple.
type Triple struct {
	Subject   Term // an IRI or a blank node
	Predicate Term // an IRI
	Object    Term // an IRI, a blank node or a literal
}

// String returns t as an N-Triples line without the line end, for messages
// and debugging. It does not check t: use a Writer or AppendTriple to
// produce N-Triples output.
func (t Triple) String() string {
	var b strings.Builder
	b.WriteString(t.Subject.String())
	b.WriteByte(' ')
	b.WriteString(t.Predicate.String())
	b.WriteByte(' ')
	b.WriteString(t.Object.String())
	b.WriteString(" .")
	return b.String()
}
