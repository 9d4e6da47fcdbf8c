package column

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// TypeKind is the shape of a Type.
type TypeKind uint8

// The kinds of column types.
const (
	Invalid TypeKind = iota
	Bool
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	Float32
	Float64
	String // UTF-8 text of at most MaxLen bytes
	Bytes  // bytes, at most MaxLen of them
	Array  // Len elements of Elem
	Struct // Fields in order
)

var scalarNames = [...]string{
	Bool: "bool", Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64",
	Uint8: "uint8", Uint16: "uint16", Uint32: "uint32", Uint64: "uint64",
	Float32: "float32", Float64: "float64",
}

var scalarSizes = [...]int{
	Bool: 1, Int8: 1, Int16: 2, Int32: 4, Int64: 8, Uint8: 1, Uint16: 2, Uint32: 4, Uint64: 8,
	Float32: 4, Float64: 8,
}

func (k TypeKind) scalar() bool { return k >= Bool && k <= Float64 }

// String returns the kind's name: a scalar type's name, or string, bytes, array or struct.
func (k TypeKind) String() string {
	switch {
	case k.scalar():
		return scalarNames[k]
	case k == String:
		return "string"
	case k == Bytes:
		return "bytes"
	case k == Array:
		return "array"
	case k == Struct:
		return "struct"
	}
	return "invalid"
}

// Type describes the values of a column. Its canonical text (String, which ParseType reads
// back) is what the catalog stores, so a program without the Go type (the query engine, the
// CLI) can decode the values:
//
//	bool  int8 int16 int32 int64  uint8 uint16 uint32 uint64  float32 float64
//	string(64)                     UTF-8 text of at most 64 bytes
//	bytes(32)                      bytes, at most 32
//	[16]byte  [3]float32           arrays of a fixed-size type ([N]byte for [N]uint8)
//	struct{X float32; Y float32}   structs of fixed-size fields
//
// The zero Type is invalid.
type Type struct {
	kind   TypeKind
	n      int // Array: length; String, Bytes: MaxLen
	elem   *Type
	fields []Field
}

// Field is a field of a struct Type.
type Field struct {
	Name string
	Type Type
}

// Kind returns the shape of t.
func (t Type) Kind() TypeKind { return t.kind }

// Len returns the length of an Array type, and 0 for other types.
func (t Type) Len() int {
	if t.kind != Array {
		return 0
	}
	return t.n
}

// MaxLen returns the longest value of a String or Bytes type in bytes, and 0 for other types.
func (t Type) MaxLen() int {
	if t.kind != String && t.kind != Bytes {
		return 0
	}
	return t.n
}

// Elem returns the element type of an Array type, and the zero Type for other types.
func (t Type) Elem() Type {
	if t.elem == nil {
		return Type{}
	}
	return *t.elem
}

// Fields returns the fields of a Struct type.
func (t Type) Fields() []Field { return append([]Field(nil), t.fields...) }

// FixedSize returns the encoded size of a fixed-size type in bytes, and 0 for String and
// Bytes, whose size varies.
func (t Type) FixedSize() int {
	switch {
	case t.kind.scalar():
		return scalarSizes[t.kind]
	case t.kind == Array:
		return t.n * t.elem.FixedSize()
	case t.kind == Struct:
		n := 0
		for _, f := range t.fields {
			n += f.Type.FixedSize()
		}
		return n
	}
	return 0
}

// String returns the canonical text of t.
func (t Type) String() string {
	var b strings.Builder
	t.format(&b)
	return b.String()
}

func (t Type) format(b *strings.Builder) {
	switch t.kind {
	case String, Bytes:
		fmt.Fprintf(b, "%s(%d)", t.kind, t.n)
	case Array:
		fmt.Fprintf(b, "[%d]", t.n)
		if t.elem.kind == Uint8 {
			b.WriteString("byte")
		} else {
			t.elem.format(b)
		}
	case Struct:
		b.WriteString("struct{")
		for i, f := range t.fields {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(f.Name)
			b.WriteByte(' ')
			f.Type.format(b)
		}
		b.WriteByte('}')
	default:
		b.WriteString(t.kind.String())
	}
}

