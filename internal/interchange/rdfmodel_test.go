package interchange

import (
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
	"github.com/stablegraph/stablegraph/query"
)

// rdfGraph is a random RDF graph and the brute-force answers a query over it must give.
type rdfGraph struct {
	lines   []string
	names   map[string]string          // node (IRI or _:label) → its unique name literal
	types   map[string]map[string]bool // node → the class local names its rdf:type triples give
	knows   map[string]map[string]bool // subject → objects of ex:knows
	num     map[string]int64           // node → its ex:n
	nodes   []string                   // every node that becomes an entity
	classes []string
}

// randomRDF makes a graph of n nodes (some blank), each with a unique name, an "id" for
// the blank ones, zero to three types among five classes, ex:knows edges and an ex:n.
func randomRDF(r *rand.Rand, n int) *rdfGraph {
	const rdfT = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
	g := &rdfGraph{names: map[string]string{}, types: map[string]map[string]bool{}, knows: map[string]map[string]bool{}, num: map[string]int64{}}
	for c := range 5 {
		g.classes = append(g.classes, fmt.Sprintf("C%d", c))
	}
	term := func(node string) string {
		if strings.HasPrefix(node, "_:") {
			return node
		}
		return "<" + node + ">"
	}
	for i := range n {
		node := fmt.Sprintf("http://ex.org/n%d", i)
		if r.IntN(5) == 0 {
			node = fmt.Sprintf("_:x%d", i)
			g.lines = append(g.lines, fmt.Sprintf(`%s <http://ex.org/id> "x%d" .`, node, i))
		}
		g.nodes = append(g.nodes, node)
		g.names[node] = fmt.Sprintf("name%d", i)
		g.lines = append(g.lines, fmt.Sprintf(`%s <http://ex.org/name> "name%d" .`, term(node), i))
		g.types[node] = map[string]bool{}
		for range r.IntN(4) {
			c := g.classes[r.IntN(len(g.classes))]
			g.types[node][c] = true
			g.lines = append(g.lines, fmt.Sprintf("%s %s <http://ex.org/%s> .", term(node), rdfT, c))
		}
		if r.IntN(2) == 0 {
			v := r.Int64N(100) - 20
			g.num[node] = v
			g.lines = append(g.lines, fmt.Sprintf(`%s <http://ex.org/n> "%d"^^<http://www.w3.org/2001/XMLSchema#integer> .`, term(node), v))
		}
	}
	for _, s := range g.nodes {
		for range r.IntN(3) {
			o := g.nodes[r.IntN(len(g.nodes))]
			if g.knows[s] == nil {
				g.knows[s] = map[string]bool{}
			}
			g.knows[s][o] = true
			g.lines = append(g.lines, fmt.Sprintf("%s <http://ex.org/knows> %s .", term(s), term(o)))
		}
	}
	return g
}

// doc returns the graph's lines in an order shuffled by seed, with a duplicate or two.
func (g *rdfGraph) doc(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	lines := slices.Clone(g.lines)
	lines = append(lines, lines[r.IntN(len(lines))])
	r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	return strings.Join(lines, "\n") + "\n"
}

// members returns the names of the nodes of kind k: those typed k, or for Resource those
// with no type.
func (g *rdfGraph) members(k string, keep func(node string) bool) []string {
	var out []string
	for _, node := range g.nodes {
		in := g.types[node][k] || k == resourceKind && len(g.types[node]) == 0
		if in && keep(node) {
			out = append(out, g.names[node])
		}
	}
	slices.Sort(out)
	return out
}

