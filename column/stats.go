package column

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// A Histogram describes the values of a column as they were when it was made: how many
// entries, entities and distinct values, and an equal-depth histogram of the values in
// order, so that a planner can tell how many entries a range or an equality matches.
// Making one reads the whole column (Analyze); it is kept in the store with
// entity.Tx.PutVarStats and ages as the column changes.
//
// Encoded (Histogram.Encode), every integer a uvarint but the time:
//
//	size  field
//	   1  version (1)
//	   8  when it was made, Unix nanoseconds, little-endian
//	   …  entries, entities, distinct values, the first and the last entity with a value,
//	      number of buckets n
//	   …  n buckets: lowest value, highest value (each a uvarint length and the column's
//	      order-preserving encoding), entries, distinct values
type Histogram struct {
	Made     time.Time
	Entries  uint64 // entries of the column (a Multi column's entity has one per value)
	Entities uint64 // entities with a value
	Distinct uint64 // distinct values
	// First and Last are the lowest and highest entity with a value: the keys of the
	// column's tree lie between them.
	First, Last entity.ID
	Buckets     []Bucket
}

// Bucket is a run of the column's values in order.
type Bucket struct {
	Lower, Upper Value  // the lowest and the highest value in the bucket
	Count        uint64 // entries whose value lies in the bucket
	Distinct     uint64 // distinct values in the bucket
}

const histogramVersion = 1

var (
	// ErrHistogramVersion reports an encoded histogram of a version this code does not read.
	ErrHistogramVersion = errors.New("unknown histogram version")
	// ErrNoOrder reports a histogram asked of a column whose values have no order (arrays
	// and structs), which no range can select.
	ErrNoOrder = errors.New("values have no order")
)

// Analyze reads every value of the column and returns its histogram with about
// maxBuckets buckets (64 if maxBuckets ≤ 0; never four times as many). A value too frequent to
// share a bucket gets one of its own.
func (d *Dyn) Analyze(tx *entity.Tx, maxBuckets int) (*Histogram, error) {
	if maxBuckets <= 0 {
		maxBuckets = 64
	}
	if k := d.typ.Kind(); k == Array || k == Struct {
		return nil, fmt.Errorf("column %q: %w: %s values have no order to make a histogram of", d.name, ErrNoOrder, d.typ)
	}
	if _, _, err := d.trees(tx, false); err != nil {
		return nil, err
	}
	h := &Histogram{Made: time.Now()}
	var vals []Value
	var last entity.ID
	for id, v := range d.Scan(tx) {
		if h.Entries == 0 {
			h.First = id
		}
		if h.Entries == 0 || id != last {
			h.Entities++
		}
		h.Last = id
		last = id
		h.Entries++
		vals = append(vals, v)
	}
	slices.SortStableFunc(vals, CompareValues)
	per := max(1, (len(vals)+maxBuckets-1)/maxBuckets)
	var cur *Bucket
	flush := func() {
		if cur != nil {
			h.Distinct += cur.Distinct
			h.Buckets = append(h.Buckets, *cur)
			cur = nil
		}
	}
	// Runs of one value in order: a bucket takes runs until it holds about per entries;
	// a run of half that or more gets a bucket of its own, so that an equality on a
	// frequent value is counted exactly.
	for i := 0; i < len(vals); {
		j := i + 1
		for j < len(vals) && CompareValues(vals[j], vals[i]) == 0 {
			j++
		}
		n := uint64(j - i)
		if 2*n >= uint64(per) {
			flush()
		}
		if cur == nil {
			cur = &Bucket{Lower: vals[i]}
		}
		cur.Upper, cur.Count, cur.Distinct = vals[i], cur.Count+n, cur.Distinct+1
		if 2*n >= uint64(per) || cur.Count >= uint64(per) {
			flush()
		}
		i = j
	}
	flush()
	return h, nil
}

// KeepHistogram makes the column's histogram (Analyze) and keeps it in the store
// (entity.Tx.PutVarStats), where the query planner finds it.
func (d *Dyn) KeepHistogram(tx *entity.Tx, maxBuckets int) (*Histogram, error) {
	h, err := d.Analyze(tx, maxBuckets)
	if err != nil {
		return nil, err
	}
	b, err := h.Encode(d)
	if err != nil {
		return nil, err
	}
	return h, tx.PutVarStats(d.name, b)
}

