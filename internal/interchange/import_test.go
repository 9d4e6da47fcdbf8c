package interchange

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
	"github.com/stablegraph/stablegraph/uri"
)

const xsd = "http://www.w3.org/2001/XMLSchema#"

// The scopes of the stores the tests import into.
const scopeA, scopeB = "ryjl3-tyaaa-aaaaa-aaaba-cai", "rrkah-fqaaa-aaaaa-aaaaq-cai"

func openDB(t *testing.T) *entity.DB { return openScoped(t, scopeA) }

func openScoped(t *testing.T, scope string) *entity.DB {
	t.Helper()
	sc, err := uri.ParseScope(scope)
	require.NoError(t, err)
	return testutil.OpenDB(t, nil, &entity.Options{Scope: sc})
}

// importNT parses doc and applies it to db in one Update.
func importNT(t *testing.T, db *entity.DB, doc string, opts Options) (Summary, error) {
	t.Helper()
	d, err := ParseNTriples(t.Context(), strings.NewReader(doc), "d.nt", opts)
	require.NoError(t, err)
	var st Summary
	err = db.Update(func(tx *entity.Tx) error { return d.Apply(tx, &st) })
	return st, err
}

// exportNT writes every kind of db as N-Triples.
func exportNT(t *testing.T, db *entity.DB) string { return export(t, db, WriteNTriples) }

// export writes every kind of db with write.
func export(t *testing.T, db *entity.DB, write func(*entity.Tx, io.Writer, []*entity.Kind) (int64, error)) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		kinds, err := ExportKinds(tx, "")
		require.NoError(t, err)
		_, err = write(tx, &b, kinds)
		return err
	}))
	return b.String()
}

// columnTypes returns the type of every column of db, by name.
func columnTypes(t *testing.T, db *entity.DB) map[string]string {
	t.Helper()
	types := map[string]string{}
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		for _, c := range column.Columns(tx) {
			types[c.Name()] = c.Type().String()
		}
		return nil
	}))
	return types
}

// TestApplyEveryCase imports the document with every case of the mapping and checks what
// Apply reports and that the export gives back the same triples.
func TestApplyEveryCase(t *testing.T) {
	db := openDB(t)
	st, err := importNT(t, db, rdftest.EveryCase, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"Resource", "Person", "Agent"}, st.Kinds, "the default kind's name is claimed first, then in IRI order")
	assert.Equal(t, []string{"knows"}, st.Verbs, "rdf:type with IRI objects makes kinds, not a verb")
	assert.ElementsMatch(t, []string{"admin", "admin_2", "age", "age_2", "count", "count_2", "height", "id", "knows_2", "label",
		"name", "name_2", "name_3", "nick", "p", "plain", "ratio", "type", "weight", "when"}, st.Columns)
	assert.Equal(t, Summary{Entities: 8, Values: 26, Edges: 3}, Summary{Entities: st.Entities, Values: st.Values, Edges: st.Edges},
		"a duplicate triple is one edge")
	assert.Equal(t, rdftest.Canonical(t, rdftest.EveryCase), rdftest.Canonical(t, exportNT(t, db)))

	// Applied again, it finds every IRI in the store and adds only what blank nodes stand
	// for: two new entities, each with its id, and the two edges to them.
	st, err = importNT(t, db, rdftest.EveryCase, Options{})
	require.NoError(t, err)
	assert.Equal(t, Summary{Entities: 2, Values: 2, Edges: 2}, st)
}

// TestLiteralTypeChangeBetweenImports imports a predicate's literals as integers, then the
// same predicate's literals as strings, booleans and doubles: each class goes to a column
// of its own type, never to the integer column the first import made.
func TestLiteralTypeChangeBetweenImports(t *testing.T) {
	db := openDB(t)
	_, err := importNT(t, db, `<http://ex.org/a> <http://ex.org/p> "42"^^<`+xsd+`integer> .
`, Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"p": "int64"}, columnTypes(t, db))

	second := `<http://ex.org/b> <http://ex.org/p> "abc" .
<http://ex.org/c> <http://ex.org/p> "true"^^<` + xsd + `boolean> .
<http://ex.org/d> <http://ex.org/p> "0.5"^^<` + xsd + `double> .
<http://ex.org/a> <http://ex.org/p> "text for a" .
<http://ex.org/e> <http://ex.org/p> "7"^^<` + xsd + `integer> .
`
	st, err := importNT(t, db, second, Options{})
	require.NoError(t, err, "a literal of another type than the column's makes a column of its type")
	assert.Equal(t, []string{"p_2", "p_3", "p_4"}, st.Columns)
	assert.Equal(t, map[string]string{"p": "int64", "p_2": "string(507)", "p_3": "bool", "p_4": "float64"}, columnTypes(t, db))
	assert.Equal(t, int64(5), st.Values)
	first := `<http://ex.org/a> <http://ex.org/p> "42"^^<` + xsd + `integer> .` + "\n"
	assert.Equal(t, rdftest.Canonical(t, first+second), rdftest.Canonical(t, exportNT(t, db)))
	require.NoError(t, db.View(func(tx *entity.Tx) error { return tx.CheckStore() }))
}

