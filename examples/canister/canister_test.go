package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/ichost"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
)

// step is one message of a workload: an update (exec) or a query.
type step struct {
	name   string
	update bool
	arg    string
}

func ops(ops ...string) string { return `{"ops":[` + join(ops) + `]}` }

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// workload is the same sequence of messages for the guest and for the native program:
// entities created, columns set, verbs linked, the queries, an ECS tick.
func workload(n int) []step {
	return []step{
		{"populate", true, ops(fmt.Sprintf(`{"op":"populate","n":%d}`, n))},
		{"create", true, ops(`{"op":"create","kind":"person","values":{"name":"ann","age":41,"pos":{"x":1,"y":2},"vel":{"x":0.5,"y":0.5}}}`,
			`{"op":"create","kind":"city","values":{"name":"zurich"}}`)},
		{"set", true, ops(`{"op":"set","id":3,"column":"age","value":77}`, `{"op":"set","id":4,"column":"name","value":"renamed"}`)},
		{"link", true, ops(fmt.Sprintf(`{"op":"link","verb":"knows","id":%d,"to":3}`, n/100+n+2), `{"op":"link","verb":"knows","id":3,"to":5}`)},
		{"unlink+delete", true, ops(`{"op":"unlink","verb":"knows","id":3,"to":5}`, `{"op":"delete","id":6}`)},
		{"tick", true, ops(`{"op":"tick"}`)},
		{"point read", false, `FIND person WHERE name = "person-10" SELECT age`},
		{"range", false, `FIND person WHERE age BETWEEN 20 AND 29 COUNT`},
		{"scan", false, `FIND person WHERE HAS pos SELECT pos`},
		{"follow", false, `FIND person WHERE lives_in -> city/1 AND age > 80 SELECT name`},
		{"sub-query", false, `FIND person WHERE knows -> (FIND person WHERE age = 77) SELECT name`},
		{"tick", true, ops(`{"op":"tick"}`)},
	}
}

// install opens a canister over the stable memory file at path and installs the guest
// at program version v.
func install(t testing.TB, path string, v int) *ichost.Canister {
	t.Helper()
	ctx := context.Background()
	c, err := guestRT.Open(path, ichost.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(ctx) })
	require.NoError(t, c.Install(ctx, guestModule, fmt.Appendf(nil, `{"version":%d}`, v)))
	return c
}

// run sends one step to the guest.
func run(t testing.TB, c *ichost.Canister, s step) (ichost.Reply, error) {
	t.Helper()
	if s.update {
		return c.Update(context.Background(), "exec", []byte(s.arg))
	}
	return c.Query(context.Background(), "query", []byte(s.arg))
}

// runNative runs one step in the same program, natively.
func runNative(c *canister, s step) ([]byte, error) {
	if s.update {
		return c.exec([]byte(s.arg))
	}
	return c.query([]byte(s.arg))
}

// meterOf returns the store meter's counts a reply carries.
func meterOf(t testing.TB, data []byte) MessageStats {
	t.Helper()
	var r struct {
		Stats MessageStats `json:"stats"`
	}
	require.NoError(t, json.Unmarshal(data, &r), "%s", data)
	return r.Stats
}

func heapBytes(t testing.TB, m *store.HeapMemory) []byte {
	t.Helper()
	b := make([]byte, m.Size()*store.WasmPageSize)
	require.NoError(t, m.ReadAt(b, 0))
	return b
}

