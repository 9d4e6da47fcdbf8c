package query

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
)

// Plan is a prepared query: its names bound against a store's catalog and its steps
// chosen, with the pages each step is estimated to read. A Plan does not change and can
// run any number of times, concurrently; it keeps the estimates of the moment it was
// prepared. It is bound to the catalog it was made for: if a message that changed the
// catalog (a variable created, dropped, or moved along its lifecycle) committed since,
// Run plans the query again against the catalog as it then is.
type Plan struct {
	db  *entity.DB
	q   *Query
	top *qplan
	est uint64
	// upper bounds the pages from the estimated rows (planner.bound); the budget check
	// compares it with the budget.
	upper uint64
	gen   uint64 // the catalog generation the plan was made for
	// prepPages counts the pages planning read: statistics (entity.VarStats) and the
	// exact counts of facts.go.
	prepPages uint64
}

// RunOptions configures Plan.Run and Exec. The zero value runs with the query's own
// BUDGET, if it has one, and no other limit.
type RunOptions struct {
	// Budget limits the distinct pages the query may read; 0 means no limit. With a
	// BUDGET in the query too, the smaller applies.
	Budget uint64
	// Context, if set, stops the query when it is done (see store.Budget.Context).
	Context context.Context
	// OrderKeys asks for Result.OrderKeys (see orderkeys.go).
	OrderKeys bool
}

// EstimateError is the error of a query refused before it ran, because its plan is
// estimated to read more pages than its budget allows. It matches both ErrOverBudget and
// store.ErrPageBudgetExceeded.
type EstimateError struct {
	Pos       Pos    // the BUDGET clause, if the budget came from the query
	Estimated uint64 // the plan's bound on its pages (Plan.UpperPages)
	Budget    uint64 // the budget, in pages
}

// Error returns "line:col: query refused: estimated at most N pages, budget M".
func (e *EstimateError) Error() string {
	msg := fmt.Sprintf("query refused: estimated at most %d pages, budget %d", e.Estimated, e.Budget)
	if e.Pos.IsValid() {
		return e.Pos.String() + ": " + msg
	}
	return msg
}

// Unwrap returns ErrOverBudget and store.ErrPageBudgetExceeded.
func (e *EstimateError) Unwrap() []error {
	return []error{ErrOverBudget, store.ErrPageBudgetExceeded}
}

// Prepare binds q against db's catalog and plans it. It reads the catalog (the names of
// kinds, columns and verbs and the shapes of their trees), the statistics of graphctl
// analyze, and the few exact counts the estimate reads instead of guessing (facts.go):
// PlanningPages says how many pages that took. The errors are an
// ErrorList of *Error, each with the position of the name or literal at fault: an unknown
// kind, column or verb (ErrUnknownName, with a "did you mean" hint when one is close), a
// literal that cannot be compared with its column (ErrType), a malformed entity reference.
func Prepare(db *entity.DB, q *Query) (*Plan, error) { return prepare(db, q, nil) }

// prepare is Prepare; with chaos, the plan's every choice is made at random (for tests).
func prepare(db *entity.DB, q *Query, chaos *rand.Rand) (*Plan, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var p *Plan
	st, err := db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
		var err error
		p, err = plan(db, tx, q, chaos)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The store's own header (the last ID handed out) is not counted: whether reading it
	// costs a page depends on how the store was opened, not on the query.
	p.prepPages = st.PagesRead - st.ByOwner[store.OwnerStore].PagesRead
	return p, nil
}

// plan binds q against the catalog as the message tx sees it and plans it.
func plan(db *entity.DB, tx *entity.Tx, q *Query, chaos *rand.Rand) (*Plan, error) {
	gen := tx.CatalogGeneration()
	bq, err := bind(db, tx, q)
	if err != nil {
		return nil, err
	}
	pl := newPlanner(tx)
	pl.chaos = chaos
	top := pl.planQuery(bq)
	est := pl.estimatePlan(top)
	return &Plan{db: db, q: q, top: top, est: est, upper: max(est, pl.bound), gen: gen}, nil
}

// current returns p, or, if the catalog changed since p was made, a new plan of its query
// against the catalog as tx sees it.
func (p *Plan) current(tx *entity.Tx) (*Plan, error) {
	if tx.CatalogGeneration() == p.gen {
		return p, nil
	}
	np, err := plan(p.db, tx, p.q, nil)
	if err != nil {
		return nil, &replanError{err}
	}
	return np, nil
}

// replanError is the error of a plan that no longer binds: the catalog changed between
// Prepare and Run. It unwraps to the binder's errors, as Prepare returns them.
type replanError struct{ err error }

