package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/ichost"
)

func version(v int) []byte { return fmt.Appendf(nil, `{"version":%d}`, v) }

func count(t *testing.T, c *ichost.Canister, q string) QueryReply {
	t.Helper()
	rep, err := c.Query(context.Background(), "query", []byte(q))
	require.NoError(t, err, q)
	var r QueryReply
	require.NoError(t, json.Unmarshal(rep.Data, &r))
	return r
}

func TestUpgradeLifecycle(t *testing.T) {
	ctx := context.Background()
	c, path := populated(t, 1000)
	heapV1, _ := c.Heap()

	// v2 adds email and deprecates age: a fresh heap over the same stable memory.
	st, err := c.Upgrade(ctx, guestModule, version(2))
	require.NoError(t, err)
	assert.NotZero(t, st.Pages.Written, "v2 records the new column and age's state")
	heapV2, _ := c.Heap()
	assert.NotEqual(t, heapV1, heapV2, "the upgrade gives a fresh heap")
	assert.Equal(t, uint64(12), count(t, c, `FIND person WHERE age = 7 COUNT`).Count, "age is still readable")
	_, err = c.Update(ctx, "exec", []byte(ops(`{"op":"set","id":20,"column":"age","value":1}`)))
	require.ErrorIs(t, err, ichost.ErrTrap)
	assert.Contains(t, err.Error(), "read-only", "a deprecated column refuses writes")
	_, err = c.Update(ctx, "exec", []byte(ops(`{"op":"set","id":20,"column":"email","value":"a@b.c"}`)))
	require.NoError(t, err)
	assert.Equal(t, uint64(1), count(t, c, `FIND person WHERE email = "a@b.c" COUNT`).Count)

	// v3 changes age's type: refused in post_upgrade; v2 and its stable memory stay.
	before := stateOf(t, c, path)
	_, err = c.Upgrade(ctx, guestModule, version(3))
	require.ErrorIs(t, err, ichost.ErrTrap)
	assert.Contains(t, err.Error(), "incompatible")
	requireSame(t, before, stateOf(t, c, path), "refused upgrade")
	assert.Equal(t, uint64(1), count(t, c, `FIND person WHERE email = "a@b.c" COUNT`).Count, "v2 still serves")

	// Rolling back to v1 is allowed (one lifecycle step): age is written again, and email,
	// which v1 does not declare, is left as it is.
	_, err = c.Upgrade(ctx, guestModule, version(1))
	require.NoError(t, err)
	_, err = c.Update(ctx, "exec", []byte(ops(`{"op":"set","id":20,"column":"age","value":1}`)))
	require.NoError(t, err)
	assert.Equal(t, uint64(1), count(t, c, `FIND person WHERE email = "a@b.c" AND age = 1 COUNT`).Count)
}
