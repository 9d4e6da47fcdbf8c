package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
	"github.com/stablegraph/stablegraph/server"
)

const (
	rdfNS   = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	rdfType = rdfNS + "type"
	rdfT    = "<" + rdfType + ">"
	xsd     = "http://www.w3.org/2001/XMLSchema#"
)

// schemaJSON returns the store's schema as 'schema show -o json' writes it.
func schemaJSON(t *testing.T, dir, db string) schemaFile {
	t.Helper()
	var sf schemaFile
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "schema", "show", "--db", db, "-o", "json")), &sf))
	return sf
}

// statsJSON returns the store's stats as 'stats -o json' writes them.
func statsJSON(t *testing.T, dir, db string) server.StoreStats {
	t.Helper()
	var st server.StoreStats
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "stats", "--db", db, "-o", "json")), &st))
	return st
}

func TestImportNTriplesEveryCase(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "every.nt", rdftest.EveryCase)
	out := ok(t, dir, "import", "--db", "a.sg", "--format", "ntriples", "every.nt")
	assert.Contains(t, out, "imported every.nt: 34 triples")
	assert.Contains(t, out, "0 skipped")

	// Export gives back exactly the triples imported.
	exported := ok(t, dir, "export", "--db", "a.sg", "--format", "ntriples")
	assert.Equal(t, rdftest.Canonical(t, rdftest.EveryCase), rdftest.Canonical(t, exported))

	// The names the mapping promises, and the IRI behind each.
	sf := schemaJSON(t, dir, "a.sg")
	kinds := map[string]string{}
	for _, k := range sf.Kinds {
		kinds[k.Name] = k.IRI
	}
	assert.Equal(t, map[string]string{"Agent": "http://other.org/vocab#Agent", "Person": "http://ex.org/Person", "Resource": ""}, kinds)
	type col struct{ typ, iri string }
	cols := map[string]col{}
	for _, c := range sf.Columns {
		cols[c.Name] = col{c.Type, c.IRI}
	}
	assert.Equal(t, map[string]col{
		"admin":   {"bool", "http://ex.org/admin"},
		"admin_2": {"string(507)", "http://ex.org/admin^^" + xsd + "boolean"},
		"age":     {"int64", "http://ex.org/age"},
		"age_2":   {"string(507)", "http://ex.org/age^^" + xsd + "integer"},
		"count":   {"int64", "http://ex.org/count^^" + xsd + "int"},
		"count_2": {"int64", "http://ex.org/count^^" + xsd + "long"},
		"height":  {"float64", "http://ex.org/height"},
		"id":      {"string(507)", "http://ex.org/id"},
		"knows_2": {"string(507)", "http://xmlns.com/foaf/0.1/knows"},
		"label":   {"string(507)", "http://www.w3.org/2000/01/rdf-schema#label"},
		"name":    {"string(507)", "http://other.org/vocab#name"},
		"name_2":  {"string(507)", "http://xmlns.com/foaf/0.1/name"},
		"name_3":  {"string(507)", "http://xmlns.com/foaf/0.1/name^^" + rdfNS + "langString"},
		"nick":    {"string(507)", "http://ex.org/nick"},
		"p":       {"string(507)", "http://ex.org/p^^" + rdfNS + "langString"},
		"plain":   {"string(507)", "http://ex.org/plain"},
		"ratio":   {"float64", "http://ex.org/ratio^^" + xsd + "float"},
		"type":    {"string(507)", "http://ex.org/type"},
		"weight":  {"float64", "http://ex.org/weight^^" + xsd + "decimal"},
		"when":    {"string(507)", "http://ex.org/when^^" + xsd + "date"},
	}, cols)
	verbs := map[string]string{}
	for _, v := range sf.Verbs {
		verbs[v.Name] = v.IRI
	}
	assert.Equal(t, map[string]string{"knows": "http://xmlns.com/foaf/0.1/knows"}, verbs, "rdf:type with IRI objects makes kinds, not a verb")
	for _, c := range sf.Columns {
		assert.Equal(t, c.Name == "nick" || c.Name == "p", c.Multi, "only nick and p have several values for one subject: %s", c.Name)
	}

	// IRIs resolve in queries; language tags are kept.
	q := ok(t, dir, "query", "--db", "a.sg", "-o", "csv",
		"FIND Person WHERE knows -> <http://ex.org/bob> SELECT name_2, age, `count`")
	assert.Equal(t, "entity,name_2,age,count\n"+
		firstField(q)+`,"[""Alice"",""Alicia@es""]","[42,""042""]","[7,8]"`+"\n", q, "a name stands for its predicate's values of every datatype")
	show := ok(t, dir, "schema", "show", "--db", "a.sg", "-o", "csv")
	assert.Contains(t, show, "\n\"name_2, name_3\",column,string(507),indexed,active,http://xmlns.com/foaf/0.1/name,\"string 1, rdf:langString 1\",name_2: no histogram; name_3: no histogram\n",
		"one entry per predicate, with its datatypes and counts")
	assert.Contains(t, show, "\n\"count, count_2\",column,int64,indexed,active,http://ex.org/count,\"xsd:int 1, xsd:long 1\",count: no histogram; count_2: no histogram\n")
	assert.Contains(t, show, "\n\"age, age_2\",column,int64 | string(507),indexed,active,http://ex.org/age,\"xsd:integer 1, xsd:integer 1\",age: no histogram; age_2: no histogram\n")
	q = ok(t, dir, "query", "--db", "a.sg", "-o", "csv", `FIND Person WHERE name_3 = "Alicia"@es AND age = 42.0 AND `+"`count`"+` < 7.5 COUNT`)
	assert.Equal(t, "count\n1\n", q, "a language picked with the literal's tag; numbers across datatypes")
	q = ok(t, dir, "query", "--db", "a.sg", "-o", "csv", "FIND Agent SELECT name")
	assert.Contains(t, q, ",Böb 😀\n", "bob is an Agent too")
	bob := ok(t, dir, "get", "--db", "a.sg", "-o", "json", "<http://ex.org/bob>")
	assert.Contains(t, bob, `"kind":"Person","other_kinds":["Agent"]`, "his own kind is the least of his types' IRIs")
	q = ok(t, dir, "query", "--db", "a.sg", "-o", "csv", `FIND Resource WHERE id = "b1" SELECT knows_2`)
	assert.Contains(t, q, "\n", "blank nodes are entities")
	q = ok(t, dir, "query", "--db", "a.sg", "-o", "csv", `FIND Person WHERE id = "b2" COUNT`)
	assert.Equal(t, "count\n1\n", q, "a blank node's rdf:type is its kind")
}