func (e *replanError) Error() string {
	return "the catalog changed since the query was prepared: " + e.err.Error()
}

func (e *replanError) Unwrap() error { return e.err }

// Exec parses, prepares and runs the query text. An EXPLAIN query returns its plan
// instead of running, as Plan.Run does.
func Exec(db *entity.DB, text string, opts RunOptions) (*Result, error) {
	q, err := Parse(text)
	if err != nil {
		return nil, err
	}
	p, err := Prepare(db, q)
	if err != nil {
		return nil, err
	}
	return p.Run(opts)
}

// PlanningPages returns the pages preparing the plan read: those of the statistics it
// looked up (see entity.VarStats) and of the exact counts it read (facts.go). A run does
// not count them: it reads those pages again if it needs them.
func (p *Plan) PlanningPages() uint64 { return p.prepPages }

// Query returns the query the plan was prepared from.
func (p *Plan) Query() *Query { return p.q }

// EstimatedPages returns the plan's estimate of the distinct pages the query reads.
func (p *Plan) EstimatedPages() uint64 { return p.est }

// UpperPages returns the bound on the pages the query reads that the budget check uses:
// the pages the estimate expects its steps to read for the rows it expects, every step
// that may run taken to run and no two steps sharing a page, each tree counted at most
// whole, and never below the estimate. It is a bound given those rows, not a guarantee: a
// step that finds more entities than estimated reads more, and the store's meter stops
// the query if it goes over its budget.
func (p *Plan) UpperPages() uint64 { return p.upper }

// EstimatedRows returns the plan's estimate of the entities the query returns.
func (p *Plan) EstimatedRows() uint64 { return roundEst(p.top.est.rows) }

// budget returns the budget that applies to a run and where it was written.
func (p *Plan) budget(opts RunOptions) (pages uint64, pos Pos, set bool) {
	if b := p.q.Budget; b.Set {
		pages, pos, set = b.Pages, b.Pos, true
	}
	if opts.Budget != 0 && (!set || opts.Budget < pages) {
		pages, pos, set = opts.Budget, Pos{}, true
	}
	return pages, pos, set
}

// Run runs the query in a read-only message: it never writes. If the plan's estimate
// exceeds the budget, Run refuses to start and returns an *EstimateError; if the query
// reads more pages than the budget while it runs, the store stops it and Run returns an
// error wrapping store.ErrPageBudgetExceeded. An EXPLAIN query is not run, whatever its
// budget: its Result holds the plan, one line per row, and reads no page.
//
// If the catalog changed since Prepare, Run first plans the query again in the same
// message (see Plan); if it no longer binds (a column it names was dropped, say), Run
// fails with the errors Prepare would now give, behind a message that says so.
//
// Every entity reference is resolved before the query runs, whatever the plan: one that
// names no entity (or an entity of another kind than it says) matches nothing and adds a
// warning to the Result, so the answer does not depend on the order the plan evaluates
// its conditions in.
func (p *Plan) Run(opts RunOptions) (*Result, error) { return p.run(opts, nil) }

// RunInto runs the plan as Run does and writes the answer to res, reusing the arrays res
// holds from an earlier run (its rows, their cells, the URI strings, IDs and
// Stats.ByVariable) where they are large enough: a query run again and again into one
// Result, once per game tick say, allocates only its working sets once those arrays have
// grown to its answers, and so gives the garbage collector much less to do. res may be a
// new Result, or one from Run or RunInto of any plan.
//
// The rows, cells, URI strings, IDs and Stats.ByVariable of a Result that is run into
// again are written over: what a caller takes from them is valid only until the next
// RunInto with that Result (as a bbolt value is valid only until its transaction ends);
// copy what is kept longer (slices.Clone, strings.Clone). A Result that is not run into
// again never changes, and Run always returns a new one. A Result must not be run into
// by two goroutines at once, nor read while it is run into. On an error, res is left
// empty (its arrays kept for the next run).
func (p *Plan) RunInto(res *Result, opts RunOptions) error {
	out, err := p.run(opts, res)
	if err != nil {
		*res = Result{Rows: res.Rows[:0], IDs: res.IDs[:0], cells: res.cells[:0], uris: res.uris[:0], text: res.text[:0]}
		return err
	}
	*res = *out
	return nil
}

