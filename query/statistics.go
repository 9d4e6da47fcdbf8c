package query

import (
	"errors"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// Statistics is what Analyze gathered.
type Statistics struct {
	Kinds   []KindStatistics
	Columns []ColumnStatistics
	Verbs   []VerbStatistics
}

// KindStatistics is a kind's span and how its members key each column and verb.
type KindStatistics struct {
	Name string
	entity.KindStats
}

// ColumnStatistics is a column's histogram.
type ColumnStatistics struct {
	Name string
	*column.Histogram
}

// VerbStatistics is a verb's edges, distinct subjects and distinct objects.
type VerbStatistics struct {
	Name                     string
	Edges, Subjects, Objects uint64
}

// Analyze gathers the statistics the planner estimates with and keeps them in the store
// (entity.Tx.PutVarStats), as SQLite's ANALYZE does: each active verb's distinct subjects
// and objects counted again (verb.Recount), a histogram of each active column of numbers,
// strings or bytes with at most about buckets buckets (column.Dyn.KeepHistogram), and for
// each kind the span of its members' IDs and, per column and per direction of each verb,
// how many members have a value or an edge and how many entries each has
// (entity.AnalyzeKinds). It reads every page of every kind, column and verb.
func Analyze(tx *entity.Tx, buckets int) (*Statistics, error) {
	st := &Statistics{}
	var trees []entity.TreeOf
	for _, v := range verb.Verbs(tx) {
		if v.State() != store.Active {
			continue
		}
		if err := v.Recount(tx); err != nil {
			return nil, err
		}
		edges, subj, obj, _ := v.Counts(tx)
		st.Verbs = append(st.Verbs, VerbStatistics{Name: v.Name(), Edges: edges, Subjects: subj, Objects: obj})
		trees = append(trees, entity.TreeOf{Var: v.Name(), Tree: 0}, entity.TreeOf{Var: v.Name(), Tree: 1})
	}
	for _, c := range column.Columns(tx) {
		if c.State() != store.Active {
			continue
		}
		trees = append(trees, entity.TreeOf{Var: c.Name(), Tree: 0})
		h, err := c.KeepHistogram(tx, buckets)
		if errors.Is(err, column.ErrNoOrder) {
			continue // arrays and structs: no predicate compares them
		}
		if err != nil {
			return nil, err
		}
		st.Columns = append(st.Columns, ColumnStatistics{Name: c.Name(), Histogram: h})
	}
	kinds, err := entity.AnalyzeKinds(tx, trees)
	if err != nil {
		return nil, err
	}
	for i, k := range tx.Kinds() {
		if err := tx.PutVarStats(k.Name(), kinds[i].Encode()); err != nil {
			return nil, err
		}
		st.Kinds = append(st.Kinds, KindStatistics{Name: k.Name(), KindStats: kinds[i]})
	}
	return st, nil
}
