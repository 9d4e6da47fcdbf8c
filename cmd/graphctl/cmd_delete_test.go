package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDelete(t *testing.T) {
	dir := entityWorld(t) // guild/1 <http://ex.org/red>, players 2 (Ann) and 3 (Bo), both members
	assert.Equal(t, "deleted ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/1\n", ok(t, dir, "delete", "--db", "g.sg", "<http://ex.org/red>"))

	// Its values, its IRI and the edges to it are gone; the players are not.
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "guild/1"), "no such entity")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "<http://ex.org/red>"), "no entity has this IRI")
	assert.Equal(t, "count\n0\n", ok(t, dir, "query", "--db", "g.sg", "-o", "csv", "FIND player WHERE member_of -> ANY COUNT"))
	assert.Equal(t, "count\n2\n", ok(t, dir, "query", "--db", "g.sg", "-o", "csv", "FIND player COUNT"))
	assert.Equal(t, "count\n0\n", ok(t, dir, "query", "--db", "g.sg", "-o", "csv", `FIND guild WHERE name = "Red" COUNT`))

	// The ID is never handed out again, nor the IRI's entity found: a new guild with the
	// same IRI is a new entity.
	assert.Equal(t, "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/4\n", ok(t, dir, "set", "--db", "g.sg", "--kind", "guild", "<http://ex.org/red>"))

	// Deleting a player takes its edges out in both directions and its multi values.
	ok(t, dir, "link", "--db", "g.sg", "player/2", "member_of", "guild/4")
	assert.Equal(t, "deleted ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/2\n", ok(t, dir, "delete", "--db", "g.sg", "#2"))
	assert.NotContains(t, ok(t, dir, "get", "--db", "g.sg", "guild/4"), "player/2")
	assert.Regexp(t, `\ntags +column +string\(32\) +active +0 `, ok(t, dir, "stats", "--db", "g.sg"), "the deleted player's tags are gone")

	// What cannot be deleted.
	assert.Contains(t, fails(t, dir, exitUser, "delete", "--db", "g.sg", "player/2"), "no such entity")
	assert.Contains(t, fails(t, dir, exitUser, "delete", "--db", "g.sg", "nokind/3"), "no such kind")
	assert.Contains(t, fails(t, dir, exitUsage, "delete", "--db", "g.sg"), "accepts 1 arg(s)")
	ok(t, dir, "schema", "deprecate", "--db", "g.sg", "player")
	assert.Contains(t, fails(t, dir, exitUser, "delete", "--db", "g.sg", "player/3"), "read-only")
	assert.Equal(t, "count\n1\n", ok(t, dir, "query", "--db", "g.sg", "-o", "csv", "FIND player COUNT"), "a refused delete changes nothing")
	ok(t, dir, "verify", "--db", "g.sg")
}