// run is Run, writing the rows and IDs in the arrays of reuse where they are large enough.
func (p *Plan) run(opts RunOptions, reuse *Result) (*Result, error) {
	budget, pos, limited := p.budget(opts)
	res := &Result{}
	sb := store.Budget{Context: opts.Context}
	if limited && (!p.q.Explain || p.q.Analyze) {
		sb.MaxAccessed = budget
	}
	var run *Plan
	var analysis *analysis
	// refused is an error decided before the query read anything: returned as it is.
	var refused error
	st, err := p.db.ViewWith(sb, func(tx *entity.Tx) error {
		var err error
		if run, err = p.current(tx); err != nil {
			refused = err
			return err
		}
		if run.q.Explain && !run.q.Analyze {
			return nil
		}
		if limited && run.upper > budget {
			refused = &EstimateError{Pos: pos, Estimated: run.upper, Budget: budget}
			return refused
		}
		x := &executor{tx: tx, scope: p.db.Scope(), kinds: map[*entity.Kind]*roaring64.Bitmap{}, memo: map[*step]*roaring64.Bitmap{}, keys: opts.OrderKeys, reuse: reuse}
		if run.q.Analyze {
			x.act = newAnalysis()
			analysis = x.act
		}
		x.resolveRefs(run.top.bq, res)
		x.top(run.top, res)
		return nil
	})
	switch {
	case refused != nil:
		return nil, refused
	case err != nil:
		return nil, fmt.Errorf("query stopped: %w", err)
	case run.q.Explain && !run.q.Analyze:
		return run.explainResult(nil), nil
	case limited && budget == 0 && st.PagesRead > 0:
		// A zero store budget means no limit; a BUDGET 0 query allows no page at all.
		return nil, fmt.Errorf("query stopped: %w", &store.BudgetError{Limit: "accessed", Max: 0, Count: st.PagesAccessed})
	}
	byVar := map[string]uint64{}
	if reuse != nil && reuse.Stats.ByVariable != nil {
		byVar = reuse.Stats.ByVariable
		clear(byVar)
	}
	res.Stats = RunStats{
		PagesRead:      st.PagesRead,
		PagesDirtied:   st.PagesDirtied,
		EstimatedPages: run.est,
		ByVariable:     byVar,
		Rows:           res.Count,
		Touched:        st.Touched,
	}
	for owner, os := range st.ByOwner {
		if os.PagesRead > 0 {
			res.Stats.ByVariable[owner] = os.PagesRead
		}
	}
	if analysis != nil {
		ex := run.explainResult(analysis)
		ex.Stats = res.Stats
		return ex, nil
	}
	return res, nil
}

// explainResult returns the result of an EXPLAIN query: the plan, one line per row, with
// what each step did for EXPLAIN ANALYZE.
func (p *Plan) explainResult(a *analysis) *Result {
	res := &Result{Columns: []string{"plan"}, Stats: RunStats{EstimatedPages: p.est, ByVariable: map[string]uint64{}}}
	for _, line := range strings.Split(strings.TrimSuffix(p.explain(a), "\n"), "\n") {
		res.Rows = append(res.Rows, []Value{line})
	}
	return res
}

// executor runs a plan inside one View.
type executor struct {
	tx    *entity.Tx
	scope uri.Scope
	kinds map[*entity.Kind]*roaring64.Bitmap // members of each kind read so far
	memo  map[*step]*roaring64.Bitmap        // sets made once per run (cachedSet)
	// streaming is set while a streamed driver hands out batches (see stream).
	streaming bool
	// act, for EXPLAIN ANALYZE, records what each step did; nil otherwise.
	act *analysis
	// refs holds the entity each reference of the query names; a reference to no entity
	// is absent (resolveRefs).
	refs map[*bEntity]uint64
	// keys asks top for the rows' ORDER BY keys (RunOptions.OrderKeys).
	keys bool
	// reuse is the Result whose arrays the run may write its answer in (Plan.RunInto).
	reuse *Result
	// probed holds, for a column that is not Multi, the entities its last probe kept and
	// their encoded values, in ID order: the SELECT of that column takes its values from
	// here instead of reading the column again (see selectProbed).
	probed map[*column.Dyn]*probedValues
	// spans holds, for each kind a dense probe checked, the span of its members' IDs if
	// they are every ID of it (see dense).
	spans map[*entity.Kind]kindSpan
}

// kindSpan is the first and last member of a kind whose members are every ID between.
type kindSpan struct {
	lo, hi uint64
	ok     bool
}

// useEnds reports whether dense kind probe s reads the ends of the kind's tree for the
// candidates in: free once read in this run; before, if they cost fewer pages than probing
// the candidates would (a streamed query's first batch, close together, may not), the
// part of the tree they reach measured by the kind's span at planning.
func (x *executor) useEnds(s *step, in *roaring64.Bitmap) bool {
	if _, done := x.spans[s.kind]; done {
		return true
	}
	lo, hi := max(float64(in.Minimum()), s.span[0]), min(float64(in.Maximum()), s.span[1])
	frac := max(0, hi-lo+1) / max(1, s.span[1]-s.span[0]+1)
	return s.tree.ends() < s.tree.probeSpan(float64(in.GetCardinality()), 1, min(1, frac))
}

