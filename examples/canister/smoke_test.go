package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/stablegraph/stablegraph/internal/ichost"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	c, err := guestRT.Open(filepath.Join(t.TempDir(), "stable"), ichost.Config{})
	require.NoError(t, err)
	defer c.Close(ctx)
	require.NoError(t, c.Install(ctx, guestModule, []byte(`{"version":1}`)))
	rep, err := c.Update(ctx, "exec", []byte(`{"ops":[{"op":"create","kind":"person","values":{"name":"ann","age":30}}]}`))
	require.NoError(t, err)
	t.Logf("%s %+v", rep.Data, rep.Pages)
	rep, err = c.Query(ctx, "query", []byte(`FIND person WHERE age > 10 SELECT name`))
	require.NoError(t, err)
	t.Logf("%s %+v", rep.Data, rep.Pages)
}
