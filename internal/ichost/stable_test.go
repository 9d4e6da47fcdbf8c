package ichost

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/store"
)

func TestStableGrowReadWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stable")
	m, err := openStable(path, 3, Limits{})
	require.NoError(t, err)
	defer m.close()

	m.begin()
	assert.Equal(t, int64(0), m.grow(2))
	assert.Equal(t, int64(-1), m.grow(2), "past the maximum, as ic0.stable64_grow says")
	assert.Equal(t, uint64(2), m.size())
	require.NoError(t, m.writeFrom([]byte("abcdef"), PageSize-3)) // two 4 KiB pages
	got := make([]byte, 6)
	require.NoError(t, m.readInto(got, PageSize-3))
	assert.Equal(t, "abcdef", string(got))
	require.Error(t, m.readInto(got, 2*store.WasmPageSize-5), "out of bounds")
	require.Error(t, m.writeFrom(got, 1<<63), "out of bounds")
	p := m.counts()
	assert.Equal(t, Pages{Read: 2, Written: 2, Accessed: 2, ReadCalls: 2, WriteCalls: 2, GrowCalls: 2, SizeCalls: 1, BytesRead: 6, BytesWritten: 6}, p)
	require.NoError(t, m.commit(false))
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, m.bytes(), file, "the file is the memory")

	// A message rolled back leaves memory and file as they were, grown pages included.
	m.begin()
	require.NoError(t, m.writeFrom([]byte("XYZ"), PageSize-1))
	assert.Equal(t, int64(2), m.grow(1))
	require.NoError(t, m.writeFrom([]byte("new"), 2*store.WasmPageSize))
	m.rollback()
	assert.Equal(t, file, m.bytes())
}

func TestStableLimits(t *testing.T) {
	m, err := openStable(filepath.Join(t.TempDir(), "stable"), 10, Limits{MaxWrittenPages: 2, MaxAccessedPages: 3})
	require.NoError(t, err)
	defer m.close()
	m.begin()
	m.grow(1)
	require.NoError(t, m.writeFrom(make([]byte, 2*PageSize), 0))
	require.ErrorContains(t, m.writeFrom([]byte{1}, 2*PageSize), "pages written, limit 2")
	m.begin()
	require.NoError(t, m.readInto(make([]byte, 3*PageSize), 0))
	require.ErrorContains(t, m.readInto([]byte{1}, 3*PageSize), "pages accessed, limit 3")
}

func TestOpenStableRefuses(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "odd")
	require.NoError(t, os.WriteFile(odd, make([]byte, 100), 0o644))
	_, err := openStable(odd, 10, Limits{})
	require.ErrorContains(t, err, "not a whole number of 64 KiB pages")

	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, make([]byte, 2*store.WasmPageSize), 0o644))
	_, err = openStable(big, 1, Limits{})
	require.ErrorContains(t, err, "exceed the maximum")

	logged := filepath.Join(dir, "logged")
	require.NoError(t, os.WriteFile(logged, nil, 0o644))
	require.NoError(t, os.WriteFile(logged+"-wal", make([]byte, walHeaderSize+1), 0o644))
	_, err = openStable(logged, 10, Limits{})
	require.ErrorIs(t, err, ErrWALPending)
}
