package column_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
)

// treeContents returns every entry of the column's trees, as strings.
func treeContents(t *testing.T, db *entity.DB, name string) []string {
	t.Helper()
	var out []string
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for i := range 2 {
			tr, err := tx.VarTree(name, i, false)
			if err != nil {
				continue
			}
			for k, v := range tr.All() {
				out = append(out, fmt.Sprintf("%d %x %x", i, k, v))
			}
		}
		if _, err := entity.Check(tx); err != nil { // the holder record too
			return err
		}
		return tx.CheckStore()
	}))
	return out
}

// TestWriteSortedIsSetOneByOne: WriteSorted into an empty column, bottom up, leaves the same
// entries as Set or Add one value at a time, for single and multi-valued, fixed and
// variable-size, indexed or not; into a column with values it appends the values of
// entities past its last, and writes others one at a time.
func TestWriteSortedIsSetOneByOne(t *testing.T) {
	for _, multi := range []bool{false, true} {
		for _, str := range []bool{false, true} {
			t.Run(fmt.Sprintf("multi=%v,string=%v", multi, str), func(t *testing.T) {
				r := rand.New(rand.NewPCG(3, 4))
				s := entity.NewSchema()
				k := s.Kind("k")
				opts := []column.Option{column.Indexed()}
				typ := column.ScalarType(column.Int64)
				if str {
					typ = column.StringType(40)
					opts = append(opts, column.MaxLen(40))
				}
				if multi {
					opts = append(opts, column.Multi())
				}
				for _, name := range []string{"bulk", "single", "later", "appended", "mixed"} {
					column.DefineDyn(s, name, typ, opts...)
				}
				db := testutil.OpenDB(t, s, nil)
				ids := testutil.Spawn(t, db, k, 3000, nil)
				var ws []column.Write
				for _, id := range ids {
					for range 1 + r.IntN(3) {
						var v any = r.Int64N(500)
						if str {
							v = fmt.Sprintf("value %d", r.IntN(500))
						}
						ws = append(ws, column.Write{ID: id, V: v})
						if !multi || r.IntN(4) > 0 {
							break
						}
					}
					if multi && r.IntN(5) == 0 { // a value given twice is one
						ws = append(ws, ws[len(ws)-1])
					}
				}
				require.NoError(t, db.Update(func(tx *entity.Tx) error {
					bulk, err := column.Lookup(tx, "bulk")
					require.NoError(t, err)
					n, err := bulk.WriteSorted(tx, ws)
					require.Equal(t, len(ws), n)
					if err != nil {
						return err
					}
					one, err := column.Lookup(tx, "single")
					require.NoError(t, err)
					for _, w := range ws {
						if multi {
							err = one.Add(tx, w.ID, w.V)
						} else {
							err = one.Set(tx, w.ID, w.V)
						}
						if err != nil {
							return err
						}
					}
					// Into a column with values: one at a time, the same result.
					later, err := column.Lookup(tx, "later")
					require.NoError(t, err)
					if _, err := later.WriteSorted(tx, ws[:1]); err != nil {
						return err
					}
					if _, err = later.WriteSorted(tx, ws); err != nil {
						return err
					}
					// In runs of entities past the column's last: appended.
					appended, err := column.Lookup(tx, "appended")
					require.NoError(t, err)
					for start := 0; start < len(ws); {
						end := min(start+1+r.IntN(700), len(ws))
						for end < len(ws) && ws[end].ID == ws[end-1].ID {
							end++
						}
						if n, err := appended.WriteSorted(tx, ws[start:end]); err != nil {
							return fmt.Errorf("entry %d: %w", start+n, err)
						}
						start = end
					}
					// The values of entities up to the column's last, then all of them: the
					// first are written again, one at a time, the others appended.
					mixed, err := column.Lookup(tx, "mixed")
					require.NoError(t, err)
					var some []column.Write
					for _, w := range ws {
						if w.ID%3 == 0 && w.ID < ws[len(ws)/2].ID {
							some = append(some, w)
						}
					}
					if _, err := mixed.WriteSorted(tx, some); err != nil {
						return err
					}
					_, err = mixed.WriteSorted(tx, ws)
					return err
				}))
				want := treeContents(t, db, "single")
				require.NotEmpty(t, want)
				require.Equal(t, want, treeContents(t, db, "bulk"))
				require.Equal(t, want, treeContents(t, db, "later"))
				require.Equal(t, want, treeContents(t, db, "appended"))
				require.Equal(t, want, treeContents(t, db, "mixed"))
			})
		}
	}
}

// TestWriteSortedRefuses: entries out of order, a missing entity and a bad value are
// errors, and the message writes nothing.
func TestWriteSortedRefuses(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	column.DefineDyn(s, "c", column.ScalarType(column.Int64), column.Indexed())
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 3, nil)
	for name, ws := range map[string][]column.Write{
		"not after":        {{ids[1], 1}, {ids[0], 2}},
		"no such entity":   {{ids[0], 1}, {ids[2] + 10, 2}},
		"cannot be stored": {{ids[0], 1}, {ids[1], "x"}},
	} {
		err := db.Update(func(tx *entity.Tx) error {
			c, err := column.Lookup(tx, "c")
			require.NoError(t, err)
			_, err = c.WriteSorted(tx, ws)
			return err
		})
		require.Error(t, err, name)
		require.Empty(t, treeContents(t, db, "c"), name)
	}
}

// TestColumnWriteSorted: the typed WriteSorted writes what Set one at a time does.
func TestColumnWriteSorted(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	bulkC := column.Define[int32](s, "bulk", column.Indexed())
	oneC := column.Define[int32](s, "one", column.Indexed())
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 2500, nil)
	vals := make([]int32, len(ids))
	for i := range vals {
		vals[i] = int32(i*7919%1000) - 500
	}
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		n, err := bulkC.WriteSorted(tx, ids, vals)
		require.Equal(t, len(ids), n)
		if err != nil {
			return err
		}
		for i, id := range ids {
			if err := oneC.Set(tx, id, vals[i]); err != nil {
				return err
			}
		}
		_, err = bulkC.WriteSorted(tx, ids[:1], vals)
		require.ErrorContains(t, err, "2500 values")
		return nil
	}))
	require.Equal(t, treeContents(t, db, "one"), treeContents(t, db, "bulk"))
}
