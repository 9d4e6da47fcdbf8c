package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInitScopes(t *testing.T) {
	dir := t.TempDir()
	assert.Contains(t, ok(t, dir, "init", "--db", "c.sg", "--canister", "ryjl3-tyaaa-aaaaa-aaaba-cai"), "scope ryjl3-tyaaa-aaaaa-aaaba-cai")
	assert.Regexp(t, `scope [0-9a-f]{8}-[0-9a-f]{4}-`, ok(t, dir, "init", "--db", "u.sg"))
	assert.Contains(t, fails(t, dir, exitUsage, "init", "--db", "x.sg", "--canister", "ryjl3-tyaaa-aaaaa-aaaba-caj"), "--canister")
	assert.Contains(t, fails(t, dir, exitUsage, "init", "--db", "x.sg", "--scope", "not-a-uuid"), "--scope")
	write(t, dir, "bad.json", `{"columns": [{"name": "x", "type": "int33"}]}`)
	assert.Contains(t, fails(t, dir, exitUser, "init", "--db", "x.sg", "--schema", "bad.json"), `column "x"`)
	write(t, dir, "bad.json", "{\n  \"kinds\": [\n    {\"name\": 3}]}")
	assert.Contains(t, fails(t, dir, exitUser, "init", "--db", "x.sg", "--schema", "bad.json"), "bad.json: bad input: 3:")
	assert.NoFileExists(t, dir+"/x.sg")
}
