package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

const gameSchema = `{
  "kinds":   [{"name": "player"}, {"name": "guild"}],
  "columns": [{"name": "health", "type": "int32", "indexed": true},
              {"name": "name", "type": "string(64)", "indexed": true},
              {"name": "tags", "type": "string", "max_len": 32, "multi": true},
              {"name": "position", "type": "struct{X float32; Y float32}"}],
  "verbs":   [{"name": "member_of", "cardinality": "many-to-one"}]
}`

func TestSchemaLifecycle(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "s.json", gameSchema)
	out := ok(t, dir, "init", "--db", "g.sg", "--scope", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "--schema", "s.json")
	assert.Equal(t, "created g.sg (scope 6ba7b810-9dad-11d1-80b4-00c04fd430c8)\n", out)
	assert.Contains(t, fails(t, dir, exitUser, "init", "--db", "g.sg"), "g.sg already exists")

	show := ok(t, dir, "schema", "show", "--db", "g.sg")
	assert.Regexp(t, `health +column +int32 +indexed +active`, show)
	assert.Regexp(t, `member_of +verb +many-to-one +active`, show)
	assert.Regexp(t, `tags +column +string\(32\) +multi +active`, show)

	// show -o json is a schema file that apply reads back.
	write(t, dir, "shown.json", ok(t, dir, "schema", "show", "--db", "g.sg", "-o", "json"))
	assert.Equal(t, "upgrade  the store → shown.json: ok\nrollback shown.json → the store: ok\n",
		ok(t, dir, "schema", "check", "--db", "g.sg", "shown.json"))
	assert.Contains(t, ok(t, dir, "schema", "apply", "--db", "g.sg", "shown.json"), "0 created")

	// A compatible change, then an incompatible one.
	write(t, dir, "v2.json", strings.Replace(gameSchema, `"verbs":`, `"kinds2": null, "verbs":`, 1))
	assert.Contains(t, fails(t, dir, exitUser, "schema", "apply", "--db", "g.sg", "v2.json"), `unknown field "kinds2"`)
	write(t, dir, "v2.json", strings.Replace(gameSchema, `{"name": "guild"}`, `{"name": "guild"}, {"name": "item"}`, 1))
	assert.Equal(t, "applied v2.json: 8 declared, 1 created (item)\n", ok(t, dir, "schema", "apply", "--db", "g.sg", "v2.json"))
	write(t, dir, "v3.json", strings.Replace(gameSchema, `"int32"`, `"int64"`, 1))
	out = fails(t, dir, exitUser, "schema", "check", "v2.json", "v3.json")
	assert.Contains(t, out, "health")
	r := gc(t, dir, "", nil, "schema", "check", "v2.json", "v3.json")
	assert.Contains(t, r.stdout, "upgrade  v2.json → v3.json: incompatible")
	assert.Contains(t, fails(t, dir, exitUser, "schema", "apply", "--db", "g.sg", "v3.json"), "incompatible schema")

	// The lifecycle, one step at a time.
	assert.Contains(t, fails(t, dir, exitUser, "schema", "retire", "--db", "g.sg", "health"), "lifecycle transition not allowed")
	assert.Equal(t, "health: active → deprecated\n", ok(t, dir, "schema", "deprecate", "--db", "g.sg", "health"))
	assert.Equal(t, "health: deprecated → active\n", ok(t, dir, "schema", "activate", "--db", "g.sg", "health"))
	ok(t, dir, "schema", "deprecate", "--db", "g.sg", "health")
	assert.Equal(t, "health: deprecated → retired\n", ok(t, dir, "schema", "retire", "--db", "g.sg", "health"))
	assert.Contains(t, fails(t, dir, exitUsage, "schema", "drop", "--db", "g.sg", "health"), "add --yes")
	assert.Regexp(t, `^dropped health \(\d+ pages? freed\)\n$`, ok(t, dir, "schema", "drop", "--db", "g.sg", "health", "--yes"))
	assert.NotContains(t, ok(t, dir, "schema", "show", "--db", "g.sg"), "health")
	assert.Contains(t, fails(t, dir, exitUser, "schema", "deprecate", "--db", "g.sg", "nosuch"), "no such variable")
	assert.Contains(t, fails(t, dir, exitUser, "schema", "drop", "--db", "g.sg", "name", "--yes"), "lifecycle transition not allowed")
	assert.Contains(t, fails(t, dir, exitUser, "schema", "retire", "--db", "g.sg", "$kind"), "internal variable")
	ok(t, dir, "verify", "--db", "g.sg")
}
