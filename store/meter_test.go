package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBudgetPresets(t *testing.T) {
	assert.Equal(t, Budget{MaxAccessed: 524288, MaxDirtied: 524288}, UpdateBudget)
	assert.Equal(t, Budget{MaxAccessed: 262144, MaxDirtied: 262144}, QueryBudget)
	assert.Equal(t, Budget{MaxAccessed: 2097152, MaxDirtied: 2097152}, UpgradeBudget)
}

// grown returns a heap store whose memory has n Wasm pages, all outside the allocator's use.
func grown(t *testing.T, n uint64) *Store {
	s := openHeap(t)
	require.NoError(t, s.Update(func(tx *Tx) error { _, err := tx.Raw().Grow(n - 1); return err }))
	return s
}

func TestMeterCountsDistinctPages(t *testing.T) {
	s := grown(t, 2)
	st, err := s.UpdateWith(Budget{}, func(tx *Tx) error {
		b := make([]byte, 10)
		require.NoError(t, tx.Raw().ReadAt(b, PageSize-5))   // bytes 4091..4100: pages 0 and 1
		require.NoError(t, tx.Raw().ReadAt(b, PageSize+100)) // page 1 again
		require.NoError(t, tx.Raw().WriteAt(b, 3*PageSize))  // page 3
		require.NoError(t, tx.Raw().WriteAt(b, 3*PageSize+8))
		tx.Raw().SetOwner("tree")
		require.NoError(t, tx.Raw().WriteAt(b, PageSize+4090)) // pages 1 and 2, under "tree"
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, uint64(2), st.PagesRead)
	assert.Equal(t, uint64(3), st.PagesDirtied)
	assert.Equal(t, uint64(4), st.PagesAccessed, "pages 0, 1, 2, 3")
	assert.Equal(t, uint64(20), st.BytesRead)
	assert.Equal(t, uint64(30), st.BytesWritten)
	assert.Equal(t, []string{"store", "tree"}, st.Owners())
	assert.Equal(t, OwnerStats{PagesRead: 2, PagesDirtied: 1, BytesRead: 20, BytesWritten: 20}, st.ByOwner["store"])
	assert.Equal(t, OwnerStats{PagesDirtied: 2, BytesWritten: 10}, st.ByOwner["tree"])
}

// twoPages returns a heap store with two pages allocated, and the pages.
func twoPages(t *testing.T) (*Store, PageID, PageID) {
	s := openHeap(t)
	var a, b PageID
	require.NoError(t, s.Update(func(tx *Tx) error {
		a, _ = tx.Raw().Alloc()
		b, _ = tx.Raw().Alloc()
		return nil
	}))
	return s, a, b
}

func TestMeterPageAPI(t *testing.T) {
	s, a, b := twoPages(t)
	st, err := s.ViewWith(Budget{}, func(tx *Tx) error {
		for range 3 {
			tx.Raw().Page(a)
			tx.Raw().Page(b)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, Stats{PagesRead: 2, PagesAccessed: 2, BytesRead: 2 * PageSize,
		ByOwner: map[string]OwnerStats{"store": {PagesRead: 2, BytesRead: 2 * PageSize}}}, st)

	// An allocation from an empty free list dirties the new page and the superblock.
	st, err = s.UpdateWith(Budget{}, func(tx *Tx) error {
		tx.Raw().SetOwner("t")
		tx.Raw().Alloc()
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, uint64(2), st.PagesDirtied)
	assert.Equal(t, OwnerStats{PagesDirtied: 1, BytesWritten: PageSize}, st.ByOwner["t"])
	assert.Equal(t, OwnerStats{PagesRead: 1, PagesDirtied: 1, BytesRead: PageSize, BytesWritten: PageSize}, st.ByOwner["store"])
}

// TestViewStatsReusesItsMap checks that ViewStats gives ViewWith's counts, empties the
// map it reuses of a previous message's owners, and allocates nothing for them.
func TestViewStatsReusesItsMap(t *testing.T) {
	s, a, b := twoPages(t)
	read := func(owner string, ids ...PageID) func(*Tx) error {
		return func(tx *Tx) error {
			tx.Raw().SetOwner(owner)
			for _, id := range ids {
				tx.Raw().Page(id)
			}
			return nil
		}
	}
	st := Stats{ByOwner: map[string]OwnerStats{"stale": {PagesRead: 9}}}
	for _, c := range []struct {
		owner string
		ids   []PageID
	}{{"x", []PageID{a, b, a}}, {"y", []PageID{b}}, {"x", nil}} {
		want, err := s.ViewWith(Budget{}, read(c.owner, c.ids...))
		require.NoError(t, err)
		require.NoError(t, s.ViewStats(Budget{}, &st, read(c.owner, c.ids...)))
		got := st
		if len(got.ByOwner) == 0 {
			got.ByOwner = nil // ViewWith leaves an unused map nil; ViewStats keeps it empty
		}
		assert.Equal(t, want, got, "owner %s, pages %v", c.owner, c.ids)
	}
	fn := read("x", a, b)
	allocs := testing.AllocsPerRun(100, func() {
		if err := s.ViewStats(Budget{}, &st, fn); err != nil {
			t.Fatal(err)
		}
	})
	if !raceEnabled {
		assert.Zero(t, allocs)
	}
	assert.Equal(t, OwnerStats{PagesRead: 2, BytesRead: 2 * PageSize}, st.ByOwner["x"])

	require.NoError(t, s.Close())
	require.ErrorIs(t, s.ViewStats(Budget{}, &st, fn), ErrClosed)
	assert.Equal(t, Stats{ByOwner: map[string]OwnerStats{}}, st, "a message that did not run counts nothing")
}

func TestBudgetExceededRollsBack(t *testing.T) {
	s := grown(t, 2)
	for _, c := range []struct {
		budget Budget
		limit  string
	}{
		{Budget{MaxAccessed: 5}, "accessed"},
		{Budget{MaxDirtied: 3}, "dirtied"},
	} {
		st, err := s.UpdateWith(c.budget, func(tx *Tx) error {
			for i := range 10 {
				if err := tx.Raw().WriteAt([]byte{1}, uint64(i+1)*PageSize); err != nil {
					return err
				}
			}
			return nil
		})
		require.ErrorIs(t, err, ErrPageBudgetExceeded)
		var be *BudgetError
		require.True(t, errors.As(err, &be))
		assert.Equal(t, c.limit, be.Limit)
		max := c.budget.MaxAccessed + c.budget.MaxDirtied
		assert.Equal(t, max, be.Max)
		assert.Equal(t, max+1, be.Count)
		assert.Equal(t, max+1, st.PagesDirtied, "stats of the failed message")
		assert.EqualError(t, err, fmt.Sprintf("page budget exceeded: %d pages %s, limit %d", max+1, c.limit, max))
	}
	require.NoError(t, s.View(func(tx *Tx) error {
		b := make([]byte, 1)
		require.NoError(t, tx.Raw().ReadAt(b, PageSize))
		assert.Zero(t, b[0], "rolled back")
		return nil
	}))
}

func TestBudgetTrapsPageAccess(t *testing.T) {
	s := openHeap(t)
	var ids []PageID
	require.NoError(t, s.Update(func(tx *Tx) error {
		for range 8 {
			id, _ := tx.Raw().Alloc()
			ids = append(ids, id)
		}
		return nil
	}))
	reached := 0
	st, err := s.ViewWith(Budget{MaxAccessed: 4}, func(tx *Tx) error {
		for _, id := range ids {
			tx.Raw().Page(id)
			reached++
		}
		return nil
	})
	require.ErrorIs(t, err, ErrPageBudgetExceeded)
	assert.Equal(t, 4, reached, "the fifth page access traps")
	assert.Equal(t, uint64(5), st.PagesRead)
}

// TestViewsNeverSeeHalfACommit runs views in parallel with updates that keep an invariant
// across many pages (all of them hold the same counter), and checks it in every view.
func TestViewsNeverSeeHalfACommit(t *testing.T) {
	s := openHeap(t)
	const pages = 40
	var ids []PageID
	require.NoError(t, s.Update(func(tx *Tx) error {
		for range pages {
			id, _ := tx.Raw().Alloc()
			ids = append(ids, id)
		}
		return nil
	}))
	stop := viewsUntil(4, s, func(err error) { require.NoError(t, err) }, func(tx *Tx) error {
		want := le.Uint64(tx.Raw().Page(ids[0]))
		for _, id := range ids {
			if got := le.Uint64(tx.Raw().Page(id)); got != want {
				t.Errorf("view saw page %d at %d, page %d at %d", ids[0], want, id, got)
			}
		}
		return nil
	})
	for i := range 300 {
		require.NoError(t, s.Update(func(tx *Tx) error {
			for _, id := range ids {
				le.PutUint64(tx.Raw().WritePage(id), uint64(i+1))
			}
			if i%10 == 0 {
				_, err := tx.Raw().Grow(1) // growing moves the heap memory's bytes
				return err
			}
			return nil
		}))
	}
	stop()
}

// viewsUntil runs n goroutines that run View(fn) on s over and over, passing each error to
// onErr, until the function it returns is called (which waits for them). A goroutine stops
// early on an error.
func viewsUntil(n int, s *Store, onErr func(error), fn func(*Tx) error) (stop func()) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range n {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := s.View(fn); err != nil {
					onErr(err)
					return
				}
			}
		})
	}
	return func() { close(done); wg.Wait() }
}

