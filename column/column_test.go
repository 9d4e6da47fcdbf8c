package column_test

import (
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

type Stats struct {
	Level  uint8
	Alive  bool
	Scores [3]int16
	ID     [4]byte
	Ratio  float64
}

// roundTrip sets and gets values of one Go type, through the typed and the dynamic API.
func roundTrip[T any](t *testing.T, vals ...T) {
	t.Helper()
	s := entity.NewSchema()
	k := s.Kind("k")
	var opts []column.Option
	if typ, _ := column.TypeOf[T](); typ.FixedSize() == 0 {
		opts = append(opts, column.MaxLen(16))
	}
	c := column.Define[T](s, "c", append(opts, column.Indexed())...)
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, len(vals), func(tx *entity.Tx, i int, id entity.ID) error { return c.Set(tx, id, vals[i]) })
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		d, err := column.Lookup(tx, "c")
		require.NoError(t, err)
		for i, id := range ids {
			got, ok, err := c.Get(tx, id)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, vals[i], got)
			dv, _, err := d.Get(tx, id)
			require.NoError(t, err)
			want, err := d.Convert(vals[i])
			require.NoError(t, err)
			assert.Equal(t, want, dv, "the dynamic value is the converted Go value")
			bm, err := c.Equal(tx, vals[i])
			require.NoError(t, err)
			assert.True(t, bm.Contains(uint64(id)))
		}
		return tx.CheckStore()
	}))
}

func TestRoundTrip(t *testing.T) {
	roundTrip(t, true, false)
	roundTrip(t, int8(-128), int8(127), int8(0))
	roundTrip(t, int16(-32768), int16(32767))
	roundTrip(t, int32(math.MinInt32), int32(-1), int32(math.MaxInt32))
	roundTrip(t, int64(math.MinInt64), int64(0), int64(math.MaxInt64))
	roundTrip(t, uint8(0), uint8(255))
	roundTrip(t, uint16(65535), uint16(1))
	roundTrip(t, uint32(math.MaxUint32))
	roundTrip(t, uint64(math.MaxUint64), uint64(0))
	roundTrip(t, float32(-1.5), float32(math.Inf(1)), float32(math.SmallestNonzeroFloat32))
	roundTrip(t, -math.MaxFloat64, 0.1, math.Inf(-1))
	roundTrip(t, [16]byte{1, 2, 3}, [16]byte{})
	roundTrip(t, [3]float32{1, -2, 3})
	roundTrip(t, Position{1, 2}, Position{-1, 0})
	roundTrip(t, Stats{Level: 3, Alive: true, Scores: [3]int16{-1, 0, 1}, ID: [4]byte{9}, Ratio: -0.5})
	roundTrip(t, "", "hello", "with\x00zero", "sixteen bytes!!!")
	roundTrip(t, []byte{}, []byte{0, 0, 1}, []byte("sixteen bytes!!!"))
}

// TestFailedWritesChangeNothing checks every refused write of the column API.
func TestFailedWritesChangeNothing(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	name := column.Define[string](s, "name", column.MaxLen(4), column.Indexed())
	speed := column.Define[float32](s, "speed", column.Indexed())
	tags := column.Define[string](s, "tags", column.MaxLen(4), column.Multi())
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 1, func(tx *entity.Tx, _ int, id entity.ID) error {
		require.NoError(t, name.Set(tx, id, "ann"))
		return speed.Set(tx, id, 1)
	})
	id := ids[0]
	st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
		for _, err := range []struct {
			err  error
			want error
		}{
			{name.Set(tx, id, "too long"), column.ErrTooLong},
			{name.Dyn().Set(tx, id, 42), column.ErrType},
			{name.Set(tx, 99, "bob"), entity.ErrNoEntity},
			{speed.Set(tx, id, float32(math.NaN())), column.ErrNaN},
			{speed.Dyn().Set(tx, id, 1e40), column.ErrRange},
			{speed.Dyn().Set(tx, id, "fast"), column.ErrType},
			{tags.Set(tx, id, "x"), column.ErrMulti},
			{name.Add(tx, id, "x"), column.ErrMulti},
			{tags.Add(tx, 99, "x"), entity.ErrNoEntity},
			{tags.Add(tx, id, "toolong"), column.ErrTooLong},
		} {
			assert.ErrorIs(t, err.err, err.want)
		}
		// One NaN error for the whole project: a column's is the store's.
		assert.ErrorIs(t, speed.Set(tx, id, float32(math.NaN())), store.ErrNaN)
		assert.ErrorIs(t, speed.Dyn().Set(tx, id, math.NaN()), store.ErrNaN)
		_, _, err := tags.Get(tx, id)
		assert.ErrorIs(t, err, column.ErrMulti)
		_, err = tags.Equal(tx, "x")
		assert.ErrorIs(t, err, column.ErrNotIndexed)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, uint64(0), st.PagesDirtied, "no refused write dirtied a page")
	err = db.View(func(tx *entity.Tx) error {
		err := name.Dyn().Set(tx, id, "x")
		assert.ErrorIs(t, err, store.ErrTxReadOnly)
		_, err = column.Lookup(tx, "k")
		assert.ErrorIs(t, err, column.ErrNoColumn, "a kind is not a column")
		v, _, _ := name.Get(tx, id)
		assert.Equal(t, "ann", v)
		return nil
	})
	require.NoError(t, err)
}

