package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExport(t *testing.T) {
	dir := entityWorld(t) // guild/1 <http://ex.org/red>, players 2 (Ann) and 3 (Bo)
	const scope = "ic://ryjl3-tyaaa-aaaaa-aaaba-cai/"

	// To standard output; the format from --format.
	js := ok(t, dir, "export", "--db", "g.sg", "--format", "jsonl")
	assert.Equal(t, `{"schema":{"kinds":[{"name":"guild"},{"name":"player"}],"columns":[{"name":"health","type":"int32","indexed":true},{"name":"name","type":"string(64)","indexed":true},{"name":"position","type":"struct{X float32; Y float32}"},{"name":"tags","type":"string(32)","multi":true}],"verbs":[{"name":"member_of","cardinality":"many-to-one"}]}}
{"uri":"`+scope+`guild/1","iri":"http://ex.org/red","kind":"guild","set":{"name":"Red"}}
{"uri":"`+scope+`player/2","kind":"player","set":{"health":90,"name":"Ann","tags":["a","b"]},"link":{"member_of":["<http://ex.org/red>"]}}
{"uri":"`+scope+`player/3","kind":"player","set":{"name":"Bo"},"link":{"member_of":["<http://ex.org/red>"]}}
`, js, "the schema, then one entity per line, in ID order")

	// To a file, the format from its extension; the count goes to standard error.
	r := gc(t, dir, "", nil, "export", "--db", "g.sg", "out.nt")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Equal(t, "graphctl: note: N-Triples keeps values, not column types: an import makes int64, float64, bool or string columns of health (int32), position (struct{X float32; Y float32})\n"+
		"graphctl: note: N-Triples has no cardinalities: an import makes many-to-many verbs of member_of (many-to-one)\n"+
		"exported 11 triples to out.nt\n", r.stderr, "what the format cannot carry is said")
	nt := readFile(t, dir, "out.nt")
	assert.Contains(t, nt, "<http://ex.org/red> <"+scope+"name> \"Red\" .\n", "a name from no IRI gets one in the store's scope")
	assert.Contains(t, nt, "_:b2 <"+scope+"name> \"Ann\" .\n", "an entity without an IRI is a blank node named after its ID")
	assert.Contains(t, nt, "_:b2 <"+scope+"health> \"90\"^^<http://www.w3.org/2001/XMLSchema#int> .\n", "an int32 is an xsd:int")

	// --kind limits any format to one kind; CSV needs it.
	assert.Equal(t, "uri,iri,health,name,tags\n"+scope+"player/2,,90,Ann,\"[\"\"a\"\",\"\"b\"\"]\"\n"+scope+"player/3,,,Bo,\n",
		ok(t, dir, "export", "--db", "g.sg", "--format", "csv", "--kind", "player"))
	assert.Equal(t, 2, strings.Count(ok(t, dir, "export", "--db", "g.sg", "--format", "jsonl", "--kind", "guild"), "\n"), "the schema and the guild")
	r = gc(t, dir, "", nil, "export", "--db", "g.sg", "--format", "csv", "--kind", "player")
	assert.Equal(t, "graphctl: note: CSV holds no edges: those of member_of are not written\n", r.stderr)
	r = gc(t, dir, "", nil, "export", "--db", "g.sg", "--format", "jsonl")
	assert.Empty(t, r.stderr, "JSON Lines loses nothing")
	assert.Contains(t, fails(t, dir, exitUsage, "export", "--db", "g.sg", "--format", "csv"), "a CSV export needs --kind")
	assert.Contains(t, fails(t, dir, exitUser, "export", "--db", "g.sg", "--format", "jsonl", "--kind", "playr"), `no such kind; did you mean "player"?`)

	// A format neither given nor known from the file's name, and a failed export to a file:
	// no file is left behind.
	assert.Contains(t, fails(t, dir, exitUsage, "export", "--db", "g.sg", "out.txt"), "give --format")
	assert.Contains(t, fails(t, dir, exitUsage, "export", "--db", "g.sg", "--format", "xml"), `unknown format "xml"`)
	assert.Contains(t, fails(t, dir, exitUser, "export", "--db", "g.sg", "--kind", "nokind", "bad.jsonl"), "no such kind")
	assert.NoFileExists(t, filepath.Join(dir, "bad.jsonl"))
	assert.Contains(t, fails(t, dir, exitUser, "export", "--db", "none.sg", "--format", "jsonl"), "no store here")

	// What export writes, import reads back into the same entities.
	ok(t, dir, "export", "--db", "g.sg", "all.jsonl")
	ok(t, dir, "import", "--db", "h.sg", "all.jsonl")
	assert.Equal(t, "name,health,tags\nAnn,90,\"[\"\"a\"\",\"\"b\"\"]\"\nBo,,\n", dropFirstColumn(ok(t, dir, "query", "--db", "h.sg", "-o", "csv",
		"FIND player WHERE member_of -> <http://ex.org/red> SELECT name, health, tags")))
	_, err := os.Stat(filepath.Join(dir, "all.jsonl"))
	require.NoError(t, err)
}

// TestExportImportStandIns checks that graphctl imports the stand-ins a cluster shard's
// JSON Lines export holds, and exports them again as they were.
func TestExportImportStandIns(t *testing.T) {
	dir := t.TempDir()
	const here, other = "6ba7b810-9dad-11d1-80b4-00c04fd430c1", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
	shard := func(scope string) string {
		return `{"schema":{"kinds":[{"name":"$remote"},{"name":"player"}],"columns":[],"verbs":[{"name":"friend","cardinality":"many-to-many"}]}}
{"uri":"ic://` + scope + `/player/1","kind":"player","link":{"friend":["<ic://` + other + `/player/3>"]}}
{"uri":"ic://` + scope + `/$remote/2","iri":"ic://` + other + `/player/3","kind":"$remote","link":{"friend":["ic://` + scope + `/player/1"]}}
`
	}
	write(t, dir, "in.jsonl", shard("rrkah-fqaaa-aaaaa-aaaaq-cai"))
	ok(t, dir, "init", "--db", "a.sg", "--scope", here)
	ok(t, dir, "import", "--db", "a.sg", "in.jsonl")
	assert.Equal(t, shard(here), ok(t, dir, "export", "--db", "a.sg", "--format", "jsonl"))
	r := gc(t, dir, "", nil, "export", "--db", "a.sg", "--format", "ntriples")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "$remote")
	assert.Contains(t, r.stderr, "N-Triples has no stand-ins (here 1,")
	ok(t, dir, "verify", "--db", "a.sg")
}
