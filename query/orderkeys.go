package query

import "github.com/RoaringBitmap/roaring/v2/roaring64"

// orderKeys returns the value each of ids was ordered by under the query's ORDER BY, in
// the order of ids: the named column's value, of a Multi column its smallest (its largest
// with DESC), nil for an entity without one; nil without ORDER BY. It is the key itself,
// not the selected cell: a name that stands for several columns (a predicate's datatypes)
// is selected as all of their values but orders by the named column alone, and a merge of
// several stores' answers (package cluster) must compare what each store compared. It
// reads the column's values of ids in this message, as selecting it would.
func (x *executor) orderKeys(bq *boundQuery, ids []uint64) []Value {
	if bq.order == nil {
		return nil
	}
	keys := make([]Value, len(ids))
	if len(ids) == 0 {
		return keys
	}
	at := make(map[uint64]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	seen := roaring64.New()
	for id, v := range bq.order.Gather(x.tx, roaring64.BitmapOf(ids...)) {
		// Values come in value order: the first is the smallest, the last the largest.
		if seen.CheckedAdd(uint64(id)) || bq.desc {
			keys[at[uint64(id)]] = v
		}
	}
	return keys
}