func TestDynamic(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	column.Define[int32](s, "hp", column.Indexed())
	column.Define[Position](s, "pos")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 10, nil)
	// A program without the Go types: the CLI, the query engine.
	db2, err := entity.Open(db.Store(), nil, nil)
	require.NoError(t, err)
	require.NoError(t, db2.Update(func(tx *entity.Tx) error {
		cols := column.Columns(tx)
		require.Len(t, cols, 2)
		hp, pos := cols[0], cols[1]
		assert.Equal(t, "hp int32 [indexed]", hp.String())
		assert.Equal(t, "pos struct{X float32; Y float32}", pos.String())
		assert.Nil(t, pos.IndexTree(tx))
		for i, id := range ids {
			require.NoError(t, hp.Set(tx, id, 10*i-30)) // a Go int, converted
			require.NoError(t, pos.Set(tx, id, []any{i, 0.5}))
		}
		v, ok, err := hp.Get(tx, ids[0])
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, int64(-30), v)
		v, _, _ = pos.Get(tx, ids[2])
		assert.Equal(t, []column.Value{2.0, 0.5}, v)

		rng := func(lo, hi column.Bound) []uint64 {
			bm, err := hp.Range(tx, lo, hi)
			require.NoError(t, err)
			return bm.ToArray()
		}
		assert.Equal(t, []uint64{4, 5, 6}, rng(column.Incl(0), column.Incl(20)))
		assert.Equal(t, []uint64{5}, rng(column.Excl(0), column.Excl(20)))
		assert.Equal(t, []uint64{1, 2}, rng(column.Open, column.Excl(-10)))
		assert.Equal(t, []uint64{9, 10}, rng(column.Incl(50), column.Open))
		assert.Len(t, rng(column.Open, column.Open), 10)
		assert.Empty(t, rng(column.Incl(20), column.Incl(0)))

		seq, err := hp.ByValue(tx, column.Incl(30), column.Open, true)
		require.NoError(t, err)
		var got []column.Value
		for _, v := range seq {
			got = append(got, v)
		}
		assert.Equal(t, []column.Value{int64(60), int64(50), int64(40), int64(30)}, got)

		evens := roaring64.BitmapOf(2, 4, 6, 8, 10, 12)
		f := hp.Filter(tx, evens, func(v column.Value) bool { return v.(int64) > 0 })
		assert.Equal(t, []uint64{6, 8, 10}, f.ToArray())
		assert.Equal(t, []uint64{2, 4, 6, 8, 10}, pos.Filter(tx, evens, nil).ToArray(), "nil: has a value")
		var gathered []entity.ID
		for id := range hp.Gather(tx, evens) {
			gathered = append(gathered, id)
		}
		assert.Equal(t, []entity.ID{2, 4, 6, 8, 10}, gathered)
		var scanned []entity.ID
		for id := range hp.ScanRange(tx, 3, 6) {
			scanned = append(scanned, id)
		}
		assert.Equal(t, []entity.ID{3, 4, 5}, scanned)
		assert.Equal(t, -1, hp.Compare(-5, 3))
		assert.Equal(t, 1, hp.Compare("x", 3), "what does not convert orders last")

		had, err := hp.Delete(tx, ids[0])
		require.NoError(t, err)
		assert.True(t, had)
		assert.Equal(t, []uint64{2}, rng(column.Open, column.Excl(-10)), "Delete keeps the index in step")
		return tx.CheckStore()
	}))
}

