package verb_test

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/verb"
)

// verbContents returns the entries of both trees of a verb, as strings.
func verbContents(t *testing.T, db *entity.DB, name string) []string {
	t.Helper()
	var out []string
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for i := range 2 {
			tr, err := tx.VarTree(name, i, false)
			require.NoError(t, err)
			for k := range tr.All() {
				out = append(out, fmt.Sprintf("%d %x", i, k))
			}
		}
		if _, err := entity.Check(tx); err != nil { // the holder record too
			return err
		}
		return tx.CheckStore()
	}))
	return out
}

// TestLinkSortedIsLinkOneByOne: LinkSorted into a verb without edges, bottom up, leaves the
// same trees as Link one edge at a time; into one with edges, or with a cardinality to
// check, it links one at a time, cardinality errors included.
func TestLinkSortedIsLinkOneByOne(t *testing.T) {
	s := entity.NewSchema()
	node := s.Kind("node")
	for _, name := range []string{"bulk", "single", "later", "appended"} {
		verb.Define(s, name)
	}
	verb.Define(s, "one", verb.ManyToOne())
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, node, 2000, nil)
	r := rand.New(rand.NewPCG(5, 6))
	var es []verb.Edge
	for range 8000 {
		es = append(es, verb.Edge{S: ids[r.IntN(len(ids))], O: ids[r.IntN(len(ids))]})
	}
	slices.SortFunc(es, func(a, b verb.Edge) int { return cmp.Or(cmp.Compare(a.S, b.S), cmp.Compare(a.O, b.O)) })
	es = slices.Compact(es)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for _, name := range []string{"bulk", "later"} {
			v, err := verb.Lookup(tx, name)
			require.NoError(t, err)
			if name == "later" {
				_, err = v.LinkSorted(tx, es[:1])
				require.NoError(t, err)
			}
			n, err := v.LinkSorted(tx, es)
			require.NoError(t, err)
			require.Equal(t, len(es), n)
		}
		v, err := verb.Lookup(tx, "single")
		require.NoError(t, err)
		for _, e := range es {
			require.NoError(t, v.Link(tx, e.S, e.O))
		}
		// In runs of subjects past the verb's last: appended.
		v, err = verb.Lookup(tx, "appended")
		require.NoError(t, err)
		for start := 0; start < len(es); {
			end := min(start+1+r.IntN(900), len(es))
			for end < len(es) && es[end].S == es[end-1].S {
				end++
			}
			n, err := v.LinkSorted(tx, es[start:end])
			require.NoError(t, err)
			require.Equal(t, end-start, n)
			start = end
		}
		return nil
	}))
	want := verbContents(t, db, "single")
	require.Len(t, want, 2*len(es))
	require.Equal(t, want, verbContents(t, db, "bulk"))
	require.Equal(t, want, verbContents(t, db, "later"))
	require.Equal(t, want, verbContents(t, db, "appended"))

	err := db.Update(func(tx *entity.Tx) error {
		v, err := verb.Lookup(tx, "one")
		require.NoError(t, err)
		n, err := v.LinkSorted(tx, []verb.Edge{{ids[0], ids[1]}, {ids[0], ids[2]}})
		require.Equal(t, 1, n, "the edge before the error is linked")
		return err
	})
	require.ErrorIs(t, err, verb.ErrCardinality)
}

// TestLinkSortedRefuses: edges out of order or to a missing entity are errors.
func TestLinkSortedRefuses(t *testing.T) {
	s := entity.NewSchema()
	node := s.Kind("node")
	verb.Define(s, "v")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, node, 3, nil)
	for name, es := range map[string][]verb.Edge{
		"is not after":   {{ids[1], ids[0]}, {ids[0], ids[2]}},
		"repeated":       {{ids[0], ids[1]}, {ids[0], ids[1]}},
		"no such entity": {{ids[0], ids[2] + 5}},
		"no subject":     {{ids[2] + 5, ids[0]}},
	} {
		err := db.Update(func(tx *entity.Tx) error {
			v, err := verb.Lookup(tx, "v")
			require.NoError(t, err)
			_, err = v.LinkSorted(tx, es)
			return err
		})
		require.Error(t, err, name)
		require.Empty(t, verbContents(t, db, "v"), name)
	}
}

// TestLinkSortedCardinality: into an empty verb, bottom up, and appended to a verb with
// edges, LinkSorted refuses what Link one at a time would, and names the same edge.
func TestLinkSortedCardinality(t *testing.T) {
	s := entity.NewSchema()
	node := s.Kind("node")
	cards := map[string]verb.Option{"m2o": verb.ManyToOne(), "o2m": verb.OneToMany(), "o2o": verb.OneToOne(), "m2m": verb.ManyToMany()}
	for name, opt := range cards {
		verb.Define(s, name, opt)
		verb.Define(s, name+"_one", opt)
	}
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, node, 8, nil)
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 400 {
		// Odd trials: into a verb with edges from subjects 1–3, edges from 4–8 (appended).
		var pre, es []verb.Edge
		from := 1
		if trial%2 == 1 {
			for range 1 + r.IntN(4) {
				pre = append(pre, verb.Edge{S: entity.ID(1 + r.IntN(3)), O: entity.ID(1 + r.IntN(8))})
			}
			from = 4
		}
		for range 1 + r.IntN(6) {
			es = append(es, verb.Edge{S: entity.ID(from + r.IntN(9-from)), O: entity.ID(1 + r.IntN(8))})
		}
		slices.SortFunc(es, func(a, b verb.Edge) int { return cmp.Or(cmp.Compare(a.S, b.S), cmp.Compare(a.O, b.O)) })
		es = slices.Compact(es)
		for name := range cards {
			var bulkAt, oneAt int
			var bulkErr, oneErr error
			_ = db.Update(func(tx *entity.Tx) error {
				v, err := verb.Lookup(tx, name)
				require.NoError(t, err)
				one, err := verb.Lookup(tx, name+"_one")
				require.NoError(t, err)
				for _, e := range pre {
					if v.Link(tx, e.S, e.O) == nil {
						require.NoError(t, one.Link(tx, e.S, e.O))
					}
				}
				bulkAt, bulkErr = v.LinkSorted(tx, es)
				oneAt = len(es)
				for i, e := range es {
					if oneErr = one.Link(tx, e.S, e.O); oneErr != nil {
						oneAt = i
						break
					}
				}
				return errors.New("roll back")
			})
			require.Equal(t, oneErr == nil, bulkErr == nil, "trial %d %s %v: %v / %v", trial, name, es, bulkErr, oneErr)
			if oneErr != nil {
				require.ErrorIs(t, bulkErr, verb.ErrCardinality)
				require.Equal(t, oneAt, bulkAt, "trial %d %s %v", trial, name, es)
				require.Equal(t, strings.Replace(oneErr.Error(), name+"_one", name, 1), bulkErr.Error(), "trial %d %s", trial, name)
			}
		}
	}
}