// firstField returns the first field of the second line of CSV output: the first row's URI.
func firstField(csv string) string {
	lines := strings.Split(csv, "\n")
	if len(lines) < 2 {
		return ""
	}
	f, _, _ := strings.Cut(lines[1], ",")
	return f
}

func TestImportExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	doc := rdftest.EveryCase + rdftest.Things(500)
	write(t, dir, "in.nt", doc)
	ok(t, dir, "import", "--db", "a.sg", "in.nt")
	first := ok(t, dir, "export", "--db", "a.sg", "--format", "ntriples", "first.nt")
	assert.Empty(t, first, "an export to a file writes nothing to stdout")
	ok(t, dir, "import", "--db", "b.sg", "first.nt")
	ok(t, dir, "export", "--db", "b.sg", "--format", "ntriples", "second.nt")

	a, err := os.ReadFile(filepath.Join(dir, "first.nt"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "second.nt"))
	require.NoError(t, err)
	assert.Equal(t, rdftest.Canonical(t, doc), rdftest.Canonical(t, string(a)), "export writes back the triples imported")
	assert.True(t, bytes.Equal(a, b), "import → export → import gives the same store: the exports are byte for byte equal")

	// The same variables with the same entries, and the same answers.
	sa, sb := statsJSON(t, dir, "a.sg"), statsJSON(t, dir, "b.sg")
	require.Equal(t, len(sa.Variables), len(sb.Variables))
	for i := range sa.Variables {
		assert.Equal(t, sa.Variables[i].Name, sb.Variables[i].Name)
		assert.Equal(t, sa.Variables[i].Entries, sb.Variables[i].Entries, sa.Variables[i].Name)
	}
	for _, db := range []string{"a.sg", "b.sg"} {
		assert.Equal(t, "count\n300\n", ok(t, dir, "query", "--db", db, "-o", "csv", "FIND Thing WHERE score >= 2.5 COUNT"))
	}

	// Importing the same file again adds nothing.
	ok(t, dir, "import", "--db", "b.sg", "first.nt")
	again := ok(t, dir, "export", "--db", "b.sg", "--format", "ntriples")
	assert.Equal(t, rdftest.Canonical(t, string(b)), rdftest.Canonical(t, again))
}

