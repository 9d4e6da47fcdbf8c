package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	r := gc(t, dir, "", nil, "demo")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Built a world of 8 guilds, 2000 players and 6000 items")
	assert.Equal(t, len(demoQueries)-1, countMatches(r.stdout, `pages read, \d+ estimated\)`), "each query but the EXPLAIN prints its pages")
	assert.Contains(t, r.stdout, "estimated: ")
	assert.Equal(t, 1, countMatches(r.stdout, `EXPLAIN FIND`), "the EXPLAIN query is printed once, by its plan")
	assert.Contains(t, r.stdout, "(a temporary file, deleted at the end).")
	assert.NotContains(t, r.stdout, "The world stays")
	// The same world and the same pages every time.
	assert.Equal(t, r.stdout[len(firstLine(r.stdout)):], func() string {
		out := gc(t, dir, "", nil, "demo").stdout
		return out[len(firstLine(out)):]
	}())
	out := ok(t, dir, "demo", "--db", "kept.sg")
	assert.Contains(t, out, "The world stays in kept.sg")
	assert.NotContains(t, out, "temporary")
	assert.Contains(t, fails(t, dir, exitUser, "demo", "--db", "kept.sg"), "kept.sg exists")
}
