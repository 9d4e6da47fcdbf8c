package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLinkAndUnlink(t *testing.T) {
	dir := entityWorld(t) // player/2 and player/3 are members of guild/1
	ok(t, dir, "set", "--db", "g.sg", "--kind", "guild", "new", "name=Blue")
	edges := func() string {
		return ok(t, dir, "query", "--db", "g.sg", "-o", "csv", "FIND player WHERE member_of -> ANY SELECT name")
	}
	before := edges()

	// An edge that exists is a no-op; link writes nothing on stdout.
	assert.Empty(t, ok(t, dir, "link", "--db", "g.sg", "player/2", "member_of", "<http://ex.org/red>"))
	assert.Equal(t, before, edges())

	// member_of is many-to-one: a second guild is refused, and nothing changes.
	stderr := fails(t, dir, exitUser, "link", "--db", "g.sg", "player/2", "member_of", "guild/4")
	assert.Contains(t, stderr, `verb "member_of" is many-to-one: link #2 → #4: cardinality violated: #2 already has the edge #2 → #1`)
	assert.Equal(t, before, edges())

	// Unlink, then the link that was refused goes through.
	assert.Empty(t, ok(t, dir, "unlink", "--db", "g.sg", "player/2", "member_of", "guild/1"))
	ok(t, dir, "link", "--db", "g.sg", "player/2", "member_of", "guild/4")
	assert.Equal(t, "entity,name\nic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/2,Ann\n",
		ok(t, dir, "query", "--db", "g.sg", "-o", "csv", `FIND player WHERE member_of -> (FIND guild WHERE name = "Blue") SELECT name`))

	// What cannot be linked.
	assert.Contains(t, fails(t, dir, exitUser, "unlink", "--db", "g.sg", "player/2", "member_of", "guild/1"),
		"player/2 member_of guild/1: no such edge: not found")
	assert.Contains(t, fails(t, dir, exitUser, "link", "--db", "g.sg", "player/2", "membr_of", "guild/1"), `no such verb; did you mean "member_of"?`)
	assert.Contains(t, fails(t, dir, exitUser, "link", "--db", "g.sg", "player/2", "name", "guild/1"), `"name": no such verb`)
	assert.Contains(t, fails(t, dir, exitUser, "link", "--db", "g.sg", "player/9", "member_of", "guild/1"), "player/9: entity #9: no such entity")
	assert.Contains(t, fails(t, dir, exitUser, "link", "--db", "g.sg", "player/2", "member_of", "<http://ex.org/none>"), "no entity has this IRI")
	assert.Contains(t, fails(t, dir, exitUsage, "link", "--db", "g.sg", "player/2", "member_of"), "accepts 3 arg(s)")
	assert.Contains(t, fails(t, dir, exitUsage, "unlink", "--db", "g.sg", "player/2"), "accepts 3 arg(s)")

	// A deprecated verb can be read but not written.
	ok(t, dir, "schema", "deprecate", "--db", "g.sg", "member_of")
	assert.Contains(t, fails(t, dir, exitUser, "link", "--db", "g.sg", "player/3", "member_of", "guild/4"), "read-only")
	assert.Contains(t, fails(t, dir, exitUser, "unlink", "--db", "g.sg", "player/3", "member_of", "guild/1"), "read-only")
	ok(t, dir, "verify", "--db", "g.sg")
}