// snapshot is what a test compares to see that a store did not change: its files byte for
// byte, its stats and the answer to a query.
type snapshot struct {
	files map[string][]byte
	stats string
	query string
}

func takeSnapshot(t *testing.T, dir, db string) snapshot {
	t.Helper()
	s := snapshot{files: map[string][]byte{}}
	s.stats = ok(t, dir, "stats", "--db", db, "-o", "json")
	s.query = ok(t, dir, "export", "--db", db, "--format", "ntriples")
	b, err := os.ReadFile(filepath.Join(dir, db))
	require.NoError(t, err)
	s.files[db] = b
	// The redo log is empty whenever no store has the file open; each close gives it a
	// fresh random salt, so only its size is compared.
	fi, err := os.Stat(filepath.Join(dir, db+"-wal"))
	require.NoError(t, err)
	s.files[db+"-wal"] = []byte(fmt.Sprint(fi.Size()))
	return s
}

func TestFailedImportLeavesStoreAsItWas(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.nt", rdftest.EveryCase)
	ok(t, dir, "import", "--db", "s.sg", "good.nt")
	write(t, dir, "boss.json", `{"verbs": [{"name": "boss", "cardinality": "many-to-one", "iri": "http://ex.org/boss"}]}`)
	ok(t, dir, "schema", "apply", "--db", "s.sg", "boss.json")
	before := takeSnapshot(t, dir, "s.sg")

	longIRI := "<http://ex.org/" + strings.Repeat("x", 1000) + ">"
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"relative IRI", "<http://ex.org/n> <http://ex.org/p> \"ok\" .\n<rel> <http://ex.org/p> \"x\" .\n", "bad.nt:2:1: relative IRI"},
		{"no dot", rdftest.Things(10) + "<http://ex.org/a> <http://ex.org/p> \"x\"\n", "bad.nt:71:"},
		{"bad escape", `<http://ex.org/a> <http://ex.org/p> "\x" .` + "\n", "bad.nt:1:"},
		{"surrogate", `<http://ex.org/a> <http://ex.org/p> "\uD800" .` + "\n", "bad.nt:1:"},
		{"literal subject", `"s" <http://ex.org/p> "x" .` + "\n", "bad.nt:1:1:"},
		{"blank predicate", `<http://ex.org/a> _:p "x" .` + "\n", "bad.nt:1:"},
		{"bad language tag", `<http://ex.org/a> <http://ex.org/p> "x"@1en .` + "\n", "bad.nt:1:"},
		{"bad UTF-8", "<http://ex.org/a> <http://ex.org/p> \"\xff\" .\n", "bad.nt:1:"},
		{"error in a late chunk", rdftest.Things(3000) + "<http://ex.org/a> <http://ex.org/p> .\n", "bad.nt:21001:"},
		// Errors found while writing: the message rolls back.
		{"IRI too long", "<http://ex.org/n> <http://ex.org/p> \"ok\" .\n" + longIRI + " <http://ex.org/p> \"x\" .\n", "bad.nt:2: bad input: IRI of 1014 bytes, an entity's can have at most 1000"},
		{"cardinality", "<http://ex.org/a> <http://ex.org/p> \"new\" .\n<http://ex.org/a> <http://ex.org/boss> <http://ex.org/b> .\n<http://ex.org/a> <http://ex.org/boss> <http://ex.org/c> .\n", "cardinality violated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(t, dir, "bad.nt", tc.doc)
			stderr := fails(t, dir, exitUser, "import", "--db", "s.sg", "--format", "ntriples", "bad.nt")
			assert.Contains(t, stderr, tc.want)
			after := takeSnapshot(t, dir, "s.sg")
			assert.Equal(t, before.stats, after.stats)
			assert.Equal(t, before.query, after.query)
			for name, b := range before.files {
				assert.True(t, bytes.Equal(b, after.files[name]), "%s changed", name)
			}
		})
	}

	// Into a store that did not exist, a failed import leaves no file behind.
	write(t, dir, "bad.nt", "<http://ex.org/n> <http://ex.org/p> \"ok\" .\n"+longIRI+" <http://ex.org/p> \"x\" .\n")
	fails(t, dir, exitUser, "import", "--db", "new.sg", "--format", "ntriples", "bad.nt")
	assert.NoFileExists(t, filepath.Join(dir, "new.sg"))
	assert.NoFileExists(t, filepath.Join(dir, "new.sg-wal"))
}

