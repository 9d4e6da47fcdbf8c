package query

import (
	"math"
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/column"
)

// Explain returns the plan as text: the query, then the tree of its steps, outermost
// first, each with its estimated rows (entities out), the pages it alone is estimated
// to read and its CPU work (entries decoded, values and IDs alike, and probes made: see
// CPU work in cost.go), then the totals, and the pages planning read (statistics and
// the exact counts of facts.go), if any. Explain reads nothing, and shows the plan as it
// was prepared (Run of an EXPLAIN query shows it as it
// would run now). For example:
//
//	FIND player WHERE name = "alice" SELECT health
//	                                             rows  pages  decoded  probes
//	Select health: probe column health              1      2        1       1
//	└─ And                                          1      0        0       0
//	   ├─ Index range name = "alice" ["alice"]      1      2        1       1
//	   └─ Probe kind player                         1      2        0       1
//	estimated: 1 row, 6 distinct pages; at most 6 for the budget check
//	CPU work: 2 entries decoded, 3 probes made
func (p *Plan) Explain() string { return p.explain(nil) }

// explain writes the plan, with the actual figures of a run beside the estimates when a
// is not nil (EXPLAIN ANALYZE).
func (p *Plan) explain(a *analysis) string {
	var b strings.Builder
	b.WriteString(p.q.String())
	b.WriteByte('\n')
	root := explainQuery(p.top, a)
	var lines []explainLine
	root.flatten("", "", &lines)
	heads := []string{"rows", "pages", "decoded", "probes"}
	if a != nil {
		heads = append(heads, "actual rows", "actual pages")
	}
	widths := make([]int, len(heads))
	for i, h := range heads {
		widths[i] = len(h)
	}
	for _, l := range lines {
		for i, c := range l.cols {
			widths[i] = max(widths[i], len(c))
		}
	}
	// Columns: the tree, padded, then the figures right-aligned.
	treeW := 0
	for _, l := range lines {
		treeW = max(treeW, len([]rune(l.left)))
	}
	pad := func(s string, w int) string { return strings.Repeat(" ", max(0, w-len([]rune(s)))) + s }
	row := func(cols []string) {
		for i, c := range cols {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(pad(c, widths[i]))
		}
		b.WriteByte('\n')
	}
	b.WriteString(strings.Repeat(" ", treeW+2))
	row(heads)
	for _, l := range lines {
		b.WriteString(l.left)
		b.WriteString(strings.Repeat(" ", treeW+2-len([]rune(l.left))))
		row(l.cols)
	}
	b.WriteString("estimated: " + counted(roundEst(p.top.est.rows), "row", "rows") + ", " + counted(p.est, "distinct page", "distinct pages") + "; at most " + strconv.FormatUint(p.upper, 10) + " for the budget check\n")
	w := root.totalWork()
	b.WriteString("CPU work: " + counted(roundEst(w.decoded), "entry", "entries") + " decoded, " + counted(roundEst(w.probes), "probe", "probes") + " made\n")
	if p.prepPages > 0 {
		b.WriteString("planning read " + counted(p.prepPages, "page", "pages") + " (statistics, exact counts)\n")
	}
	if a != nil {
		qa := a.query(p.top)
		total := a.queryPages(p.top) + a.refTotal
		b.WriteString("actual: " + counted(qa.rows, "row", "rows") + ", " + counted(total, "distinct page", "distinct pages") + " (a step's actual pages are those it read first)\n")
	}
	return b.String()
}

// explainNode is a line of EXPLAIN and the lines below it.
type explainNode struct {
	text        string
	rows, pages uint64
	work        work // estimated CPU work
	// act holds the actual rows and pages, for EXPLAIN ANALYZE; "-" for a step that did
	// not run.
	act  []string
	kids []*explainNode
}

type explainLine struct {
	left string
	cols []string
}

func (n *explainNode) flatten(first, rest string, out *[]explainLine) {
	*out = append(*out, explainLine{
		left: first + n.text,
		cols: append([]string{strconv.FormatUint(n.rows, 10), strconv.FormatUint(n.pages, 10),
			strconv.FormatUint(roundEst(n.work.decoded), 10), strconv.FormatUint(roundEst(n.work.probes), 10)}, n.act...),
	})
	for i, k := range n.kids {
		if i == len(n.kids)-1 {
			k.flatten(rest+"└─ ", rest+"   ", out)
		} else {
			k.flatten(rest+"├─ ", rest+"│  ", out)
		}
	}
}

