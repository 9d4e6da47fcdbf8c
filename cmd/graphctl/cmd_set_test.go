package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEntityCommands(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "s.json", gameSchema)
	ok(t, dir, "init", "--db", "g.sg", "--canister", "ryjl3-tyaaa-aaaaa-aaaba-cai", "--schema", "s.json")
	ann := strings.TrimSpace(ok(t, dir, "set", "--db", "g.sg", "--kind", "player", "new", "name=Ann", "health=90", `position={"X": 1.5, "Y": -2}`))
	assert.Equal(t, "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/1", ann)
	ok(t, dir, "set", "--db", "g.sg", "--kind", "guild", "<http://ex.org/red>", "name=Red")
	ok(t, dir, "set", "--db", "g.sg", "player/1", "tags=a", "tags=b", "health=85")
	ok(t, dir, "link", "--db", "g.sg", ann, "member_of", "<http://ex.org/red>")

	get := ok(t, dir, "get", "--db", "g.sg", "#1")
	assert.Equal(t, `field         value
------------  -----------------------------------------
uri           ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/1
kind          player
health        85
name          Ann
position      [1.5, -2]
tags          [a, b]
member_of ->  <http://ex.org/red>
`, get)
	js := ok(t, dir, "get", "--db", "g.sg", "http://ex.org/red", "-o", "json")
	assert.Equal(t, `{"uri":"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/2","iri":"http://ex.org/red","kind":"guild","set":{"name":"Red"},"linked_from":{"member_of":["ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/1"]}}`+"\n", js)

	// Errors: not found, bad values, cardinality.
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "player/9"), "no such entity")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "<http://ex.org/none>"), "no entity has this IRI")
	assert.Contains(t, fails(t, dir, exitUser, "set", "--db", "g.sg", "player/1", "health=lots"), "health=lots: bad input")
	assert.Contains(t, fails(t, dir, exitUser, "set", "--db", "g.sg", "player/1", "helth=3"), `did you mean "health"?`)
	assert.Contains(t, fails(t, dir, exitUsage, "set", "--db", "g.sg", "player/1", "health"), "want col=value")
	ok(t, dir, "set", "--db", "g.sg", "--kind", "guild", "<http://ex.org/blue>")
	assert.Contains(t, fails(t, dir, exitUser, "link", "--db", "g.sg", "player/1", "member_of", "<http://ex.org/blue>"), "cardinality violated")
	assert.Contains(t, fails(t, dir, exitUser, "link", "--db", "g.sg", "player/1", "membr_of", "guild/2"), `did you mean "member_of"?`)

	ok(t, dir, "set", "--db", "g.sg", "player/1", "--unset", "tags")
	ok(t, dir, "unlink", "--db", "g.sg", "player/1", "member_of", "guild/2")
	assert.Contains(t, fails(t, dir, exitUser, "unlink", "--db", "g.sg", "player/1", "member_of", "guild/2"), "no such edge")
	get = ok(t, dir, "get", "--db", "g.sg", "player/1")
	assert.NotContains(t, get, "tags")
	assert.NotContains(t, get, "member_of")

	assert.Equal(t, "deleted ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/1\n", ok(t, dir, "delete", "--db", "g.sg", "player/1"))
	assert.Contains(t, fails(t, dir, exitUser, "delete", "--db", "g.sg", "player/1"), "no such entity")
	assert.Equal(t, "count\n0\n", ok(t, dir, "query", "--db", "g.sg", "-o", "csv", "FIND player COUNT"))
	ok(t, dir, "verify", "--db", "g.sg")
}
