package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/store/pagebudget/pagebudgettest"
	"github.com/stablegraph/stablegraph/uri"
)

// The page counts of a tick are exact and deterministic: the world's randomness is a
// function of IDs and tick numbers. They are pinned in testdata/pagebudget.json; after a
// deliberate change, record them again with
//
//	go test ./examples/arena -run TestPages -pagebudget.update

// heapWorld returns a world of version v with n players in a heap store, after warm
// ticks.
func heapWorld(t testing.TB, v, n, warm int) (*store.Store, *World) {
	t.Helper()
	st := testutil.OpenStore(t)
	t.Cleanup(func() { _ = st.Close() })
	w, err := OpenWorld(st, v)
	require.NoError(t, err)
	require.NoError(t, seedPlayers(w, n))
	for range warm {
		_, _, _, err := w.Step(DefaultTickBudget, nil)
		require.NoError(t, err)
	}
	return st, w
}

// stepMeasure measures one tick that takes the given spawns.
func stepMeasure(w *World, spawns []PlayerSpec) pagebudgettest.Measure {
	return func() (store.Stats, error) {
		_, res, stats, err := w.Step(DefaultTickBudget, spawns)
		for _, r := range res {
			if err == nil {
				err = r.Err
			}
		}
		return stats, err
	}
}

func TestPagesTick(t *testing.T) {
	_, w := heapWorld(t, latestVersion, 2000, 20)
	budget := pagebudgettest.MaxPages(DefaultTickBudget.MaxAccessed)

	st := pagebudgettest.Check(t, "tick/2000-players", stepMeasure(w, nil), budget)
	t.Logf("a tick over 2000 players: %d pages read, %d dirtied", st.PagesRead, st.PagesDirtied)
	// The movement step rewrites every leaf of pos in place and only reads vel: the
	// tick's cost grows with the leaves, not the players.
	var posLeaves uint64
	require.NoError(t, w.db.View(func(tx *entity.Tx) error {
		posLeaves = w.sc.pos.Dyn().Tree(tx).Stats().PagesByLevel[0]
		return nil
	}))
	assert.Equal(t, posLeaves, st.ByOwner["pos"].PagesDirtied, "movement dirties each pos leaf, and nothing else of pos")
	assert.Zero(t, st.ByOwner["vel"].PagesDirtied)

	spawns := make([]PlayerSpec, maxSpawns)
	for i := range spawns {
		spawns[i] = testPlayer(100_000 + i)
	}
	pagebudgettest.Check(t, "tick/2000-players+64-spawns", stepMeasure(w, spawns), budget)

	pagebudgettest.Check(t, "spawn/1-player", func() (store.Stats, error) {
		return w.db.UpdateWith(store.UpdateBudget, func(tx *entity.Tx) error {
			_, err := w.Spawn(tx, testPlayer(200_000))
			return err
		})
	})
	pagebudgettest.Check(t, "get/entity-player", func() (store.Stats, error) {
		return w.db.ViewWith(store.QueryBudget, func(tx *entity.Tx) error {
			_, err := readEntity(tx, uri.Ref{Kind: "player", ID: 1000})
			return err
		})
	})
}

// TestPagesMigrationBatch pins the tick of version 2 that migrates a batch of addresses:
// the batch stops once it has touched about MigratePages pages, whatever the number of
// players.
func TestPagesMigrationBatch(t *testing.T) {
	st, v1 := heapWorld(t, 1, 3000, 0)
	require.NoError(t, v1.db.View(func(tx *entity.Tx) error {
		require.EqualValues(t, 3000, v1.sc.address.Len(tx))
		return nil
	}))
	w, err := OpenWorld(st, 2)
	require.NoError(t, err)
	// The default allowance migrates all 3000 in one tick; a smaller one shows the batch.
	w.MigratePages = 64

	var rep TickReport
	stats := pagebudgettest.Check(t, "tick/v2-migration-batch", func() (store.Stats, error) {
		var stats store.Stats
		var err error
		rep, _, stats, err = w.Step(DefaultTickBudget, nil)
		return stats, err
	}, pagebudgettest.MaxPages(DefaultTickBudget.MaxAccessed))
	require.NotZero(t, rep.Migrated)
	assert.Less(t, rep.Migrated, 3000, "one tick migrates a batch, not everyone")
	var migration uint64
	for _, name := range []string{"address", "street", "number", "postal_code"} {
		migration += stats.ByOwner[name].PagesRead + stats.ByOwner[name].PagesDirtied
	}
	t.Logf("a migration tick over 3000 players: %d migrated, %d pages in the address columns, %d pages in all",
		rep.Migrated, migration, stats.PagesRead+stats.PagesDirtied)
	assert.LessOrEqual(t, migration, 2*w.MigratePages, "a batch stays near its page allowance")
}
