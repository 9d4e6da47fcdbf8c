package server

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	// Values is the number of values of each column that is not retired, by name.
	Values map[string]uint64 `json:"values"`
	// Statistics says, by name, what the planner knows of each column and verb beyond
	// its entries (see statisticsOf).
	Statistics map[string]string `json:"statistics"`
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
		sc.Values = map[string]uint64{}
		for _, c := range column.Columns(tx) {
			if c.State() != store.Retired {
				sc.Values[c.Name()] = c.Len(tx)
			}
			sc.Columns = append(sc.Columns, SchemaColumn{
				Name: c.Name(), Type: c.Type().String(), Indexed: c.Indexed(), Multi: c.Multi(), State: c.State(), IRI: c.IRI(),
			})
		}
		for _, v := range verb.Verbs(tx) {
			sc.Verbs = append(sc.Verbs, SchemaVerb{Name: v.Name(), Cardinality: v.Cardinality().String(), State: v.State(), IRI: v.IRI()})
		}
		sc.Statistics = statisticsOf(tx, time.Now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// statisticsOf describes what the planner knows of each kind, column and verb beyond its
// entries: a kind's span and how many trees its members were counted in, a column's
// histogram, each with its age (graphctl analyze); a verb's exact distinct subjects and
// objects, or that they are unknown.
func statisticsOf(tx *entity.Tx, now time.Time) map[string]string {
	out := map[string]string{}
	for _, k := range tx.Kinds() {
		b, ok := tx.VarStatsOf(k.Name())
		if !ok {
			out[k.Name()] = "not analyzed"
			continue
		}
		st, err := entity.DecodeKindStats(b)
		if err != nil {
			out[k.Name()] = "statistics unreadable: " + err.Error()
			continue
		}
		text := fmt.Sprintf("analyzed %s old: IDs %d to %d, members' values and edges in %d trees", now.Sub(st.Made).Round(time.Second), st.First, st.Last, len(st.Covers))
		if n := k.Count(tx); n != st.Members {
			text += fmt.Sprintf(", %d members then, %d now", st.Members, n)
		}
		out[k.Name()] = text
	}
	for _, c := range column.Columns(tx) {
		if c.State() == store.Retired {
			continue
		}
		if k := c.Type().Kind(); k == column.Array || k == column.Struct {
			continue
		}
		b, ok := tx.VarStatsOf(c.Name())
		if !ok {
			out[c.Name()] = "no histogram"
			continue
		}
		h, err := column.DecodeHistogram(c, b)
		if err != nil {
			out[c.Name()] = "histogram unreadable: " + err.Error()
			continue
		}
		text := fmt.Sprintf("histogram %s old, %d distinct", now.Sub(h.Made).Round(time.Second), h.Distinct)
		if n := c.Len(tx); n != h.Entries {
			text += fmt.Sprintf(", %d entries then, %d now", h.Entries, n)
		}
		out[c.Name()] = text
	}
	for _, v := range verb.Verbs(tx) {
		if v.State() == store.Retired {
			continue
		}
		if _, subj, obj, ok := v.Counts(tx); ok {
			out[v.Name()] = fmt.Sprintf("exact: %d subjects, %d objects", subj, obj)
		} else {
			out[v.Name()] = "distinct ends unknown: run analyze"
		}
	}
	return out
}
