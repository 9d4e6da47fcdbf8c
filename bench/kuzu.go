package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
)

// The comparison with Kùzu (issue 15): the world at KuzuScale players, imported into our
// store from N-Triples and into Kùzu from CSV, and four queries asked of both, each
// prepared once and then run warm many times, every run timed on its own.

// KuzuVersion is the version of Kùzu that bench/kuzu/package-lock.json pins.
const KuzuVersion = "0.11.3"

// KuzuScale is the number of players of the comparison.
const KuzuScale = 100_000

// KuzuQuery is one query of the comparison, in both query languages, with the answer the
// Fixture gives by brute force.
type KuzuQuery struct {
	Name   string         // short, as RESULTS.md shows it
	Ours   string         // our query language
	Cypher string         // Kùzu's Cypher, run as a prepared statement
	Params map[string]any // the prepared statement's parameters
	// Count says the query returns one number (COUNT) rather than rows.
	Count bool
	// Want is the answer: the number of rows, or the number a COUNT returns.
	Want uint64
	// WantIDs are the Fixture IDs of the rows, ascending (nil for a COUNT).
	WantIDs []uint64
}

// KuzuQueries returns the four queries of issue 15 over f, with their answers.
func KuzuQueries(f *Fixture) []KuzuQuery {
	var low []uint64
	var high uint64
	for i, h := range f.Health {
		if h < 10 {
			low = append(low, f.PlayerID(i))
		}
		if h > 50 {
			high++
		}
	}
	g := f.G / 2
	var members []uint64
	for _, i := range f.MembersOf(g) {
		members = append(members, f.PlayerID(int(i)))
	}
	p := f.N / 3
	seen := map[uint64]bool{}
	var fof []uint64
	for _, j := range f.FriendsOf(p) {
		for _, k := range f.FriendsOf(int(j)) {
			if id := f.PlayerID(int(k)); !seen[id] {
				seen[id] = true
				fof = append(fof, id)
			}
		}
	}
	slices.Sort(fof)
	return []KuzuQuery{
		{Name: "health < 10",
			Ours:   "FIND Player WHERE health < 10",
			Cypher: "MATCH (p:Player) WHERE p.health < 10 RETURN p.id",
			Want:   uint64(len(low)), WantIDs: low},
		{Name: "COUNT of health > 50",
			Ours:   "FIND Player WHERE health > 50 COUNT",
			Cypher: "MATCH (p:Player) WHERE p.health > 50 RETURN count(*)",
			Count:  true, Want: high},
		{Name: "members of one guild",
			Ours:   fmt.Sprintf("FIND Player WHERE member_of -> <%s>", f.EntityIRI(f.GuildID(g))),
			Cypher: "MATCH (p:Player)-[:member_of]->(g:Guild) WHERE g.id = $g RETURN p.id",
			Params: map[string]any{"g": f.GuildID(g)},
			Want:   uint64(len(members)), WantIDs: members},
		{Name: "friends of friends",
			Ours:   fmt.Sprintf("FIND Player WHERE friend <- (FIND Player WHERE friend <- <%s>)", f.EntityIRI(f.PlayerID(p))),
			Cypher: "MATCH (a:Player)-[:friend]->(:Player)-[:friend]->(f:Player) WHERE a.id = $p RETURN DISTINCT f.id",
			Params: map[string]any{"p": f.PlayerID(p)},
			Want:   uint64(len(fof)), WantIDs: fof},
	}
}

// Timing is what the runs of one query measured.
type Timing struct {
	Runs             int           // timed runs, after the warm-up runs
	Median, P10, P90 time.Duration // wall time of one run
	// CPU is the process's CPU time (user and system, every thread) over the timed runs,
	// divided by Runs; zero where it cannot be read.
	CPU time.Duration
	// Answer is the number of rows, or the number a COUNT returned.
	Answer uint64
	// Pages is the distinct pages one run read, from our store's meter (ours only: exact,
	// and the same in every run).
	Pages uint64
}