func TestMulti(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("Synset")
	label := column.Define[string](s, "label", column.MaxLen(32), column.Multi(), column.Indexed())
	weight := column.Define[uint16](s, "weight", column.Multi())
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 3, nil)
	a, b, c := ids[0], ids[1], ids[2]
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		require.NoError(t, label.Add(tx, a, "dog@en"))
		require.NoError(t, label.Add(tx, a, "chien@fr"))
		require.NoError(t, label.Add(tx, a, "Hund@de"))
		require.NoError(t, label.Add(tx, a, "dog@en"), "adding a value twice is a no-op")
		require.NoError(t, label.Add(tx, b, "dog@en"))
		require.NoError(t, weight.Add(tx, c, 3))
		require.NoError(t, weight.Add(tx, c, 1))
		return nil
	}))
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		vs, err := label.Values(tx, a)
		require.NoError(t, err)
		assert.Equal(t, []string{"Hund@de", "chien@fr", "dog@en"}, vs)
		assert.Equal(t, uint64(4), label.Len(tx), "(entity, value) pairs")
		has, _ := label.HasValue(tx, a, "chien@fr")
		assert.True(t, has)
		has, _ = label.Has(tx, c)
		assert.False(t, has)
		bm, err := label.Equal(tx, "dog@en")
		require.NoError(t, err)
		assert.Equal(t, []uint64{uint64(a), uint64(b)}, bm.ToArray())
		// A predicate on a multi-valued column matches when any value matches.
		f := label.Dyn().Filter(tx, roaring64.BitmapOf(uint64(a), uint64(b)), func(v column.Value) bool { return v == "chien@fr" })
		assert.Equal(t, []uint64{uint64(a)}, f.ToArray())
		ws, _ := weight.Values(tx, c)
		assert.Equal(t, []uint16{1, 3}, ws)

		found, err := label.Remove(tx, a, "dog@en")
		require.NoError(t, err)
		assert.True(t, found)
		bm, _ = label.Equal(tx, "dog@en")
		assert.Equal(t, []uint64{uint64(b)}, bm.ToArray())
		require.NoError(t, tx.Delete(a))
		assert.Equal(t, uint64(1), label.Len(tx))
		return tx.CheckStore()
	}))
}

func TestCursor(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	hp := column.Define[int32](s, "hp", column.Indexed())
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, k, 1000, func(tx *entity.Tx, i int, id entity.ID) error {
		if i%3 == 0 {
			return nil
		}
		return hp.Set(tx, id, int32(i))
	})
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		c := hp.Cursor(tx)
		require.True(t, c.Seek(4))
		assert.Equal(t, entity.ID(5), c.ID(), "#4 has no value: Seek finds the next")
		assert.Equal(t, int32(4), c.Value())
		n := 0
		for ok := c.Seek(1); ok; ok = c.Next() {
			require.NoError(t, c.Set(c.Value()*2))
			n++
		}
		assert.Equal(t, 666, n)
		assert.False(t, c.Valid())
		assert.False(t, c.Next(), "a cursor past the end stays there")
		v, _, _ := hp.Get(tx, 5)
		assert.Equal(t, int32(8), v)
		bm, err := hp.Equal(tx, 8)
		require.NoError(t, err)
		assert.Equal(t, []uint64{5}, bm.ToArray(), "Cursor.Set keeps the index in step")
		bm, _ = hp.Between(tx, 1, 3)
		assert.Equal(t, []uint64{2}, bm.ToArray(), "#2 had 1, now 2")
		return tx.CheckStore()
	}))
}

