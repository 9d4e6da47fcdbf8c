package server

import (
	"context"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// Schema is the data model a store holds: its kinds, columns and verbs as a schema file
// declares them, and the catalog's definitions of the variables that are not the
// system's, which store.CheckCompatible compares.
type Schema struct {
	Kinds   []SchemaKind   `json:"kinds"`
	Columns []SchemaColumn `json:"columns"`
	Verbs   []SchemaVerb   `json:"verbs"`
	Defs    []store.VarDef `json:"defs"`
}

// SchemaKind is one kind of a Schema.
type SchemaKind struct {
	Name  string      `json:"name"`
	State store.State `json:"state"`
	IRI   string      `json:"iri,omitempty"`
}

// SchemaColumn is one column of a Schema.
type SchemaColumn struct {
	Name    string      `json:"name"`
	Type    string      `json:"type"`
	Indexed bool        `json:"indexed,omitempty"`
	Multi   bool        `json:"multi,omitempty"`
	State   store.State `json:"state"`
	IRI     string      `json:"iri,omitempty"`
}

// SchemaVerb is one verb of a Schema.
type SchemaVerb struct {
	Name        string      `json:"name"`
	Cardinality string      `json:"cardinality"`
	State       store.State `json:"state"`
	IRI         string      `json:"iri,omitempty"`
}

// Schema reads the store's data model in one View.
func (s *Service) Schema(ctx context.Context) (*Schema, error) {
	sc := &Schema{Kinds: []SchemaKind{}, Columns: []SchemaColumn{}, Verbs: []SchemaVerb{}, Defs: []store.VarDef{}}
	err := s.view(ctx, func(tx *entity.Tx) error {
		for _, v := range tx.Vars() {
			if v.Role == store.RoleKind {
				sc.Kinds = append(sc.Kinds, SchemaKind{Name: v.Name, State: v.State, IRI: v.IRI})
			}
			if !strings.HasPrefix(v.Name, "$") {
				sc.Defs = append(sc.Defs, v.VarDef)
			}
		}
		for _, c := range column.Columns(tx) {
			sc.Columns = append(sc.Columns, SchemaColumn{
				Name: c.Name(), Type: c.Type().String(), Indexed: c.Indexed(), Multi: c.Multi(), State: c.State(), IRI: c.IRI(),
			})
		}
		for _, v := range verb.Verbs(tx) {
			sc.Verbs = append(sc.Verbs, SchemaVerb{Name: v.Name(), Cardinality: v.Cardinality().String(), State: v.State(), IRI: v.IRI()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}
