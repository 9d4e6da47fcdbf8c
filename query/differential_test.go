package query

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// colSpec is a column the random graphs may have: its type, and pools of the values the
// entities hold and of the literals queries compare them with. Literals go past what the
// column can hold (300 for an int8, -1 for a uint16, a string longer than MaxLen) so that
// the binder's clamping is put to the test.
type colSpec struct {
	name  string
	typ   column.Type
	multi bool
	vals  []any     // stored values, as column Values
	lits  []Literal // literals for comparisons
}

func ints(xs ...int64) []Literal {
	out := make([]Literal, len(xs))
	for i, x := range xs {
		out[i] = Literal{Kind: LitInt, Int: x}
	}
	return out
}

func floats(xs ...float64) []Literal {
	out := make([]Literal, len(xs))
	for i, x := range xs {
		out[i] = Literal{Kind: LitFloat, Float: x}
	}
	return out
}

func strs(xs ...string) []Literal {
	out := make([]Literal, len(xs))
	for i, x := range xs {
		out[i] = Literal{Kind: LitString, Str: x}
	}
	return out
}

func f32(x float64) float64 { return float64(float32(x)) }

var colSpecs = []colSpec{
	{name: "i8", typ: column.ScalarType(column.Int8),
		vals: []any{int64(-3), int64(-1), int64(0), int64(1), int64(2), int64(5), int64(-128), int64(127)},
		lits: ints(-129, -128, -3, -2, 0, 1, 2, 4, 5, 127, 128, 300)},
	{name: "i64", typ: column.ScalarType(column.Int64),
		vals: []any{int64(-7), int64(0), int64(3), int64(4), int64(1 << 40), int64(math.MinInt64)},
		lits: ints(math.MinInt64, -8, -7, 0, 3, 4, 5, 1<<40, math.MaxInt64)},
	{name: "u16", typ: column.ScalarType(column.Uint16),
		vals: []any{uint64(0), uint64(1), uint64(2), uint64(6), uint64(65535)},
		lits: ints(-5, -1, 0, 1, 2, 3, 6, 65535, 65536, 1<<40)},
	{name: "f32", typ: column.ScalarType(column.Float32),
		vals: []any{f32(-1.5), f32(0.1), f32(0), f32(0.3), f32(1), f32(2.5), f32(1e30)},
		lits: append(floats(-1.5, 0.1, 0.3, 0.30000001, 1, 2.5, 1e30, 3.5e38, -1e300, 1e300, 0.25), ints(0, 1, 2)...)},
	{name: "f64", typ: column.ScalarType(column.Float64),
		vals: []any{-1.5, 0.1, 0.0, 0.3, 1.0, 2.5, 1e300},
		lits: append(floats(-1.5, 0.1, 0.3, 0.30000001, 1, 2.5, 1e300, -1e300), ints(-2, 0, 1, 3)...)},
	{name: "s", typ: column.StringType(3),
		vals: []any{"", "a", "ab", "abc", "b", "ba"},
		lits: strs("", "a", "aa", "ab", "abc", "abcd", "abd", "b", "ba", "bzzz", "c")},
	{name: "by", typ: column.BytesType(3),
		vals: []any{[]byte{}, []byte("a"), []byte("ab"), []byte("abc"), []byte("b")},
		lits: strs("", "a", "ab", "abc", "abcd", "b", "bb")},
	{name: "ok", typ: column.ScalarType(column.Bool),
		vals: []any{false, true},
		lits: []Literal{{Kind: LitBool, Bool: false}, {Kind: LitBool, Bool: true}}},
	{name: "ms", typ: column.StringType(2), multi: true,
		vals: []any{"a", "b", "c", "ab", "zz"},
		lits: strs("", "a", "ab", "abc", "b", "c", "zz", "zzz")},
	{name: "mi", typ: column.ScalarType(column.Int16), multi: true,
		vals: []any{int64(-2), int64(0), int64(1), int64(3), int64(32767)},
		lits: ints(-40000, -2, 0, 1, 2, 3, 32767, 40000)},
}

// randomGraph is one random store and its model.
type randomGraph struct {
	db    *entity.DB
	m     *model
	kinds []string
	cols  []colSpec
	verbs []string
	iri   map[uint64]string // entities with an IRI
	live  []uint64          // live entities, ascending
	scope uri.Scope
}