// TestJoinModel checks Join2 and Apply2 over columns that overlap in random ways.
func TestJoinModel(t *testing.T) {
	seed := testutil.Seed(t, 1)
	r := rand.New(rand.NewPCG(seed, 0))
	s := entity.NewSchema()
	k := s.Kind("k")
	pos := column.Define[Position](s, "pos", column.Indexed())
	vel := column.Define[Velocity](s, "vel")
	db := testutil.OpenDB(t, s, nil)
	wantPos := map[entity.ID]Position{}
	wantVel := map[entity.ID]Velocity{}
	density := []int{1, 2, 50} // one in n entities has the component: sparse runs test the gallop
	testutil.Spawn(t, db, k, 20_000, func(tx *entity.Tx, i int, id entity.ID) error {
		if r.IntN(density[(i/3000)%3]) == 0 {
			p := Position{float32(r.IntN(100)), 0}
			wantPos[id] = p
			require.NoError(t, pos.Set(tx, id, p))
		}
		if r.IntN(density[(i/2000)%3]) == 0 {
			v := Velocity{1, float32(r.IntN(3))}
			wantVel[id] = v
			require.NoError(t, vel.Set(tx, id, v))
		}
		return nil
	})
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		var joined []entity.ID
		for id, p := range column.Join2(tx, pos, vel) {
			assert.Equal(t, wantPos[id], p.A)
			assert.Equal(t, wantVel[id], p.B)
			joined = append(joined, id)
		}
		var want []entity.ID
		for id := range wantPos {
			if _, ok := wantVel[id]; ok {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		assert.Equal(t, want, joined, "seed %d", seed)
		return column.Apply2(tx, pos, vel, func(id entity.ID, p *Position, v Velocity) bool {
			if v.DY == 0 {
				return false // unchanged: not written
			}
			p.X += v.DX
			p.Y += v.DY
			q := wantPos[id]
			q.X += v.DX
			q.Y += v.DY
			wantPos[id] = q
			return true
		})
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		got := maps.Collect(pos.All(tx))
		assert.Equal(t, wantPos, got, "seed %d", seed)
		for _, id := range slices.Sorted(maps.Keys(wantPos))[:50] {
			bm, err := pos.Equal(tx, wantPos[id])
			require.NoError(t, err)
			assert.True(t, bm.Contains(uint64(id)), "Apply2 keeps the index in step")
		}
		return tx.CheckStore()
	}))
}

// Mixed is a struct whose float64 comes first, so that its encoding goes on after it.
type Mixed struct {
	F float64
	G float32
	N int32
}

// TestRoundTripFloatsFirst round-trips structs whose floats are followed by other fields.
func TestRoundTripFloatsFirst(t *testing.T) {
	roundTrip(t, Mixed{F: -2.5, G: 1.25, N: 7}, Mixed{F: math.Inf(1), G: -0, N: -1})
}

// TestDeclaredState checks that a column keeps the lifecycle state it is declared with.
func TestDeclaredState(t *testing.T) {
	s := entity.NewSchema()
	assert.Equal(t, store.Active, column.Define[int32](s, "a").Dyn().State())
	assert.Equal(t, store.Deprecated, column.Define[int32](s, "d", column.Deprecated()).Dyn().State())
	assert.Equal(t, store.Retired, column.Define[int32](s, "r", column.Retired()).Dyn().State())
}

// TestCursorSetAfterDelete sets the value under a cursor whose entry another write removed:
// the cursor reports it instead of writing.
func TestCursorSetAfterDelete(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	hp := column.Define[int32](s, "hp")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 3, func(tx *entity.Tx, i int, id entity.ID) error { return hp.Set(tx, id, int32(i)) })
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		cur := hp.Cursor(tx)
		require.True(t, cur.Seek(ids[1]))
		_, err := hp.Delete(tx, ids[1])
		require.NoError(t, err)
		assert.ErrorIs(t, cur.Set(9), store.ErrNoEntry)
		_, ok, err := hp.Get(tx, ids[1])
		require.NoError(t, err)
		assert.False(t, ok, "nothing was written")
		return nil
	}))
}

// TestSparseJoin joins a column of 5000 entities with one that has only the first and the
// last: the merge join seeks over the leaves in between instead of walking them, and reads
// three pages of the dense column (its root, its first and its last leaf).
func TestSparseJoin(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	dense := column.Define[int64](s, "dense")
	sparse := column.Define[int64](s, "sparse")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 5000, func(tx *entity.Tx, i int, id entity.ID) error { return dense.Set(tx, id, int64(i)) })
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		return errors.Join(sparse.Set(tx, ids[0], -1), sparse.Set(tx, ids[4999], -2))
	}))
	st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
		require.Equal(t, 2, dense.Dyn().Tree(tx).Height())
		var got []entity.ID
		for id, p := range column.Join2(tx, dense, sparse) {
			got = append(got, id)
			assert.Equal(t, p.B, map[entity.ID]int64{ids[0]: -1, ids[4999]: -2}[id])
		}
		assert.Equal(t, []entity.ID{ids[0], ids[4999]}, got)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), st.ByOwner["dense"].PagesRead)
}