// dense returns the first and last member of kind k and reports whether its members are
// every ID from the one to the other, reading the two ends of its tree once per run: the
// kind's tree holds each member once, so they are if its count equals their span. A
// dense probe step then keeps the candidates between them, whatever their number.
func (x *executor) dense(k *entity.Kind) (lo, hi uint64, ok bool) {
	if s, done := x.spans[k]; done {
		return s.lo, s.hi, s.ok
	}
	var s kindSpan
	t := k.Tree(x.tx)
	first, _, ok1 := t.First()
	last, _, ok2 := t.Last()
	if ok1 && ok2 {
		lo, hi := uint64(entity.FromKey(first)), uint64(entity.FromKey(last))
		s = kindSpan{lo: lo, hi: hi, ok: hi-lo == t.Len()-1}
	}
	if x.spans == nil {
		x.spans = map[*entity.Kind]kindSpan{}
	}
	x.spans[k] = s
	return s.lo, s.hi, s.ok
}

// probedValues are the entities a column's probe kept, ascending, and their values as the
// tree encodes them.
type probedValues struct {
	ids []uint64
	enc [][]byte
}

// probeMatch runs a column probe that compares encoded values: the entities of in with a
// value in the predicate's ranges (any value for has). Outside a streamed query, for a
// column that is not Multi, it keeps their values for the SELECT.
func (x *executor) probeMatch(b *bPred, in *roaring64.Bitmap) *roaring64.Bitmap {
	if x.streaming || b.col.Multi() {
		return b.col.FilterMatch(x.tx, in, b.m)
	}
	vals := &probedValues{}
	for id, enc := range b.col.Matching(x.tx, in, b.m) {
		vals.ids = append(vals.ids, uint64(id))
		vals.enc = append(vals.enc, enc)
	}
	if x.probed == nil {
		x.probed = map[*column.Dyn]*probedValues{}
	}
	x.probed[b.col] = vals
	out := roaring64.New()
	out.AddMany(vals.ids)
	return out
}

// selectProbed fills in the cells of column j of the rows of ids, sorted, from the values
// a probe of column c kept, if it kept every one of them, and reports whether it did. The
// store does not change within the query's message, so they are the column's values.
func (x *executor) selectProbed(c *column.Dyn, ids []uint64, rows [][]Value, j int) bool {
	vals, ok := x.probed[c]
	if !ok || len(vals.ids) < len(ids) {
		return false
	}
	// On a miss, the cells filled so far hold the column's values, which Gather then
	// writes again.
	k := 0
	for i, id := range ids {
		for k < len(vals.ids) && vals.ids[k] < id {
			k++
		}
		if k == len(vals.ids) || vals.ids[k] != id {
			return false
		}
		v, err := c.Decode(vals.enc[k])
		if err != nil {
			x.tx.Abort(err)
		}
		rows[i][1+j] = v
	}
	return true
}

// fail ends the message with an error at a position in the query.
func (x *executor) fail(pos Pos, err error, format string, args ...any) {
	x.tx.Abort(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Err: err})
}