// summarize returns the Timing of the wall times of single runs.
func summarize(runs []time.Duration, cpu time.Duration, answer uint64) Timing {
	s := slices.Clone(runs)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1)+0.5)] }
	return Timing{Runs: len(s), Median: at(0.5), P10: at(0.1), P90: at(0.9), CPU: cpu / time.Duration(len(s)), Answer: answer}
}

// Imported is the world imported from N-Triples into one of our stores, as `graphctl
// import` makes it: every triple parsed and checked, then written in one message, the
// kinds, columns (health an indexed int64 column, x and y float64) and verbs (member_of,
// friend: many-to-many) made from the predicates' IRIs.
type Imported struct {
	st      *store.Store
	db      *entity.DB
	Triples int64         // the triples imported
	Took    time.Duration // parse and write, as the import command's total
}

// ImportNTriples imports the N-Triples file nt into a new store at path, closes it and opens
// it again with OursOptions, as a program opens a store that `graphctl import` made.
func ImportNTriples(nt, path string) (*Imported, error) {
	start := time.Now()
	fh, err := os.Open(nt)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	imp, err := interchange.Parse(context.Background(), fh, "ntriples", filepath.Base(nt), "", interchange.Options{})
	if err != nil {
		return nil, err
	}
	st, err := store.Open(path, &OursOptions)
	if err != nil {
		return nil, err
	}
	db, err := entity.Open(st, nil, nil)
	if err == nil {
		var sum interchange.Summary
		err = db.Update(func(tx *entity.Tx) error { return imp.Apply(tx, &sum) })
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", nt, err)
	}
	took := time.Since(start)
	if st, err = store.Open(path, &OursOptions); err != nil {
		return nil, err
	}
	if db, err = entity.Open(st, nil, nil); err != nil {
		st.Close()
		return nil, err
	}
	return &Imported{st: st, db: db, Triples: imp.Read(), Took: took}, nil
}

// DB returns the data-model handle of the imported store.
func (w *Imported) DB() *entity.DB { return w.db }

// Close closes the store.
func (w *Imported) Close() error { return w.st.Close() }

// Measure prepares q once, runs it warm times untimed, then runs times each timed on its
// own. Every run must give the same answer. The runs write their answers into one
// query.Result (Plan.RunInto), as a program that asks the same query again and again
// (a game server, once per tick) would, so the rows' arrays are made once, not per run.
func (w *Imported) Measure(q KuzuQuery, warm, runs int) (Timing, error) {
	parsed, err := query.Parse(q.Ours)
	if err != nil {
		return Timing{}, err
	}
	p, err := query.Prepare(w.db, parsed)
	if err != nil {
		return Timing{}, err
	}
	var pages uint64
	res := &query.Result{}
	answer := func() (uint64, error) {
		if err := p.RunInto(res, query.RunOptions{}); err != nil {
			return 0, err
		}
		if !q.Count && uint64(len(res.Rows)) != res.Count {
			return 0, fmt.Errorf("%s: %d rows but a count of %d", q.Ours, len(res.Rows), res.Count)
		}
		pages = res.Stats.PagesRead
		return res.Count, nil
	}
	first, err := answer()
	if err != nil {
		return Timing{}, err
	}
	for range warm {
		if _, err := answer(); err != nil {
			return Timing{}, err
		}
	}
	times := make([]time.Duration, runs)
	cpu0 := cpuTime()
	for i := range times {
		start := time.Now()
		n, err := answer()
		times[i] = time.Since(start)
		if err != nil {
			return Timing{}, err
		}
		if n != first {
			return Timing{}, fmt.Errorf("%s: run %d answered %d, the first %d", q.Ours, i, n, first)
		}
	}
	t := summarize(times, cpuTime()-cpu0, first)
	t.Pages = pages
	return t, nil
}

