// Package pagebudget is the model of a page-budget baseline: the page counts a named
// message is expected to touch (Entry), how a new measurement compares with them
// (Compare, ChangePct), and the golden file that keeps them (Load, Record). It is the
// part of page budgets that programs use; tests pin a message's counts with package
// pagebudgettest, and 'graphctl report' judges a workload's with the same Compare.
//
// Page counts are exact and deterministic (the same code and data give the same numbers on
// any machine), so a golden file is committed beside the code that reads it and reviewed
// like code. It is a JSON object from entry name to Entry.
package pagebudget

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/stablegraph/stablegraph/store"
)

// DefaultFile is the golden file tests use unless told otherwise.
const DefaultFile = "testdata/pagebudget.json"

// DefaultTolerance is the growth over the baseline that passes: none, since the counts
// are exact.
const DefaultTolerance = 0.0

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

// fileMu serialises golden-file rewrites, by tests that run in parallel say.
var fileMu sync.Mutex

// Load reads the golden file at path; a file that does not exist holds no entries.
func Load(path string) (map[string]Entry, error) {
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

// Record sets the entry called name in the golden file at path to e, creating the file
// and its directory if need be.
func Record(path, name string, e Entry) error {
	fileMu.Lock()
	defer fileMu.Unlock()
	m, err := Load(path)
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
