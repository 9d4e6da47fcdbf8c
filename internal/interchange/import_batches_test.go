package interchange

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
	"github.com/stablegraph/stablegraph/store"
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

	// Stopped by an error and resumed: the blank node _:g0, made in an early batch and met
	// again in the last, is one entity (the store notes it).
	resumed := openDB(t)
	begin := func(source string, resume bool) error {
		return resumed.Update(func(tx *entity.Tx) error { return BeginBatches(tx, source, resume) })
	}
	require.NoError(t, begin("d.nt", false))
	last, _, err := importBatches(t, resumed, doc, 1, 0, 70000)
	require.Error(t, err)
	require.Greater(t, last, 0, "batches before the failure committed")
	require.Less(t, last, 70000)
	require.ErrorIs(t, begin("other.nt", true), ErrOtherSource, "a resume reads the file that was stopped")
	require.NoError(t, begin("d.nt", true))
	last2, _, err := importBatches(t, resumed, doc, 1, last+1, 0)
	require.NoError(t, err)
	require.Greater(t, last2, last)
	require.NoError(t, resumed.Update(EndBatches))
	require.Equal(t, want, canonical(t, exportNT(t, resumed)))
	require.NoError(t, resumed.View(func(tx *entity.Tx) error {
		_, ok := tx.Meta([]byte(metaSource))
		require.False(t, ok, "the notes are gone once the import ends")
		_, ok = tx.Meta(blankKey("g0"))
		require.False(t, ok)
		return nil
	}))
}

// TestBatchesRefuseNoTriples: a batch size below one is an error, not an endless loop.
func TestBatchesRefuseNoTriples(t *testing.T) {
	err := ParseNTriplesBatches(t.Context(), strings.NewReader(""), "d.nt", Options{}, 0, &Kinds{}, func(Batch) error { return nil })
	require.ErrorIs(t, err, ErrBadInput)
	require.Contains(t, fmt.Sprint(err), "at least one triple")
}

// stepsDoc is a document of n subjects, 8 triples each, in subject order: a type (one of
// five), a name, an age, three edges to random subjects and one to one of 100 groups.
func stepsDoc(n int) string {
	var sb strings.Builder
	r := rand.New(rand.NewPCG(11, 12))
	for i := range n {
		s := fmt.Sprintf("<http://ex.org/e/%d>", i)
		fmt.Fprintf(&sb, "%s <%s> <http://ex.org/C%d> .\n", s, rdfType, i%5)
		fmt.Fprintf(&sb, "%s <http://ex.org/name> \"Name %d\" .\n", s, i)
		fmt.Fprintf(&sb, "%s <http://ex.org/age> \"%d\"^^<%s> .\n", s, r.IntN(99), xsdInteg)
		for range 3 {
			fmt.Fprintf(&sb, "%s <http://ex.org/knows> <http://ex.org/e/%d> .\n", s, r.IntN(n))
		}
		fmt.Fprintf(&sb, "%s <http://ex.org/memberOf> <http://ex.org/g/%d> .\n", s, i%100)
		fmt.Fprintf(&sb, "%s <http://ex.org/note> \"note %d\" .\n", s, i)
	}
	return sb.String()
}

