package query

import (
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// Value is one cell of a result row: the entity's URI (a string) in the first column, and
// in the others a column value as package column hands it out (bool, int64, uint64,
// float64, string, []byte or []column.Value), nil when the entity has no value, and for a
// Multi column a []column.Value of all the entity's values in value order; for a name
// that stands for several columns (a predicate imported from RDF with values of several
// datatypes), the entity's value if it has one among them, else a []column.Value of their
// values, column by column.
type Value = column.Value

// Result is what a query returns.
type Result struct {
	// Columns names the columns of Rows: "entity", then the selected columns. It is
	// empty for a COUNT query.
	Columns []string
	// Rows holds one row per entity found, in the query's order, the first cell of each
	// the entity's URI: ic://<scope>/<kind>/<id>, or <kind>/<id> in a store without a
	// scope. It is empty for a COUNT query.
	Rows [][]Value
	// IDs holds the entities found, in the order of Rows; empty for a COUNT query.
	IDs []entity.ID
	// OrderKeys holds, with RunOptions.OrderKeys and ORDER BY, the value each row was
	// ordered by, in the order of Rows (nil for a row without one): what merging the
	// ordered answers of several stores needs (see orderkeys.go).
	OrderKeys []Value
	// Count is the number of entities found (after LIMIT), for every query.
	Count uint64
	// Stats says what running the query cost.
	Stats RunStats
	// Warnings holds what the query found questionable but ran anyway: an entity
	// reference that names no entity (which then matches nothing), with its position.
	Warnings []*Error
}

// RunStats counts the stable-memory pages one run of a query touched and compares them
// with the plan. (store.Stats are a message's counts; these are a query's, with its
// estimate.)
// The counts are exact and deterministic: the same store and query give the same numbers.
type RunStats struct {
	// PagesRead is the number of distinct 4 KiB pages the query read.
	PagesRead uint64
	// PagesDirtied is the number of pages the query wrote: always 0, since a query runs
	// in a read-only message.
	PagesDirtied uint64
	// EstimatedPages is the plan's estimate of PagesRead, made before running.
	EstimatedPages uint64
	// ByVariable breaks PagesRead down by the global variable (kind, column, verb or
	// internal variable) whose tree read each page; "store" counts the store's own pages.
	// A page read through two variables counts for both.
	ByVariable map[string]uint64
	// Rows is the number of entities the query found (after LIMIT).
	Rows uint64
	// Touched holds the pages the query read and dirtied when the store records them
	// (store.Options.RecordPages); nil otherwise.
	Touched *store.Touched
}

// uriTexts is the text of the URIs of a result's rows, cut one by one from one string
// (next), so that rows cost no allocation of their own for it.
type uriTexts struct {
	text string
	ends []int // the end of each URI in text
	i    int
}

// uriTexts returns the texts of the URIs of entities ids of kind k, in order: as uriText
// returns them, each the same prefix followed by the ID.
func (x *executor) uriTexts(k *entity.Kind, ids []uint64) *uriTexts {
	prefix := strings.TrimSuffix(x.uriText(k, 0), "0")
	var b []byte
	u := &uriTexts{ends: make([]int, len(ids))}
	if len(ids) > 0 {
		b = make([]byte, 0, len(ids)*(len(prefix)+len(strconv.FormatUint(ids[len(ids)-1], 10))))
	}
	for i, id := range ids {
		b = append(b, prefix...)
		b = strconv.AppendUint(b, id, 10)
		u.ends[i] = len(b)
	}
	u.text = string(b)
	return u
}

// next returns the next URI's text.
func (u *uriTexts) next() string {
	start := 0
	if u.i > 0 {
		start = u.ends[u.i-1]
	}
	s := u.text[start:u.ends[u.i]]
	u.i++
	return s
}