// newRandomGraph builds a store with 2 or 3 kinds, every column of colSpecs (each indexed
// or not at random), three verbs (two many-to-many with cycles and self loops, one
// many-to-one), some IRIs, and then deletes a few entities, all mirrored in a model.
func newRandomGraph(t testing.TB, r *rand.Rand, maxEntities int) *randomGraph {
	t.Helper()
	s := entity.NewSchema()
	g := &randomGraph{m: newModel(), iri: map[uint64]string{}, scope: fixtureScope}
	kinds := map[string]*entity.Kind{}
	for i := range 2 + r.IntN(2) {
		name := []string{"a", "b", "Cc"}[i]
		g.kinds = append(g.kinds, name)
		kinds[name] = s.Kind(name)
	}
	dyns := map[string]*column.Dyn{}
	for _, c := range colSpecs {
		var opts []column.Option
		if r.IntN(2) == 0 {
			opts = append(opts, column.Indexed())
		}
		if c.multi {
			opts = append(opts, column.Multi())
		}
		dyns[c.name] = column.DefineDyn(s, c.name, c.typ, opts...)
		g.cols = append(g.cols, c)
		g.m.cols[c.name] = &modelCol{vals: map[uint64][]any{}}
	}
	verbs := map[string]*verb.Verb{
		"knows":  verb.Define(s, "knows"),
		"likes":  verb.Define(s, "likes"),
		"parent": verb.Define(s, "parent", verb.ManyToOne()),
	}
	g.verbs = []string{"knows", "likes", "parent"}
	for _, v := range g.verbs {
		g.m.verbs[v] = map[[2]uint64]bool{}
	}
	g.db = testutil.OpenDB(t, s, &entity.Options{Scope: g.scope})

	n := 1 + r.IntN(maxEntities)
	require.NoError(t, g.db.Update(func(tx *entity.Tx) error {
		var ids []uint64
		for range n {
			kind := g.kinds[r.IntN(len(g.kinds))]
			id, err := kinds[kind].New(tx)
			if err != nil {
				return err
			}
			ids = append(ids, uint64(id))
			g.m.kindOf[uint64(id)] = kind
			if r.IntN(4) == 0 {
				iri := "http://example.org/e" + strconv.FormatUint(uint64(id), 10)
				if err := tx.SetIRI(id, iri); err != nil {
					return err
				}
				g.iri[uint64(id)] = iri
				g.m.iris[iri] = uint64(id)
			}
			for _, c := range g.cols {
				if r.IntN(10) < 3 {
					continue
				}
				d := dyns[c.name]
				if !c.multi {
					v := c.vals[r.IntN(len(c.vals))]
					if err := d.Set(tx, id, v); err != nil {
						return fmt.Errorf("set %s = %v: %w", c.name, v, err)
					}
					g.m.cols[c.name].vals[uint64(id)] = []any{v}
					continue
				}
				for range 1 + r.IntN(3) {
					v := c.vals[r.IntN(len(c.vals))]
					if err := d.Add(tx, id, v); err != nil {
						return err
					}
					mv := g.m.cols[c.name].vals[uint64(id)]
					if !slices.ContainsFunc(mv, func(x any) bool { return modelCompareValues(x, v) == 0 }) {
						g.m.cols[c.name].vals[uint64(id)] = append(mv, v)
					}
				}
			}
		}
		for _, vn := range g.verbs {
			v := verbs[vn]
			edges := r.IntN(2*n + 1)
			for range edges {
				s, o := ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]
				if vn == "parent" {
					if v.OutDegree(tx, entity.ID(s)) > 0 {
						continue
					}
				}
				if err := v.Link(tx, entity.ID(s), entity.ID(o)); err != nil {
					return err
				}
				g.m.verbs[vn][[2]uint64{s, o}] = true
			}
		}
		// Delete a few entities: they leave their kind, columns, edges and IRI.
		for _, id := range ids {
			if r.IntN(20) != 0 {
				continue
			}
			if err := tx.Delete(entity.ID(id)); err != nil {
				return err
			}
			delete(g.m.kindOf, id)
			for _, c := range g.m.cols {
				delete(c.vals, id)
			}
			for _, es := range g.m.verbs {
				for e := range es {
					if e[0] == id || e[1] == id {
						delete(es, e)
					}
				}
			}
			if iri, ok := g.iri[id]; ok {
				delete(g.m.iris, iri)
				delete(g.iri, id)
			}
		}
		return nil
	}))
	g.m.finish()
	for id, k := range g.m.kindOf {
		g.m.byKind[k] = append(g.m.byKind[k], id)
		g.live = append(g.live, id)
	}
	for _, ids := range g.m.byKind {
		slices.Sort(ids)
	}
	slices.Sort(g.live)
	return g
}

