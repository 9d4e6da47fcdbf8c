package interchange

import (
	"fmt"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// SchemaDoc is the JSON form of a schema, as 'graphctl schema apply' reads it, 'schema
// show -o json' writes it, and a JSON Lines export opens with (under "schema"):
//
//	{
//	  "kinds":   [{"name": "player"}, {"name": "guild"}],
//	  "columns": [{"name": "health", "type": "int32", "indexed": true},
//	              {"name": "name", "type": "string(64)", "indexed": true},
//	              {"name": "tags", "type": "string(32)", "multi": true}],
//	  "verbs":   [{"name": "member_of", "cardinality": "many-to-one"}]
//	}
//
// A column's type is the canonical text of column.Type ("bool", "int64", "float64",
// "string(64)", "[16]byte", "struct{X float32; Y float32}"); "string" and "bytes" take
// their bound from max_len. Every entry may also give "state" (active, deprecated,
// retired) and "iri".
type SchemaDoc struct {
	Kinds   []KindSpec   `json:"kinds"`
	Columns []ColumnSpec `json:"columns"`
	Verbs   []VerbSpec   `json:"verbs"`
}

// KindSpec is a kind of a SchemaDoc.
type KindSpec struct {
	Name  string `json:"name"`
	State string `json:"state,omitempty"`
	IRI   string `json:"iri,omitempty"`
}

// ColumnSpec is a column of a SchemaDoc.
type ColumnSpec struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	MaxLen  int    `json:"max_len,omitempty"`
	Indexed bool   `json:"indexed,omitempty"`
	Multi   bool   `json:"multi,omitempty"`
	State   string `json:"state,omitempty"`
	IRI     string `json:"iri,omitempty"`
}

// VerbSpec is a verb of a SchemaDoc.
type VerbSpec struct {
	Name        string `json:"name"`
	Cardinality string `json:"cardinality,omitempty"`
	State       string `json:"state,omitempty"`
	IRI         string `json:"iri,omitempty"`
}

// Schema builds the entity.Schema that the document declares.
func (sf *SchemaDoc) Schema() (*entity.Schema, error) {
	s := entity.NewSchema()
	for _, k := range sf.Kinds {
		var opts []entity.KindOption
		st, err := parseStateField(k.State)
		if err != nil {
			return nil, fmt.Errorf("kind %q: %w", k.Name, err)
		}
		switch st {
		case store.Deprecated:
			opts = append(opts, entity.Deprecated())
		case store.Retired:
			opts = append(opts, entity.Retired())
		}
		if k.IRI != "" {
			opts = append(opts, entity.IRI(k.IRI))
		}
		s.Kind(k.Name, opts...)
	}
	for _, c := range sf.Columns {
		typ := c.Type
		if (typ == "string" || typ == "bytes") && c.MaxLen > 0 {
			typ = fmt.Sprintf("%s(%d)", typ, c.MaxLen)
		}
		t, err := column.ParseType(typ)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w: %w", c.Name, ErrBadInput, err)
		}
		var opts []column.Option
		if c.MaxLen > 0 {
			opts = append(opts, column.MaxLen(c.MaxLen))
		}
		if c.Indexed {
			opts = append(opts, column.Indexed())
		}
		if c.Multi {
			opts = append(opts, column.Multi())
		}
		st, err := parseStateField(c.State)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", c.Name, err)
		}
		switch st {
		case store.Deprecated:
			opts = append(opts, column.Deprecated())
		case store.Retired:
			opts = append(opts, column.Retired())
		}
		if c.IRI != "" {
			opts = append(opts, column.IRI(c.IRI))
		}
		column.DefineDyn(s, c.Name, t, opts...)
	}
	for _, v := range sf.Verbs {
		var opts []verb.Option
		if v.Cardinality != "" {
			card, err := verb.ParseCardinality(v.Cardinality)
			if err != nil {
				return nil, fmt.Errorf("verb %q: %w: %w", v.Name, ErrBadInput, err)
			}
			opts = append(opts, cardinalityOption(card))
		}
		st, err := parseStateField(v.State)
		if err != nil {
			return nil, fmt.Errorf("verb %q: %w", v.Name, err)
		}
		switch st {
		case store.Deprecated:
			opts = append(opts, verb.Deprecated())
		case store.Retired:
			opts = append(opts, verb.Retired())
		}
		if v.IRI != "" {
			opts = append(opts, verb.IRI(v.IRI))
		}
		verb.Define(s, v.Name, opts...)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return s, nil
}

// cardinalityOption returns the verb option of a cardinality.
func cardinalityOption(c verb.Cardinality) verb.Option {
	switch c {
	case verb.CardManyToOne:
		return verb.ManyToOne()
	case verb.CardOneToMany:
		return verb.OneToMany()
	case verb.CardOneToOne:
		return verb.OneToOne()
	}
	return verb.ManyToMany()
}

func parseStateField(s string) (store.State, error) {
	if s == "" {
		return store.Active, nil
	}
	st, err := store.ParseState(strings.ToLower(s))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return st, nil
}

// SchemaOf returns the schema a store holds, in the document's form, kinds first, each list
// sorted by name. Internal variables are left out.
func SchemaOf(tx *entity.Tx) *SchemaDoc {
	sf := &SchemaDoc{Kinds: []KindSpec{}, Columns: []ColumnSpec{}, Verbs: []VerbSpec{}}
	for _, v := range tx.Vars() {
		if v.Role != store.RoleKind {
			continue
		}
		sf.Kinds = append(sf.Kinds, KindSpec{Name: v.Name, State: StateField(v.State), IRI: v.IRI})
	}
	for _, c := range column.Columns(tx) {
		sf.Columns = append(sf.Columns, ColumnSpec{
			Name: c.Name(), Type: c.Type().String(), Indexed: c.Indexed(), Multi: c.Multi(),
			State: StateField(c.State()), IRI: c.IRI(),
		})
	}
	for _, v := range verb.Verbs(tx) {
		sf.Verbs = append(sf.Verbs, VerbSpec{
			Name: v.Name(), Cardinality: v.Cardinality().String(),
			State: StateField(v.State()), IRI: v.IRI(),
		})
	}
	return sf
}

// StateField is the state as the file writes it: empty for active.
func StateField(s store.State) string {
	if s == store.Active || s == 0 {
		return ""
	}
	return s.String()
}

// Defs returns the catalog variables the document declares, for store.CheckCompatible.
func (sf *SchemaDoc) Defs() ([]store.VarDef, error) {
	s, err := sf.Schema()
	if err != nil {
		return nil, err
	}
	return s.Defs(), nil
}