// TestJoin2Multi checks that Join2 refuses a Multi column: the message fails with ErrMulti.
func TestJoin2Multi(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	one := column.Define[int32](s, "one")
	many := column.Define[int32](s, "many", column.Multi())
	db := testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, k, 2, func(tx *entity.Tx, i int, id entity.ID) error {
		return errors.Join(one.Set(tx, id, 1), many.Add(tx, id, 2))
	})
	n := 0
	err := db.View(func(tx *entity.Tx) error {
		for range column.Join2(tx, one, one) {
			n++
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	err = db.View(func(tx *entity.Tx) error {
		for range column.Join2(tx, one, many) {
			n++
		}
		return nil
	})
	assert.ErrorIs(t, err, column.ErrMulti)
}

// TestHasAndDelete checks Has and the report of Delete, on a single-valued and a Multi
// column, for entities with and without values.
func TestHasAndDelete(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	one := column.Define[int32](s, "one")
	many := column.Define[int32](s, "many", column.Multi())
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 2, nil)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		require.NoError(t, errors.Join(one.Set(tx, ids[0], 1), many.Add(tx, ids[0], 2), many.Add(tx, ids[0], 3)))
		for _, c := range []*column.Dyn{one.Dyn(), many.Dyn()} {
			has, err := c.Has(tx, ids[0])
			require.NoError(t, err)
			assert.True(t, has, c.Name())
			has, err = c.Has(tx, ids[1])
			require.NoError(t, err)
			assert.False(t, has, c.Name())
			had, err := c.Delete(tx, ids[1])
			require.NoError(t, err)
			assert.False(t, had, "%s: an entity without values had none", c.Name())
			had, err = c.Delete(tx, ids[0])
			require.NoError(t, err)
			assert.True(t, had, c.Name())
			has, err = c.Has(tx, ids[0])
			require.NoError(t, err)
			assert.False(t, has, c.Name())
		}
		return nil
	}))
}

// TestDefineRefusesBadConfigurations checks the definitions a column cannot take.
func TestDefineRefusesBadConfigurations(t *testing.T) {
	for name, define := range map[string]func(s *entity.Schema){
		"fixed type too large": func(s *entity.Schema) { column.Define[[2000]byte](s, "x") },
		"indexed string too long": func(s *entity.Schema) {
			column.Define[string](s, "x", column.MaxLen(column.MaxIndexedLen+1), column.Indexed())
		},
		"multi string too long": func(s *entity.Schema) {
			column.Define[string](s, "x", column.MaxLen(column.MaxMultiLen+1), column.Multi())
		},
	} {
		s := entity.NewSchema()
		define(s)
		assert.ErrorIs(t, s.Err(), entity.ErrSchema, name)
	}
	s := entity.NewSchema()
	column.Define[[100]byte](s, "ok")
	column.Define[string](s, "ok2", column.MaxLen(column.MaxIndexedLen), column.Indexed())
	column.Define[string](s, "one byte", column.MaxLen(1))
	column.Define[[1]int32](s, "one element")
	assert.NoError(t, s.Err(), "the smallest string and array")
}

// TestApply2WithItself: a column joined with itself, each write of a moving the cursor of
// b's ground, still visits every entity once with the value before the write.
func TestApply2WithItself(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	pos := column.Define[Position](s, "pos")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 1000, func(tx *entity.Tx, i int, id entity.ID) error {
		return pos.Set(tx, id, Position{float32(i), 1})
	})
	n := 0
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		return column.Apply2(tx, pos, pos, func(_ entity.ID, p *Position, q Position) bool {
			n++
			p.X += q.X
			return true
		})
	}))
	assert.Equal(t, len(ids), n)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for i, id := range ids {
			p, _, err := pos.Get(tx, id)
			require.NoError(t, err)
			assert.Equal(t, Position{float32(2 * i), 1}, p)
		}
		return nil
	}))
}

// TestAllWhileWriting: a scan whose loop writes the column (the value it visits, and
// deletes the next entity's) visits every remaining entity once, in order, and sees what
// the loop wrote before it got there.
func TestAllWhileWriting(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	hp := column.Define[int64](s, "hp")
	db := testutil.OpenDB(t, s, nil)
	ids := testutil.Spawn(t, db, k, 2000, func(tx *entity.Tx, i int, id entity.ID) error {
		return hp.Set(tx, id, int64(i))
	})
	var seen []entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		for id, v := range hp.Range(tx, ids[10], ids[1990]) {
			seen = append(seen, id)
			require.NoError(t, hp.Set(tx, id, v+1000))
			if id%7 == 0 {
				_, err := hp.Delete(tx, id+1)
				require.NoError(t, err)
			}
		}
		return nil
	}))
	var want []entity.ID
	for _, id := range ids[10:1990] {
		if (id-1)%7 != 0 || id-1 < ids[10] {
			want = append(want, id)
		}
	}
	assert.Equal(t, want, seen)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for _, id := range want {
			v, ok, err := hp.Get(tx, id)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, int64(id-1)+1000, v, "entity %d", id)
		}
		return nil
	}))
}
