package entity

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
)

// Schema is what a program declares: its kinds, and the columns and verbs that the column
// and verb packages add to it with their Define functions. Open applies it to a store.
// A Schema is built before Open, by one goroutine; it can be opened over several stores.
type Schema struct {
	kinds   []*Kind
	members []Member
	names   map[string]string // name → what declared it, to refuse duplicates
	errs    []error
}

// Member is a variable that a schema holds besides its kinds: a column or a verb.
type Member interface {
	// Defs returns the catalog variables the member is made of.
	Defs() []store.VarDef
	// Bind checks the member against an opened DB; Open calls it after applying the schema.
	Bind(db *DB) error
}

// NewSchema returns an empty schema.
func NewSchema() *Schema { return &Schema{names: map[string]string{}} }

// KindOption configures a kind declared with Schema.Kind.
type KindOption func(*store.VarDef)

// Deprecated declares the kind deprecated: its entities can be read but not created or
// deleted.
func Deprecated() KindOption { return func(d *store.VarDef) { d.State = store.Deprecated } }

// Retired declares the kind retired: its entities can be neither read nor written.
func Retired() KindOption { return func(d *store.VarDef) { d.State = store.Retired } }

// IRI records the IRI behind an imported kind name, such as an RDF class.
func IRI(iri string) KindOption { return func(d *store.VarDef) { d.IRI = iri } }

// Kind declares the kind called name and returns it; declaring a name twice returns the
// first declaration. The name must be a valid URI kind (see uri.ValidateKind); an invalid
// or taken name is recorded as an error that Open (and Err) returns.
func (s *Schema) Kind(name string, opts ...KindOption) *Kind {
	for _, k := range s.kinds {
		if k.name == name {
			return k
		}
	}
	k := &Kind{name: name, def: kindDef(name)}
	for _, o := range opts {
		o(&k.def)
	}
	if err := uri.ValidateKind(name); err != nil {
		s.Fail(fmt.Errorf("%w: kind %q: %w", ErrSchema, name, err))
		return k
	}
	if s.claim(name, "kind") {
		s.kinds = append(s.kinds, k)
	}
	return k
}

// Add adds a column or verb to the schema. Column and verb Define call it; a member whose
// variable names are taken is refused with an error that Open returns.
func (s *Schema) Add(m Member) {
	defs := m.Defs()
	ok := true
	for _, d := range defs {
		if err := ValidateName(d.Name); err != nil {
			s.Fail(err)
			ok = false
			continue
		}
		ok = s.claim(d.Name, d.Role.String()) && ok
	}
	if ok {
		s.members = append(s.members, m)
	}
}

func (s *Schema) claim(name, what string) bool {
	if prev, ok := s.names[name]; ok {
		s.Fail(fmt.Errorf("%w: %s %q: the name is already declared as a %s", ErrSchema, what, name, prev))
		return false
	}
	s.names[name] = what
	return true
}

// Fail records a definition error; Open refuses the schema with it. Define functions call
// it for a definition they cannot accept (an unsupported type, a missing option).
func (s *Schema) Fail(err error) { s.errs = append(s.errs, err) }

// Err returns the definition errors recorded so far, joined, or nil.
func (s *Schema) Err() error { return errors.Join(s.errs...) }

// Kinds returns the declared kinds in declaration order.
func (s *Schema) Kinds() []*Kind { return append([]*Kind(nil), s.kinds...) }

// Defs returns every catalog variable the schema declares, internal variables excluded: the
// input of store.CheckCompatible for comparing two versions of a program's schema.
func (s *Schema) Defs() []store.VarDef {
	var defs []store.VarDef
	for _, k := range s.kinds {
		defs = append(defs, k.def)
	}
	for _, m := range s.members {
		defs = append(defs, m.Defs()...)
	}
	return defs
}

// ValidateName reports whether name can name a column or verb: 1 to store.MaxVarName bytes
// of UTF-8, not starting with '$' (reserved for internal variables).
func ValidateName(name string) error {
	switch {
	case name == "" || len(name) > store.MaxVarName:
		return fmt.Errorf("%w: name %q: must be 1 to %d bytes", ErrSchema, name, store.MaxVarName)
	case strings.HasPrefix(name, "$"):
		return fmt.Errorf("%w: name %q: names starting with '$' are reserved for internal variables", ErrSchema, name)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: name %q is not valid UTF-8", ErrSchema, name)
	}
	return nil
}

func kindDef(name string) store.VarDef {
	return store.VarDef{Name: name, Role: store.RoleKind, Trees: []store.Layout{{KeySize: KeySize, ValueSize: 0}}}
}

// Members returns every catalog variable of role r (a column's or a verb's) as parse reads
// it, sorted by name, whatever its state. Variables that parse refuses, whose definition
// this version cannot read, are left out. It serves column.Columns and verb.Verbs.
func Members[M any](tx *Tx, r store.Role, parse func(store.Var) (M, error)) []M {
	var out []M
	for _, v := range tx.Vars() {
		if v.Role != r {
			continue
		}
		if m, err := parse(v); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// LookupMember returns the catalog variable called name as parse reads it. It fails with
// an error wrapping notFound if the catalog has no variable of that name and role r. It
// serves column.Lookup and verb.Lookup.
func LookupMember[M any](tx *Tx, name string, r store.Role, parse func(store.Var) (M, error), notFound error) (M, error) {
	v, ok := tx.Var(name)
	if !ok || v.Role != r {
		var zero M
		return zero, fmt.Errorf("%q: %w", name, notFound)
	}
	return parse(v)
}
