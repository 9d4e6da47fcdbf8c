// Package pagebudgettest pins the pages a message touches in a test, the way a benchmark
// baseline pins its time: Check measures a message, compares its page counts with a golden
// file (package pagebudget) and with an optional budget, and fails the test on an overrun
// or on a regression beyond a tolerance.
//
//	func TestMovePages(t *testing.T) {
//		s := openFixture(t)
//		pagebudgettest.Check(t, "move-one-player", pagebudgettest.Update(s, func(tx *store.Tx) error {
//			return move(tx, 42)
//		}), pagebudgettest.MaxPages(12))
//	}
//
// Run the tests with -pagebudget.update (or PAGEBUDGET_UPDATE=1) to write the counts of
// this run into the golden file (default testdata/pagebudget.json). The package imports
// testing and registers that flag, so only tests should import it.
package pagebudgettest

import (
	"flag"
	"os"
	"testing"

	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/store/pagebudget"
)

var update = flag.Bool("pagebudget.update", false, "rewrite page budget golden files with this run's counts")

// Measure runs one message and returns its page counts.
type Measure func() (store.Stats, error)

// Update returns a Measure that runs fn as an Update of s.
func Update(s *store.Store, fn func(*store.Tx) error) Measure {
	return func() (store.Stats, error) { return s.UpdateWith(store.Budget{}, fn) }
}

// View returns a Measure that runs fn as a View of s.
func View(s *store.Store, fn func(*store.Tx) error) Measure {
	return func() (store.Stats, error) { return s.ViewWith(store.Budget{}, fn) }
}

type config struct {
	file      string
	maxPages  uint64
	tolerance float64
}

// Option changes how Check compares.
type Option func(*config)

// File makes Check use the golden file at path.
func File(path string) Option { return func(c *config) { c.file = path } }

// MaxPages fails the check when pages read plus pages dirtied exceed n.
func MaxPages(n uint64) Option { return func(c *config) { c.maxPages = n } }

// Tolerance lets pages read and pages dirtied each grow by the fraction f (0.05 for 5%)
// over the baseline before the check fails.
func Tolerance(f float64) Option { return func(c *config) { c.tolerance = f } }

// Updating reports whether this run rewrites golden files (-pagebudget.update or
// PAGEBUDGET_UPDATE=1).
func Updating() bool {
	return *update || os.Getenv("PAGEBUDGET_UPDATE") == "1"
}

// Check runs m, fails t if the message fails, exceeds the budget or regresses past the
// tolerance against the entry called name in the golden file, and returns the counts. With
// Updating, it records the counts as the new baseline instead of comparing.
func Check(t testing.TB, name string, m Measure, opts ...Option) store.Stats {
	t.Helper()
	c := config{file: pagebudget.DefaultFile, tolerance: pagebudget.DefaultTolerance}
	for _, o := range opts {
		o(&c)
	}
	st, err := m()
	if err != nil {
		t.Fatalf("pagebudget %q: message failed: %v", name, err)
		return st
	}
	got := pagebudget.EntryOf(st)
	if c.maxPages != 0 && got.Pages() > c.maxPages {
		t.Errorf("pagebudget %q: %d pages (%d read + %d dirtied) is over the budget of %d",
			name, got.Pages(), got.PagesRead, got.PagesDirtied, c.maxPages)
	}
	if Updating() {
		if err := pagebudget.Record(c.file, name, got); err != nil {
			t.Fatalf("pagebudget %q: %v", name, err)
		}
		return st
	}
	golden, err := pagebudget.Load(c.file)
	if err != nil {
		t.Fatalf("pagebudget %q: %v", name, err)
		return st
	}
	base, ok := golden[name]
	if !ok {
		t.Errorf("pagebudget %q: no baseline in %s; run the test with -pagebudget.update to record one", name, c.file)
		return st
	}
	if msg := pagebudget.Compare(got, base, c.tolerance); msg != "" {
		t.Errorf("pagebudget %q: %s (baseline in %s; if this is intended, rerun with -pagebudget.update)", name, msg, c.file)
	} else if got.PagesRead < base.PagesRead || got.PagesDirtied < base.PagesDirtied {
		t.Logf("pagebudget %q: better than the baseline (%d read, %d dirtied; baseline %d, %d): rerun with -pagebudget.update to pin it",
			name, got.PagesRead, got.PagesDirtied, base.PagesRead, base.PagesDirtied)
	}
	return st
}
