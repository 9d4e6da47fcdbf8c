package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// schemaFile is the JSON form of a schema, as 'schema apply' reads it and 'schema show -o
// json' writes it:
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
type schemaFile struct {
	Kinds   []kindSpec   `json:"kinds"`
	Columns []columnSpec `json:"columns"`
	Verbs   []verbSpec   `json:"verbs"`
}

type kindSpec struct {
	Name  string `json:"name"`
	State string `json:"state,omitempty"`
	IRI   string `json:"iri,omitempty"`
}

type columnSpec struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	MaxLen  int    `json:"max_len,omitempty"`
	Indexed bool   `json:"indexed,omitempty"`
	Multi   bool   `json:"multi,omitempty"`
	State   string `json:"state,omitempty"`
	IRI     string `json:"iri,omitempty"`
}

type verbSpec struct {
	Name        string `json:"name"`
	Cardinality string `json:"cardinality,omitempty"`
	State       string `json:"state,omitempty"`
	IRI         string `json:"iri,omitempty"`
}

// readSchemaFile reads and decodes a schema file, refusing unknown fields so that a typo
// ("indexd") is an error and not a silently missing index.
func readSchemaFile(path string) (*schemaFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sf schemaFile
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, errBadInput, jsonErr(b, err))
	}
	return &sf, nil
}

// jsonErr adds the line and column to a JSON syntax or type error.
func jsonErr(b []byte, err error) error {
	var off int64
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	default:
		return err
	}
	line, col := 1, 1
	for _, c := range b[:min(int(off), len(b))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%d:%d: %w", line, col, err)
}

// schema builds the entity.Schema that the file declares.
func (sf *schemaFile) schema() (*entity.Schema, error) {
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
			return nil, fmt.Errorf("column %q: %w: %w", c.Name, errBadInput, err)
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
				return nil, fmt.Errorf("verb %q: %w: %w", v.Name, errBadInput, err)
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
		return nil, fmt.Errorf("%w: %w", errBadInput, err)
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
		return 0, fmt.Errorf("%w: %w", errBadInput, err)
	}
	return st, nil
}

// schemaOf returns the schema a store holds, in the file's form, kinds first, each list
// sorted by name. Internal variables are left out.
// schemaFileOf returns the schema file of a store's data model.
func schemaFileOf(sc *server.Schema) *schemaFile {
	sf := &schemaFile{Kinds: []kindSpec{}, Columns: []columnSpec{}, Verbs: []verbSpec{}}
	for _, k := range sc.Kinds {
		sf.Kinds = append(sf.Kinds, kindSpec{Name: k.Name, State: stateField(k.State), IRI: k.IRI})
	}
	for _, c := range sc.Columns {
		sf.Columns = append(sf.Columns, columnSpec{Name: c.Name, Type: c.Type, Indexed: c.Indexed, Multi: c.Multi, State: stateField(c.State), IRI: c.IRI})
	}
	for _, v := range sc.Verbs {
		sf.Verbs = append(sf.Verbs, verbSpec{Name: v.Name, Cardinality: v.Cardinality, State: stateField(v.State), IRI: v.IRI})
	}
	return sf
}

// stateField is the state as the file writes it: empty for active.
func stateField(s store.State) string {
	if s == store.Active || s == 0 {
		return ""
	}
	return s.String()
}

// defs returns the catalog variables the file declares, for store.CheckCompatible.
func (sf *schemaFile) defs() ([]store.VarDef, error) {
	s, err := sf.schema()
	if err != nil {
		return nil, err
	}
	return s.Defs(), nil
}