// TestApplyRollsBack applies a document that fails half way, in a message that then rolls
// back: the store is as it was, and the kinds the import created are gone.
func TestApplyRollsBack(t *testing.T) {
	db := openDB(t)
	_, err := importNT(t, db, rdftest.Things(3), Options{})
	require.NoError(t, err)
	before := exportNT(t, db)
	long := "<http://ex.org/" + strings.Repeat("x", entity.MaxIRI) + ">"
	doc := "<http://ex.org/n> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/New> .\n" +
		long + ` <http://ex.org/p> "x" .` + "\n"
	_, err = importNT(t, db, doc, Options{})
	require.ErrorIs(t, err, ErrBadInput)
	assert.ErrorContains(t, err, "d.nt:2: bad input: IRI of 1014 bytes")
	assert.Equal(t, before, exportNT(t, db))
	_, err = db.Kind("New")
	assert.ErrorIs(t, err, entity.ErrNoKind)

	st, err := importNT(t, db, doc, Options{SkipBad: true})
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Skipped, "the triple of the long IRI")
	assert.Equal(t, []string{"New"}, st.Kinds)
}

// TestRecordsRoundTrip imports JSON Lines records, exports them as JSON Lines and imports
// that into another store: the same entities, values and edges.
func TestRecordsRoundTrip(t *testing.T) {
	in := strings.Join([]string{
		`{"iri": "http://ex.org/g1", "kind": "guild", "set": {"name": "Red"}}`,
		`{"uri": "ic://other/player/7", "kind": "player", "set": {"name": "Ann", "health": 90, "tags": ["a", "b"]}, "link": {"member_of": ["<http://ex.org/g1>"]}}`,
		`{"kind": "player", "other_kinds": ["hero", "guild"], "set": {"name": "Bo", "health": 40}, "link": {"member_of": ["<http://ex.org/g1>"], "likes": ["ic://other/player/7"]}}`,
	}, "\n")
	apply := func(db *entity.DB, doc string) Summary {
		r, err := ParseJSONL(strings.NewReader(doc), "in.jsonl", Options{})
		require.NoError(t, err)
		assert.Equal(t, int64(3), r.Read())
		var st Summary
		require.NoError(t, db.Update(func(tx *entity.Tx) error { return r.Apply(tx, &st) }))
		return st
	}
	a := openDB(t)
	st := apply(a, in)
	assert.Equal(t, Summary{Entities: 3, Values: 7, Edges: 3, Kinds: []string{"guild", "hero", "player"},
		Columns: []string{"health", "name", "tags"}, Verbs: []string{"likes", "member_of"}}, st)
	out := export(t, a, WriteJSONL)
	b := openScoped(t, scopeB)
	apply(b, out)
	assert.Equal(t, out, strings.ReplaceAll(export(t, b, WriteJSONL), scopeB, scopeA), "the same records and IDs, in another store")
	assert.Contains(t, out, `"kind":"player","other_kinds":["guild","hero"]`)
}

func TestExportKindsSuggests(t *testing.T) {
	db := openDB(t)
	_, err := importNT(t, db, rdftest.Things(1), Options{})
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		_, err := ExportKinds(tx, "Thng")
		assert.ErrorIs(t, err, entity.ErrNoKind)
		assert.ErrorContains(t, err, `did you mean "Thing"?`)
		ks, err := ExportKinds(tx, "Thing")
		require.NoError(t, err)
		require.Len(t, ks, 1)
		return nil
	}))
}
