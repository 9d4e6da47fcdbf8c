package query

import "github.com/stablegraph/stablegraph/column"

// withMatcher gives a predicate the test of its intervals on encoded values, which the
// executor's probes and scans use rather than decoding each value: the intervals hold
// values of the column's domain (bounds.go), so their encodings order as the values do.
// A column type without a Matcher keeps the test on decoded values.
func withMatcher(b *bPred) *bPred {
	ranges := make([][2]column.Bound, len(b.ivs))
	for i, iv := range b.ivs {
		ranges[i] = [2]column.Bound{iv.lo, iv.hi}
	}
	if m, err := b.col.Matcher(ranges...); err == nil {
		b.m = m
	}
	return b
}

// matched is withMatcher for a predicate whose values compare as they are encoded: not
// for numbers kept as text (numText), which compare as the numbers they spell.
func matched(b *bPred) *bPred {
	if b.numText {
		return b
	}
	return withMatcher(b)
}
