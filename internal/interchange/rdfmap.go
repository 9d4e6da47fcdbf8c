package interchange

// The mapping between RDF and the entity model, decided once here and used by both import
// and export (README.md, section "graphctl", documents it for users):
//
//   - Every IRI or blank node used as a subject, or as the object of a triple that becomes
//     an edge, is an entity. An IRI is kept as the entity's external IRI, so <IRI> finds it
//     in queries; a blank node is an entity without an IRI, new on every import, exported
//     as _:b<ID>.
//   - Types are a set: every rdf:type triple with an IRI object makes its subject a member
//     of the kind named after that IRI (entity.Kind.Add), so FIND K finds every entity
//     typed K. A new entity's own kind, the one in its URI, is that of the least of its
//     type IRIs in code-point order, so that it does not depend on the order of lines; an
//     entity with none gets the kind Resource, which export writes no rdf:type for. An
//     entity keeps its own kind when a later import adds types. Export writes an rdf:type
//     for every kind an entity is a member of. An rdf:type with a blank-node object is an
//     edge of a verb made for rdf:type.
//   - A predicate with IRI or blank-node objects is a verb. Its literal objects go to
//     columns, one per datatype: xsd:integer, xsd:long and xsd:int are int64; xsd:double,
//     xsd:decimal and xsd:float are float64; xsd:boolean is bool; everything else is a
//     string. A numeric or boolean literal is stored as a number only if writing the
//     number back gives its exact text ("42", "0.5", "true"); other spellings ("042",
//     "1.0", "1") are kept as strings with their datatype, so that export writes back
//     the very same literal. A language-tagged literal is kept as "text@tag".
//   - A column records its predicate as its IRI and, when its datatype is not the default
//     of its type (xsd:integer, xsd:double, xsd:boolean, or a plain string), the datatype
//     after "^^": <http://ex.org/age>^^<http://www.w3.org/2001/XMLSchema#int> is written
//     http://ex.org/age^^http://www.w3.org/2001/XMLSchema#int. '^' cannot occur in an IRI,
//     so the two parts split back unambiguously.
//   - Names are the IRI's local part (after the last '#' or '/'), with characters outside
//     [A-Za-z0-9_.-] replaced by '_', a '_' put before one that does not start with a
//     letter or '_', and at most 64 bytes. An IRI that a variable of the same role (and,
//     for a column, the same datatype and type) already carries reuses it. New names are
//     given kinds first, in IRI order, then predicates in IRI order, each predicate's verb
//     before its columns, columns in datatype-IRI order (plain strings first); each takes
//     the first of name, name_2, name_3, … that no variable has.

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/internal/ntriples"
)

// Well-known IRIs.
const (
	rdfNS     = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	rdfType   = rdfNS + "type"
	rdfJSON   = rdfNS + "JSON"
	xsdNS     = "http://www.w3.org/2001/XMLSchema#"
	xsdInt    = xsdNS + "int"
	xsdLong   = xsdNS + "long"
	xsdInteg  = xsdNS + "integer"
	xsdDouble = xsdNS + "double"
	xsdDec    = xsdNS + "decimal"
	xsdFloat  = xsdNS + "float"
	xsdBool   = xsdNS + "boolean"
)

// resourceKind is the kind of the entities whose subject has no rdf:type. It has no IRI,
// and export writes no rdf:type for it.
const resourceKind = "Resource"

// maxNameLen is the longest name an import gives: the longest kind name a URI allows.
const maxNameLen = 64

// localName returns the part of iri after its last '#' or '/'.
func localName(iri string) string {
	return iri[strings.LastIndexAny(iri, "#/")+1:]
}