func TestGuestMatchesNative(t *testing.T) {
	c := install(t, filepath.Join(t.TempDir(), "stable"), 1)
	mem := store.NewHeapMemory(0)
	nat, err := open(mem, 1)
	require.NoError(t, err)
	// Opening (canister_init) wrote the same memory.
	require.Equal(t, heapBytes(t, mem), c.StableMemory(), "after init")

	for i, s := range workload(2000) {
		rep, err := run(t, c, s)
		require.NoError(t, err, "step %d %s", i, s.name)
		want, err := runNative(nat, s)
		require.NoError(t, err, "native step %d %s", i, s.name)
		assert.JSONEq(t, string(want), string(rep.Data), "step %d %s: the reply", i, s.name)
		m := meterOf(t, rep.Data)
		assert.Equal(t, m.PagesAccessed, rep.Pages.Accessed, "step %d %s: pages accessed, meter vs host", i, s.name)
		assert.Equal(t, m.PagesDirtied, rep.Pages.Written, "step %d %s: pages dirtied, meter vs host", i, s.name)
		// Whole-page reads: one call per page read, by each message of a query (its
		// planning and its run).
		calls := rep.Pages.Read
		if !s.update {
			calls = m.PageReads
		}
		assert.Equal(t, calls, rep.Pages.ReadCalls, "step %d %s: read calls", i, s.name)
		t.Logf("%-13s meter read %4d dirtied %4d accessed %4d | host read %4d written %4d accessed %4d, calls read %4d write %4d grow %d",
			s.name, m.PagesRead, m.PagesDirtied, m.PagesAccessed, rep.Pages.Read, rep.Pages.Written, rep.Pages.Accessed,
			rep.Pages.ReadCalls, rep.Pages.WriteCalls, rep.Pages.GrowCalls)
		require.Equal(t, heapBytes(t, mem), c.StableMemory(), "step %d %s: stable memory, native vs guest", i, s.name)
	}
}

// nativeStore builds, with the native file store, the state the workload leaves.
func nativeStore(t testing.TB, path string, n int) {
	t.Helper()
	c, opts, err := newCanister(1)
	require.NoError(t, err)
	st, err := store.Open(path, opts)
	require.NoError(t, err)
	require.NoError(t, c.bind(st))
	for i, s := range workload(n) {
		_, err := runNative(c, s)
		require.NoError(t, err, "step %d %s", i, s.name)
	}
	require.NoError(t, st.Close())
}

func TestGuestStateOpensNatively(t *testing.T) {
	dir := t.TempDir()
	guest := filepath.Join(dir, "guest")
	c := install(t, guest, 1)
	for _, s := range workload(500) {
		_, err := run(t, c, s)
		require.NoError(t, err)
	}
	q := `FIND person WHERE knows -> (FIND person WHERE age = 77) SELECT name`
	rep, err := c.Query(context.Background(), "query", []byte(q))
	require.NoError(t, err)
	require.NoError(t, c.Close(context.Background()))

	// The native store built by the same workload has the same bytes as the guest's file.
	native := filepath.Join(dir, "native")
	nativeStore(t, native, 500)
	gb, err := os.ReadFile(guest)
	require.NoError(t, err)
	nb, err := os.ReadFile(native)
	require.NoError(t, err)
	require.Equal(t, nb, gb, "the guest's stable-memory file and the native store file")

	// What graphctl does: open the file read-only, verify it, query it.
	st, err := store.Open(guest, &store.Options{ReadOnly: true})
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.View(func(tx *store.Tx) error { return tx.CheckStore() }))
	db, err := entity.Open(st, nil, nil)
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *entity.Tx) error { _, err := entity.Check(tx); return err }))
	res, err := query.Exec(db, q, query.RunOptions{})
	require.NoError(t, err)
	var got QueryReply
	require.NoError(t, json.Unmarshal(rep.Data, &got))
	require.Equal(t, res.Count, got.Count)
	require.Len(t, got.Rows, len(res.Rows))
	for i := range res.Rows {
		assert.Equal(t, res.Rows[i][1], got.Rows[i][1])
	}
}

func TestGuestStartsFromNativeStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "native")
	nativeStore(t, path, 500)
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	c := install(t, path, 1) // canister_init opens the store the file holds
	assert.Equal(t, before, c.StableMemory(), "opening an existing store writes nothing")
	rep, err := c.Query(context.Background(), "query", []byte(`FIND person COUNT`))
	require.NoError(t, err)
	var r QueryReply
	require.NoError(t, json.Unmarshal(rep.Data, &r))
	assert.Equal(t, uint64(500+1), r.Count, "500 populated and ann (the entity deleted is a city)")
	rep, err = c.Update(context.Background(), "exec", []byte(ops(`{"op":"create","kind":"person","values":{"name":"bob"}}`)))
	require.NoError(t, err)
	var e ExecReply
	require.NoError(t, json.Unmarshal(rep.Data, &e))
	assert.Equal(t, []entity.ID{500/100 + 1 + 500 + 2 + 1}, e.Created, "IDs go on from the native store's")
}
