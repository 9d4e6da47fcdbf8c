package entity_test

import (
	"iter"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// lcWorld is the schema of the lifecycle tests: a kind, an indexed column, a second column
// (the partner of Apply2) and a verb, each in a declared state.
type lcWorld struct {
	k     *entity.Kind
	other *entity.Kind
	c     *column.Column[int32]
	d     *column.Column[int32]
	v     *verb.Verb
}

type states struct{ kind, col, verb store.State }

func lcSchema(st states) (*entity.Schema, *lcWorld) {
	s := entity.NewSchema()
	kopts := map[store.State][]entity.KindOption{store.Deprecated: {entity.Deprecated()}, store.Retired: {entity.Retired()}}
	copts := map[store.State][]column.Option{store.Deprecated: {column.Deprecated()}, store.Retired: {column.Retired()}}
	vopts := map[store.State][]verb.Option{store.Deprecated: {verb.Deprecated()}, store.Retired: {verb.Retired()}}
	w := &lcWorld{
		k:     s.Kind("k", kopts[st.kind]...),
		other: s.Kind("other"),
		c:     column.Define[int32](s, "c", append(copts[st.col], column.Indexed())...),
		d:     column.Define[int32](s, "d"),
		v:     verb.Define(s, "v", vopts[st.verb]...),
	}
	return s, w
}

// lcOpen reopens the store's memory with the schema declaring st.
func lcOpen(t *testing.T, _ *entity.DB, m *testutil.Memory, st states) (*entity.DB, *lcWorld, error) {
	t.Helper()
	s, w := lcSchema(st)
	db, err := m.Open(s, nil)
	return db, w, err
}

var (
	active     = store.Active
	deprecated = store.Deprecated
	retired    = store.Retired
)

// TestLifecycle walks each kind of variable through every transition,
// active → deprecated → retired → deprecated → active, checking what each state allows
// through the entity, column and verb APIs, and checks every refused transition.
func TestLifecycle(t *testing.T) {
	s, w := lcSchema(states{active, active, active})
	mem := testutil.NewMemory(t)
	db := mem.OpenDB(s)
	var e1, e2, o1 entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		e1, _ = w.k.New(tx)
		e2, _ = w.k.New(tx)
		o1, _ = w.other.New(tx)
		for _, id := range []entity.ID{e1, e2, o1} {
			require.NoError(t, w.c.Set(tx, id, int32(id)))
			require.NoError(t, w.d.Set(tx, id, 1))
		}
		require.NoError(t, w.v.Link(tx, e1, o1))
		require.NoError(t, w.v.Link(tx, o1, e2))
		return nil
	}))

	t.Run("column", func(t *testing.T) {
		var err error
		db, w, err = lcOpen(t, db, mem, states{active, deprecated, active})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			v, ok, err := w.c.Get(tx, e1)
			require.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, int32(e1), v, "a deprecated column reads")
			bm, err := w.c.Equal(tx, int32(e1))
			require.NoError(t, err)
			assert.Equal(t, []uint64{uint64(e1)}, bm.ToArray())
			assert.Equal(t, 3, drain(column.Join2(tx, w.c, w.d)))
			assert.ErrorIs(t, w.c.Set(tx, e1, 5), store.ErrReadOnly)
			assert.ErrorIs(t, w.c.Dyn().Set(tx, e1, 5), store.ErrReadOnly)
			_, err = w.c.Delete(tx, e1)
			assert.ErrorIs(t, err, store.ErrReadOnly)
			cur := w.c.Cursor(tx)
			require.True(t, cur.First())
			assert.ErrorIs(t, cur.Set(9), store.ErrReadOnly)
			err = column.Apply2(tx, w.c, w.d, func(entity.ID, *int32, int32) bool { return true })
			assert.ErrorIs(t, err, store.ErrReadOnly)
			l, err := column.Lookup(tx, "c")
			require.NoError(t, err)
			assert.Equal(t, store.Deprecated, l.State())
			return nil
		}))

		db, w, err = lcOpen(t, db, mem, states{active, retired, active})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			_, _, err := w.c.Get(tx, e1)
			assert.ErrorIs(t, err, store.ErrRetired)
			_, err = w.c.Has(tx, e1)
			assert.ErrorIs(t, err, store.ErrRetired)
			_, err = w.c.Equal(tx, 1)
			assert.ErrorIs(t, err, store.ErrRetired)
			assert.ErrorIs(t, w.c.Set(tx, e1, 5), store.ErrRetired)
			assert.ErrorIs(t, w.c.Dyn().Set(tx, e1, 5), store.ErrRetired)
			l, err := column.Lookup(tx, "c")
			require.NoError(t, err)
			assert.Equal(t, store.Retired, l.State())
			return nil
		}))
		// Reads without an error result abort the message with ErrRetired.
		for name, read := range map[string]func(tx *entity.Tx){
			"All":   func(tx *entity.Tx) { drain(w.c.All(tx)) },
			"Len":   func(tx *entity.Tx) { w.c.Len(tx) },
			"Scan":  func(tx *entity.Tx) { drain(w.c.Dyn().Scan(tx)) },
			"Tree":  func(tx *entity.Tx) { w.c.Dyn().Tree(tx) },
			"Join2": func(tx *entity.Tx) { drain(column.Join2(tx, w.d, w.c)) },
		} {
			err := db.View(func(tx *entity.Tx) error { read(tx); return nil })
			assert.ErrorIs(t, err, store.ErrRetired, name)
		}

		db, w, err = lcOpen(t, db, mem, states{active, deprecated, active})
		require.NoError(t, err, "retired → deprecated")
		require.NoError(t, db.View(func(tx *entity.Tx) error {
			v, _, err := w.c.Get(tx, e2)
			require.NoError(t, err)
			assert.Equal(t, int32(e2), v, "retiring keeps the data")
			return nil
		}))
		db, w, err = lcOpen(t, db, mem, states{active, active, active})
		require.NoError(t, err, "deprecated → active")
		require.NoError(t, db.Update(func(tx *entity.Tx) error { return w.c.Set(tx, e1, int32(e1)) }))
	})

	t.Run("kind", func(t *testing.T) {
		var err error
		db, w, err = lcOpen(t, db, mem, states{deprecated, active, active})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			assert.Equal(t, uint64(2), w.k.Count(tx))
			assert.Equal(t, []entity.ID{e1, e2}, slices.Collect(w.k.All(tx)))
			_, err := w.k.New(tx)
			assert.ErrorIs(t, err, store.ErrReadOnly)
			assert.ErrorIs(t, tx.Delete(e1), store.ErrReadOnly)
			k, err := tx.KindOf(e1)
			require.NoError(t, err)
			assert.Equal(t, "k", k.Name())
			return nil
		}))
		db, w, err = lcOpen(t, db, mem, states{retired, active, active})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			_, err := w.k.New(tx)
			assert.ErrorIs(t, err, store.ErrRetired)
			assert.ErrorIs(t, tx.Delete(e1), store.ErrRetired)
			return nil
		}))
		for name, read := range map[string]func(tx *entity.Tx){
			"Count":  func(tx *entity.Tx) { w.k.Count(tx) },
			"All":    func(tx *entity.Tx) { _ = slices.Collect(w.k.All(tx)) },
			"Bitmap": func(tx *entity.Tx) { w.k.Bitmap(tx) },
		} {
			err := db.View(func(tx *entity.Tx) error { read(tx); return nil })
			assert.ErrorIs(t, err, store.ErrRetired, name)
		}
		db, w, err = lcOpen(t, db, mem, states{deprecated, active, active})
		require.NoError(t, err)
		db, w, err = lcOpen(t, db, mem, states{active, active, active})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			_, err := w.k.New(tx)
			return err
		}))
	})

	t.Run("verb", func(t *testing.T) {
		var err error
		db, w, err = lcOpen(t, db, mem, states{active, active, deprecated})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			assert.Equal(t, []entity.ID{o1}, slices.Collect(w.v.Objects(tx, e1)))
			assert.ErrorIs(t, w.v.Link(tx, e2, o1), store.ErrReadOnly)
			_, err := w.v.Unlink(tx, e1, o1)
			assert.ErrorIs(t, err, store.ErrReadOnly)
			return nil
		}))
		db, w, err = lcOpen(t, db, mem, states{active, active, retired})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			assert.ErrorIs(t, w.v.Link(tx, e2, o1), store.ErrRetired)
			_, err := w.v.Has(tx, e1, o1)
			assert.ErrorIs(t, err, store.ErrRetired)
			return nil
		}))
		for name, read := range map[string]func(tx *entity.Tx){
			"Objects":   func(tx *entity.Tx) { _ = slices.Collect(w.v.Objects(tx, e1)) },
			"Subjects":  func(tx *entity.Tx) { _ = slices.Collect(w.v.Subjects(tx, o1)) },
			"Len":       func(tx *entity.Tx) { w.v.Len(tx) },
			"ObjectsOf": func(tx *entity.Tx) { w.v.ObjectsOf(tx, w.k.Bitmap(tx)) },
		} {
			err := db.View(func(tx *entity.Tx) error { read(tx); return nil })
			assert.ErrorIs(t, err, store.ErrRetired, name)
		}
		db, w, err = lcOpen(t, db, mem, states{active, active, deprecated})
		require.NoError(t, err)
		db, w, err = lcOpen(t, db, mem, states{active, active, active})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error { return w.v.Link(tx, e2, o1) }))
	})

	t.Run("refusals", func(t *testing.T) {
		for _, st := range []states{
			{retired, active, active}, {active, retired, active}, {active, active, retired}, // active → retired skips a step
		} {
			var err error
			_, _, err = lcOpen(t, db, mem, st)
			require.ErrorIs(t, err, store.ErrIncompatibleSchema, "%v", st)
			db, w, err = lcOpen(t, db, mem, states{active, active, active})
			require.NoError(t, err)
			require.NoError(t, db.View(func(tx *entity.Tx) error {
				for _, name := range []string{"k", "c", "v"} {
					v, _ := tx.Var(name)
					assert.Equal(t, store.Active, v.State, "a refused schema changes nothing")
				}
				return nil
			}))
		}
		// retired → active skips a step too.
		var err error
		db, w, err = lcOpen(t, db, mem, states{active, deprecated, active})
		require.NoError(t, err)
		db, w, err = lcOpen(t, db, mem, states{active, retired, active})
		require.NoError(t, err)
		_, _, err = lcOpen(t, db, mem, states{active, active, active})
		require.ErrorIs(t, err, store.ErrIncompatibleSchema)
		// A type change of an existing name is refused, whatever the state.
		s := entity.NewSchema()
		column.Define[int64](s, "c", column.Indexed(), column.Retired())
		db, err = mem.Open(s, nil)
		require.ErrorIs(t, err, store.ErrIncompatibleSchema)
	})

	t.Run("drop", func(t *testing.T) {
		var err error
		db, w, err = lcOpen(t, db, mem, states{active, retired, active})
		require.NoError(t, err)
		err = db.Update(func(tx *entity.Tx) error { return tx.DropVar("d") })
		require.ErrorIs(t, err, store.ErrTransition, "only a retired variable can be dropped")
		require.NoError(t, db.Update(func(tx *entity.Tx) error { return tx.DropVar("c") }))
		// Once dropped, the name can be defined anew, with another type.
		s := entity.NewSchema()
		k := s.Kind("k")
		c := column.Define[string](s, "c", column.MaxLen(10))
		db, err = mem.Open(s, nil)
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			assert.Equal(t, uint64(0), c.Len(tx))
			require.NoError(t, c.Set(tx, e1, "ten bytes!"))
			assert.True(t, k.Has(tx, e1))
			_, err := entity.Check(tx) // the holder record forgot the dropped column
			require.NoError(t, err)
			return tx.CheckStore()
		}))
		require.NoError(t, db.Update(func(tx *entity.Tx) error {
			require.NoError(t, tx.Delete(e1))
			_, err := entity.Check(tx)
			require.NoError(t, err)
			return nil
		}))
	})
}

