package query

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
)

// TestNewRows checks the rows a result is made of against uriText for each entity, with
// and without a scope, for IDs of every length and in any order, and rows of several
// cells: each row's first cell is its URI, a string, the others nil; IDs in the order
// given. The cells share their strings: they must hold after the collector has run and
// the builder's memory was reused.
func TestNewRows(t *testing.T) {
	scope, err := uri.ParseScope("ryjl3-tyaaa-aaaaa-aaaba-cai")
	require.NoError(t, err)
	k := entity.NewSchema().Kind("Player")
	r := rand.New(rand.NewPCG(15, 4))
	for _, x := range []*executor{{}, {scope: scope}} {
		ids := []uint64{0, 1, 9, 10, math.MaxUint64, 7, 99999, 100000, 100001, 123450009, 9999, 10000, 10001}
		for id := uint64(19990); id < 20120; id += 1 + r.Uint64N(3) {
			ids = append(ids, id)
		}
		for range 200 {
			ids = append(ids, r.Uint64N(1<<(1+r.IntN(63))))
		}
		for n := range len(ids) + 1 {
			w := 1 + n%3
			res := &Result{}
			x.newRows(res, k, ids[:n], w)
			rows, got := res.Rows, res.IDs
			runtime.GC()
			_ = make([]byte, 1<<16) // reuse what the collector freed
			require.Len(t, rows, n)
			require.Len(t, got, n)
			for i, id := range ids[:n] {
				require.Equal(t, entity.ID(id), got[i])
				require.Len(t, rows[i], w)
				require.Equal(t, cap(rows[i]), w, "a row's cells must not reach into the next row's")
				uri, ok := rows[i][0].(string)
				require.True(t, ok, "row %d: %T", i, rows[i][0])
				require.Equal(t, x.uriText(k, id), uri)
				require.Equal(t, Value(x.uriText(k, id)), rows[i][0], "as a Value")
				for _, c := range rows[i][1:] {
					require.Nil(t, c)
				}
			}
		}
	}
}

// TestRunInto runs random queries (rows of one to four cells, Multi columns, names of
// several columns, ORDER BY, LIMIT, sub-queries, COUNT, EXPLAIN, more rows and fewer) on
// random graphs into one Result, and checks each answer, pages included, against a new
// Result of Run. Results that are not run into again (Run's, and ones run into before)
// must never change; a run into a Result that fails leaves it empty, and the next run
// into it is right again.
func TestRunInto(t *testing.T) {
	seed := testutil.Seed(t, 1)
	graphs, queries := 4, 120
	if testing.Short() {
		graphs, queries = 2, 60
	}
	type kept struct {
		res  *Result
		snap string
	}
	var keep []kept
	snap := func(res *Result) string { return fmt.Sprintf("%#v", exported(res)) }
	grew, reused, failed := 0, 0, 0
	for gi := range graphs {
		r := rand.New(rand.NewPCG(seed+uint64(gi), 15))
		g := newRandomGraph(t, r, []int{2000, 120}[gi%2])
		qg := &queryGen{r: r, g: g}
		into := &Result{}
		for qi := range queries {
			q := qg.query(false, 3)
			switch r.IntN(20) {
			case 0:
				q.Explain = true
			case 1:
				q.Explain, q.Analyze = true, true
			}
			describe := fmt.Sprintf("seed %d (graph %d, query %d; rerun with -seed=%d): %s", seed, gi, qi, seed, q)
			p, err := Prepare(g.db, q)
			require.NoError(t, err, describe)
			opts := RunOptions{OrderKeys: r.IntN(2) == 0}
			fresh, err := p.Run(opts)
			require.NoError(t, err, describe)
			before := cap(into.cells)
			require.NoError(t, p.RunInto(into, opts), describe)
			require.Equal(t, exported(fresh), exported(into), describe)
			if len(into.cells) > 0 {
				if cap(into.cells) == before {
					reused++
				} else {
					grew++
				}
			}
			if !q.Explain && fresh.Stats.PagesRead > 1 && r.IntN(8) == 0 {
				failed++
				err := p.RunInto(into, RunOptions{Budget: 1})
				require.ErrorIs(t, err, store.ErrPageBudgetExceeded, describe)
				require.Empty(t, into.Rows, describe)
				require.Empty(t, into.IDs, describe)
				empty := exported(into)
				empty.Rows, empty.IDs = nil, nil
				require.Equal(t, Result{}, empty, describe)
				require.NoError(t, p.RunInto(into, opts), describe)
				require.Equal(t, exported(fresh), exported(into), describe)
			}
			if r.IntN(10) == 0 {
				// Keep this Result as it is, and go on in the one Run made.
				keep = append(keep, kept{into, snap(into)})
				into = fresh
			} else {
				keep = append(keep, kept{fresh, snap(fresh)})
			}
			runtime.GC()
		}
	}
	for i, k := range keep {
		require.Equal(t, k.snap, snap(k.res), "result %d changed after it was last run into", i)
	}
	t.Logf("seed %d: %d runs into a Result with rows reused its arrays, %d grew them; %d failed runs", seed, reused, grew, failed)
	require.NotZero(t, reused)
	require.NotZero(t, grew)
	require.NotZero(t, failed)
}

// exported returns a copy of *res without the arrays it keeps for RunInto.
func exported(res *Result) Result {
	e := *res
	e.cells, e.uris, e.text = nil, nil, nil
	return e
}