// TestTypesAreSets imports one random graph in two line orders, each in one message, and
// in a third order in batches of a few lines each, and checks, against a brute-force
// evaluation of the graph, that every kind holds every entity an rdf:type names it in,
// that each entity's own kind is its least type IRI's, that every store answers every
// query with the same IRIs (the one-message stores in the same order too), and that every
// export is the graph again.
func TestTypesAreSets(t *testing.T) {
	seed := testutil.Seed(t, 17)
	r := rand.New(rand.NewPCG(seed, 1))
	defer func(n int) { chunkSize = n }(chunkSize)
	for round := range 3 {
		g := randomRDF(r, 40+r.IntN(40))
		var dbs []*entity.DB
		var docs []string
		for order := range 3 {
			db := openDB(t)
			doc := g.doc(seed + uint64(round*3+order))
			if order < 2 {
				_, err := importNT(t, db, doc, Options{})
				require.NoError(t, err)
			} else {
				// Chunks of a few lines, and so batches of a few lines: a node's lines,
				// its types among them, fall in several batches.
				chunkSize = 100 + r.IntN(200)
				_, batches, err := importBatches(t, db, doc, 1, 0, 0)
				chunkSize = 1 << 20
				require.NoError(t, err)
				require.Greater(t, batches, 10, "the document spans many batches")
			}
			dbs, docs = append(dbs, db), append(docs, doc)
		}
		want := rdftest.Canonical(t, docs[0])
		for _, db := range dbs {
			assert.Equal(t, want, rdftest.Canonical(t, exportNT(t, db)), "the export is the graph again")
			assert.Equal(t, want, rdftest.Canonical(t, exportNT(t, viaJSONL(t, db))), "and so is it through JSON Lines")
			require.NoError(t, db.View(func(tx *entity.Tx) error {
				_, err := entity.Check(tx)
				return err
			}))
		}

		run := func(db *entity.DB, q string) [][]any {
			res, err := query.Exec(db, q, query.RunOptions{})
			require.NoError(t, err, q)
			require.Empty(t, res.Warnings, q)
			var rows [][]any
			for _, row := range res.Rows {
				rows = append(rows, row[1:])
			}
			return rows
		}
		names := func(rows [][]any) []string {
			var out []string
			for _, row := range rows {
				out = append(out, row[len(row)-1].(string))
			}
			slices.Sort(out)
			return out
		}
		target := g.nodes[r.IntN(len(g.nodes))]
		for _, k := range append(slices.Clone(g.classes), resourceKind) {
			all := func(string) bool { return true }
			queries := map[string][]string{
				"FIND " + k + " SELECT name":                    g.members(k, all),
				"FIND " + k + " WHERE n > 10 SELECT name":       g.members(k, func(n string) bool { v, ok := g.num[n]; return ok && v > 10 }),
				"FIND " + k + " WHERE NOT n <= 10 SELECT name":  g.members(k, func(n string) bool { v, ok := g.num[n]; return !ok || v > 10 }),
				"FIND " + k + " WHERE knows -> ANY SELECT name": g.members(k, func(n string) bool { return len(g.knows[n]) > 0 }),
				"FIND " + k + " WHERE knows -> (FIND C1) SELECT name": g.members(k, func(n string) bool {
					for o := range g.knows[n] {
						if g.types[o]["C1"] {
							return true
						}
					}
					return false
				}),
			}
			if !strings.HasPrefix(target, "_:") {
				queries["FIND "+k+" WHERE knows -> <"+target+"> SELECT name"] = g.members(k, func(n string) bool { return g.knows[n][target] })
			}
			if k == resourceKind && len(g.members(k, all)) == 0 {
				continue // no such kind in the store
			}
			for q, w := range queries {
				a, b, c := run(dbs[0], q), run(dbs[1], q), run(dbs[2], q)
				assert.Equal(t, w, names(a), "seed %d round %d: %s", seed, round, q)
				assert.Equal(t, names(a), names(b), "seed %d round %d: %s in the other order", seed, round, q)
				assert.Equal(t, names(a), names(c), "seed %d round %d: %s imported in batches", seed, round, q)
			}
			// The same IRIs, in the same order, in both one-message stores; the batched
			// store numbers its entities batch by batch: the same IRIs in another order,
			// and other labels for blank nodes.
			q := "FIND " + k + " SELECT IRI, name"
			assert.Equal(t, run(dbs[0], q), run(dbs[1], q), "seed %d round %d: %s", seed, round, q)
			sorted := func(rows [][]any) []string {
				var out []string
				for _, row := range rows {
					iri := fmt.Sprint(row[0])
					if strings.HasPrefix(iri, "_:") {
						iri = "_:" // named after its entity ID
					}
					out = append(out, fmt.Sprint(iri, " ", row[1]))
				}
				slices.Sort(out)
				return out
			}
			assert.Equal(t, sorted(run(dbs[0], q)), sorted(run(dbs[2], q)), "seed %d round %d: %s imported in batches", seed, round, q)
		}

		// Each entity's own kind is its least type IRI's, the same in both stores.
		for _, db := range dbs {
			require.NoError(t, db.View(func(tx *entity.Tx) error {
				for _, node := range g.nodes {
					if strings.HasPrefix(node, "_:") {
						continue
					}
					id, ok := tx.ByIRI(node)
					require.True(t, ok, node)
					k, err := tx.KindOf(id)
					require.NoError(t, err)
					want := resourceKind
					if ts := g.types[node]; len(ts) > 0 {
						want = slices.Min(slices.Collect(maps.Keys(ts)))
					}
					assert.Equal(t, want, k.Name(), node)
				}
				return nil
			}))
		}
	}
}

