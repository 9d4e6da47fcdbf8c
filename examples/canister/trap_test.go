package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/ichost"
)

// state is what a trap must leave as it was: stable memory (in the heap and in the file)
// and the instance's heap and globals.
type state struct {
	stable, file, heap []byte
	globals            []uint64
}

func stateOf(t *testing.T, c *ichost.Canister, path string) state {
	t.Helper()
	heap, globals := c.Heap()
	file, err := readFile(path)
	require.NoError(t, err)
	return state{c.StableMemory(), file, heap, globals}
}

func requireSame(t *testing.T, want, got state, what string) {
	t.Helper()
	require.Equal(t, len(want.stable), len(got.stable), "%s: stable memory size", what)
	require.True(t, string(want.stable) == string(got.stable), "%s: stable memory changed", what)
	require.True(t, string(want.file) == string(got.file), "%s: stable-memory file changed", what)
	require.Equal(t, len(want.heap), len(got.heap), "%s: heap size", what)
	require.True(t, string(want.heap) == string(got.heap), "%s: heap changed", what)
	require.Equal(t, want.globals, got.globals, "%s: globals", what)
}

// populated installs version 1 over a new stable memory and populates n persons.
func populated(t *testing.T, n int) (*ichost.Canister, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stable")
	c := install(t, path, 1)
	_, err := c.Update(context.Background(), "exec", []byte(ops(fmt.Sprintf(`{"op":"populate","n":%d}`, n))))
	require.NoError(t, err)
	return c, path
}

func TestTrapLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	c, path := populated(t, 300)

	// A command big enough to grow stable memory, so that each trap comes after grows and
	// writes: ic0.trap after the store committed, a Go panic after it committed (which
	// exits the module: the heap comes back in a fresh instance), and the host's limit on
	// pages written per message, which stops the store half way through writing its pages.
	big := []byte(ops(`{"op":"populate","n":3000}`))
	cases := []struct {
		name   string
		method string
		limits ichost.Limits
		says   string
	}{
		{"ic0.trap after commit", "trap", ichost.Limits{}, "trapped after the commit"},
		{"Go panic after commit", "panic", ichost.Limits{}, "panicked after the commit"},
		{"written-page limit mid-commit", "exec", ichost.Limits{MaxWrittenPages: 40}, "pages written, limit 40"},
	}
	for _, tc := range cases {
		before := stateOf(t, c, path)
		c.SetLimits(tc.limits)
		rep, err := c.Update(ctx, tc.method, big)
		c.SetLimits(ichost.Limits{})
		require.ErrorIs(t, err, ichost.ErrTrap, tc.name)
		assert.Contains(t, err.Error(), tc.says, tc.name)
		assert.NotZero(t, rep.Pages.Written, "%s: the message wrote before it trapped", tc.name)
		if tc.limits.MaxWrittenPages == 0 {
			assert.NotZero(t, rep.Pages.GrowCalls, "%s: the message grew stable memory", tc.name)
		}
		requireSame(t, before, stateOf(t, c, path), tc.name)

		// The canister goes on from the state before the trap: the next ID is the one
		// after the populate's, and a query sees none of the trapped message.
		assert.Equal(t, uint64(300), count(t, c, `FIND person COUNT`).Count, tc.name)
	}
	rep, err := c.Update(ctx, "exec", []byte(ops(`{"op":"create","kind":"city"}`)))
	require.NoError(t, err)
	var e ExecReply
	require.NoError(t, json.Unmarshal(rep.Data, &e))
	assert.Equal(t, []entity.ID{300/100 + 1 + 300 + 1}, e.Created, "IDs go on from before the traps")
}

func TestTimeLimitTraps(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stable")
	_, err := guestRT.Open(path, ichost.Config{MaxMessageTime: time.Second})
	require.ErrorIs(t, err, ichost.ErrNoTimeLimits)
	c, err := timedRT.Open(path, ichost.Config{})
	require.NoError(t, err)
	defer c.Close(ctx)
	require.NoError(t, c.Install(ctx, timedModule, version(1)))
	_, err = c.Update(ctx, "exec", []byte(ops(`{"op":"populate","n":300}`)))
	require.NoError(t, err)
	before := stateOf(t, c, path)
	require.NoError(t, c.SetMaxMessageTime(time.Millisecond))
	_, err = c.Update(ctx, "exec", []byte(ops(`{"op":"populate","n":3000}`)))
	require.ErrorIs(t, err, ichost.ErrTrap)
	assert.Contains(t, err.Error(), "time limit of 1ms")
	requireSame(t, before, stateOf(t, c, path), "time limit")
	require.NoError(t, c.SetMaxMessageTime(0))
	assert.Equal(t, uint64(300), count(t, c, `FIND person COUNT`).Count)
}

func TestQueryWritesDiscarded(t *testing.T) {
	ctx := context.Background()
	c, path := populated(t, 100)
	before := stateOf(t, c, path)
	// The guest's store commits the command as far as it knows: the reply says so.
	rep, err := c.Query(ctx, "exec", []byte(ops(`{"op":"populate","n":2000}`, `{"op":"tick"}`)))
	require.NoError(t, err)
	var e ExecReply
	require.NoError(t, json.Unmarshal(rep.Data, &e))
	assert.Len(t, e.Created, 2000)
	assert.NotZero(t, rep.Pages.Written)
	requireSame(t, before, stateOf(t, c, path), "query")
}

func TestStableOutOfBoundsTraps(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stable")
	c := install(t, path, 1)
	size := uint64(len(c.StableMemory()))
	rep, err := c.Query(ctx, "stable_read", []byte(`{"offset":0,"size":8,"n":1}`))
	require.NoError(t, err)
	assert.Equal(t, "SGRAPH", string(rep.Data[:6]), "the superblock's magic")
	for _, arg := range []string{
		`{"offset":` + itoa(size-4) + `,"size":8,"n":1}`,
		`{"offset":` + itoa(size) + `,"size":1,"n":1}`,
		`{"offset":18446744073709551615,"size":2,"n":1}`,
	} {
		_, err := c.Query(ctx, "stable_read", []byte(arg))
		require.ErrorIs(t, err, ichost.ErrTrap, arg)
		assert.Contains(t, err.Error(), "out of bounds", arg)
	}
	_, err = c.Query(ctx, "stable_read", []byte(`{"offset":`+itoa(size-8)+`,"size":8,"n":1}`))
	require.NoError(t, err, "the last 8 bytes are in bounds")
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