// totalWork returns the work of n and its kids.
func (n *explainNode) totalWork() work {
	w := n.work
	for _, k := range n.kids {
		kw := k.totalWork()
		w.decoded += kw.decoded
		w.probes += kw.probes
	}
	return w
}

// explainQuery describes a FIND: its set, then ORDER BY, LIMIT and SELECT or COUNT
// around it, outermost first.
func explainQuery(qp *qplan, a *analysis) *explainNode {
	bq := qp.bq
	n := explainStep(qp.set, a)
	var qa *queryActual
	if a != nil {
		qa = a.query(qp)
	}
	actual := func(rows, pages uint64) []string {
		if a == nil {
			return nil
		}
		return []string{strconv.FormatUint(rows, 10), strconv.FormatUint(pages, 10)}
	}
	setRows := uint64(0)
	if a != nil && a.steps[qp.set] != nil {
		setRows = a.steps[qp.set].rows
	}
	rows := roundEst(qp.set.est.rows)
	if bq.order != nil {
		dir := "ASC"
		if bq.desc {
			dir = "DESC"
		}
		how := "read column " + bq.order.Name() + " and sort"
		if qp.order == orderIndex {
			how = "scan index of " + bq.order.Name() + " in order"
			if bq.limit.Set {
				how += " until the limit"
			}
		}
		n = &explainNode{text: "Order by " + bq.order.Name() + " " + dir + ": " + how, rows: rows, pages: roundEst(qp.orderEst), work: qp.orderEstWork, kids: []*explainNode{n}}
		if qa != nil {
			n.act = actual(setRows, qa.orderPages)
		}
	}
	if bq.limit.Set {
		n = &explainNode{text: "Limit " + strconv.FormatUint(bq.limit.N, 10), rows: roundEst(qp.est.rows), kids: []*explainNode{n}}
		if qa != nil {
			n.act = actual(qa.rows, 0)
		}
	}
	switch {
	case bq.q.Count:
		n = &explainNode{text: "Count", rows: roundEst(qp.est.rows), kids: []*explainNode{n}}
		if qa != nil {
			n.act = actual(qa.rows, 0)
		}
	case len(bq.sel) > 0:
		names := make([]string, len(bq.sel))
		pages := 0.0
		for i, c := range bq.sel {
			names[i] = selName(c)
			if i < len(qp.selEst) {
				pages += qp.selEst[i]
			}
		}
		list := strings.Join(names, ", ")
		n = &explainNode{text: "Select " + list + ": probe column", rows: roundEst(qp.est.rows), pages: roundEst(pages), work: qp.selEstWork, kids: []*explainNode{n}}
		if qa != nil {
			n.act = actual(qa.rows, qa.selPages)
		}
		if len(names) > 1 {
			n.text += "s"
		}
		n.text += " " + list
	}
	return n
}

// roundEst rounds an estimate for EXPLAIN.
func roundEst(x float64) uint64 {
	if x <= 0 {
		return 0
	}
	return uint64(math.Round(x))
}

