package ntriples

import (
	"bufio"
	"io"
	"unicode/utf8"
)

// The writer produces canonical N-Triples as section 4 of the N-Triples 1.1
// Recommendation defines it: one triple per line, "S P O .\n" with single
// spaces, no comments, literals escaping only '"', '\', LF and CR (as \" \\
// \n \r) and keeping every other character raw, and no \u escapes, except
// in IRIs for the characters an IRIREF may not hold raw (controls, space,
// <>"{}|^`\), which are written as \u00XX with upper-case hex. Simple
// literals are written without ^^xsd:string.
//
// Validate admits exactly the triples this form reproduces: for a triple t,
// AppendTriple succeeds if and only if parsing its output yields t again.

// AppendTriple appends t to dst as one line of canonical N-Triples, line end
// included, and returns the extended buffer. If t cannot be written exactly
// (see Triple.Validate), it returns dst unchanged and an error wrapping
// ErrInvalidTerm.
func AppendTriple(dst []byte, t Triple) ([]byte, error) {
	if err := t.Validate(); err != nil {
		return dst, err
	}
	dst = appendTerm(dst, t.Subject)
	dst = append(dst, ' ')
	dst = appendTerm(dst, t.Predicate)
	dst = append(dst, ' ')
	dst = appendTerm(dst, t.Object)
	return append(dst, " .\n"...), nil
}

// Validate reports whether t is a canonical RDF triple that N-Triples
// represents exactly: its subject an IRI or blank node, its predicate an
// IRI, every IRI absolute and valid UTF-8, every blank node label a
// BLANK_NODE_LABEL, every literal valid UTF-8 and canonical (see Term), and
// every language tag a LANGTAG. The error wraps ErrInvalidTerm.
func (t Triple) Validate() error {
	switch t.Subject.Kind {
	case IRI, BlankNode:
	case Literal:
		return invalidTerm("subject", "literal not allowed")
	}
	if err := t.Subject.validate("subject"); err != nil {
		return err
	}
	if t.Predicate.Kind != IRI && t.Predicate.Kind != 0 {
		return invalidTerm("predicate", "%s not allowed", t.Predicate.Kind)
	}
	if err := t.Predicate.validate("predicate"); err != nil {
		return err
	}
	return t.Object.validate("object")
}

func (t Term) validate(role string) error {
	if t.Kind != Literal && (t.Datatype != "" || t.Lang != "") {
		return invalidTerm(role, "%s with a datatype or language tag", t.Kind)
	}
	switch t.Kind {
	case IRI:
		if msg := iriProblem(t.Value); msg != "" {
			return invalidTerm(role, "IRI %q %s", t.Value, msg)
		}
	case BlankNode:
		if !validLabel(t.Value) {
			return invalidTerm(role, "blank node label %q is not a BLANK_NODE_LABEL", t.Value)
		}
	case Literal:
		if !utf8.ValidString(t.Value) {
			return invalidTerm(role, "literal %q is not valid UTF-8", t.Value)
		}
		switch {
		case t.Lang != "":
			if t.Datatype != "" {
				return invalidTerm(role, "language-tagged literal with datatype %q: leave Datatype empty", t.Datatype)
			}
			if !validLang(t.Lang) {
				return invalidTerm(role, "language tag %q is not a LANGTAG", t.Lang)
			}
		case t.Datatype == XSDString:
			return invalidTerm(role, "datatype xsd:string spelled out: leave Datatype empty (NewLiteral does)")
		case t.Datatype == RDFLangString:
			return invalidTerm(role, "datatype rdf:langString without a language tag")
		case t.Datatype != "":
			if msg := iriProblem(t.Datatype); msg != "" {
				return invalidTerm(role+" datatype", "IRI %q %s", t.Datatype, msg)
			}
		}
	case 0:
		return invalidTerm(role, "missing")
	default:
		return invalidTerm(role, "unknown %s", t.Kind)
	}
	return nil
}

// iriProblem says what keeps iri from being written, or returns "".
func iriProblem(iri string) string {
	switch {
	case !utf8.ValidString(iri):
		return "is not valid UTF-8"
	case !hasScheme(iri):
		return "is relative: N-Triples needs an absolute IRI"
	}
	return ""
}

func appendTerm(dst []byte, t Term) []byte {
	switch t.Kind {
	case IRI:
		return appendIRI(dst, t.Value)
	case BlankNode:
		return append(append(dst, "_:"...), t.Value...)
	}
	return appendLiteral(dst, t)
}

const upperHex = "0123456789ABCDEF"

// appendIRI appends <iri>, escaping what an IRIREF may not hold raw.
func appendIRI(dst []byte, iri string) []byte {
	dst = append(dst, '<')
	seg := 0
	for i := 0; i < len(iri); i++ {
		b := iri[i]
		if b >= utf8.RuneSelf || iriRaw[b] {
			continue
		}
		dst = append(dst, iri[seg:i]...)
		dst = append(dst, '\\', 'u', '0', '0', upperHex[b>>4], upperHex[b&0xF])
		seg = i + 1
	}
	dst = append(dst, iri[seg:]...)
	return append(dst, '>')
}

// appendLiteral appends the literal t: its quoted lexical form and its
// language tag or datatype.
func appendLiteral(dst []byte, t Term) []byte {
	dst = append(dst, '"')
	seg := 0
	for i := 0; i < len(t.Value); i++ {
		var esc byte
		switch t.Value[i] {
		case '"':
			esc = '"'
		case '\\':
			esc = '\\'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		default:
			continue
		}
		dst = append(dst, t.Value[seg:i]...)
		dst = append(dst, '\\', esc)
		seg = i + 1
	}
	dst = append(dst, t.Value[seg:]...)
	dst = append(dst, '"')
	switch {
	case t.Lang != "":
		dst = append(append(dst, '@'), t.Lang...)
	case t.Datatype != "":
		dst = appendIRI(append(dst, "^^"...), t.Datatype)
	}
	return dst
}

// Writer writes triples as canonical N-Triples to an io.Writer, buffered.
// Call Flush when done.
type Writer struct {
	w   *bufio.Writer
	buf []byte
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write writes t as one line. A triple that Validate refuses is not written,
// and its error, wrapping ErrInvalidTerm, leaves the Writer usable; a write
// error of the underlying io.Writer is returned by this and every later
// call.
func (w *Writer) Write(t Triple) error {
	var err error
	w.buf, err = AppendTriple(w.buf[:0], t)
	if err != nil {
		return err
	}
	_, err = w.w.Write(w.buf)
	return err
}

// Flush writes any buffered data to the underlying io.Writer.
func (w *Writer) Flush() error { return w.w.Flush() }
