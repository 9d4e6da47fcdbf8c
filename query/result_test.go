package query

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
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
			rows, got := x.newRows(k, ids[:n], w)
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