// IDs runs q's rows (with SELECT IRI) and returns the Fixture IDs of the entities found,
// ascending, read from their IRIs; nil for a COUNT query.
func (w *Imported) IDs(q KuzuQuery) ([]uint64, error) {
	if q.Count {
		return nil, nil
	}
	res, err := query.Exec(w.db, q.Ours+" SELECT IRI", query.RunOptions{})
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, len(res.Rows))
	for i, r := range res.Rows {
		iri, _ := r[1].(string)
		n := strings.LastIndexByte(iri, '/')
		id, err := strconv.ParseUint(iri[n+1:], 10, 64)
		if n < 0 || err != nil || !strings.HasPrefix(iri, WorldIRI) {
			return nil, fmt.Errorf("%s: row %d has IRI %q, not one of the world's", q.Ours, i, iri)
		}
		ids[i] = id
	}
	slices.Sort(ids)
	return ids, nil
}

// KuzuRun is what bench/kuzu/run.js reports. It times each query two ways, alternately: Exec,
// Kùzu's run of the prepared statement to its end, the rows held in its result; and Rows,
// that and reading every row into JavaScript objects, as a Node.js program reads them.
type KuzuRun struct {
	Version string        // Kùzu's version, as the library says
	Load    time.Duration // create the tables and COPY the CSV files in
	// Empty is a prepared `RETURN 1` timed as the queries are: the cost of a round trip
	// through Kùzu's Node.js binding, part of every query's time.
	Empty   KuzuTiming
	Queries []KuzuTiming // in the order of the queries given
	IDs     [][]uint64   // the id of each row, ascending (nil for a COUNT)
}

// KuzuTiming is one query's times in Kùzu, both ways.
type KuzuTiming struct {
	Exec, Rows Timing
}

// Best returns the faster of the two ways, by median.
func (t KuzuTiming) Best() Timing {
	if t.Rows.Median < t.Exec.Median {
		return t.Rows
	}
	return t.Exec
}

// kuzuTiming is a Timing as run.js writes it, in nanoseconds.
type kuzuTiming struct {
	Runs     int     `json:"runs"`
	MedianNs float64 `json:"median_ns"`
	P10Ns    float64 `json:"p10_ns"`
	P90Ns    float64 `json:"p90_ns"`
	CPUNs    float64 `json:"cpu_ns"`
	Answer   uint64  `json:"answer"`
}

func (t kuzuTiming) timing() Timing {
	return Timing{Runs: t.Runs, Median: time.Duration(t.MedianNs), P10: time.Duration(t.P10Ns), P90: time.Duration(t.P90Ns),
		CPU: time.Duration(t.CPUNs), Answer: t.Answer}
}

// kuzuQuery is one query's report as run.js writes it.
type kuzuQuery struct {
	Name   string     `json:"name"`
	Answer uint64     `json:"answer"`
	IDs    []uint64   `json:"ids"`
	Exec   kuzuTiming `json:"exec"`
	Rows   kuzuTiming `json:"rows"`
}

func (q kuzuQuery) timing() KuzuTiming {
	return KuzuTiming{Exec: q.Exec.timing(), Rows: q.Rows.timing()}
}

// ErrKuzu is returned when the Kùzu side of the comparison fails or answers wrongly.
var ErrKuzu = errors.New("kuzu comparison")