// queryGen generates random queries over a randomGraph.
type queryGen struct {
	r *rand.Rand
	g *randomGraph
}

func (qg *queryGen) pick(n int) int { return qg.r.IntN(n) }

func (qg *queryGen) col() colSpec { return qg.g.cols[qg.pick(len(qg.g.cols))] }

func (qg *queryGen) query(sub bool, depth int) *Query {
	r := qg.r
	q := &Query{Kind: Name{Name: qg.g.kinds[qg.pick(len(qg.g.kinds))]}}
	if r.IntN(6) > 0 {
		q.Where = qg.cond(depth)
	}
	if !sub {
		switch r.IntN(4) {
		case 0:
			q.Count = true
		case 1, 2:
			for range 1 + r.IntN(3) {
				q.Select = append(q.Select, Name{Name: qg.col().name})
			}
		}
	}
	if r.IntN(3) == 0 {
		q.OrderBy = &Order{Col: Name{Name: qg.col().name}, Desc: r.IntN(2) == 0}
	}
	if r.IntN(3) == 0 {
		q.Limit = Limit{Set: true, N: uint64(r.IntN(12))}
	}
	return q
}

func (qg *queryGen) cond(depth int) Cond {
	r := qg.r
	n := r.IntN(10)
	if depth <= 0 {
		n = r.IntN(5)
	}
	switch n {
	case 0, 1:
		c := qg.col()
		return &CompareCond{Col: Name{Name: c.name}, Op: Op(1 + r.IntN(6)), Value: c.lits[r.IntN(len(c.lits))]}
	case 2:
		c := qg.col()
		lo, hi := c.lits[r.IntN(len(c.lits))], c.lits[r.IntN(len(c.lits))]
		return &BetweenCond{Col: Name{Name: c.name}, Lo: lo, Hi: hi}
	case 3:
		return &HasCond{Col: Name{Name: qg.col().name}}
	case 4, 9:
		f := &FollowCond{Verb: Name{Name: qg.g.verbs[r.IntN(len(qg.g.verbs))]}, Dir: Dir(1 + r.IntN(2)), Transitive: r.IntN(3) == 0}
		switch {
		case n == 9 && depth > 0:
			f.Target = &SubQuery{Query: qg.query(true, depth-1)}
		case r.IntN(4) == 0 || len(qg.g.live) == 0:
			f.Target = &AnyTarget{}
		default:
			f.Target = &EntityTarget{Ref: qg.ref()}
		}
		return f
	case 5, 6:
		return &AndCond{L: qg.cond(depth - 1), R: qg.cond(depth - 1)}
	case 7:
		return &OrCond{L: qg.cond(depth - 1), R: qg.cond(depth - 1)}
	}
	return &NotCond{X: qg.cond(depth - 1)}
}

// ref returns a reference to a live entity in one of the four forms.
func (qg *queryGen) ref() EntityRef {
	id := qg.g.live[qg.pick(len(qg.g.live))]
	kind := qg.g.m.kindOf[id]
	var text string
	switch qg.pick(4) {
	case 0:
		text = kind + "/" + strconv.FormatUint(id, 10)
	case 1:
		text = "#" + strconv.FormatUint(id, 10)
	case 2:
		text = uri.EntityURI{Scope: qg.g.scope, Kind: kind, ID: id}.String()
	default:
		if iri, ok := qg.g.iri[id]; ok {
			text = "<" + iri + ">"
		} else {
			text = "#" + strconv.FormatUint(id, 10)
		}
	}
	ref, err := ParseEntityRef(text)
	if err != nil {
		panic(err)
	}
	return ref
}

