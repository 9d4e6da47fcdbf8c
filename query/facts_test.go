package query

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPlanningFactsBounded checks that the facts planning reads are bounded for the whole
// query, not per term: a query of 200 verb steps from known entities, each a dive of its
// own, reads at most factPages pages of facts plus one dive's (a descent and diveLeaves
// leaves) and the statistics, however many terms it has.
func TestPlanningFactsBounded(t *testing.T) {
	w := sharedWorld(t)
	var terms []string
	for i := range 200 {
		terms = append(terms, fmt.Sprintf("friend -> player/%d", (20+i*97)%5000+11))
	}
	q, err := Parse("FIND player WHERE " + strings.Join(terms, " OR ") + " COUNT BUDGET 5")
	require.NoError(t, err)
	p, err := Prepare(w.db, q)
	require.NoError(t, err)
	require.LessOrEqual(t, p.PlanningPages(), uint64(factPages+8))
	require.Greater(t, p.PlanningPages(), uint64(factPages/2)) // the facts were read, up to the allowance
}
