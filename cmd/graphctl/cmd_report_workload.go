package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store/pagebudget"
)

// workloadFile is the YAML form of a workload, as 'report' reads it:
//
//	budget: 200            # default page budget per entry (pages read + pages dirtied)
//	tolerance: 5%          # allowed growth over the baseline before it counts as a regression
//	queries:
//	  - name: weak-players
//	    query: FIND player WHERE health < 10 SELECT name
//	    budget: 40
//
// Every key is optional but queries. Unknown keys are refused, so that a typo ("budgt")
// is an error and not a silently missing budget.
type workloadFile struct {
	Budget    *uint64         `yaml:"budget"`
	Tolerance string          `yaml:"tolerance"`
	Queries   []workloadEntry `yaml:"queries"`
}

type workloadEntry struct {
	Name   string  `yaml:"name"`
	Query  string  `yaml:"query"`
	Budget *uint64 `yaml:"budget"`
}

// workloadNodes is the same file as syntax nodes, for the positions of what the typed
// decoding cannot check: go-yaml gives positions in its own errors only.
type workloadNodes struct {
	Budget    ast.Node `yaml:"budget"`
	Tolerance ast.Node `yaml:"tolerance"`
	Queries   ast.Node `yaml:"queries"`
}

// workload is a checked workload file: every entry named, unique and parsed.
type workload struct {
	entries []*workloadItem
	// tolerancePct is the growth over the baseline, in percent, that still passes: 0
	// unless the file gives one, as pagebudget.DefaultTolerance.
	tolerancePct float64
}

// workloadItem is one entry of a workload.
type workloadItem struct {
	name   string
	text   string // the query as written, without surrounding white space
	q      *query.Query
	budget *uint64 // nil: no budget
	pos    string  // FILE:LINE:COL of the query, for errors
}

// readWorkload reads, decodes and checks a workload file and parses its queries, so that
// every mistake in it is reported before the store is opened. Errors start FILE:LINE:COL.
func readWorkload(path string) (*workload, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, yamlError(path, err)
	}
	at := func(n ast.Node) string { return yamlPos(path, nodeToken(n)) }
	if len(f.Docs) > 1 {
		doc := yamlPos(path, f.Docs[1].Start)
		if f.Docs[1].Start == nil {
			doc = at(f.Docs[1].Body)
		}
		return nil, fmt.Errorf("%s: a workload is one YAML document; remove the '---' and what follows", doc)
	}
	var wf workloadFile
	if err := yaml.UnmarshalWithOptions(src, &wf, yaml.DisallowUnknownField()); err != nil {
		return nil, yamlError(path, err)
	}
	var nodes workloadNodes
	if err := yaml.Unmarshal(src, &nodes); err != nil {
		return nil, yamlError(path, err)
	}

	w := &workload{tolerancePct: pagebudget.DefaultTolerance * 100}
	var errs []error
	if wf.Tolerance != "" {
		pct, err := parsePercent(wf.Tolerance)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: tolerance: %w", at(nodes.Tolerance), err))
		}
		w.tolerancePct = pct
	}
	if wf.Budget != nil && *wf.Budget == 0 {
		errs = append(errs, fmt.Errorf("%s: budget: a budget of 0 pages fails every query; leave it out for none", at(nodes.Budget)))
	}
	if len(wf.Queries) == 0 {
		return nil, errors.Join(append(errs, fmt.Errorf("%s: no queries: list them under 'queries:', each with a name and a query", path))...)
	}

	entryNodes := sequenceItems(nodes.Queries, len(wf.Queries))
	first := map[string]string{} // name → position of its first entry
	for i, e := range wf.Queries {
		n := entryNode(entryNodes[i])
		fields := mappingFields(entryNodes[i])
		it := &workloadItem{name: e.Name, text: strings.TrimSpace(e.Query), budget: e.Budget, pos: at(fields["query"])}
		if fields["query"] == nil {
			it.pos = at(n)
		}
		if it.name == "" && it.text == "" {
			errs = append(errs, fmt.Errorf("%s: entry %d is empty: give it a name and a query", at(n), i+1))
			continue
		}
		switch {
		case it.name == "":
			errs = append(errs, fmt.Errorf("%s: entry %d has no name", at(n), i+1))
		case first[it.name] != "":
			errs = append(errs, fmt.Errorf("%s: entry %q is already defined at %s", at(fields["name"]), it.name, first[it.name]))
		default:
			first[it.name] = at(fields["name"])
		}
		label := fmt.Sprintf("entry %q", it.name)
		if it.name == "" {
			label = fmt.Sprintf("entry %d", i+1)
		}
		if e.Budget != nil && *e.Budget == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: a budget of 0 pages fails every query; leave it out for none", at(fields["budget"]), label))
		}
		if it.budget == nil {
			it.budget = wf.Budget
		}
		if it.text == "" {
			errs = append(errs, fmt.Errorf("%s: %s has no query", it.pos, label))
			continue
		}
		q, err := query.Parse(it.text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", it.pos, label, queryError(it.text, err)))
			continue
		}
		if q.Explain {
			errs = append(errs, fmt.Errorf("%s: %s: EXPLAIN reads no page, so there is nothing to measure: remove it", it.pos, label))
			continue
		}
		it.q = q
		w.entries = append(w.entries, it)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return w, nil
}

