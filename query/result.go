package query

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

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

// Result is what a query returns. One that is run into again (Plan.RunInto) is written
// over: what it held is valid only until then.
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

	// The arrays behind Rows: their cells, and the URI strings and their bytes (newRows),
	// kept for Plan.RunInto to reuse.
	cells []Value
	uris  []string
	text  []byte
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

// newRows sets res's rows to those of the entities ids of kind k, w cells each, the first
// holding the entity's URI as uriText writes it, the others nil, and res.IDs to ids as
// entity.IDs, sharing ids' array (the caller must not change ids afterwards). A result of
// many rows costs a few allocations, not some per row: the cells of all rows are one
// array, the URIs' texts one string, and the cells hold the URIs without a copy of each
// (stringCell). With x.reuse (Plan.RunInto), the arrays of that earlier Result are
// written over where they are large enough, and nothing is allocated.
func (x *executor) newRows(res *Result, k *entity.Kind, ids []uint64, w int) {
	var old Result
	if x.reuse != nil {
		old = *x.reuse
	}
	rows := reuse(old.Rows, len(ids))
	res.Rows, res.IDs = rows, unsafe.Slice((*entity.ID)(unsafe.SliceData(ids)), len(ids)) // an ID is a uint64
	if len(ids) == 0 {
		return
	}
	cells := reuse(old.cells, len(ids)*w)
	if w > 1 && cap(old.cells) >= len(ids)*w {
		clear(cells) // a reused cell may hold an earlier run's value; a SELECT adds to nil
	}
	uris := reuse(old.uris, len(ids))
	prefix := strings.TrimSuffix(x.uriText(k, 0), "0")
	// The texts one after the other, in an array that never grows (the longest ID bounds
	// them all) and is not written again once a text is in it, until a later run into
	// the same Result.
	text := reuse(old.text, len(ids)*(len(prefix)+len(strconv.FormatUint(slices.Max(ids), 10))))[:0]
	res.cells, res.uris, res.text = cells, uris, text
	// head is the prefix and the digits of an ID but its last four: neighbouring IDs share
	// them, so they are written once and copied.
	var headBuf [64]byte
	head := headBuf[:0]
	headOf := uint64(math.MaxUint64)
	for i, id := range ids {
		start := len(text)
		if id < 10000 {
			text = strconv.AppendUint(append(text, prefix...), id, 10)
		} else {
			if hi := id / 10000; hi != headOf {
				head, headOf = strconv.AppendUint(append(head[:0], prefix...), hi, 10), hi
			}
			lo := id % 10000
			a, b := lo/100*2, lo%100*2
			text = append(append(text, head...), pairs[a], pairs[a+1], pairs[b], pairs[b+1])
		}
		uris[i] = unsafe.String(&text[start], len(text)-start)
		r := cells[i*w : (i+1)*w : (i+1)*w]
		r[0] = stringCell(&uris[i])
		rows[i] = r
	}
}

// resultIDs returns an empty slice with room for n IDs: the array of x.reuse's IDs if it
// is large enough (Plan.RunInto), else a new one. finish's IDs are the top query's, or a
// sub-query's made into a set at once (query), so they may all use the one array.
func (x *executor) resultIDs(n uint64) []uint64 {
	if x.reuse != nil && x.reuse.IDs != nil && uint64(cap(x.reuse.IDs)) >= n {
		return unsafe.Slice((*uint64)(unsafe.SliceData(x.reuse.IDs)), cap(x.reuse.IDs))[:0]
	}
	return make([]uint64, 0, n)
}

// reuse returns s with length n if it has an array with room for n, else a new slice of n.
func reuse[T any](s []T, n int) []T {
	if s != nil && cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// pairs holds the decimal digits of 00 to 99, two by two.
const pairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" +
	"60616263646566676869" + "70717273747576777879" + "80818283848586878889" +
	"90919293949596979899"

// stringCell returns *s as a cell (a Value holding a string) that refers to *s itself,
// where assigning *s to a Value would copy it to an allocation of its own. *s must never
// change afterwards: the cell shares it.
func stringCell(s *string) (v Value) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = stringType, unsafe.Pointer(s)
	return v
}

// eface is the layout of an interface value without methods, such as Value: its dynamic
// type, and a pointer to its value (for a string, to the string's header).
type eface struct {
	typ, data unsafe.Pointer
}

// stringType is the type word of a Value holding a string.
var stringType = func() unsafe.Pointer {
	var v Value = ""
	return (*eface)(unsafe.Pointer(&v)).typ
}()