// TestDeleteCleansEveryState checks that deleting an entity removes its values and edges
// from deprecated and retired variables too, so that no version of the program finds them.
func TestDeleteCleansEveryState(t *testing.T) {
	s, w := lcSchema(states{active, active, active})
	mem := testutil.NewMemory(t)
	db := mem.OpenDB(s)
	var e1, o1 entity.ID
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		e1, _ = w.k.New(tx)
		o1, _ = w.other.New(tx)
		require.NoError(t, w.c.Set(tx, e1, 1))
		require.NoError(t, w.d.Set(tx, o1, 1))
		require.NoError(t, w.v.Link(tx, e1, o1))
		require.NoError(t, w.v.Link(tx, o1, e1))
		return nil
	}))
	var err error
	db, w, err = lcOpen(t, db, mem, states{active, deprecated, deprecated})
	require.NoError(t, err)
	db, w, err = lcOpen(t, db, mem, states{active, retired, deprecated})
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *entity.Tx) error { return tx.Delete(e1) }))
	db, w, err = lcOpen(t, db, mem, states{active, deprecated, deprecated})
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		assert.Equal(t, uint64(0), w.c.Len(tx))
		bm, err := w.c.Equal(tx, 1)
		require.NoError(t, err)
		assert.True(t, bm.IsEmpty())
		assert.Equal(t, uint64(0), w.v.Len(tx))
		assert.Equal(t, uint64(0), w.v.Reverse(tx).Len())
		return tx.CheckStore()
	}))
}

