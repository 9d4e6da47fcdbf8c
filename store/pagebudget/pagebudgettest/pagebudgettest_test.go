package pagebudgettest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/store"
)

// recorder is a testing.TB that keeps failures instead of failing the real test.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.fatal = true }
func (r *recorder) Logf(string, ...any)               {}

// writePages returns a Measure that dirties n fresh pages.
func writePages(t *testing.T, s *store.Store, n int) Measure {
	return Update(s, func(tx *store.Tx) error {
		tx.Raw().SetOwner("things")
		for range n {
			tx.Raw().Alloc()
		}
		return nil
	})
}

func fixture(t *testing.T) (*store.Store, string) {
	s, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	require.NoError(t, err)
	return s, filepath.Join(t.TempDir(), "testdata", "pagebudget.json")
}

func setUpdating(t *testing.T, on bool) {
	old := *update
	*update = on
	t.Cleanup(func() { *update = old })
}

func TestUpdateThenPass(t *testing.T) {
	s, file := fixture(t)
	setUpdating(t, true)
	r := &recorder{TB: t}
	st := Check(r, "alloc-3", writePages(t, s, 3), File(file))
	require.Empty(t, r.errors)
	assert.Equal(t, uint64(4), st.PagesDirtied, "three pages and the superblock")

	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.JSONEq(t, `{"alloc-3": {"pages_read": 1, "pages_dirtied": 4, "bytes_read": 4096, "bytes_written": 16384,
		"by_variable": {"store": 2, "things": 3}}}`, string(b))

	setUpdating(t, false)
	r = &recorder{TB: t}
	Check(r, "alloc-3", writePages(t, s, 3), File(file))
	assert.Empty(t, r.errors)
}

func TestRegressionFails(t *testing.T) {
	s, file := fixture(t)
	setUpdating(t, true)
	Check(&recorder{TB: t}, "alloc", writePages(t, s, 10), File(file))
	setUpdating(t, false)

	r := &recorder{TB: t}
	Check(r, "alloc", writePages(t, s, 12), File(file))
	require.Len(t, r.errors, 1)
	assert.Contains(t, r.errors[0], `pagebudget "alloc": pages dirtied 13, baseline 11 (+18.2%)`)

	r = &recorder{TB: t}
	Check(r, "alloc", writePages(t, s, 12), File(file), Tolerance(0.20))
	assert.Empty(t, r.errors, "within a 20% tolerance")
}

func TestOverBudgetFails(t *testing.T) {
	s, file := fixture(t)
	setUpdating(t, true)
	r := &recorder{TB: t}
	Check(r, "alloc", writePages(t, s, 5), File(file), MaxPages(5))
	require.Len(t, r.errors, 1, "a budget overrun fails even while updating")
	assert.Contains(t, r.errors[0], "7 pages (1 read + 6 dirtied) is over the budget of 5")
}

func TestMissingBaselineAndFailedMessage(t *testing.T) {
	s, file := fixture(t)
	r := &recorder{TB: t}
	Check(r, "new", writePages(t, s, 1), File(file))
	require.Len(t, r.errors, 1)
	assert.Contains(t, r.errors[0], "no baseline")

	r = &recorder{TB: t}
	Check(r, "boom", Update(s, func(*store.Tx) error { return assert.AnError }), File(file))
	assert.True(t, r.fatal)
	assert.Contains(t, r.errors[0], "message failed")
}