// TestMeterReadAfterWrite: a page the message dirtied and then reads (through the page API
// or raw) is one page accessed, not two: an over-count would stop real messages by budget.
// The budget of exactly the pages touched must let the message through.
func TestMeterReadAfterWrite(t *testing.T) {
	s, a, b := twoPages(t)
	for _, c := range []struct {
		name string
		fn   func(r Raw)
	}{
		{"page API", func(r Raw) {
			r.WritePage(a)[0] = 1
			r.Page(b)
			r.Page(a)
			r.WritePage(b)[0] = 1
		}},
		{"raw bytes", func(r Raw) {
			require.NoError(t, r.WriteAt([]byte{1}, uint64(a)*PageSize))
			require.NoError(t, r.ReadAt(make([]byte, 1), uint64(b)*PageSize))
			require.NoError(t, r.ReadAt(make([]byte, 1), uint64(a)*PageSize))
			require.NoError(t, r.WriteAt([]byte{1}, uint64(b)*PageSize))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := s.UpdateWith(Budget{MaxAccessed: 2, MaxDirtied: 2}, func(tx *Tx) error {
				r := tx.Raw()
				r.SetOwner("mine")
				c.fn(r)
				return errRollback
			})
			require.ErrorIs(t, err, errRollback, "two pages, within a budget of two")
			assert.Equal(t, uint64(2), st.PagesRead)
			assert.Equal(t, uint64(2), st.PagesDirtied)
			assert.Equal(t, uint64(2), st.PagesAccessed)
			assert.Equal(t, []string{"mine"}, st.Owners())
		})
	}
}