// Encode returns the histogram's bytes for the column d.
func (h *Histogram) Encode(d *Dyn) ([]byte, error) {
	b := []byte{histogramVersion}
	b = binary.LittleEndian.AppendUint64(b, uint64(h.Made.UnixNano()))
	for _, n := range []uint64{h.Entries, h.Entities, h.Distinct, uint64(h.First), uint64(h.Last), uint64(len(h.Buckets))} {
		b = binary.AppendUvarint(b, n)
	}
	for _, k := range h.Buckets {
		for _, v := range []Value{k.Lower, k.Upper} {
			enc, err := d.Encode(v)
			if err != nil {
				return nil, err
			}
			b = binary.AppendUvarint(b, uint64(len(enc)))
			b = append(b, enc...)
		}
		b = binary.AppendUvarint(b, k.Count)
		b = binary.AppendUvarint(b, k.Distinct)
	}
	return b, nil
}

// DecodeHistogram decodes the histogram of column d from b.
func DecodeHistogram(d *Dyn, b []byte) (*Histogram, error) {
	bad := func(what string) error {
		return fmt.Errorf("column %q: histogram: %w: %s", d.name, store.ErrCorrupt, what)
	}
	if len(b) < 9 {
		return nil, bad("too short")
	}
	if b[0] != histogramVersion {
		return nil, fmt.Errorf("column %q: %w %d (this code reads version %d)", d.name, ErrHistogramVersion, b[0], histogramVersion)
	}
	h := &Histogram{Made: time.Unix(0, int64(binary.LittleEndian.Uint64(b[1:9])))}
	b = b[9:]
	uv := func() (uint64, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return n, true
	}
	var nb, first, last uint64
	for _, p := range []*uint64{&h.Entries, &h.Entities, &h.Distinct, &first, &last, &nb} {
		n, ok := uv()
		if !ok {
			return nil, bad("truncated header")
		}
		*p = n
	}
	h.First, h.Last = entity.ID(first), entity.ID(last)
	if nb > uint64(len(b)) {
		return nil, bad("more buckets than bytes")
	}
	for range nb {
		var k Bucket
		for _, p := range []*Value{&k.Lower, &k.Upper} {
			n, ok := uv()
			if !ok || n > uint64(len(b)) {
				return nil, bad("truncated value")
			}
			v, err := d.Decode(b[:n])
			if err != nil {
				return nil, err
			}
			*p, b = v, b[n:]
		}
		var ok1, ok2 bool
		k.Count, ok1 = uv()
		k.Distinct, ok2 = uv()
		if !ok1 || !ok2 {
			return nil, bad("truncated bucket")
		}
		h.Buckets = append(h.Buckets, k)
	}
	if len(b) != 0 {
		return nil, bad("trailing bytes")
	}
	return h, nil
}

// Matches estimates the entries whose value lies between lo and hi: whole buckets inside
// the range, an equal share of a bucket's entries for each of its distinct values an
// equality hits, and for a range that cuts a bucket the part of it the range covers
// (by value for numbers, half otherwise).
func (h *Histogram) Matches(lo, hi Bound) float64 {
	point := lo.Kind == Inclusive && hi.Kind == Inclusive && CompareValues(lo.Value, hi.Value) == 0
	total := 0.0
	for _, k := range h.Buckets {
		if below(k.Upper, lo) || above(k.Lower, hi) {
			continue
		}
		switch {
		case point:
			total += float64(k.Count) / float64(max(1, k.Distinct))
		case !below(k.Lower, lo) && !above(k.Upper, hi):
			total += float64(k.Count)
		default:
			total += float64(k.Count) * covered(k, lo, hi)
		}
	}
	return total
}

// below reports whether v lies below the lower bound lo; above, above the upper bound hi.
func below(v Value, lo Bound) bool {
	if lo.Kind == Unbounded {
		return false
	}
	c := CompareValues(v, lo.Value)
	return c < 0 || c == 0 && lo.Kind == Exclusive
}

func above(v Value, hi Bound) bool {
	if hi.Kind == Unbounded {
		return false
	}
	c := CompareValues(v, hi.Value)
	return c > 0 || c == 0 && hi.Kind == Exclusive
}

// covered returns the fraction of bucket k that [lo, hi] covers, which cuts it.
func covered(k Bucket, lo, hi Bound) float64 {
	if k.Distinct <= 1 {
		return 1 // one value, and the range holds it
	}
	a, okA := number(k.Lower)
	b, okB := number(k.Upper)
	if !okA || !okB || b <= a {
		return 0.5
	}
	from, to := a, b
	if lo.Kind != Unbounded {
		if x, ok := number(lo.Value); ok {
			from = max(a, x)
		}
	}
	if hi.Kind != Unbounded {
		if x, ok := number(hi.Value); ok {
			to = min(b, x)
		}
	}
	// Values are spread over [a, b]; count the distinct values the range can hold, at
	// least one, as a share of those of the bucket.
	f := max(0, to-from) / (b - a)
	return max(f, 1/float64(k.Distinct))
}

func number(v Value) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