// top runs the top query and fills in res.
func (x *executor) top(qp *qplan, res *Result) {
	bq := qp.bq
	set := x.set(qp.set)
	if bq.q.Count {
		n := set.GetCardinality()
		if bq.limit.Set {
			n = min(n, bq.limit.N)
		}
		res.Count = n
		if x.act != nil {
			x.act.query(qp).rows = n
		}
		return
	}
	ids := x.finishMeasured(qp, set)
	if x.keys {
		res.OrderKeys = x.orderKeys(bq, ids)
	}
	res.Count = uint64(len(ids))
	res.Columns = []string{"entity"}
	for _, o := range bq.out {
		res.Columns = append(res.Columns, o.name)
	}
	x.newRows(res, bq.kind, ids, 1+len(bq.sel))
	// The row of an entity: by a binary search of ids in ID order (no ORDER BY), else from
	// a map.
	var row map[uint64]int
	if !slices.IsSorted(ids) {
		row = make(map[uint64]int, len(ids))
		for i, id := range ids {
			row[id] = i
		}
	}
	rowOf := func(id uint64) []Value {
		if row != nil {
			return res.Rows[row[id]]
		}
		i, _ := slices.BinarySearch(ids, id)
		return res.Rows[i]
	}
	if len(bq.sel) == 0 || len(ids) == 0 {
		return
	}
	found := roaring64.BitmapOf(ids...)
	if x.act != nil {
		before := x.tx.Stats().PagesRead
		defer func() { x.act.query(qp).selPages += x.tx.Stats().PagesRead - before }()
	}
	for j, c := range bq.sel {
		if c != nil && row == nil && x.selectProbed(c, ids, res.Rows, j) {
			continue
		}
		if c == nil {
			// In ID order, so that each leaf of the IRI tree is read once.
			for it := found.Iterator(); it.HasNext(); {
				id := entity.ID(it.Next())
				iri, ok := x.tx.IRI(id)
				if !ok {
					iri = entity.BlankLabel(id)
				}
				rowOf(uint64(id))[1+j] = iri
			}
			continue
		}
		for id, v := range c.Gather(x.tx, found) {
			r := rowOf(uint64(id))
			if c.Multi() {
				vs, _ := r[1+j].([]column.Value)
				r[1+j] = append(vs, v)
			} else {
				r[1+j] = v
			}
		}
	}
	if len(bq.out) == len(bq.sel) {
		return
	}
	// A name that stands for several columns (a predicate's datatypes) has one cell: its
	// value if the entity has one among them, else the list of their values, column by
	// column.
	for i, r := range res.Rows {
		out := make([]Value, 1, 1+len(bq.out))
		out[0] = r[0]
		j := 1
		for _, o := range bq.out {
			if o.n == 1 {
				out = append(out, r[j])
			} else {
				var list []column.Value
				for _, v := range r[j : j+o.n] {
					switch v := v.(type) {
					case nil:
					case []column.Value:
						list = append(list, v...)
					default:
						list = append(list, v)
					}
				}
				switch len(list) {
				case 0:
					out = append(out, nil)
				case 1:
					out = append(out, list[0])
				default:
					out = append(out, list)
				}
			}
			j += o.n
		}
		res.Rows[i] = out
	}
}

// uriText returns the text of an entity's URI, or <kind>/<id> in a store without a scope.
func (x *executor) uriText(k *entity.Kind, id uint64) string {
	if x.scope.IsZero() {
		return k.Name() + "/" + strconv.FormatUint(id, 10)
	}
	return uri.EntityURI{Scope: x.scope, Kind: k.Name(), ID: id}.String()
}

// finish orders set as the query asks and applies its LIMIT.
func (x *executor) finish(qp *qplan, set *roaring64.Bitmap) []uint64 {
	bq := qp.bq
	limit := set.GetCardinality()
	if bq.limit.Set {
		limit = min(limit, bq.limit.N)
	}
	ids := x.resultIDs(limit)
	switch qp.order {
	case orderNone:
		ids = ids[:limit]
		return ids[:set.ManyIterator().NextMany(ids)] // the set holds at least limit IDs
	case orderIndex:
		seen := roaring64.New()
		if limit > 0 {
			vals, err := bq.order.ByValue(x.tx, column.Open, column.Open, bq.desc)
			if err != nil {
				x.tx.Abort(err)
			}
			for id := range vals {
				if set.Contains(uint64(id)) && seen.CheckedAdd(uint64(id)) {
					if ids = append(ids, uint64(id)); uint64(len(ids)) == limit {
						break
					}
				}
			}
		}
		return x.appendRest(ids, set, seen, limit)
	}
	// orderSort: each entity's smallest value ascending, its largest descending.
	type keyed struct {
		id uint64
		v  column.Value
	}
	var ks []keyed
	seen := roaring64.New()
	for id, v := range bq.order.Gather(x.tx, set) {
		switch {
		case seen.CheckedAdd(uint64(id)):
			ks = append(ks, keyed{uint64(id), v})
		case bq.desc:
			ks[len(ks)-1].v = v // values come in value order: the last is the largest
		}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		c := cmp.Or(column.CompareValues(a.v, b.v), cmp.Compare(a.id, b.id))
		if bq.desc {
			return -c
		}
		return c
	})
	for _, k := range ks {
		if uint64(len(ids)) == limit {
			break
		}
		ids = append(ids, k.id)
	}
	return x.appendRest(ids, set, seen, limit)
}

// appendRest appends the entities of set without a value in the order column, in ID order.
func (x *executor) appendRest(ids []uint64, set, seen *roaring64.Bitmap, limit uint64) []uint64 {
	if uint64(len(ids)) >= limit {
		return ids
	}
	rest := roaring64.AndNot(set, seen)
	for it := rest.Iterator(); it.HasNext() && uint64(len(ids)) < limit; {
		ids = append(ids, it.Next())
	}
	return ids
}

// query runs a sub-query and returns the set of entities it finds.
func (x *executor) query(qp *qplan) *roaring64.Bitmap {
	set := x.set(qp.set)
	if qp.order == orderNone && !qp.bq.limit.Set {
		return set
	}
	return roaring64.BitmapOf(x.finishMeasured(qp, set)...)
}