// drain runs seq to its end and returns how many pairs it yielded.
func drain[K, V any](seq iter.Seq2[K, V]) int {
	n := 0
	for range seq {
		n++
	}
	return n
}

// TestMultiColumnLifecycle walks a Multi column through its states: deprecated, it reads
// but refuses Add, Remove and Delete, through the typed and the dynamic API, and keeps its
// values and its index as they were; retired, it refuses everything.
func TestMultiColumnLifecycle(t *testing.T) {
	declare := func(st store.State) (*entity.Schema, *entity.Kind, *column.Column[string]) {
		s := entity.NewSchema()
		k := s.Kind("k")
		opts := []column.Option{column.MaxLen(8), column.Multi(), column.Indexed()}
		switch st {
		case store.Deprecated:
			opts = append(opts, column.Deprecated())
		case store.Retired:
			opts = append(opts, column.Retired())
		}
		return s, k, column.Define[string](s, "tags", opts...)
	}
	s, k, tags := declare(active)
	mem := testutil.NewMemory(t)
	db := mem.OpenDB(s)
	ids := testutil.Spawn(t, db, k, 2, func(tx *entity.Tx, _ int, id entity.ID) error {
		if err := tags.Add(tx, id, "a"); err != nil {
			return err
		}
		return tags.Add(tx, id, "b")
	})
	values := func(tx *entity.Tx, c *column.Column[string]) map[entity.ID][]string {
		out := map[entity.ID][]string{}
		for _, id := range ids {
			vs, err := c.Values(tx, id)
			require.NoError(t, err)
			out[id] = vs
		}
		return out
	}
	want := map[entity.ID][]string{ids[0]: {"a", "b"}, ids[1]: {"a", "b"}}

	s, _, tags = declare(deprecated)
	db, err := mem.Open(s, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		assert.Equal(t, want, values(tx, tags), "a deprecated Multi column reads")
		_, err := tags.Remove(tx, ids[0], "a")
		assert.ErrorIs(t, err, store.ErrReadOnly)
		_, err = tags.Dyn().Remove(tx, ids[0], "b")
		assert.ErrorIs(t, err, store.ErrReadOnly)
		assert.ErrorIs(t, tags.Add(tx, ids[0], "c"), store.ErrReadOnly)
		assert.ErrorIs(t, tags.Dyn().Add(tx, ids[0], "c"), store.ErrReadOnly)
		_, err = tags.Delete(tx, ids[1])
		assert.ErrorIs(t, err, store.ErrReadOnly)
		assert.Equal(t, want, values(tx, tags), "refused writes change nothing")
		bm, err := tags.Equal(tx, "a")
		require.NoError(t, err)
		assert.Equal(t, []uint64{uint64(ids[0]), uint64(ids[1])}, bm.ToArray(), "nor the index")
		return nil
	}))
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		assert.Equal(t, want, values(tx, tags), "and nothing was committed")
		return tx.CheckStore()
	}))

	s, _, tags = declare(retired)
	db, err = mem.Open(s, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		_, err := tags.Remove(tx, ids[0], "a")
		assert.ErrorIs(t, err, store.ErrRetired)
		_, err = tags.Values(tx, ids[0])
		assert.ErrorIs(t, err, store.ErrRetired)
		return nil
	}))
}