// baseName returns the name an import gives to the kind or predicate iri, before any
// suffix that makes it unique.
func baseName(iri string) string {
	var b strings.Builder
	for _, r := range localName(iri) {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || !(s[0] == '_' || 'a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') {
		s = "_" + s
	}
	return s[:min(len(s), maxNameLen)]
}

// namer hands out names no variable has.
type namer struct{ taken map[string]bool }

// claim returns the first of base, base_2, base_3, … that is free, and takes it.
func (n *namer) claim(base string) string {
	name := base
	for i := 2; n.taken[name]; i++ {
		suffix := "_" + strconv.Itoa(i)
		name = base[:min(len(base), maxNameLen-len(suffix))] + suffix
	}
	n.taken[name] = true
	return name
}

// litClass is the class of a literal: the column type it is stored as and its datatype
// IRI ("" for a plain string, rdf:langString for a tagged one).
type litClass struct {
	typ      column.TypeKind // Int64, Float64, Bool or String
	datatype string
}

// defaultDatatype returns the datatype a column of type k has when its IRI gives none.
func defaultDatatype(k column.TypeKind) string {
	switch k {
	case column.Int64:
		return xsdInteg
	case column.Float64:
		return xsdDouble
	case column.Bool:
		return xsdBool
	}
	return ""
}

// classify returns the class of literal t and the value a column keeps for it.
func classify(t ntriples.Term) (litClass, any) {
	lex := t.Value
	if t.Lang != "" {
		return litClass{column.String, ntriples.RDFLangString}, lex + "@" + t.Lang
	}
	dt := t.Datatype
	if lo, hi, ok := integerRange(dt); ok {
		if v, err := strconv.ParseInt(lex, 10, 64); err == nil && strconv.FormatInt(v, 10) == lex {
			if (lo == nil || v >= *lo) && (hi == nil || v <= *hi) {
				return litClass{column.Int64, dt}, v
			}
		} else if u, err := strconv.ParseUint(lex, 10, 64); err == nil && strconv.FormatUint(u, 10) == lex && hi == nil {
			// Beyond int64: an integer type without an upper bound below it.
			return litClass{column.Uint64, dt}, u
		}
		return litClass{column.String, dt}, lex
	}
	switch dt {
	case xsdDouble, xsdDec, xsdFloat:
		if v, err := strconv.ParseFloat(lex, 64); err == nil && !math.IsNaN(v) && formatFloat(v, dt) == lex {
			return litClass{column.Float64, dt}, v
		}
	case xsdBool:
		if lex == "true" || lex == "false" {
			return litClass{column.Bool, dt}, lex == "true"
		}
	}
	return litClass{column.String, t.Datatype}, lex
}

// integerRange returns the bounds of the XSD integer type dt (nil for none within int64),
// and whether dt is one: xsd:integer and the types derived from it.
func integerRange(dt string) (lo, hi *int64, ok bool) {
	r := func(l, h int64) (*int64, *int64, bool) { return &l, &h, true }
	switch strings.TrimPrefix(dt, xsdNS) {
	case "integer":
		return nil, nil, dt == xsdInteg
	case "long":
		return r(math.MinInt64, math.MaxInt64)
	case "int":
		return r(math.MinInt32, math.MaxInt32)
	case "short":
		return r(math.MinInt16, math.MaxInt16)
	case "byte":
		return r(math.MinInt8, math.MaxInt8)
	case "nonNegativeInteger", "unsignedLong":
		zero := int64(0)
		return &zero, nil, strings.HasPrefix(dt, xsdNS)
	case "positiveInteger":
		one := int64(1)
		return &one, nil, strings.HasPrefix(dt, xsdNS)
	case "nonPositiveInteger":
		return r(math.MinInt64, 0)
	case "negativeInteger":
		return r(math.MinInt64, -1)
	case "unsignedInt":
		return r(0, math.MaxUint32)
	case "unsignedShort":
		return r(0, math.MaxUint16)
	case "unsignedByte":
		return r(0, math.MaxUint8)
	}
	return nil, nil, false
}

// formatFloat writes a float as its datatype's literal: decimals without an exponent.
func formatFloat(v float64, datatype string) string {
	if datatype == xsdDec {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// columnIRI returns the IRI text a column of class c for predicate pred records.
func columnIRI(pred string, c litClass) string {
	if c.datatype == defaultDatatype(c.typ) {
		return pred
	}
	return pred + "^^" + c.datatype
}

// splitColumnIRI returns the predicate and datatype recorded in a column's IRI text.
func splitColumnIRI(s string) (pred, datatype string, explicit bool) {
	pred, datatype, explicit = strings.Cut(s, "^^")
	return pred, datatype, explicit
}

// compareClass orders the classes of one predicate: plain strings first, then by datatype
// IRI, then by type.
func compareClass(a, b litClass) int {
	return cmp.Or(cmp.Compare(a.datatype, b.datatype), cmp.Compare(a.typ, b.typ))
}

// literalOf returns the literal that a value of a column of type t, recording datatype dt
// (or none), stands for: the inverse of classify for imported columns, and a faithful
// literal for the others.
func literalOf(t column.Type, dt string, explicit bool, v any) (ntriples.Term, error) {
	if !explicit {
		dt = ""
	}
	switch t.Kind() {
	case column.String:
		s := v.(string)
		if dt == ntriples.RDFLangString {
			i := strings.LastIndexByte(s, '@')
			if i < 0 {
				return ntriples.Term{}, fmt.Errorf("value %q of a language-tagged column has no @tag", s)
			}
			return ntriples.NewLangLiteral(s[:i], s[i+1:]), nil
		}
		return ntriples.NewLiteral(s, dt), nil
	case column.Bool:
		return ntriples.NewLiteral(strconv.FormatBool(v.(bool)), cmp.Or(dt, xsdBool)), nil
	case column.Int8, column.Int16, column.Int32, column.Int64:
		return ntriples.NewLiteral(strconv.FormatInt(v.(int64), 10), cmp.Or(dt, intDatatype(t.Kind()))), nil
	case column.Uint8, column.Uint16, column.Uint32, column.Uint64:
		return ntriples.NewLiteral(strconv.FormatUint(v.(uint64), 10), cmp.Or(dt, uintDatatype(t.Kind()))), nil
	case column.Float32, column.Float64:
		f := v.(float64)
		if t.Kind() == column.Float32 && dt == "" {
			dt = xsdFloat
		}
		dt = cmp.Or(dt, xsdDouble)
		switch {
		case math.IsInf(f, 1):
			return ntriples.NewLiteral("INF", dt), nil
		case math.IsInf(f, -1):
			return ntriples.NewLiteral("-INF", dt), nil
		}
		return ntriples.NewLiteral(formatFloat(f, dt), dt), nil
	case column.Bytes:
		return ntriples.NewLiteral(strings.ToUpper(fmt.Sprintf("%x", v)), cmp.Or(dt, xsdNS+"hexBinary")), nil
	}
	// Arrays and structs: JSON text.
	if b, ok := v.([]byte); ok {
		return ntriples.NewLiteral(strings.ToUpper(fmt.Sprintf("%x", b)), cmp.Or(dt, xsdNS+"hexBinary")), nil
	}
	return ntriples.NewLiteral(jsonText(toJSON(v)), cmp.Or(dt, rdfJSON)), nil
}

func intDatatype(k column.TypeKind) string {
	switch k {
	case column.Int8:
		return xsdNS + "byte"
	case column.Int16:
		return xsdNS + "short"
	case column.Int32:
		return xsdInt
	}
	return xsdInteg
}

func uintDatatype(k column.TypeKind) string {
	switch k {
	case column.Uint8:
		return xsdNS + "unsignedByte"
	case column.Uint16:
		return xsdNS + "unsignedShort"
	case column.Uint32:
		return xsdNS + "unsignedInt"
	}
	return xsdNS + "unsignedLong"
}

// compareNatural orders blank node labels so that digit runs compare as numbers: b2
// before b10. Export labels blank nodes _:b<ID>, so an import of an export creates them in
// ID order again.
func compareNatural(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			if c := cmp.Compare(da, db); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}