// finishMeasured is finish, recording its pages for EXPLAIN ANALYZE.
func (x *executor) finishMeasured(qp *qplan, set *roaring64.Bitmap) []uint64 {
	if x.act == nil {
		return x.finish(qp, set)
	}
	before := x.tx.Stats().PagesRead
	ids := x.finish(qp, set)
	a := x.act.query(qp)
	a.orderPages += x.tx.Stats().PagesRead - before
	a.rows = uint64(len(ids))
	return ids
}

// kindSet returns the members of kind k, reading them once per run.
func (x *executor) kindSet(k *entity.Kind) *roaring64.Bitmap {
	bm, ok := x.kinds[k]
	if !ok {
		bm = k.Bitmap(x.tx)
		x.kinds[k] = bm
	}
	return bm
}

// cachedSet returns the set of step s, made once per run: a streamed query filters batch
// after batch with the same sets. The caller must not change it.
func (x *executor) cachedSet(s *step) *roaring64.Bitmap {
	set, ok := x.memo[s]
	if !ok {
		set = x.set(s)
		x.memo[s] = set
	}
	return set
}

// set runs a set step; the caller owns the bitmap it returns.
func (x *executor) set(s *step) *roaring64.Bitmap {
	if x.act != nil {
		return x.act.measure(x.tx, s, func() *roaring64.Bitmap { return x.setStep(s) })
	}
	return x.setStep(s)
}

func (x *executor) setStep(s *step) *roaring64.Bitmap {
	switch s.op {
	case opEmpty:
		return roaring64.New()
	case opKindScan:
		if s.stream {
			return x.stream(s, nil, s.limit)
		}
		return x.kindSet(s.kind).Clone()
	case opIndexRange:
		out := roaring64.New()
		for _, iv := range s.pred.ivs {
			bm, err := s.pred.col.Range(x.tx, iv.lo, iv.hi)
			if err != nil {
				x.fail(s.pred.c.Position(), err, "column %s: %v", s.pred.col.Name(), err)
			}
			out.Or(bm)
		}
		return out
	case opColumnScan:
		if s.pred.m != nil && !s.pred.has {
			return s.pred.col.ScanMatch(x.tx, s.pred.m)
		}
		out := roaring64.New()
		var last entity.ID
		for id, v := range s.pred.col.Scan(x.tx) {
			if id == last && !out.IsEmpty() {
				continue // a Multi column's entity already found
			}
			if s.pred.match(v) {
				out.Add(uint64(id))
				last = id
			}
		}
		return out
	case opFollowProbe:
		t := x.set(s.kids[0])
		if t.IsEmpty() {
			return t
		}
		if s.rev {
			return s.fol.verb.SubjectsOf(x.tx, t)
		}
		return s.fol.verb.ObjectsOf(x.tx, t)
	case opFollowScan:
		return x.followScan(s)
	case opClosure:
		return x.closure(s)
	case opEntity:
		return x.entitySet(s.ent)
	case opSubQuery:
		return x.query(s.sub)
	case opAnd:
		if s.kids[0].stream {
			return x.stream(s.kids[0], s.kids[1:], s.limit)
		}
		out := x.set(s.kids[0])
		for _, f := range s.kids[1:] {
			if out.IsEmpty() {
				break
			}
			out = x.filter(f, out)
		}
		return out
	case opOr:
		out := x.set(s.kids[0])
		out.Or(x.set(s.kids[1]))
		return out
	case opNot:
		out := x.set(s.kids[0])
		out.AndNot(x.set(s.kids[1]))
		return out
	}
	panic(fmt.Sprintf("query: step %d is not a set step", s.op))
}

// filter runs a filter step over in, which it may change, and returns the result.
func (x *executor) filter(s *step, in *roaring64.Bitmap) *roaring64.Bitmap {
	if in.IsEmpty() {
		return in
	}
	if x.act != nil {
		return x.act.measure(x.tx, s, func() *roaring64.Bitmap { return x.filterStep(s, in) })
	}
	return x.filterStep(s, in)
}

