package entity_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// TestVarStats keeps statistics per variable: none in a store never analyzed (and no
// $stats variable), kept and replaced once put, a kind's span read from its tree and
// round-tripped, unknown versions and damage refused, and the store still sound.
func TestVarStats(t *testing.T) {
	s := entity.NewSchema()
	a, b := s.Kind("a"), s.Kind("b")
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, a, 10, nil)
	testutil.Spawn(t, db, b, 5, nil)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		_, ok := tx.VarStatsOf("a")
		assert.False(t, ok)
		_, ok = tx.Var(entity.VarStats)
		assert.False(t, ok, "created by the first PutVarStats only")

		sp := b.Span(tx)
		assert.Equal(t, entity.ID(11), sp.First)
		assert.Equal(t, entity.ID(15), sp.Last)
		assert.Equal(t, uint64(5), sp.Members)
		require.NoError(t, tx.PutVarStats("b", []byte("old")))
		require.NoError(t, tx.PutVarStats("b", sp.Encode()))
		got, ok := tx.VarStatsOf("b")
		require.True(t, ok)
		back, err := entity.DecodeKindStats(got)
		require.NoError(t, err)
		assert.Equal(t, sp.First, back.First)
		assert.Equal(t, sp.Last, back.Last)
		assert.Equal(t, sp.Members, back.Members)
		assert.Equal(t, sp.Made.UnixNano(), back.Made.UnixNano())
		assert.ErrorIs(t, tx.PutVarStats("nope", got), store.ErrNoVar)

		got[0] = 3
		_, err = entity.DecodeKindStats(got)
		assert.ErrorIs(t, err, entity.ErrStatsVersion)
		_, err = entity.DecodeKindStats(got[:4])
		assert.ErrorIs(t, err, store.ErrCorrupt)
		_, err = entity.DecodeKindStats(append(sp.Encode(), 0))
		assert.ErrorIs(t, err, store.ErrCorrupt)
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		_, err := entity.Check(tx)
		require.NoError(t, err)
		return tx.CheckStore()
	}))
}

// TestAnalyzeKinds checks each kind's covers against a brute-force count: for a
// column and both directions of a verb, random values and edges over two kinds (one
// entity of b also a member of a), the members that key each tree, their entries and
// the members per power-of-two degree bucket; the statistics round-trip.
func TestAnalyzeKinds(t *testing.T) {
	s := entity.NewSchema()
	a, b := s.Kind("a"), s.Kind("b")
	col := column.DefineDyn(s, "tag", column.ScalarType(column.Int16), column.Multi())
	v := verb.Define(s, "knows")
	db := testutil.OpenDB(t, s, nil)
	r := rand.New(rand.NewPCG(1, 2))
	ids := append(testutil.Spawn(t, db, a, 30, nil), testutil.Spawn(t, db, b, 20, nil)...)
	keyed := [3]map[entity.ID]uint64{{}, {}, {}} // tag, knows forward, knows reverse
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		if err := a.Add(tx, ids[len(ids)-1]); err != nil { // a member of a and b
			return err
		}
		for _, id := range ids {
			for j := range r.IntN(5) {
				if err := col.Add(tx, id, int64(j)); err != nil {
					return err
				}
				keyed[0][id]++
			}
		}
		for range 120 {
			s, o := ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]
			if ok, _ := v.Has(tx, s, o); ok {
				continue
			}
			if err := v.Link(tx, s, o); err != nil {
				return err
			}
			keyed[1][s]++
			keyed[2][o]++
		}
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		trees := []entity.TreeOf{{Var: "tag", Tree: 0}, {Var: "knows", Tree: 0}, {Var: "knows", Tree: 1}}
		stats, err := entity.AnalyzeKinds(tx, trees)
		require.NoError(t, err)
		require.Len(t, stats, 2)
		for i, k := range tx.Kinds() {
			st := stats[i]
			assert.Equal(t, k.Count(tx), st.Members, k.Name())
			for j, to := range trees {
				want := entity.TreeCover{Var: to.Var, Tree: to.Tree}
				for id, n := range keyed[j] {
					if !k.Has(tx, id) {
						continue
					}
					want.Keys++
					want.Entries += n
					bucket := 0 // the largest i with 2^i <= n, by halving
					for m := n; m > 1; m /= 2 {
						bucket++
					}
					want.Degrees = append(want.Degrees, make([]uint64, max(0, bucket+1-len(want.Degrees)))...)
					want.Degrees[bucket]++
				}
				got, ok := st.Cover(to.Var, to.Tree)
				require.True(t, ok)
				assert.Equal(t, want, got, "%s %s/%d", k.Name(), to.Var, to.Tree)
			}
			back, err := entity.DecodeKindStats(st.Encode())
			require.NoError(t, err)
			assert.Equal(t, st.Covers, back.Covers)
			assert.Equal(t, st.First, back.First)
		}
		return nil
	}))
}
