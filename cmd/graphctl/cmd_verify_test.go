package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerify(t *testing.T) {
	dir := demoStore(t)
	assert.Regexp(t, `^world.sg: ok \(\d+ pages checked, \d+ variables\)\n$`, ok(t, dir, "verify", "--db", "world.sg"))

	// Damage the last page the store allocated, a B-tree node, which no checksum guards
	// when the store opens: verify must find it, name the page, and exit 3.
	st := statsJSON(t, dir, "world.sg")
	require.Greater(t, st.Totals.Pages, uint64(10))
	path := filepath.Join(dir, "world.sg")
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	page := int64(st.Totals.Pages - 1) // the last page allocated: a tree page
	_, err = f.WriteAt([]byte{0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef}, page*4096)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	stderr := fails(t, dir, exitDamaged, "verify", "--db", "world.sg")
	assert.Contains(t, stderr, "store is damaged")
	assert.Contains(t, stderr, fmt.Sprintf("page %d:", page))
}