func (x *executor) filterStep(s *step, in *roaring64.Bitmap) *roaring64.Bitmap {
	if a := s.adapt; a != nil {
		probe := a.useProbe(in)
		if x.act != nil {
			x.act.ran(s, probe)
		}
		if s = a.inter; probe {
			s = a.probe
		}
	}
	switch s.op {
	case opEmpty:
		return roaring64.New()
	case opKindProbe:
		if s.dense && x.useEnds(s, in) {
			if lo, hi, ok := x.dense(s.kind); ok {
				in.RemoveRange(0, lo)
				if hi < math.MaxUint64 { // RemoveRange leaves its end
					in.RemoveRange(hi+1, math.MaxUint64)
					in.Remove(math.MaxUint64)
				}
				return in
			}
		}
		return s.kind.Filter(x.tx, in)
	case opColumnProbe:
		if s.pred.has || s.pred.m != nil {
			return x.probeMatch(s.pred, in)
		}
		return s.pred.col.Filter(x.tx, in, s.pred.match)
	case opFollowFilter:
		return x.followFilter(s, in)
	case opIntersect:
		if _, ok := x.memo[s.kids[0]]; !ok && s.kids[0].op == opIndexRange && !x.streaming {
			// The same pages as making the range's set, without building it: keep the
			// candidates that the range holds.
			return x.rangeSemiJoin(s.kids[0], in)
		}
		in.And(x.cachedSet(s.kids[0]))
		return in
	case opAndFilter:
		for _, f := range s.kids {
			in = x.filter(f, in)
		}
		return in
	case opOrFilter:
		l := x.filter(s.kids[0], in.Clone())
		rest := roaring64.AndNot(in, l)
		l.Or(x.filter(s.kids[1], rest))
		return l
	case opNotFilter:
		drop := x.filter(s.kids[0], in.Clone())
		in.AndNot(drop)
		return in
	}
	panic(fmt.Sprintf("query: step %d is not a filter step", s.op))
}

// stream reads the driver in ID order and hands its entities to the filters in batches,
// the first of n entities, growing, until n entities pass or the driver ends. It returns
// the first n entities that pass, in a bitmap.
func (x *executor) stream(driver *step, filters []*step, n uint64) *roaring64.Bitmap {
	out := roaring64.New()
	if n == 0 {
		return out
	}
	x.streaming = true
	defer func() { x.streaming = false }()
	batch := int(max(n, 16))
	ids := make([]uint64, 0, batch)
	flush := func() bool {
		bm := roaring64.BitmapOf(ids...)
		ids = ids[:0]
		for _, f := range filters {
			bm = x.filter(f, bm)
		}
		for it := bm.Iterator(); it.HasNext() && out.GetCardinality() < n; {
			out.Add(it.Next())
		}
		batch = min(2*batch, 1<<16)
		return out.GetCardinality() >= n
	}
	push := func(id uint64) bool {
		if ids = append(ids, id); len(ids) >= batch {
			return !flush()
		}
		return true
	}
	switch driver.op {
	case opKindScan:
		for id := range driver.kind.All(x.tx) {
			if !push(uint64(id)) {
				return out
			}
		}
	case opColumnScan:
		var last entity.ID
		for id, v := range driver.pred.col.Scan(x.tx) {
			if id == last || !driver.pred.match(v) {
				continue
			}
			last = id
			if !push(uint64(id)) {
				return out
			}
		}
	default:
		panic(fmt.Sprintf("query: step %d cannot stream", driver.op))
	}
	if len(ids) > 0 {
		flush()
	}
	return out
}

// rangeSemiJoin returns the entities of in that an index range step holds, reading the
// index ranges as the step does.
func (x *executor) rangeSemiJoin(s *step, in *roaring64.Bitmap) *roaring64.Bitmap {
	out := roaring64.New()
	for _, iv := range s.pred.ivs {
		ids, err := s.pred.col.RangeIDs(x.tx, iv.lo, iv.hi)
		if err != nil {
			x.fail(s.pred.c.Position(), err, "column %s: %v", s.pred.col.Name(), err)
		}
		has := newMembership(in)
		for id := range ids {
			if has(uint64(id)) {
				out.Add(uint64(id))
			}
		}
	}
	return out
}

// match reports whether a value satisfies the predicate.
func (b *bPred) match(v column.Value) bool {
	if b.has {
		return true
	}
	if b.numText {
		s, _ := v.(string)
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) {
			return false // not a number: no comparison holds, as in SPARQL
		}
		v = f
	}
	for _, iv := range b.ivs {
		if iv.contains(v) {
			return true
		}
	}
	return false
}

// resolveRefs resolves every entity reference of q and its sub-queries, in the order
// they are written, and adds a warning to res for each that names no entity.
func (x *executor) resolveRefs(q *boundQuery, res *Result) {
	x.refs = map[*bEntity]uint64{}
	var walk func(c bcond)
	walk = func(c bcond) {
		switch c := c.(type) {
		case *bAnd:
			walk(c.l)
			walk(c.r)
		case *bOr:
			walk(c.l)
			walk(c.r)
		case *bNot:
			walk(c.x)
		case *bFollow:
			switch t := c.target.(type) {
			case *bEntity:
				if _, done := x.refs[t]; done {
					return
				}
				var before uint64
				if x.act != nil { // Stats builds the counts by owner: only for EXPLAIN ANALYZE
					before = x.tx.Stats().PagesRead
				}
				id, w := x.resolveRef(t)
				if x.act != nil {
					x.act.resolved(t, x.tx.Stats().PagesRead-before)
				}
				if w != nil {
					res.Warnings = append(res.Warnings, w)
				} else {
					x.refs[t] = id
				}
			case *bSub:
				walk(t.q.where)
			}
		}
	}
	walk(q.where)
}