// viaJSONL exports db as JSON Lines and imports that into a new store.
func viaJSONL(t *testing.T, db *entity.DB) *entity.DB {
	t.Helper()
	out := openScoped(t, scopeB)
	r, err := ParseJSONL(strings.NewReader(export(t, db, WriteJSONL)), "x.jsonl", Options{})
	require.NoError(t, err)
	var st Summary
	require.NoError(t, out.Update(func(tx *entity.Tx) error { return r.Apply(tx, &st) }))
	return out
}

// TestJSONLKeepsRDF checks that N-Triples → JSON Lines → N-Triples gives the same graph
// for every case of the mapping: predicate IRIs, datatypes, language tags, blank nodes,
// several types.
func TestJSONLKeepsRDF(t *testing.T) {
	db := openDB(t)
	_, err := importNT(t, db, rdftest.EveryCase, Options{})
	require.NoError(t, err)
	again := viaJSONL(t, db)
	assert.Equal(t, rdftest.Canonical(t, rdftest.EveryCase), rdftest.Canonical(t, exportNT(t, again)))
	assert.Equal(t, columnTypes(t, db), columnTypes(t, again))

	// Without its schema line, the records still import, with names for predicates.
	lines := strings.SplitAfterN(export(t, db, WriteJSONL), "\n", 2)
	require.True(t, strings.HasPrefix(lines[0], `{"schema":{"kinds":[`), lines[0])
	r, err := ParseJSONL(strings.NewReader(lines[1]), "x.jsonl", Options{})
	require.NoError(t, err)
	bare := openScoped(t, scopeB)
	var st Summary
	require.NoError(t, bare.Update(func(tx *entity.Tx) error { return r.Apply(tx, &st) }))
	assert.Contains(t, exportNT(t, bare), "/name_3>", "predicates without their IRIs are minted from names")

	// A schema line anywhere but first is a record like any other, and refused as one.
	_, err = ParseJSONL(strings.NewReader(lines[1]+lines[0]), "x.jsonl", Options{})
	assert.ErrorIs(t, err, ErrBadInput)
	_, err = ParseJSONL(strings.NewReader(`{"schema": {"kinds": [{"name": "K", "color": "red"}]}}`), "x.jsonl", Options{})
	assert.ErrorContains(t, err, "x.jsonl:1: bad input")
}

// TestLosses checks what each format says it cannot carry.
func TestLosses(t *testing.T) {
	db := openDB(t)
	_, err := importNT(t, db, rdftest.EveryCase, Options{})
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		person, ok := tx.Kind("Person")
		require.True(t, ok)
		all, err := ExportKinds(tx, "")
		require.NoError(t, err)
		assert.Nil(t, Losses(tx, "jsonl", all))
		assert.Nil(t, Losses(tx, "ntriples", all), "what came from RDF goes back whole")
		notes := Losses(tx, "csv", []*entity.Kind{person})
		require.Len(t, notes, 3)
		assert.Equal(t, "CSV holds no edges: those of knows are not written", notes[0])
		assert.Contains(t, notes[1], "CSV holds no predicate IRIs, datatypes or language tags: those of admin, admin_2, age")
		assert.Equal(t, "CSV holds one kind: the other kinds its entities belong to (1) are not written", notes[2])
		return nil
	}))
}

