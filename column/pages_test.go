package column_test

import (
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
)

// pageWorld is 100 000 units with an int64 hp, a Position and a Velocity, set in ID order so
// that every leaf is full: 254 entries of 8-byte keys and 8-byte values per leaf, 394
// leaves, 3 branches above them and a root. The kind's tree holds 508 IDs per leaf.
func pageWorld(t *testing.T) (db *entity.DB, unit *entity.Kind, hp *column.Column[int64], pos *column.Column[Position], vel *column.Column[Velocity]) {
	s := entity.NewSchema()
	unit = s.Kind("unit")
	hp = column.Define[int64](s, "hp")
	pos = column.Define[Position](s, "position")
	vel = column.Define[Velocity](s, "velocity")
	db = testutil.OpenDB(t, s, nil)
	testutil.Spawn(t, db, unit, 100_000, func(tx *entity.Tx, i int, id entity.ID) error {
		if err := hp.Set(tx, id, int64(i)); err != nil {
			return err
		}
		if err := pos.Set(tx, id, Position{float32(i), 0}); err != nil {
			return err
		}
		return vel.Set(tx, id, Velocity{1, 1})
	})
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for _, c := range []*column.Dyn{hp.Dyn(), pos.Dyn(), vel.Dyn()} {
			tr := c.Tree(tx)
			require.Equal(t, 3, tr.Height(), c.Name())
			require.Equal(t, 254, tr.LeafCapacity(), c.Name())
			require.Equal(t, []uint64{394, 3, 1}, tr.Stats().PagesByLevel, c.Name())
		}
		require.Equal(t, []uint64{197, 1}, unit.Tree(tx).Stats().PagesByLevel)
		return nil
	}))
	return db, unit, hp, pos, vel
}

func TestPages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100 000-entity world")
	}
	db, unit, hp, pos, vel := pageWorld(t)
	const mid = entity.ID(50_000)

	t.Run("Get touches height pages", func(t *testing.T) {
		st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			v, ok, err := hp.Get(tx, mid)
			assert.Equal(t, int64(mid-1), v)
			assert.True(t, ok)
			return err
		})
		require.NoError(t, err)
		assert.Equal(t, uint64(3), st.PagesRead, "the tree's height, and nothing else")
		assert.Equal(t, uint64(3), st.ByOwner["hp"].PagesRead)
	})

	t.Run("Set of a new value reads the column alone and dirties one leaf", func(t *testing.T) {
		st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error { return hp.Set(tx, mid, 7) })
		require.NoError(t, err)
		assert.Equal(t, uint64(3), st.ByOwner["hp"].PagesRead)
		assert.Equal(t, uint64(1), st.ByOwner["hp"].PagesDirtied)
		assert.Zero(t, st.ByOwner[entity.VarKind].PagesRead, "the old value proves the entity live")
		assert.Equal(t, uint64(3), st.PagesRead)
		assert.Equal(t, uint64(1), st.PagesDirtied, "an in-place replace changes no descriptor")
	})

	t.Run("Set of an entity's first value reads the column and $holds", func(t *testing.T) {
		_, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
			_, err := hp.Delete(tx, mid+1)
			return err
		})
		require.NoError(t, err)
		st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error { return hp.Set(tx, mid+1, int64(mid)) })
		require.NoError(t, err)
		assert.Equal(t, uint64(3), st.ByOwner["hp"].PagesRead)
		assert.Equal(t, uint64(3), st.ByOwner[entity.VarHolds].PagesRead, "$holds records the first value: three levels")
		assert.Equal(t, uint64(1), st.ByOwner[entity.VarHolds].PagesDirtied)
		assert.Zero(t, st.ByOwner[entity.VarKind].PagesRead, "its entry in $holds (position, velocity) proves it live")
		assert.Equal(t, uint64(6), st.PagesRead)
	})

	t.Run("Set of the first value of an entity that holds nothing reads $kind too", func(t *testing.T) {
		var id entity.ID
		st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
			var err error
			if id, err = unit.New(tx); err != nil {
				return err
			}
			before := tx.Stats()
			if err := hp.Set(tx, id, 1); err != nil {
				return err
			}
			after := tx.Stats()
			assert.Equal(t, uint64(3), after.ByOwner["hp"].PagesRead-before.ByOwner["hp"].PagesRead)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, uint64(3), st.ByOwner[entity.VarHolds].PagesRead, "no entry yet: the path where it goes")
		assert.Equal(t, uint64(3), st.ByOwner[entity.VarKind].PagesRead, "New wrote it; Set's lookup reads the same path")
		require.NoError(t, db.Update(func(tx *entity.Tx) error { return tx.Delete(id) }))
	})

	t.Run("a failed Set dirties nothing", func(t *testing.T) {
		st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
			if err := hp.Dyn().Set(tx, mid, "seven"); err == nil {
				t.Error("a string into an int64 column")
			}
			if err := hp.Set(tx, 200_000, 1); err == nil {
				t.Error("a value for an entity that does not exist")
			}
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, uint64(0), st.PagesDirtied)
	})

	t.Run("Count reads no page", func(t *testing.T) {
		st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			assert.Equal(t, uint64(100_000), unit.Count(tx))
			assert.Equal(t, uint64(100_000), hp.Len(tx))
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, uint64(0), st.PagesRead)
	})

	t.Run("Bitmap reads the kind's leaves and root only", func(t *testing.T) {
		st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			assert.Equal(t, uint64(100_000), unit.Bitmap(tx).GetCardinality())
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, uint64(197+1), st.PagesRead)
		assert.Equal(t, []string{"unit"}, st.Owners())
	})

	t.Run("Apply2 reads each leaf once and dirties each leaf of A once", func(t *testing.T) {
		st, err := db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
			return column.Apply2(tx, pos, vel, func(_ entity.ID, p *Position, v Velocity) bool {
				p.X += v.DX
				return true
			})
		})
		require.NoError(t, err)
		// 394 leaves, plus the root and the first branch on the way down to the first leaf.
		assert.Equal(t, uint64(394+2), st.ByOwner["position"].PagesRead)
		assert.Equal(t, uint64(394+2), st.ByOwner["velocity"].PagesRead)
		assert.Equal(t, uint64(394), st.ByOwner["position"].PagesDirtied)
		assert.Equal(t, uint64(0), st.ByOwner["velocity"].PagesDirtied)
		assert.Equal(t, uint64(2*396), st.PagesRead)
		assert.Equal(t, uint64(394), st.PagesDirtied)
	})

	t.Run("Filter probes forward and reads each leaf at most once", func(t *testing.T) {
		ids := roaring64.New()
		for id := uint64(1); id <= 100_000; id += 2540 { // every tenth leaf: 40 probes
			ids.Add(id)
		}
		st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
			got := hp.Dyn().Filter(tx, ids, func(v column.Value) bool { return v.(int64)%2 == 0 })
			assert.Equal(t, ids.GetCardinality(), got.GetCardinality())
			return nil
		})
		require.NoError(t, err)
		// 40 leaves, all 3 branches (the probes span the tree) and the root.
		assert.Equal(t, uint64(40+3+1), st.PagesRead)
	})
}