// check runs q against the store and the model and reports the first difference. With
// chaos, the plan makes its choices at random.
func (g *randomGraph) check(t *testing.T, q *Query, chaos *rand.Rand, describe func() string) (found bool) {
	found, _ = g.checkRecord(t, q, chaos, describe)
	return found
}

// checkRecord is check that also returns the plan's estimate and the pages the run read.
func (g *randomGraph) checkRecord(t *testing.T, q *Query, chaos *rand.Rand, describe func() string) (found bool, e estimateRecord) {
	t.Helper()
	p, err := prepare(g.db, q, chaos)
	require.NoError(t, err, describe())
	_ = p.Explain()
	res, err := p.Run(RunOptions{})
	require.NoError(t, err, describe())
	e = estimateRecord{est: p.EstimatedPages(), upper: p.UpperPages(), actual: res.Stats.PagesRead, planning: p.PlanningPages(), closure: hasClosure(p.top), chaos: chaos != nil, text: describe()}
	if chaos == nil && !e.within(0.10) {
		e.cause = missCause(t, g.db, p)
		if *missesFile != "" && (*missesCause == "" || strings.Contains(e.cause, *missesCause)) {
			writeMiss(t, g.db, q, e)
		}
	}

	want := g.m.eval(q)
	require.Zero(t, res.Stats.PagesDirtied, describe())
	if q.Count {
		require.Equal(t, uint64(len(want)), res.Count, "count\n%s", describe())
		return len(want) > 0, e
	}
	got := make([]uint64, len(res.IDs))
	for i, id := range res.IDs {
		got[i] = uint64(id)
	}
	if want == nil {
		want = []uint64{}
	}
	require.Equal(t, want, got, "entities\n%s", describe())
	for i, id := range want {
		row := res.Rows[i]
		require.Equal(t, uri.EntityURI{Scope: g.scope, Kind: g.m.kindOf[id], ID: id}.String(), row[0])
		for j, c := range q.Select {
			vals := slices.Clone(g.m.cols[c.Name].vals[id])
			slices.SortFunc(vals, modelCompareValues)
			var wantCell any
			if isMulti(c.Name) {
				if len(vals) > 0 {
					cell := make([]column.Value, len(vals))
					copy(cell, vals)
					wantCell = cell
				}
			} else if len(vals) > 0 {
				wantCell = vals[0]
			}
			require.Equal(t, wantCell, row[1+j], "entity %d column %s\n%s", id, c.Name, describe())
		}
	}
	return len(want) > 0, e
}

func isMulti(name string) bool {
	for _, c := range colSpecs {
		if c.name == name {
			return c.multi
		}
	}
	return false
}

