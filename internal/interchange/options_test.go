package interchange

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
)

// TestApplyTellsProgress checks that Summary.Wrote hears of every entity, value and edge
// as it is written (for N-Triples, a column's values and a verb's edges at once), for
// N-Triples and for records.
func TestApplyTellsProgress(t *testing.T) {
	nt, err := ParseNTriples(t.Context(), strings.NewReader(rdftest.EveryCase), "d.nt", Options{})
	require.NoError(t, err)
	jl, err := ParseJSONL(strings.NewReader(`{"kind": "player", "set": {"name": "Ann", "tags": ["a", "b"]}}
{"iri": "http://ex.org/bo", "kind": "player", "set": {"name": "Bo"}, "link": {"likes": ["http://ex.org/bo"]}}
`), "d.jsonl", Options{})
	require.NoError(t, err)
	for _, imp := range []Import{nt, jl} {
		db := openDB(t)
		var st Summary
		var seen []Summary
		st.Wrote = func(s Summary) { seen = append(seen, s) }
		require.NoError(t, db.Update(func(tx *entity.Tx) error { return imp.Apply(tx, &st) }))
		require.NotEmpty(t, seen)
		for i := 1; i < len(seen); i++ {
			a, b := seen[i-1], seen[i]
			assert.Positive(t, b.Entities+b.Values+b.Edges-a.Entities-a.Values-a.Edges, "each call more")
		}
		if imp == Import(nt) {
			// One call per entity, and at most one per column's values and per verb's edges.
			assert.LessOrEqual(t, len(seen), int(st.Entities)+len(st.Columns)+len(st.Verbs))
			assert.Less(t, len(seen), int(st.Entities+st.Values+st.Edges))
		} else {
			assert.Len(t, seen, int(st.Entities+st.Values+st.Edges), "one call per entity, value and edge")
		}
		last := seen[len(seen)-1]
		assert.Equal(t, [3]int64{st.Entities, st.Values, st.Edges}, [3]int64{last.Entities, last.Values, last.Edges})
	}
}