// RunKuzu runs bench/kuzu/run.js (in harness, where `npm ci` has installed Kùzu) with Node.js
// over the CSV files in data (WriteKuzuCSV), into a new database directory under data.
// run.js's standard error goes to progress.
func RunKuzu(ctx context.Context, harness, data string, qs []KuzuQuery, warm, runs int, progress io.Writer) (*KuzuRun, error) {
	type spec struct {
		Name   string         `json:"name"`
		Cypher string         `json:"cypher"`
		Params map[string]any `json:"params"`
		Count  bool           `json:"count"`
	}
	specs := make([]spec, len(qs))
	for i, q := range qs {
		specs[i] = spec{q.Name, q.Cypher, q.Params, q.Count}
	}
	b, err := json.Marshal(map[string]any{"warm": warm, "runs": runs, "queries": specs})
	if err != nil {
		return nil, err
	}
	qfile := filepath.Join(data, "queries.json")
	if err := os.WriteFile(qfile, b, 0o644); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", filepath.Join(harness, "run.js"), data, filepath.Join(data, "kuzu.db"), qfile)
	cmd.Dir = harness
	cmd.Stdout, cmd.Stderr = &out, progress
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: node run.js: %w", ErrKuzu, err)
	}
	var rep struct {
		Version string      `json:"version"`
		LoadNs  float64     `json:"load_ns"`
		Empty   kuzuQuery   `json:"empty"`
		Queries []kuzuQuery `json:"queries"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("%w: run.js's output: %w", ErrKuzu, err)
	}
	if len(rep.Queries) != len(qs) {
		return nil, fmt.Errorf("%w: run.js answered %d queries of %d", ErrKuzu, len(rep.Queries), len(qs))
	}
	run := &KuzuRun{Version: rep.Version, Load: time.Duration(rep.LoadNs), Empty: rep.Empty.timing()}
	for _, q := range rep.Queries {
		run.Queries = append(run.Queries, q.timing())
		ids := slices.Clone(q.IDs)
		slices.Sort(ids)
		run.IDs = append(run.IDs, ids)
	}
	return run, nil
}

// KuzuComparison is the outcome of CompareKuzu.
type KuzuComparison struct {
	Queries  []KuzuQuery
	Ours     []Timing
	Kuzu     *KuzuRun
	Imported *Imported // closed by then: what the import did
}

// CompareKuzu builds the world at n players in dir, imports it into our store from
// N-Triples and into Kùzu from CSV (through harness, bench/kuzu), runs the four queries on
// both, warm times untimed and then runs times timed, and checks that every answer is the
// Fixture's, entity by entity. A wrong answer on either side is an error.
func CompareKuzu(ctx context.Context, n int, dir, harness string, warm, runs int, progress io.Writer) (*KuzuComparison, error) {
	f := NewFixture(n)
	qs := KuzuQueries(f)
	nt := filepath.Join(dir, "world.nt")
	if err := writeFile(nt, func(w *bufio.Writer) { _, _ = WriteNTriples(f, w) }); err != nil {
		return nil, err
	}
	if err := WriteKuzuCSV(f, dir); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "kuzu: importing %s into our store\n", nt)
	w, err := ImportNTriples(nt, filepath.Join(dir, "world.sgdb"))
	if err != nil {
		return nil, err
	}
	c := &KuzuComparison{Queries: qs, Imported: w}
	for _, q := range qs {
		ids, err := w.IDs(q)
		if err == nil && !q.Count && !slices.Equal(ids, q.WantIDs) {
			err = fmt.Errorf("ours: %s found %d entities, the fixture %d (or others)", q.Ours, len(ids), len(q.WantIDs))
		}
		var t Timing
		if err == nil {
			t, err = w.Measure(q, warm, runs)
		}
		if err == nil && t.Answer != q.Want {
			err = fmt.Errorf("ours: %s answered %d, the fixture %d", q.Ours, t.Answer, q.Want)
		}
		if err != nil {
			w.Close()
			return nil, err
		}
		fmt.Fprintf(progress, "kuzu: ours %-22s median %v (p10 %v, p90 %v), answer %d\n", q.Name, t.Median, t.P10, t.P90, t.Answer)
		c.Ours = append(c.Ours, t)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "kuzu: running %s\n", filepath.Join(harness, "run.js"))
	k, err := RunKuzu(ctx, harness, dir, qs, warm, runs, progress)
	if err != nil {
		return nil, err
	}
	for i, q := range qs {
		if got := k.Queries[i].Exec.Answer; got != q.Want {
			return nil, fmt.Errorf("%w: %s answered %d, the fixture %d", ErrKuzu, q.Cypher, got, q.Want)
		}
		if !q.Count && !slices.Equal(k.IDs[i], q.WantIDs) {
			return nil, fmt.Errorf("%w: %s returned other entities than the fixture's %d", ErrKuzu, q.Cypher, len(q.WantIDs))
		}
	}
	c.Kuzu = k
	return c, nil
}
