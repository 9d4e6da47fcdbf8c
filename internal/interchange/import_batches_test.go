package interchange

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
)

// batchDoc is a document of several parse chunks whose nodes cross the batches: edges to
// subjects of the next batch, a subject typed only at the end, a blank node met again at
// the end.
func batchDoc() string {
	return `<http://gen.org/late> <http://gen.org/name> "late" .
<http://gen.org/t/0> <http://gen.org/knows> <http://gen.org/late> .
` + rdftest.Things(20000) + `_:g0 <http://ex.org/also> "again" .
<http://gen.org/late> <` + rdfType + `> <http://gen.org/Late> .
<http://gen.org/late> <` + rdfType + `> <http://gen.org/Thing> .
`
}

// importBatches imports doc in batches of n triples, from line from, failing the batch
// that holds line failAt (0: none). It returns the last line committed.
func importBatches(t *testing.T, db *entity.DB, doc string, n, from, failAt int) (int, int, error) {
	t.Helper()
	kinds, err := ScanKinds(t.Context(), strings.NewReader(doc), "d.nt", Options{})
	require.NoError(t, err)
	last, batches := 0, 0
	var st Summary
	err = ParseNTriplesBatches(t.Context(), strings.NewReader(doc), "d.nt", Options{FromLine: from}, n, kinds, func(b Batch) error {
		require.Greater(t, b.First, last, "batches in file order, without overlap")
		err := db.Update(func(tx *entity.Tx) error {
			if err := b.Apply(tx, &st); err != nil {
				return err
			}
			if failAt >= b.First && failAt <= b.Last {
				return errors.New("injected")
			}
			return nil
		})
		if err == nil {
			last = b.Last
			batches++
		}
		return err
	})
	return last, batches, err
}

// canonical returns the lines of an N-Triples export sorted, its blank nodes named by the
// "id" value each of them has, so that two stores with other entity IDs compare.
func canonical(t *testing.T, nt string) []string {
	t.Helper()
	names := map[string]string{}
	idLine := regexp.MustCompile(`^(_:\S+) <http://ex.org/id> "(g\d+)" \.$`)
	for _, l := range strings.Split(nt, "\n") {
		if m := idLine.FindStringSubmatch(l); m != nil {
			names[m[1]] = "_:" + m[2]
		}
	}
	blank := regexp.MustCompile(`_:\S+`)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(nt), "\n") {
		out = append(out, blank.ReplaceAllStringFunc(l, func(b string) string {
			n, ok := names[b]
			require.True(t, ok, "blank node %s has no id: %v", b, l)
			return n
		}))
	}
	slices.Sort(out)
	return out
}

// TestBatchesAddUpToOneMessage: a document imported in batches, with nodes that cross
// them, gives the store that one message gives, and so does a batched import stopped by
// an error and resumed from the line after its last committed batch.
func TestBatchesAddUpToOneMessage(t *testing.T) {
	doc := batchDoc()
	one := openDB(t)
	_, err := importNT(t, one, doc, Options{})
	require.NoError(t, err)
	want := canonical(t, exportNT(t, one))

	batched := openDB(t)
	_, batches, err := importBatches(t, batched, doc, 1, 0, 0)
	require.NoError(t, err)
	require.Greater(t, batches, 3, "the document spans several batches")
	require.Equal(t, want, canonical(t, exportNT(t, batched)))

	// A resumed import knows the blank nodes of the batches before it no more: without the
	// blank node met again at the end, it gives the same store.
	doc = strings.Replace(doc, "_:g0 <http://ex.org/also> \"again\" .\n", "", 1)
	one = openDB(t)
	_, err = importNT(t, one, doc, Options{})
	require.NoError(t, err)
	want = canonical(t, exportNT(t, one))
	resumed := openDB(t)
	last, _, err := importBatches(t, resumed, doc, 1, 0, 70000)
	require.Error(t, err)
	require.Greater(t, last, 0, "batches before the failure committed")
	require.Less(t, last, 70000)
	last2, _, err := importBatches(t, resumed, doc, 1, last+1, 0)
	require.NoError(t, err)
	require.Greater(t, last2, last)
	require.Equal(t, want, canonical(t, exportNT(t, resumed)))
}

// TestBatchesRefuseNoTriples: a batch size below one is an error, not an endless loop.
func TestBatchesRefuseNoTriples(t *testing.T) {
	err := ParseNTriplesBatches(t.Context(), strings.NewReader(""), "d.nt", Options{}, 0, &Kinds{}, func(Batch) error { return nil })
	require.ErrorIs(t, err, ErrBadInput)
	require.Contains(t, fmt.Sprint(err), "at least one triple")
}