// TestBudgetContextStopsTheMessage: a message whose context is done stops at the next
// page it touches, with the context's error, and an Update so stopped commits nothing.
func TestBudgetContextStopsTheMessage(t *testing.T) {
	s := openHeap(t)
	def := VarDef{Name: "score", Role: RoleColumn, Type: "uint64", Trees: []Layout{{KeySize: 8, ValueSize: 8}}}
	put := func(tx *Tx, id uint64) error {
		tr, err := tx.VarTree("score", 0, true)
		if err != nil {
			return err
		}
		k := EncodeUint64(id)
		_, err = tr.Put(k[:], k[:])
		return err
	}
	require.NoError(t, s.Update(func(tx *Tx) error {
		if _, err := tx.CreateVar(def); err != nil {
			return err
		}
		return put(tx, 1)
	}))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.ViewWith(Budget{Context: ctx}, func(tx *Tx) error {
		tr, err := tx.VarTree("score", 0, false)
		if err != nil {
			return err
		}
		k := EncodeUint64(1)
		tr.Get(k[:])
		return nil
	})
	assert.ErrorIs(t, err, context.Canceled)

	_, err = s.UpdateWith(Budget{Context: ctx}, func(tx *Tx) error { return put(tx, 2) })
	assert.ErrorIs(t, err, context.Canceled)
	var n uint64
	require.NoError(t, s.View(func(tx *Tx) error {
		tr, err := tx.VarTree("score", 0, false)
		n = tr.Len()
		return err
	}))
	assert.Equal(t, uint64(1), n, "the stopped Update committed nothing")

	// A live context changes nothing.
	_, err = s.UpdateWith(Budget{Context: context.Background()}, func(tx *Tx) error { return put(tx, 3) })
	assert.NoError(t, err)
}