func TestImportSkipBad(t *testing.T) {
	dir := t.TempDir()
	longIRI := "<http://ex.org/" + strings.Repeat("x", 1000) + ">"
	doc := rdftest.Things(2000) + // 14000 lines, more than one chunk
		"<rel> <http://ex.org/p> \"x\" .\n" +
		"<http://ex.org/a> <http://ex.org/p> \"ok\" .\n" +
		"<http://ex.org/a> <http://ex.org/p> oops .\r\n" +
		longIRI + " <http://ex.org/p> \"x\" .\n" +
		"<http://ex.org/a> <http://ex.org/p> \"last\" ." // no line end
	write(t, dir, "d.nt", doc)
	r := gc(t, dir, "", nil, "import", "--db", "s.sg", "--skip-bad", "d.nt")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "skipped d.nt:14001:1: relative IRI")
	assert.Contains(t, r.stderr, "skipped d.nt:14003:")
	assert.Contains(t, r.stdout, "3 skipped")
	assert.Equal(t, "entity,p\n"+firstField(ok(t, dir, "query", "--db", "s.sg", "-o", "csv", "FIND Resource WHERE HAS p"))+",\"[\"\"last\"\",\"\"ok\"\"]\"\n",
		ok(t, dir, "query", "--db", "s.sg", "-o", "csv", "FIND Resource WHERE HAS p SELECT p"))
}

func TestImportFromStdin(t *testing.T) {
	dir := t.TempDir()
	r := gc(t, dir, rdftest.Things(10), nil, "import", "--db", "s.sg", "--format", "nt", "-")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "imported <stdin>: 70 triples")
	r = gc(t, dir, "<http://ex.org/a> <http://ex.org/p> .\n", nil, "import", "--db", "s.sg", "--format", "nt", "-")
	assert.Equal(t, exitUser, r.code)
	assert.Contains(t, r.stderr, "<stdin>:1:")
}

