// Package pagebudget pins the pages a message touches the way a benchmark baseline pins its
// time: a test measures a message, compares its page counts with a golden file and with an
// optional budget, and fails on an overrun or on a regression beyond a tolerance.
//
// Page counts are exact and deterministic (the same code and data give the same numbers on
// any machine), so the golden file is committed beside the test and reviewed like code:
//
//	func TestMovePages(t *testing.T) {
//		s := openFixture(t)
//		pagebudget.Check(t, "move-one-player", pagebudget.Update(s, func(tx *store.Tx) error {
//			return move(tx, 42)
//		}), pagebudget.MaxPages(12))
//	}
//
// Run the tests with -pagebudget.update (or PAGEBUDGET_UPDATE=1) to write the counts of
// this run into the golden file (default testdata/pagebudget.json).
package pagebudget

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stablegraph/stablegraph/store"
)

var update = flag.Bool("pagebudget.update", false, "rewrite page budget golden files with this run's counts")

// DefaultFile is the golden file Check uses unless told otherwise.
const DefaultFile = "testdata/pagebudget.json"

// DefaultTolerance is the growth over the baseline that Check lets pass: none, since the
// counts are exact.
const DefaultTolerance = 0.0

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

// Entry is what the golden file keeps of one named measurement.
type Entry struct {
	PagesRead    uint64            `json:"pages_read"`
	PagesDirtied uint64            `json:"pages_dirtied"`
	BytesRead    uint64            `json:"bytes_read"`
	BytesWritten uint64            `json:"bytes_written"`
	ByVariable   map[string]uint64 `json:"by_variable,omitempty"` // pages read plus pages dirtied, per owner
}

// Pages returns the entry's pages read plus pages dirtied, the quantity budgets limit.
func (e Entry) Pages() uint64 { return e.PagesRead + e.PagesDirtied }

// EntryOf returns the golden-file entry of a message's counts.
func EntryOf(st store.Stats) Entry {
	e := Entry{PagesRead: st.PagesRead, PagesDirtied: st.PagesDirtied, BytesRead: st.BytesRead, BytesWritten: st.BytesWritten}
	for _, owner := range st.Owners() {
		o := st.ByOwner[owner]
		if e.ByVariable == nil {
			e.ByVariable = map[string]uint64{}
		}
		e.ByVariable[owner] = o.PagesRead + o.PagesDirtied
	}
	return e
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
	c := config{file: DefaultFile, tolerance: DefaultTolerance}
	for _, o := range opts {
		o(&c)
	}
	st, err := m()
	if err != nil {
		t.Fatalf("pagebudget %q: message failed: %v", name, err)
		return st
	}
	got := EntryOf(st)
	if c.maxPages != 0 && got.Pages() > c.maxPages {
		t.Errorf("pagebudget %q: %d pages (%d read + %d dirtied) is over the budget of %d",
			name, got.Pages(), got.PagesRead, got.PagesDirtied, c.maxPages)
	}
	if Updating() {
		if err := record(c.file, name, got); err != nil {
			t.Fatalf("pagebudget %q: %v", name, err)
		}
		return st
	}
	golden, err := load(c.file)
	if err != nil {
		t.Fatalf("pagebudget %q: %v", name, err)
		return st
	}
	base, ok := golden[name]
	if !ok {
		t.Errorf("pagebudget %q: no baseline in %s; run the test with -pagebudget.update to record one", name, c.file)
		return st
	}
	if msg := Compare(got, base, c.tolerance); msg != "" {
		t.Errorf("pagebudget %q: %s (baseline in %s; if this is intended, rerun with -pagebudget.update)", name, msg, c.file)
	} else if got.PagesRead < base.PagesRead || got.PagesDirtied < base.PagesDirtied {
		t.Logf("pagebudget %q: better than the baseline (%d read, %d dirtied; baseline %d, %d): rerun with -pagebudget.update to pin it",
			name, got.PagesRead, got.PagesDirtied, base.PagesRead, base.PagesDirtied)
	}
	return st
}

// Compare returns what regressed from base to got beyond the tolerance, or "".
func Compare(got, base Entry, tolerance float64) string {
	var out []string
	check := func(what string, g, b uint64) {
		if float64(g) > float64(b)*(1+tolerance) {
			out = append(out, fmt.Sprintf("%s %d, baseline %d (%+.1f%%)", what, g, b, ChangePct(g, b)))
		}
	}
	check("pages read", got.PagesRead, base.PagesRead)
	check("pages dirtied", got.PagesDirtied, base.PagesDirtied)
	return strings.Join(out, "; ")
}

// ChangePct returns the change from base to got in percent (0 when both are 0).
func ChangePct(got, base uint64) float64 {
	if base == 0 {
		if got == 0 {
			return 0
		}
		return 100
	}
	return (float64(got) - float64(base)) / float64(base) * 100
}

// fileMu serialises the golden-file rewrites of tests that run in parallel.
var fileMu sync.Mutex

func load(path string) (map[string]Entry, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Entry{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]Entry{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("golden file %s: %w", path, err)
	}
	return m, nil
}

func record(path, name string, e Entry) error {
	fileMu.Lock()
	defer fileMu.Unlock()
	m, err := load(path)
	if err != nil {
		return err
	}
	m[name] = e
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// encoding/json sorts map keys, so the file is stable and diffs well.
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
