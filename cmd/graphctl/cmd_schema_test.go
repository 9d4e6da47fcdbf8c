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

// TestSchemaFileCardinalities declares a verb of each cardinality in a schema file and
// checks that the store holds each as declared and enforces it.
func TestSchemaFileCardinalities(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "s.json", `{
  "kinds": [{"name": "p"}],
  "verbs": [{"name": "any"},
            {"name": "m2m", "cardinality": "many-to-many"},
            {"name": "m2o", "cardinality": "many-to-one"},
            {"name": "o2m", "cardinality": "one-to-many"},
            {"name": "o2o", "cardinality": "one-to-one"}]
}`)
	ok(t, dir, "init", "--db", "g.sg", "--canister", "ryjl3-tyaaa-aaaaa-aaaba-cai", "--schema", "s.json")
	sf := schemaJSON(t, dir, "g.sg")
	cards := map[string]string{}
	for _, v := range sf.Verbs {
		cards[v.Name] = v.Cardinality
	}
	assert.Equal(t, map[string]string{"any": "many-to-many", "m2m": "many-to-many", "m2o": "many-to-one",
		"o2m": "one-to-many", "o2o": "one-to-one"}, cards)
	for range 3 {
		ok(t, dir, "set", "--db", "g.sg", "--kind", "p", "new")
	}

	// p/1 → p/2 is in every verb; then each verb is asked for a second edge from p/1 (to
	// p/3) and a second edge to p/2 (from p/3).
	for _, v := range []string{"any", "m2m", "m2o", "o2m", "o2o"} {
		ok(t, dir, "link", "--db", "g.sg", "p/1", v, "p/2")
	}
	for _, tc := range []struct {
		verb                   string
		secondObject, secondTo bool // p/1 → p/3 allowed; p/3 → p/2 allowed
	}{
		{"m2m", true, true},
		{"m2o", false, true},
		{"o2m", true, false},
		{"o2o", false, false},
	} {
		for _, e := range []struct {
			s, o    string
			allowed bool
		}{{"p/1", "p/3", tc.secondObject}, {"p/3", "p/2", tc.secondTo}} {
			r := gc(t, dir, "", nil, "link", "--db", "g.sg", e.s, tc.verb, e.o)
			if e.allowed {
				assert.Equal(t, exitOK, r.code, "%s %s %s: %s", e.s, tc.verb, e.o, r.stderr)
			} else {
				assert.Equal(t, exitUser, r.code, "%s %s %s", e.s, tc.verb, e.o)
				assert.Contains(t, r.stderr, "cardinality violated", "%s %s %s", e.s, tc.verb, e.o)
			}
		}
	}
}