func TestImportJSONLAndCSV(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "w.jsonl", strings.Join([]string{
		`{"iri": "http://ex.org/g1", "kind": "guild", "set": {"name": "Red"}}`,
		`{"uri": "ic://other/player/7", "kind": "player", "set": {"name": "Ann", "health": 90, "tags": ["a", "b"], "speed": 1.5}, "link": {"member_of": ["<http://ex.org/g1>"]}}`,
		`{"kind": "player", "set": {"name": "Bo", "health": 40, "alive": true}, "link": {"member_of": ["<http://ex.org/g1>"], "likes": ["ic://other/player/7"]}}`,
		``,
	}, "\n"))
	out := ok(t, dir, "import", "--db", "s.sg", "w.jsonl")
	assert.Contains(t, out, "3 records")
	assert.Contains(t, out, "3 entities created")
	sf := schemaJSON(t, dir, "s.sg")
	types := map[string]string{}
	for _, c := range sf.Columns {
		types[c.Name] = c.Type
	}
	assert.Equal(t, map[string]string{"alive": "bool", "health": "int64", "name": "string(507)", "speed": "float64", "tags": "string(507)"}, types)
	assert.Equal(t, "entity,name,health,tags", firstLine(ok(t, dir, "query", "--db", "s.sg", "-o", "csv",
		"FIND player WHERE member_of -> <http://ex.org/g1> SELECT name, health, tags ORDER BY health")))
	q := ok(t, dir, "query", "--db", "s.sg", "-o", "csv", `FIND player WHERE likes -> (FIND player WHERE name = "Ann") SELECT name`)
	assert.Contains(t, q, ",Bo\n")

	// JSON Lines round trip through another store.
	ok(t, dir, "export", "--db", "s.sg", "--format", "jsonl", "out.jsonl")
	ok(t, dir, "import", "--db", "t.sg", "out.jsonl")
	for _, db := range []string{"s.sg", "t.sg"} {
		assert.Equal(t, "name,health,tags\nBo,40,\nAnn,90,\"[\"\"a\"\",\"\"b\"\"]\"\n", dropFirstColumn(ok(t, dir, "query", "--db", db, "-o", "csv",
			"FIND player WHERE member_of -> <http://ex.org/g1> SELECT name, health, tags ORDER BY health")))
	}

	// CSV: export a kind, import it into a fresh store.
	ok(t, dir, "export", "--db", "s.sg", "--format", "csv", "--kind", "player", "p.csv")
	csvText, err := os.ReadFile(filepath.Join(dir, "p.csv"))
	require.NoError(t, err)
	assert.Equal(t, "uri,iri,alive,health,name,speed,tags", firstLine(string(csvText)))
	ok(t, dir, "import", "--db", "u.sg", "--kind", "player", "p.csv")
	assert.Equal(t, "name,health,alive,tags\nBo,40,true,\nAnn,90,,\"[\"\"a\"\",\"\"b\"\"]\"\n", dropFirstColumn(ok(t, dir, "query", "--db", "u.sg", "-o", "csv",
		"FIND player SELECT name, health, alive, tags ORDER BY health")))

	// Bad input: the line and what is wrong.
	write(t, dir, "bad.jsonl", `{"kind": "player"}`+"\n"+`{"kind": "player", "sett": {}}`+"\n")
	assert.Contains(t, fails(t, dir, exitUser, "import", "--db", "s.sg", "bad.jsonl"), `bad.jsonl:2: bad input: json: unknown field "sett"`)
	write(t, dir, "bad.csv", "name,health\nA,1\nB\n")
	assert.Contains(t, fails(t, dir, exitUser, "import", "--db", "s.sg", "--kind", "player", "bad.csv"), "bad.csv:bad input: 3:")
	write(t, dir, "bad2.csv", "name,health\nA,lots\n")
	assert.Contains(t, fails(t, dir, exitUser, "import", "--db", "s.sg", "--kind", "player", "bad2.csv"), `bad2.csv:2: health: bad input`)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// dropFirstColumn removes the first field of every CSV line: the URIs, which differ
