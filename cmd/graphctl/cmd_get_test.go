package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/interchange"
)

// entityWorld makes a store with the game schema, two players in a guild that carries an
// IRI, and returns its directory.
func entityWorld(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "s.json", gameSchema)
	ok(t, dir, "init", "--db", "g.sg", "--canister", "ryjl3-tyaaa-aaaaa-aaaba-cai", "--schema", "s.json")
	ok(t, dir, "set", "--db", "g.sg", "--kind", "guild", "<http://ex.org/red>", "name=Red")
	ok(t, dir, "set", "--db", "g.sg", "--kind", "player", "new", "name=Ann", "health=90", "tags=b", "tags=a")
	ok(t, dir, "set", "--db", "g.sg", "--kind", "player", "new", "name=Bo")
	ok(t, dir, "link", "--db", "g.sg", "player/2", "member_of", "guild/1")
	ok(t, dir, "link", "--db", "g.sg", "player/3", "member_of", "<http://ex.org/red>")
	return dir
}

func TestGet(t *testing.T) {
	dir := entityWorld(t)
	const ann = "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/2"

	// Every form of reference names the same entity.
	table := ok(t, dir, "get", "--db", "g.sg", "player/2")
	for _, ref := range []string{"#2", ann} {
		assert.Equal(t, table, ok(t, dir, "get", "--db", "g.sg", ref), ref)
	}
	assert.Equal(t, `field         value
------------  -----------------------------------------
uri           ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/2
kind          player
health        90
name          Ann
tags          [a, b]
member_of ->  <http://ex.org/red>
`, table, "columns in name order, a multi column's values in value order, edges to an entity with an IRI by its IRI")

	// The guild: its IRI, and the edges that point to it, both players'.
	var d interchange.EntityDoc
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "get", "--db", "g.sg", "http://ex.org/red", "-o", "json")), &d))
	assert.Equal(t, "http://ex.org/red", d.IRI)
	assert.Equal(t, "guild", d.Kind)
	assert.Equal(t, map[string]any{"name": "Red"}, d.Set)
	assert.Equal(t, map[string][]string{"member_of": {ann, "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/3"}}, d.LinkedFrom)

	csv := ok(t, dir, "get", "--db", "g.sg", "<http://ex.org/red>", "-o", "csv")
	assert.Equal(t, "field,value\nuri,ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/1\niri,http://ex.org/red\nkind,guild\nname,Red\n"+
		"member_of <-,"+ann+" ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/3\n", csv)

	// What is not there, and what is not a reference.
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "player/9"), "not found: player/9: entity #9: no such entity")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "guild/2"), "not found")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "<http://ex.org/blue>"), "<http://ex.org/blue>: no entity has this IRI")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "ic://aaaaa-aa/player/2"), "scope mismatch")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "g.sg", "player/x"), `"player/x"`)
	assert.Contains(t, fails(t, dir, exitUsage, "get", "--db", "g.sg", "player/2", "-o", "xml"), `unknown output format "xml"`)
	assert.Contains(t, fails(t, dir, exitUsage, "get", "--db", "g.sg"), "accepts 1 arg(s)")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "none.sg", "#1"), "no store here")
}

func TestGetAfterRetire(t *testing.T) {
	dir := entityWorld(t)
	ok(t, dir, "schema", "deprecate", "--db", "g.sg", "tags")
	ok(t, dir, "schema", "retire", "--db", "g.sg", "tags")
	out := ok(t, dir, "get", "--db", "g.sg", "player/2")
	assert.NotContains(t, out, "tags", "a retired column is not shown")
	assert.True(t, strings.HasPrefix(out, "field"))
}

// TestIRIsInResults checks SELECT IRI, query --iri and blank-node labels that get accepts.
func TestIRIsInResults(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "b.nt", `<http://ex.org/ann> <http://ex.org/knows> _:x .
_:x <http://ex.org/name> "Bo" .
<http://ex.org/ann> <http://ex.org/name> "Ann" .
`)
	ok(t, dir, "import", "--db", "b.sg", "--format", "ntriples", "b.nt")
	out := ok(t, dir, "query", "--db", "b.sg", "--iri", "-o", "csv", "FIND Resource SELECT name")
	assert.Equal(t, "iri,name\nhttp://ex.org/ann,Ann\n_:b2,Bo\n", out)
	out = ok(t, dir, "query", "--db", "b.sg", "-o", "csv", "FIND Resource WHERE knows <- <http://ex.org/ann> SELECT IRI")
	assert.Regexp(t, `^entity,iri\nic://[^,]+/Resource/2,_:b2\n$`, out)
	assert.Equal(t, "count\n2\n", ok(t, dir, "query", "--db", "b.sg", "--iri", "-o", "csv", "FIND Resource COUNT"), "--iri leaves a count alone")

	// The label names the blank node's entity wherever a reference is taken.
	assert.Contains(t, ok(t, dir, "get", "--db", "b.sg", "_:b2"), "\nname      Bo\n")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "b.sg", "_:b1"), "#1 is <http://ex.org/ann>")
	assert.Contains(t, fails(t, dir, exitUser, "get", "--db", "b.sg", "_:b9"), "not found")
	ok(t, dir, "set", "--db", "b.sg", "_:b2", "name=Beau")
	assert.Equal(t, "iri,name\n_:b2,Beau\n", ok(t, dir, "query", "--db", "b.sg", "--iri", "-o", "csv", `FIND Resource WHERE name = "Beau" SELECT name`))
}
