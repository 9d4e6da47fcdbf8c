package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

func TestVerify(t *testing.T) {
	dir := demoStore(t)
	assert.Equal(t, "world.sg: ok (428 pages checked, 16 variables; data model: 8008 entities, 78070 entries checked, 425 pages read)\n",
		ok(t, dir, "verify", "--db", "world.sg"), "the figures graphctl help verify gives")

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

// TestVerifyDataModel breaks the demo world's data model below it, with sound trees, and
// checks that verify names the variable, the entity and the problem, and exits 3.
func TestVerifyDataModel(t *testing.T) {
	dir := demoStore(t)
	path := filepath.Join(dir, "world.sg")
	st, err := store.Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, st.Update(func(tx *store.Tx) error {
		idx, err := tx.VarTree("health", 1, true) // player 9's index entry goes
		require.NoError(t, err)
		var gone []byte
		for k := range idx.All() {
			if entity.FromKey(k[len(k)-8:]) == 9 {
				gone = append([]byte(nil), k...)
				break
			}
		}
		require.NotNil(t, gone)
		_, err = idx.Delete(gone)
		require.NoError(t, err)
		rev, err := tx.VarTree("owns", 1, true) // and an item's owner, on one side only
		require.NoError(t, err)
		k, _, ok := rev.First()
		require.True(t, ok)
		_, err = rev.Delete(append([]byte(nil), k...))
		return err
	}))
	require.NoError(t, st.Close())
	ok(t, dir, "stats", "--db", "world.sg") // the pages are sound
	stderr := fails(t, dir, exitDamaged, "verify", "--db", "world.sg")
	assert.Contains(t, stderr, "store is damaged: the data model is inconsistent: 3 problems")
	assert.Contains(t, stderr, `column "health": entity #9: its value 18 has no index entry`)
	assert.Regexp(t, `verb "owns": entity #\d+: the edge #\d+ → #\d+ has no reverse entry`, stderr)
	assert.Regexp(t, `internal "\$holds": entity #\d+: lists verb "owns" tree 1, which does not hold it`, stderr)
}