// BenchmarkImportSteps imports 320,000 triples (40,000 subjects) in steps of 32,000 into a
// store in memory, and reports what the last step cost: its time, the pages it dirtied,
// and those of the IRI index ($iri), which random IRIs spread over the whole tree.
//
//	go test -run '^$' -bench ImportSteps -benchtime 1x ./internal/interchange
func BenchmarkImportSteps(b *testing.B) {
	doc := stepsDoc(40_000)
	for range b.N {
		db := testutil.OpenDB(b, nil, nil)
		kinds, err := ScanKinds(b.Context(), strings.NewReader(doc), "d.nt", Options{})
		require.NoError(b, err)
		var sum Summary
		var last store.Stats
		var took time.Duration
		require.NoError(b, ParseNTriplesBatches(b.Context(), strings.NewReader(doc), "d.nt", Options{}, 32_000, kinds, func(bt Batch) error {
			start := time.Now()
			st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error { return bt.Apply(tx, &sum) })
			last, took = st, time.Since(start)
			return err
		}))
		b.ReportMetric(took.Seconds()*1e3, "ms/laststep")
		b.ReportMetric(float64(last.PagesDirtied), "pages/laststep")
		b.ReportMetric(float64(last.ByOwner[entity.VarIRI].PagesDirtied), "iripages/laststep")
		b.ReportMetric(float64(last.PagesRead), "readpages/laststep")
	}
}

// turtleDoc is a Turtle document of n subjects over several parse chunks: statements over
// several lines, predicate and object lists, and a blank node per subject.
func turtleDoc(n int) string {
	var sb strings.Builder
	sb.WriteString("@prefix ex: <http://ex.org/> .\n")
	for i := range n {
		fmt.Fprintf(&sb, "ex:s%d a ex:C%d ;\n    ex:name \"n%d\" ;\n", i, i%3, i)
		fmt.Fprintf(&sb, "    ex:knows ex:s%d, ex:s%d ;\n", (i*7)%n, (i*13)%n)
		fmt.Fprintf(&sb, "    ex:addr [ ex:city \"c%d\" ; ex:zip %d ] .\n", i%50, i)
	}
	return sb.String()
}

// TestTurtleBatchesAddUpToOneMessage: a Turtle document imported in batches, cut where
// lines end, gives the store one message gives, and so does one stopped and resumed.
func TestTurtleBatchesAddUpToOneMessage(t *testing.T) {
	doc := turtleDoc(3000)
	one := openDB(t)
	nt, err := ParseTurtle(t.Context(), strings.NewReader(doc), "d.ttl", Options{})
	require.NoError(t, err)
	require.NoError(t, one.Update(func(tx *entity.Tx) error { return nt.Apply(tx, &Summary{}) }))
	want := rdftest.Triples(t, exportNT(t, one))

	opts := Options{Turtle: true}
	kinds, err := ScanKinds(t.Context(), strings.NewReader(doc), "d.ttl", opts)
	require.NoError(t, err)
	run := func(db *entity.DB, from, failAt int) (last, batches int, err error) {
		opts := opts
		opts.FromLine = from
		err = ParseNTriplesBatches(t.Context(), strings.NewReader(doc), "d.ttl", opts, 1, kinds, func(b Batch) error {
			require.Greater(t, b.First, last, "batches in file order, without overlap")
			err := db.Update(func(tx *entity.Tx) error {
				if err := b.Apply(tx, &Summary{}); err != nil {
					return err
				}
				if failAt >= b.First && failAt <= b.Last {
					return errors.New("injected")
				}
				return nil
			})
			if err == nil {
				last, batches = b.Last, batches+1
			}
			return err
		})
		return last, batches, err
	}
	batched := openDB(t)
	_, batches, err := run(batched, 0, 0)
	require.NoError(t, err)
	require.Greater(t, batches, 3, "the document spans several batches")
	require.True(t, ntriples.Isomorphic(want, rdftest.Triples(t, exportNT(t, batched))))

	resumed := openDB(t)
	require.NoError(t, resumed.Update(func(tx *entity.Tx) error { return BeginBatches(tx, "d.ttl", false) }))
	last, _, err := run(resumed, 0, 7000)
	require.Error(t, err)
	require.Greater(t, last, 0)
	require.NoError(t, resumed.Update(func(tx *entity.Tx) error { return BeginBatches(tx, "d.ttl", true) }))
	_, _, err = run(resumed, last+1, 0)
	require.NoError(t, err)
	require.True(t, ntriples.Isomorphic(want, rdftest.Triples(t, exportNT(t, resumed))))
}