// resolveRef returns the entity a reference names, or a warning if it names none; any
// other error ends the message.
func (x *executor) resolveRef(t *bEntity) (uint64, *Error) {
	if t.ref.Form == RefIRI {
		id, ok := x.tx.ByIRI(t.ref.IRI)
		if !ok {
			return 0, &Error{Pos: t.ref.Pos, Msg: fmt.Sprintf("no entity has the IRI %s; it matches nothing", t.ref.Raw), Err: entity.ErrNoEntity}
		}
		return uint64(id), nil
	}
	id, err := x.tx.Resolve(t.uref)
	switch {
	case errors.Is(err, entity.ErrNoEntity) || errors.Is(err, entity.ErrWrongKind):
		return 0, &Error{Pos: t.ref.Pos, Msg: fmt.Sprintf("%v; it matches nothing", err), Err: err}
	case err != nil:
		x.fail(t.ref.Pos, err, "%v", err) // the error names the reference
	}
	return uint64(id), nil
}

// entitySet returns the set of the entity a reference names: empty if it names none.
func (x *executor) entitySet(t *bEntity) *roaring64.Bitmap {
	if id, ok := x.refs[t]; ok {
		return roaring64.BitmapOf(id)
	}
	return roaring64.New()
}

// edgeTree returns the tree a follow step reads: reverse (object, subject) or forward.
func (x *executor) edgeTree(s *step) *store.Tree {
	if s.rev {
		return s.fol.verb.Reverse(x.tx)
	}
	return s.fol.verb.Forward(x.tx)
}

// followScan reads a verb's whole tree, keys (a, b), and keeps each a whose b is a target
// (any b for ANY).
func (x *executor) followScan(s *step) *roaring64.Bitmap {
	var targets *roaring64.Bitmap
	if len(s.kids) > 0 {
		if targets = x.cachedSet(s.kids[0]); targets.IsEmpty() {
			return roaring64.New()
		}
	}
	out := roaring64.New()
	for k := range x.edgeTree(s).All() {
		a, b := entity.FromKey(k), entity.FromKey(k[entity.KeySize:])
		if targets == nil || targets.Contains(uint64(b)) {
			out.Add(uint64(a))
		}
	}
	return out
}

// followFilter keeps the candidates with an edge, in the step's direction, to a target:
// for each candidate in ID order it reads the edges that start at it.
func (x *executor) followFilter(s *step, in *roaring64.Bitmap) *roaring64.Bitmap {
	var targets *roaring64.Bitmap
	if len(s.kids) > 0 {
		if targets = x.cachedSet(s.kids[0]); targets.IsEmpty() {
			return roaring64.New()
		}
	}
	// One cursor for all the candidates: a candidate whose edges start in the leaf the
	// last one ended in is found there by a binary search, another from the lowest branch
	// that holds it (a finger), not by a descent from the root.
	c := x.edgeTree(s).Finger()
	var ids entity.IDs
	for it := in.Iterator(); it.HasNext(); {
		id := it.Next()
		key := entity.Key(entity.ID(id))
		k, _, ok, here := c.SeekInLeaf(key[:])
		if !here {
			k, _, ok = c.Seek(key[:])
		}
		for ; ok && bytes.HasPrefix(k, key[:]); k, _, ok = c.Next() {
			if targets == nil || targets.Contains(uint64(entity.FromKey(k[entity.KeySize:]))) {
				ids.Add(id)
				break
			}
		}
	}
	return ids.Bitmap()
}

// closure finds the entities from which a path of one or more edges leads to a target,
// breadth first: each level probes the verb for the frontier, in ID order, and keeps what
// it had not visited.
func (x *executor) closure(s *step) *roaring64.Bitmap {
	frontier := x.set(s.kids[0])
	visited := roaring64.New()
	v := s.fol.verb
	for !frontier.IsEmpty() {
		var next *roaring64.Bitmap
		if s.rev {
			next = v.SubjectsOf(x.tx, frontier)
		} else {
			next = v.ObjectsOf(x.tx, frontier)
		}
		next.AndNot(visited)
		visited.Or(next)
		frontier = next
	}
	return visited
}
