package interchange

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
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

// TestTypesAreSets imports one random graph in two line orders and checks, against a
// brute-force evaluation of the graph, that every kind holds every entity an rdf:type
// names it in, that each entity's own kind is its least type IRI's, that both stores
// answer every query with the same IRIs, and that both exports are the graph again.
func TestTypesAreSets(t *testing.T) {
	seed := testutil.Seed(t, 17)
	r := rand.New(rand.NewPCG(seed, 1))
	for round := range 3 {
		g := randomRDF(r, 40+r.IntN(40))
		var dbs []*entity.DB
		var docs []string
		for order := range 2 {
			db := openDB(t)
			doc := g.doc(seed + uint64(round*2+order))
			_, err := importNT(t, db, doc, Options{})
			require.NoError(t, err)
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
				a, b := run(dbs[0], q), run(dbs[1], q)
				assert.Equal(t, w, names(a), "seed %d round %d: %s", seed, round, q)
				assert.Equal(t, names(a), names(b), "seed %d round %d: %s in the other order", seed, round, q)
			}
			// The same IRIs, in the same order, in both stores.
			q := "FIND " + k + " SELECT IRI, name"
			assert.Equal(t, run(dbs[0], q), run(dbs[1], q), "seed %d round %d: %s", seed, round, q)
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