// TestDifferential runs random queries on random graphs and checks every result against
// the model evaluator of model_test.go. Its seed is fixed; -random explores new ones
// (go test ./query -run TestDifferential -random -count 20 is a longer run), and a failure
// prints the seed to replay with -seed. -query.misses FILE writes EXPLAIN ANALYZE of every
// planned query estimated more than 10% off, step by step beside what it read.
func TestDifferential(t *testing.T) {
	seed := testutil.Seed(t, 1)
	graphs, queries := 60, 80
	if testing.Short() {
		graphs, queries = 15, 30
	}
	entities, nonEmpty := 0, 0
	var records []estimateRecord
	defer func() {
		t.Logf("seed %d: %d graphs of %d entities in all, %d queries, %d with results", seed, graphs, entities, graphs*queries, nonEmpty)
		for _, line := range estimateReport(records) {
			t.Log(line)
		}
		for _, line := range missReport(records) {
			t.Log(line)
		}
	}()
	if seed == 1 && !testing.Short() {
		// The fixed seed's estimates may not fall back below what issue 16 asks: 90%
		// within 10% (with a little room for plans that change), none beyond 2x.
		defer func() {
			within, twice, n := 0, 0, 0
			for _, e := range records {
				if e.chaos {
					continue
				}
				n++
				if e.within(0.10) {
					within++
				}
				if r := e.ratio(); r >= 0.5 && r <= 2 {
					twice++
				}
			}
			assert.GreaterOrEqual(t, float64(within)/float64(n), 0.94, "planned queries estimated within 10%")
			assert.Equal(t, n, twice, "planned queries estimated within 2x")
		}()
	}
	for gi := range graphs {
		gseed := seed + uint64(gi)
		r := rand.New(rand.NewPCG(gseed, 0x9e3779b97f4a7c15))
		// Most graphs are small; every fifth spans many leaves per tree.
		maxEntities := 120
		if gi%5 == 4 {
			maxEntities = 2000
		}
		g := newRandomGraph(t, r, maxEntities)
		entities += len(g.live)
		analyzed := gi%2 == 1
		if analyzed { // half the graphs have histograms (graphctl analyze)
			analyzeColumns(t, g.db)
		}
		qg := &queryGen{r: r, g: g}
		for qi := range queries {
			q := qg.query(false, 3)
			text := q.String()
			describe := func() string {
				return fmt.Sprintf("seed %d (graph %d, query %d; rerun with -seed=%d): %s", seed, gi, qi, seed, text)
			}
			if qi%2 == 1 {
				// Half of the queries go through the text and the parser.
				pq, err := Parse(text)
				require.NoError(t, err, describe())
				q = pq
			}
			// Half of the queries run the plan the planner picks, half a random one.
			var chaos *rand.Rand
			if qi%4 >= 2 {
				chaos = rand.New(rand.NewPCG(gseed, uint64(qi)))
			}
			found, e := g.checkRecord(t, q, chaos, describe)
			e.analyzed = analyzed
			if found {
				nonEmpty++
			}
			records = append(records, e)
		}
	}
}

// FuzzQuery runs arbitrary query text on a fixed random graph: whatever parses, binds and
// runs must agree with the model evaluator, and nothing may panic.
func FuzzQuery(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	var g *randomGraph
	f.Add(`FIND a WHERE i8 < 2 AND knows -> (FIND b WHERE s = "ab") SELECT s, ms ORDER BY f32 DESC LIMIT 3`)
	f.Add(`FIND b WHERE parent ->+ #3 OR NOT HAS u16 COUNT`)
	f.Add(`FIND a WHERE likes <-+ ANY AND by BETWEEN "a" AND "b" LIMIT 2`)
	f.Fuzz(func(t *testing.T, text string) {
		if g == nil {
			g = newRandomGraph(t, r, 300)
		}
		q, err := Parse(text)
		if err != nil || q.Explain || q.Budget.Set {
			return
		}
		p, err := Prepare(g.db, q)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) && !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("Prepare(%q): unexpected error %v", text, err)
			}
			return
		}
		if _, err := p.Run(RunOptions{}); err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Run(%q): unexpected error %v", text, err)
			}
			return // a reference to no entity, or one of another kind
		}
		g.check(t, q, nil, func() string { return text })
	})
}

// missesFile names a file that TestDifferential fills with EXPLAIN ANALYZE of every
// planned query whose estimate is more than 10% off, to see which step went wrong.
var missesFile = flag.String("query.misses", "", "write EXPLAIN ANALYZE of each planned query estimated more than 10% off to this file")

// missesCause, if set, keeps to the misses file only the queries whose cause (missCause)
// contains it.
var missesCause = flag.String("query.misses.cause", "", "with -query.misses, write only the misses whose cause contains this")

var misses *os.File

// writeMiss appends EXPLAIN ANALYZE of q, estimated as e says, to the misses file.
func writeMiss(t *testing.T, db *entity.DB, q *Query, e estimateRecord) {
	t.Helper()
	if misses == nil {
		f, err := os.Create(*missesFile)
		require.NoError(t, err)
		misses = f
		t.Cleanup(func() { require.NoError(t, f.Close()); misses = nil })
	}
	aq := *q
	aq.Explain, aq.Analyze = true, true
	p, err := Prepare(db, &aq)
	require.NoError(t, err, e.text)
	res, err := p.Run(RunOptions{})
	require.NoError(t, err, e.text)
	var b strings.Builder
	fmt.Fprintf(&b, "=== est %d actual %d: %s\n", e.est, e.actual, e.text)
	for _, r := range res.Rows {
		fmt.Fprintln(&b, r[0])
	}
	b.WriteByte('\n')
	_, err = misses.WriteString(b.String())
	require.NoError(t, err)
}