// explainStep describes one step and its kids.
func explainStep(s *step, a *analysis) *explainNode {
	n := &explainNode{rows: roundEst(s.est.rows), pages: roundEst(s.est.pages), work: s.est.work}
	if a != nil {
		n.act = []string{"-", "-"}
		if sa := a.steps[s]; sa != nil {
			n.act = []string{strconv.FormatUint(sa.rows, 10), strconv.FormatUint(a.alone(s), 10)}
		}
		if s.op == opEntity && a.refs[s.ent] > 0 {
			// The run resolves every reference before its steps: those pages are this step's.
			n.act[1] = strconv.FormatUint(a.alone(s)+a.refs[s.ent], 10)
		}
	}
	cond := func() string {
		switch {
		case s.pred != nil:
			// A name standing for several columns (a predicate's datatypes) says which.
			text := s.pred.c.String()
			if name := condColumn(s.pred.c); name != s.pred.col.Name() {
				text += " in column " + s.pred.col.Name()
			}
			if s.pred.numText {
				text += ", its text read as numbers"
			}
			return text
		case s.fol != nil:
			return s.fol.c.String()
		}
		return ""
	}
	dir := func() string {
		if s.rev {
			return "(object, subject)"
		}
		return "(subject, object)"
	}
	switch s.op {
	case opEmpty:
		n.text = "Empty"
		if s.pred != nil {
			n.text += ": " + cond() + " never holds"
		}
	case opKindScan:
		n.text = "Scan kind " + s.kind.Name()
	case opKindProbe:
		n.text = "Probe kind " + s.kind.Name()
		if s.dense {
			// The run reads the ends where that costs less than probing its candidates
			// (executor.useEnds), and probes them if the kind is no longer dense.
			n.text += ", or its tree's ends where fewer pages (its members are every ID between them)"
		}
	case opIndexRange:
		ivs := make([]string, len(s.pred.ivs))
		for i, iv := range s.pred.ivs {
			ivs[i] = iv.String()
		}
		n.text = "Index range " + cond() + " " + strings.Join(ivs, " ∪ ")
	case opColumnScan:
		n.text = "Scan column " + s.pred.col.Name() + ": " + cond()
	case opColumnProbe:
		n.text = "Probe column " + s.pred.col.Name() + ": " + cond()
	case opFollowProbe:
		n.text = "Probe verb " + s.fol.verb.Name() + " " + dir() + " for each target: " + cond()
	case opFollowScan:
		n.text = "Scan verb " + s.fol.verb.Name() + " " + dir() + ": " + cond()
	case opFollowFilter:
		n.text = "Probe verb " + s.fol.verb.Name() + " " + dir() + " for each candidate: " + cond()
	case opClosure:
		n.text = "Closure, breadth-first over verb " + s.fol.verb.Name() + " " + dir() + ": " + cond()
	case opEntity:
		n.text = "Resolve " + s.ent.ref.Raw + " in " + s.tree.owner
	case opSubQuery:
		n.text = "Sub-query FIND " + s.sub.bq.q.Kind.String()
		n.kids = []*explainNode{explainQuery(s.sub, a)}
		return n
	case opAnd:
		n.text = "And"
	case opOr:
		n.text = "Or"
	case opNot:
		n.text = "Not: the first minus the second"
	case opIntersect:
		n.text = "Intersect"
	case opAndFilter:
		n.text = "And (filter)"
	case opOrFilter:
		n.text = "Or (filter)"
	case opNotFilter:
		n.text = "Not (filter): drop"
	}
	if a := s.adapt; a != nil && a.at > 1 && a.at != math.MaxUint64 {
		if s == a.probe {
			n.text += " (intersects instead from " + strconv.FormatUint(a.at, 10) + " candidates)"
		} else {
			n.text += " (probes instead below " + strconv.FormatUint(a.at, 10) + " candidates)"
		}
	}
	if sa := a.step(s); sa != nil && sa.probed+sa.intersected > 0 {
		switch {
		case sa.intersected == 0:
			n.text += " [probed]"
		case sa.probed == 0:
			n.text += " [intersected]"
		default:
			n.text += " [probed " + strconv.Itoa(sa.probed) + " times, intersected " + strconv.Itoa(sa.intersected) + "]"
		}
	}
	for _, k := range s.kids {
		n.kids = append(n.kids, explainStep(k, a))
	}
	return n
}

// counted returns n and the noun's singular or plural form: "1 row", "2 rows".
func counted(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatUint(n, 10) + " " + many
}

// selName returns the name of a selected column: "IRI" for SELECT IRI.
func selName(c *column.Dyn) string {
	if c == nil {
		return "IRI"
	}
	return c.Name()
}

// condColumn returns the column name a comparison or HAS names.
func condColumn(c Cond) string {
	switch c := c.(type) {
	case *CompareCond:
		return c.Col.Name
	case *BetweenCond:
		return c.Col.Name
	case *HasCond:
		return c.Col.Name
	}
	return ""
}