// between stores.
func dropFirstColumn(csv string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(csv, "\n") {
		if _, rest, ok := strings.Cut(line, ","); ok {
			b.WriteString(rest)
		}
	}
	return b.String()
}

func TestImportIntoExistingEntities(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.nt", `<http://ex.org/x> <http://ex.org/p> "1" .
<http://ex.org/x> <http://ex.org/q> <http://ex.org/y> .
`)
	write(t, dir, "b.nt", "<http://ex.org/x> "+rdfT+` <http://ex.org/C> .
<http://ex.org/x> <http://ex.org/p> "1" .
<http://ex.org/x> <http://ex.org/p> "2" .
<http://ex.org/y> <http://ex.org/p> "3" .
<http://ex.org/z> `+rdfT+` <http://ex.org/C> .
<http://ex.org/z> <http://ex.org/q> <http://ex.org/x> .
`)
	ok(t, dir, "import", "--db", "s.sg", "a.nt")
	out := ok(t, dir, "import", "--db", "s.sg", "b.nt")
	assert.Contains(t, out, "1 entity created", "x and y are found by their IRIs; z is new; the class C is a kind, not an entity")
	assert.Equal(t, rdftest.Canonical(t, readFile(t, dir, "a.nt")+readFile(t, dir, "b.nt")),
		rdftest.Canonical(t, ok(t, dir, "export", "--db", "s.sg", "--format", "ntriples")))

	sf := schemaJSON(t, dir, "s.sg")
	var cols []string
	for _, c := range sf.Columns {
		cols = append(cols, fmt.Sprintf("%s %s multi=%t", c.Name, c.IRI, c.Multi))
	}
	assert.Equal(t, []string{"p http://ex.org/p multi=false", "p_2 http://ex.org/p multi=true"}, cols,
		"x's second value cannot go to the single-valued p, so a column is added for p's values; multi-valued, as x has two in this import")
	var verbs []string
	for _, v := range sf.Verbs {
		verbs = append(verbs, v.Name)
	}
	assert.Equal(t, []string{"q"}, verbs)
	assert.Equal(t, "count\n1\n", ok(t, dir, "query", "--db", "s.sg", "-o", "csv", "FIND C WHERE q -> <http://ex.org/x> COUNT"))
	assert.Equal(t, "count\n2\n", ok(t, dir, "query", "--db", "s.sg", "-o", "csv", "FIND C COUNT"), "x was a Resource already, and is a C too")
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}

// TestReadmeWalkthrough runs the README's walkthrough on the people.nt it imports.
func TestReadmeWalkthrough(t *testing.T) {
	dir := t.TempDir()
	people, err := filepath.Abs("../../examples/people.nt")
	require.NoError(t, err)
	ok(t, dir, "init", "--db", "world.sgdb", "--canister", "ryjl3-tyaaa-aaaaa-aaaba-cai")
	out := ok(t, dir, "import", "--db", "world.sgdb", people)
	assert.Contains(t, out, ": 8 triples in ")
	assert.Contains(t, out, "\n  2 entities created; 5 values and 1 edge written; 0 skipped\n  1 kind created: Person\n")
	assert.Equal(t, "entity                                     name  age\n"+
		"-----------------------------------------  ----  ---\n"+
		"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/Person/1  Ann    34\n"+
		"(1 row; 5 pages read, 5 estimated)\n",
		ok(t, dir, "query", "--db", "world.sgdb", "FIND Person WHERE age > 30 SELECT name, age"))
	assert.Equal(t, "iri\n----------------\nhttp://ex.org/bo\n(1 row; 3 pages read, 3 estimated)\n",
		ok(t, dir, "query", "--db", "world.sgdb", "--iri", `FIND Person WHERE name = "Beau"@fr`))
	assert.Contains(t, ok(t, dir, "query", "--db", "world.sgdb", "--explain", "FIND Person WHERE age > 30 SELECT name"),
		"estimated: 1 row, 4 distinct pages; at most 4 for the budget check\n")
}