// estimateRecord is one query's estimated and actual pages.
type estimateRecord struct {
	est, upper, actual uint64
	// planning is the pages preparing the plan read (statistics, exact counts): not part
	// of actual, which is the run's, nor of est, which estimates the run.
	planning uint64
	closure  bool // the plan has a transitive step
	chaos    bool // the plan's choices were made at random
	analyzed bool // the store has histograms
	text     string
	cause    string // for a planned query more than 10% off: missCause
}

// analyzeColumns gathers the statistics of db as graphctl analyze does (Analyze).
func analyzeColumns(t *testing.T, db *entity.DB) {
	require.NoError(t, db.Update(func(tx *entity.Tx) error {
		_, err := Analyze(tx, 0)
		return err
	}))
}

// ratio returns estimate/actual, 1 when both are 0.
func (e estimateRecord) ratio() float64 {
	if e.actual == 0 {
		if e.est == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return float64(e.est) / float64(e.actual)
}

func (e estimateRecord) within(frac float64) bool {
	return math.Abs(float64(e.est)-float64(e.actual)) <= frac*float64(e.actual)
}

// hasClosure reports whether a plan has a transitive step.
func hasClosure(qp *qplan) bool {
	var walk func(s *step) bool
	walk = func(s *step) bool {
		if s.op == opClosure || s.sub != nil && hasClosure(s.sub) {
			return true
		}
		return slices.ContainsFunc(s.kids, walk)
	}
	return walk(qp.set)
}

// estimateReport describes the distribution of estimate/actual over records: for the
// planner's own plans and the random ones, with and without closures.
func estimateReport(records []estimateRecord) []string {
	var out []string
	for _, g := range []struct {
		name string
		keep func(estimateRecord) bool
	}{
		{"planned", func(e estimateRecord) bool { return !e.chaos }},
		{"planned, histograms", func(e estimateRecord) bool { return !e.chaos && e.analyzed }},
		{"planned, no histograms", func(e estimateRecord) bool { return !e.chaos && !e.analyzed }},
		{"planned, closures", func(e estimateRecord) bool { return !e.chaos && e.closure }},
		{"planned, no closure", func(e estimateRecord) bool { return !e.chaos && !e.closure }},
		{"random plans", func(e estimateRecord) bool { return e.chaos }},
	} {
		var rs []float64
		within, twice, refused, stopped := 0, 0, 0, 0
		read, planning := uint64(0), uint64(0)
		worst := estimateRecord{est: 1, actual: 1}
		for _, e := range records {
			if !g.keep(e) {
				continue
			}
			r := e.ratio()
			rs = append(rs, r)
			read += e.actual
			planning += e.planning
			if e.within(0.10) {
				within++
			}
			if r >= 0.5 && r <= 2 {
				twice++
			}
			// With a budget of exactly the pages it reads, the pre-check refuses a query
			// whose bound is above; with a budget of the bound, the meter stops one that
			// reads more.
			if e.upper > e.actual {
				refused++
			}
			if e.actual > e.upper {
				stopped++
			}
			if off(r) > off(worst.ratio()) {
				worst = e
			}
		}
		if len(rs) == 0 {
			continue
		}
		slices.Sort(rs)
		n := float64(len(rs))
		out = append(out, fmt.Sprintf("estimate/actual pages, %s: %d queries reading %d pages (planning them read %d more), %.1f%% within ±10%%, %.1f%% within 2x, median %.3f, range %.3f to %.3f; "+
			"bound below actual (stopped by the meter under a budget of the bound) %.1f%%, above (refused under a budget of the actual pages) %.1f%%; worst %d vs %d: %s",
			g.name, len(rs), read, planning, 100*float64(within)/n, 100*float64(twice)/n, rs[len(rs)/2], rs[0], rs[len(rs)-1],
			100*float64(stopped)/n, 100*float64(refused)/n, worst.est, worst.actual, worst.text))
	}
	return out
}

// off is how far a ratio is from 1, either way.
func off(r float64) float64 {
	if r <= 0 {
		return math.Inf(1)
	}
	return max(r, 1/r)
}

// missCause names what put a planned query's estimate more than 10% off: the first step,
// in the order the run took them, that was expected to find entities and found none or
// the reverse (an expected value cannot land near an all-or-nothing outcome), else the
// first whose rows were off by more than 2x, else "pages" (rows right, pages off).
func missCause(t *testing.T, db *entity.DB, p *Plan) string {
	t.Helper()
	a := newAnalysis()
	require.NoError(t, db.View(func(tx *entity.Tx) error {
		x := &executor{tx: tx, scope: db.Scope(), kinds: map[*entity.Kind]*roaring64.Bitmap{}, memo: map[*step]*roaring64.Bitmap{}, act: a}
		res := &Result{}
		x.resolveRefs(p.top.bq, res)
		x.top(p.top, res)
		return nil
	}))
	var zero, far string
	var walk func(s *step, under string)
	walk = func(s *step, under string) {
		if zero != "" {
			return
		}
		sa := a.steps[s]
		if sa == nil {
			return
		}
		kids := s.kids
		if w := s.est.way; w != nil {
			kids = w.kids
		}
		if s.sub != nil {
			walk(s.sub.set, "sub-query")
		}
		for _, k := range kids {
			walk(k, "")
		}
		if zero != "" {
			return
		}
		est, act := s.est.rows, float64(sa.rows)/float64(max(1, sa.runs))
		name := stepKind(s)
		switch {
		case est >= 0.5 && act == 0:
			zero = name + ": expected some, found none"
		case est < 0.5 && act > 0:
			zero = name + ": expected none, found some"
		case far == "" && act > 0 && (est/act > 2 || act/est > 2):
			far = name + ": rows off by more than 2x"
		}
	}
	walk(p.top.set, "")
	switch {
	case zero != "":
		return zero
	case far != "":
		return far
	}
	return "rows right, pages off"
}

// stepKind names the kind of a step for missCause.
func stepKind(s *step) string {
	op := s
	if w := s.est.way; w != nil {
		op = w
	}
	from := func() string {
		if len(op.kids) == 0 {
			return " from any"
		}
		switch op.kids[0].op {
		case opEntity:
			return " from an entity"
		case opSubQuery:
			return " from a sub-query"
		}
		return " from a set"
	}
	indexed := func() string {
		if op.pred.col.Indexed() {
			return " (indexed)"
		}
		return " (not indexed)"
	}
	switch op.op {
	case opKindScan:
		return "kind scan"
	case opKindProbe:
		return "kind probe"
	case opIndexRange:
		return "index range"
	case opColumnScan:
		return "column scan" + indexed()
	case opColumnProbe:
		return "column probe" + indexed()
	case opFollowProbe, opFollowScan:
		return "verb step" + from()
	case opFollowFilter:
		return "verb filter" + from()
	case opClosure:
		return "closure" + from()
	case opIntersect:
		return "intersect with " + stepKind(op.kids[0])
	case opSubQuery:
		return "sub-query"
	case opAnd, opAndFilter:
		return "and"
	case opOr, opOrFilter:
		return "or"
	case opNot, opNotFilter:
		return "not"
	}
	return "other"
}

// missReport counts the planned queries more than 10% off by cause (missCause), most
// frequent first, with how many of them are beyond 2x.
func missReport(records []estimateRecord) []string {
	type count struct {
		cause      string
		n, beyond2 int
	}
	byCause := map[string]*count{}
	total := 0
	for _, e := range records {
		if e.cause == "" {
			continue
		}
		total++
		c := byCause[e.cause]
		if c == nil {
			c = &count{cause: e.cause}
			byCause[e.cause] = c
		}
		c.n++
		if r := e.ratio(); r < 0.5 || r > 2 {
			c.beyond2++
		}
	}
	var cs []*count
	for _, c := range byCause {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b *count) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.cause, b.cause)
	})
	out := []string{fmt.Sprintf("planned queries more than 10%% off: %d, by the first step that went wrong:", total)}
	for _, c := range cs {
		out = append(out, fmt.Sprintf("  %4d (%d beyond 2x) %s", c.n, c.beyond2, c.cause))
	}
	return out
}
