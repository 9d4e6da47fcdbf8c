package pagebudget

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/store"
)

func TestCompare(t *testing.T) {
	base := Entry{PagesRead: 10, PagesDirtied: 4}
	assert.Empty(t, Compare(base, base, 0))
	assert.Empty(t, Compare(Entry{PagesRead: 9, PagesDirtied: 1}, base, 0), "fewer pages never regress")
	assert.Equal(t, "pages read 11, baseline 10 (+10.0%)", Compare(Entry{PagesRead: 11, PagesDirtied: 4}, base, 0))
	assert.Empty(t, Compare(Entry{PagesRead: 11, PagesDirtied: 4}, base, 0.10), "within a 10% tolerance")
	assert.Equal(t, "pages read 12, baseline 10 (+20.0%); pages dirtied 5, baseline 4 (+25.0%)",
		Compare(Entry{PagesRead: 12, PagesDirtied: 5}, base, 0.10))
	assert.Equal(t, "pages dirtied 1, baseline 0 (+100.0%)", Compare(Entry{PagesDirtied: 1}, Entry{}, 0.5))
}

func TestChangePct(t *testing.T) {
	assert.Equal(t, 0.0, ChangePct(0, 0))
	assert.Equal(t, 100.0, ChangePct(3, 0))
	assert.Equal(t, 50.0, ChangePct(15, 10))
	assert.Equal(t, -25.0, ChangePct(3, 4))
}

func TestEntryOf(t *testing.T) {
	st := store.Stats{PagesRead: 3, PagesDirtied: 2, BytesRead: 12288, BytesWritten: 8192, ByOwner: map[string]store.OwnerStats{
		"a": {PagesRead: 2, PagesDirtied: 1}, "b": {PagesRead: 1, PagesDirtied: 1}, "idle": {},
	}}
	e := EntryOf(st)
	assert.Equal(t, Entry{PagesRead: 3, PagesDirtied: 2, BytesRead: 12288, BytesWritten: 8192,
		ByVariable: map[string]uint64{"a": 3, "b": 2, "idle": 0}}, e)
	assert.Equal(t, uint64(5), e.Pages())
}

func TestLoadAndRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "testdata", "budget.json")
	m, err := Load(path)
	require.NoError(t, err)
	assert.Empty(t, m, "a golden file that does not exist holds no entries")

	require.NoError(t, Record(path, "b", Entry{PagesRead: 2, ByVariable: map[string]uint64{"x": 2}}))
	require.NoError(t, Record(path, "a", Entry{PagesRead: 1, PagesDirtied: 1}))
	require.NoError(t, Record(path, "b", Entry{PagesRead: 3}))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, `{
  "a": {
    "pages_read": 1,
    "pages_dirtied": 1,
    "bytes_read": 0,
    "bytes_written": 0
  },
  "b": {
    "pages_read": 3,
    "pages_dirtied": 0,
    "bytes_read": 0,
    "bytes_written": 0
  }
}
`, string(b), "sorted by name, one field a line: the file diffs well")
	m, err = Load(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]Entry{"a": {PagesRead: 1, PagesDirtied: 1}, "b": {PagesRead: 3}}, m)

	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o644))
	_, err = Load(path)
	assert.ErrorContains(t, err, "golden file "+path)
}