// parsePercent parses a percentage such as "5%" or "0.5%" and returns it in percent. The
// sign is required: a bare 5 could mean 5% or 500%.
func parsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	num, ok := strings.CutSuffix(t, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch {
	case !ok && err == nil:
		return 0, fmt.Errorf("%q: write it as a percentage, such as %s%%", s, t)
	case !ok || err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Errorf("%q is not a percentage such as 5%%", s)
	case f < 0:
		return 0, fmt.Errorf("%q: a tolerance cannot be negative", s)
	}
	return f, nil
}

// formatPercent writes a percentage as parsePercent reads it.
func formatPercent(pct float64) string {
	return strconv.FormatFloat(pct, 'f', -1, 64) + "%"
}

// yamlError turns an error of go-yaml into FILE:LINE:COL: message, without the source
// excerpt go-yaml adds.
func yamlError(path string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return fmt.Errorf("%s: %w", path, err)
	}
	msg := ye.GetMessage()
	var te *yaml.TypeError
	if errors.As(err, &te) {
		// go-yaml names the Go types ("Go struct field workloadFile.Budget of type uint64").
		msg = fmt.Sprintf("expected %s, found %s", yamlKind(te.DstType), yamlKind(te.SrcType))
	}
	return fmt.Errorf("%s: %s", yamlPos(path, ye.GetToken()), msg)
}

// yamlKind names a Go type as the YAML value it decodes from.
func yamlKind(t reflect.Type) string {
	if t == nil {
		return "nothing"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number of pages"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

// yamlPos returns "FILE:LINE:COL" of a token, or FILE without one.
func yamlPos(path string, tk *token.Token) string {
	if tk == nil || tk.Position == nil || tk.Position.Line == 0 {
		return path
	}
	return fmt.Sprintf("%s:%d:%d", path, tk.Position.Line, tk.Position.Column)
}

// nodeToken returns the token of n, or nil.
func nodeToken(n ast.Node) *token.Token {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return nil
	}
	return n.GetToken()
}

// sequenceItems returns the n items of a sequence node, each as the node that best gives
// its position: the item, or the "-" of an empty item.
func sequenceItems(n ast.Node, count int) []ast.Node {
	out := make([]ast.Node, count)
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		for i := range out {
			out[i] = n
		}
		return out
	}
	for i := range out {
		switch {
		case i < len(seq.Values) && nodeToken(seq.Values[i]) != nil:
			out[i] = seq.Values[i]
		case i < len(seq.Entries):
			out[i] = seq.Entries[i]
		default:
			out[i] = seq
		}
	}
	return out
}

// entryNode returns the node that gives the position of an entry: its first key, if it is
// a mapping (go-yaml positions a mapping at its first ':').
func entryNode(n ast.Node) ast.Node {
	if mv := mappingValues(n); len(mv) > 0 && nodeToken(mv[0].Key) != nil {
		return mv[0].Key
	}
	return n
}

// mappingValues returns the key-value nodes of a mapping. A mapping of one key may come as
// the bare key-value node.
func mappingValues(n ast.Node) []*ast.MappingValueNode {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}
	}
	return nil
}

// mappingFields returns the value nodes of a mapping by key.
func mappingFields(n ast.Node) map[string]ast.Node {
	out := map[string]ast.Node{}
	for _, mv := range mappingValues(n) {
		if tk := nodeToken(mv.Key); tk != nil {
			v := mv.Value
			if nodeToken(v) == nil {
				v = mv.Key // "query:" with nothing after it
			}
			out[tk.Value] = v
		}
	}
	return out
}