// Equal reports whether t and u are the same type.
func (t Type) Equal(u Type) bool { return t.String() == u.String() }

// validate checks that t can be a column's type.
func (t Type) validate() error {
	switch {
	case t.kind.scalar():
		return nil
	case t.kind == String || t.kind == Bytes:
		if t.n < 1 {
			return fmt.Errorf("%w: %s needs a maximum length of at least 1 (column.MaxLen)", ErrType, t.kind)
		}
		return nil
	case t.kind == Array:
		if t.n < 1 || t.elem == nil {
			return fmt.Errorf("%w: array of length %d", ErrType, t.n)
		}
		if t.elem.FixedSize() == 0 {
			return fmt.Errorf("%w: array elements must have a fixed size, not %s", ErrType, t.elem)
		}
		return t.elem.validate()
	case t.kind == Struct:
		if len(t.fields) == 0 {
			return fmt.Errorf("%w: empty struct", ErrType)
		}
		seen := map[string]bool{}
		for _, f := range t.fields {
			if !isIdent(f.Name) || seen[f.Name] {
				return fmt.Errorf("%w: struct field name %q", ErrType, f.Name)
			}
			seen[f.Name] = true
			if f.Type.FixedSize() == 0 {
				return fmt.Errorf("%w: struct field %s must have a fixed size, not %s", ErrType, f.Name, f.Type)
			}
			if err := f.Type.validate(); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: invalid type", ErrType)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return true
}

// ParseType parses the text of a type, as String writes it. It also accepts "byte" for
// uint8 and any spacing between the tokens.
func ParseType(s string) (Type, error) {
	p := typeParser{s: s}
	t, err := p.parse()
	if err == nil {
		p.space()
		if p.i < len(p.s) {
			err = p.errorf("unexpected %q", p.s[p.i:])
		}
	}
	if err == nil {
		err = t.validate()
	}
	if err != nil {
		return Type{}, fmt.Errorf("type %q: %w", s, err)
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: at offset %d: %s", ErrType, p.i, fmt.Sprintf(format, args...))
}

func (p *typeParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *typeParser) ident() string {
	p.space()
	j := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || p.i > j && c >= '0' && c <= '9' {
			p.i++
			continue
		}
		break
	}
	return p.s[j:p.i]
}

func (p *typeParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) number() (int, error) {
	p.space()
	j := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.Atoi(p.s[j:p.i])
	if err != nil || n > 1<<30 {
		return 0, p.errorf("want a length")
	}
	return n, nil
}

func (p *typeParser) parse() (Type, error) {
	if p.eat('[') {
		n, err := p.number()
		if err != nil {
			return Type{}, err
		}
		if !p.eat(']') {
			return Type{}, p.errorf("want ']'")
		}
		e, err := p.parse()
		if err != nil {
			return Type{}, err
		}
		return ArrayType(n, e), nil
	}
	name := p.ident()
	switch name {
	case "byte":
		return Type{kind: Uint8}, nil
	case "string", "bytes":
		if !p.eat('(') {
			return Type{}, p.errorf("%s needs a maximum length, as in %s(64)", name, name)
		}
		n, err := p.number()
		if err != nil {
			return Type{}, err
		}
		if !p.eat(')') {
			return Type{}, p.errorf("want ')'")
		}
		if name == "string" {
			return StringType(n), nil
		}
		return BytesType(n), nil
	case "struct":
		if !p.eat('{') {
			return Type{}, p.errorf("want '{'")
		}
		var fields []Field
		for !p.eat('}') {
			if len(fields) > 0 && !p.eat(';') {
				return Type{}, p.errorf("want ';' or '}'")
			}
			f := p.ident()
			if f == "" {
				return Type{}, p.errorf("want a field name")
			}
			ft, err := p.parse()
			if err != nil {
				return Type{}, err
			}
			fields = append(fields, Field{Name: f, Type: ft})
		}
		return StructType(fields...), nil
	}
	for k := Bool; k <= Float64; k++ {
		if scalarNames[k] == name {
			return Type{kind: k}, nil
		}
	}
	if name == "" && p.i < len(p.s) {
		return Type{}, p.errorf("unexpected %q", p.s[p.i:])
	}
	return Type{}, p.errorf("unknown type %q", name)
}

// TypeOf returns the Type of Go type T: bool, the sized integers, float32, float64, arrays
// and structs of these (no pointers, no int, uint or uintptr, whose size depends on the
// platform), or string or []byte, which it returns with MaxLen 0: the column's MaxLen
// option gives it.
func TypeOf[T any]() (Type, error) {
	return typeOf(reflect.TypeFor[T]())
}

// typeOf is TypeOf for a reflect.Type.
func typeOf(rt reflect.Type) (Type, error) {
	switch rt.Kind() {
	case reflect.Bool:
		return Type{kind: Bool}, nil
	case reflect.Int8:
		return Type{kind: Int8}, nil
	case reflect.Int16:
		return Type{kind: Int16}, nil
	case reflect.Int32:
		return Type{kind: Int32}, nil
	case reflect.Int64:
		return Type{kind: Int64}, nil
	case reflect.Uint8:
		return Type{kind: Uint8}, nil
	case reflect.Uint16:
		return Type{kind: Uint16}, nil
	case reflect.Uint32:
		return Type{kind: Uint32}, nil
	case reflect.Uint64:
		return Type{kind: Uint64}, nil
	case reflect.Float32:
		return Type{kind: Float32}, nil
	case reflect.Float64:
		return Type{kind: Float64}, nil
	case reflect.String:
		return Type{kind: String}, nil
	case reflect.Slice:
		if rt.Elem().Kind() == reflect.Uint8 {
			return Type{kind: Bytes}, nil
		}
	case reflect.Array:
		e, err := typeOf(rt.Elem())
		if err != nil {
			return Type{}, err
		}
		if e.FixedSize() == 0 {
			return Type{}, fmt.Errorf("%w: %v: array elements must have a fixed size", ErrType, rt)
		}
		if rt.Len() == 0 {
			return Type{}, fmt.Errorf("%w: %v: empty array", ErrType, rt)
		}
		return ArrayType(rt.Len(), e), nil
	case reflect.Struct:
		if rt.NumField() == 0 {
			return Type{}, fmt.Errorf("%w: %v: empty struct", ErrType, rt)
		}
		var fields []Field
		for i := range rt.NumField() {
			sf := rt.Field(i)
			ft, err := typeOf(sf.Type)
			if err != nil {
				return Type{}, fmt.Errorf("field %s: %w", sf.Name, err)
			}
			if ft.FixedSize() == 0 {
				return Type{}, fmt.Errorf("%w: %v: field %s must have a fixed size, not %v", ErrType, rt, sf.Name, sf.Type)
			}
			fields = append(fields, Field{Name: sf.Name, Type: ft})
		}
		return StructType(fields...), nil
	}
	return Type{}, fmt.Errorf("%w: a column cannot hold %v (want bool, sized ints, floats, arrays or structs of these, string or []byte)", ErrType, rt)
}

// StringType returns the type string(n).
func StringType(n int) Type { return Type{kind: String, n: n} }

// BytesType returns the type bytes(n).
func BytesType(n int) Type { return Type{kind: Bytes, n: n} }

// ScalarType returns the type of a scalar kind, Bool to Float64.
func ScalarType(k TypeKind) Type { return Type{kind: k} }

// ArrayType returns the type [n]elem.
func ArrayType(n int, elem Type) Type { return Type{kind: Array, n: n, elem: &elem} }

// StructType returns the type struct{fields}.
func StructType(fields ...Field) Type {
	return Type{kind: Struct, fields: append([]Field(nil), fields...)}
}