// litVal is an RDF literal as SPARQL compares it: a number (of any numeric datatype), a
// plain string, a language-tagged string, or a value of another datatype.
type litVal struct {
	num      *big.Rat // numbers: exact, across datatypes
	str      string
	lang     string
	datatype string // other datatypes, compared as distinct values
}

// TestOneNamePerPredicate imports random literals of one predicate in many datatypes
// (integers of every derived type, beyond int64 too, decimals, doubles, floats, plain and
// tagged strings, dates, spellings an import keeps as strings) and checks every comparison
// of the predicate's name with a number or a string against a brute-force evaluation of
// SPARQL's rules: numbers compare by value across datatypes, a string never equals or
// compares with a number, a tagged string only with the same tag.
func TestOneNamePerPredicate(t *testing.T) {
	seed := testutil.Seed(t, 23)
	r := rand.New(rand.NewPCG(seed, 2))
	type lit struct {
		text string // the N-Triples object
		v    litVal
	}
	rat := func(s string) *big.Rat {
		q, ok := new(big.Rat).SetString(s)
		require.True(t, ok, s)
		return q
	}
	gen := func() lit {
		n := r.IntN(120) - 30
		switch r.IntN(11) {
		case 0:
			return lit{fmt.Sprintf(`"%d"^^<%sinteger>`, n, xsd), litVal{num: big.NewRat(int64(n), 1)}}
		case 1:
			dt := []string{"int", "long", "short", "byte", "nonNegativeInteger", "unsignedInt", "unsignedLong"}[r.IntN(7)]
			n = max(n, 0)
			return lit{fmt.Sprintf(`"%d"^^<%s%s>`, n, xsd, dt), litVal{num: big.NewRat(int64(n), 1)}}
		case 2:
			s := []string{"18446744073709551615", "9223372036854775808", "12345678901234567890"}[r.IntN(3)]
			return lit{`"` + s + `"^^<` + xsd + `unsignedLong>`, litVal{num: rat(s)}}
		case 3:
			s := fmt.Sprintf("%d.%d", n, 1+r.IntN(9))
			return lit{`"` + s + `"^^<` + xsd + `decimal>`, litVal{num: rat(s)}}
		case 4:
			f := float64(n) + 0.25
			s := strconv.FormatFloat(f, 'g', -1, 64)
			return lit{`"` + s + `"^^<` + xsd + `double>`, litVal{num: rat(s)}}
		case 5:
			return lit{fmt.Sprintf(`"%d"`, n), litVal{str: strconv.Itoa(n)}}
		case 6:
			s := []string{"a", "b", "fifty", "50"}[r.IntN(4)]
			return lit{`"` + s + `"@` + []string{"en", "fr"}[r.IntN(2)], litVal{str: s}}
		case 7:
			s := []string{"a", "b", "50"}[r.IntN(3)]
			return lit{`"` + s + `"`, litVal{str: s}}
		case 8:
			return lit{`"2020-01-0` + strconv.Itoa(1+r.IntN(3)) + `"^^<` + xsd + `date>`, litVal{str: "2020-01-01", datatype: "date"}}
		case 9:
			// Spellings an import keeps as text to write them back exactly: still numbers.
			switch r.IntN(3) {
			case 0:
				return lit{fmt.Sprintf(`"0%d"^^<%sinteger>`, max(n, 1), xsd), litVal{num: big.NewRat(int64(max(n, 1)), 1)}}
			case 1:
				return lit{fmt.Sprintf(`"%d.0"^^<%sdecimal>`, n, xsd), litVal{num: big.NewRat(int64(n), 1)}}
			}
			return lit{fmt.Sprintf(`"%d.50E0"^^<%sdouble>`, n, xsd), litVal{num: rat(fmt.Sprintf("%d.5", n))}}
		}
		return lit{fmt.Sprintf(`"%d"^^<%sint>`, n, xsd), litVal{num: big.NewRat(int64(n), 1)}}
	}
	for round := range 3 {
		db := openDB(t)
		var lines []string
		vals := map[string][]litVal{} // subject name → its values
		var subjects []string
		for i := range 60 {
			s := fmt.Sprintf("s%d", i)
			subjects = append(subjects, s)
			lines = append(lines, fmt.Sprintf(`<http://ex.org/%s> <http://ex.org/name> "%s" .`, s, s))
			seen := map[string]bool{}
			for range r.IntN(3) {
				l := gen()
				if seen[l.text] {
					continue
				}
				seen[l.text] = true
				if l.v.lang == "" && strings.Contains(l.text, `"@`) {
					l.v.lang = l.text[strings.LastIndexByte(l.text, '@')+1:]
				}
				if l.v.datatype == "date" {
					l.v.str = l.text[1:11]
				}
				vals[s] = append(vals[s], l.v)
				lines = append(lines, fmt.Sprintf(`<http://ex.org/%s> <http://ex.org/factor> %s .`, s, l.text))
			}
		}
		_, err := importNT(t, db, strings.Join(lines, "\n")+"\n", Options{})
		require.NoError(t, err)
		require.Equal(t, rdftest.Canonical(t, strings.Join(lines, "\n")+"\n"), rdftest.Canonical(t, exportNT(t, db)))

		type check struct {
			q    string
			want func(litVal) bool
		}
		var checks []check
		for range 30 {
			op := []string{"=", "!=", "<", "<=", ">", ">="}[r.IntN(6)]
			cmpRat := func(c int) bool {
				return map[string]bool{"=": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
			}
			switch r.IntN(4) {
			case 0:
				n := r.IntN(120) - 30
				checks = append(checks, check{fmt.Sprintf("factor %s %d", op, n), func(v litVal) bool {
					return v.num != nil && cmpRat(v.num.Cmp(big.NewRat(int64(n), 1)))
				}})
			case 1:
				f := float64(r.IntN(240)-60) / 2
				checks = append(checks, check{fmt.Sprintf("factor %s %s", op, strconv.FormatFloat(f, 'f', 1, 64)), func(v litVal) bool {
					return v.num != nil && cmpRat(v.num.Cmp(new(big.Rat).SetFloat64(f)))
				}})
			case 2:
				s := []string{"a", "b", "50", "fifty", "2020-01-02"}[r.IntN(5)]
				checks = append(checks, check{fmt.Sprintf("factor %s %q", op, s), func(v litVal) bool {
					return v.num == nil && v.lang == "" && cmpRat(strings.Compare(v.str, s))
				}})
			case 3:
				s := []string{"a", "b", "fifty", "50"}[r.IntN(4)]
				lang := []string{"en", "fr"}[r.IntN(2)]
				eq := r.IntN(2) == 0
				op := map[bool]string{true: "=", false: "!="}[eq]
				checks = append(checks, check{fmt.Sprintf("factor %s %q@%s", op, s, lang), func(v litVal) bool {
					return v.lang != "" && (v.str == s && v.lang == lang) == eq
				}})
			}
		}
		for _, c := range checks {
			var want []string
			for _, s := range subjects {
				if slices.ContainsFunc(vals[s], c.want) {
					want = append(want, s)
				}
			}
			res, err := query.Exec(db, "FIND Resource WHERE "+c.q+" SELECT name", query.RunOptions{})
			require.NoError(t, err, c.q)
			var got []string
			for _, row := range res.Rows {
				got = append(got, row[1].(string))
			}
			slices.Sort(got)
			slices.Sort(want)
			assert.Equal(t, want, got, "seed %d round %d: %s", seed, round, c.q)
		}
	}
}
