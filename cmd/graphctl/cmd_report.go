package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store/pagebudget"
)

// errOverBudget reports a report in which an entry is over its budget or regressed past
// the tolerance. It is a user error: exit code 1.
var errOverBudget = errors.New("over budget or regressed")

// reportStatus is the verdict on one entry of a report.
type reportStatus string

// The statuses, from worst to best. over-budget and regressed fail the report.
const (
	statusOverBudget reportStatus = "over-budget" // pages read + dirtied exceed the budget
	statusRegressed  reportStatus = "regressed"   // a count grew past the tolerance (pagebudget.Compare)
	statusNew        reportStatus = "new"         // no baseline entry of that name
	statusImproved   reportStatus = "improved"    // fewer pages than the baseline, none regressed
	statusOK         reportStatus = "ok"
)

// failed reports whether s fails the report.
func (s reportStatus) failed() bool { return s == statusOverBudget || s == statusRegressed }

// reportEntry is one measured entry, in the shape of the results JSON.
type reportEntry struct {
	Name           string  `json:"name"`
	Query          string  `json:"query"`
	PagesRead      uint64  `json:"pages_read"`
	PagesDirtied   uint64  `json:"pages_dirtied"`
	EstimatedPages uint64  `json:"estimated_pages"` // the plan's estimate of pages read
	Budget         *uint64 `json:"budget"`          // null: no budget
	// Baseline is the baseline's pages read + pages dirtied, and ChangePct the change of
	// this run's from it; both null for an entry the baseline lacks.
	Baseline   *uint64           `json:"baseline"`
	ChangePct  *float64          `json:"change_pct"`
	Status     reportStatus      `json:"status"`
	ByVariable map[string]uint64 `json:"by_variable"` // pages read through each variable

	base      *pagebudget.Entry // the baseline entry, if any
	baseQuery string            // the baseline's query, if it is another
	why       []string          // why the entry failed
}

// pages returns the entry's counts as the Go helper keeps them, so that the CLI and
// pagebudget.Check judge the same numbers the same way.
func (r *reportEntry) pages() pagebudget.Entry {
	return pagebudget.Entry{PagesRead: r.PagesRead, PagesDirtied: r.PagesDirtied, ByVariable: r.ByVariable}
}

// reportResults is the JSON that report writes, and reads back as the next run's baseline.
type reportResults struct {
	Entries []*reportEntry `json:"entries"`
}

// report is one run of a workload.
type report struct {
	workload     string
	store        string
	tolerancePct float64
	baselinePath string
	baselineRead bool // the baseline file existed
	entries      []*reportEntry
	notes        []string // said on standard error: not wrong, but worth knowing
}

func newReportCmd(e *env) *cobra.Command {
	var out, baseline, htmlPath, tolerance string
	var persist bool
	cmd := &cobra.Command{
		Use:   "report WORKLOAD.yaml [--baseline FILE] [--persist] [--tolerance PCT] [-o table|json] [--html FILE]",
		Short: "Check the pages a workload of queries touches against budgets and a baseline",
		Long: `Run the named queries of a workload file, count the 4 KiB pages each touches, and compare
the counts with page budgets and with a baseline: the results of an earlier run.

  budget: 200            # default page budget per entry (pages read + pages dirtied)
  tolerance: 5%          # growth over the baseline that still passes (default 0%)
  queries:
    - name: weak-players
      query: FIND player WHERE health < 10 SELECT name
      budget: 40         # this entry's budget instead of the default

Every key but queries is optional; an entry without a budget, in a file without one, has
none. Unknown keys, missing names or queries, repeated names and queries that do not parse
are errors naming FILE:LINE:COL, found before the store is opened.

Each query runs as in 'graphctl query', in a read-only message: a report never writes to the
store. The table shows per entry the pages read, the plan's estimate of them (so a wrong
estimate shows), the pages dirtied, the baseline's pages (read + dirtied), the change in
percent, the budget and a status:

  over-budget  pages read + pages dirtied exceed the budget
  regressed    pages read or pages dirtied grew past the tolerance over the baseline's
  new          within budget; the baseline has no entry of this name
  improved     within budget, nothing regressed, and fewer pages than the baseline
  ok           within budget, nothing regressed

The exit code is 1 if any entry is over budget or regressed, once all output is written.

The baseline is --baseline FILE or, by default, WORKLOAD.pagebudget.json beside the workload
(work/demo.yaml: work/demo.pagebudget.json); without the file every entry is new, though a
--baseline FILE that does not exist is an error unless --persist is given. --persist writes
this run's results to that file, as the next run's baseline, whatever the statuses (the
exit code still compares with the old baseline). Without --persist, report writes no file
but --html, and the results go to standard output only with -o json, in place of the
table and in the same form --persist writes:

  {"entries": [{"name", "query", "pages_read", "pages_dirtied", "estimated_pages",
                "budget", "baseline", "change_pct", "status", "by_variable": {...}}]}

budget, baseline and change_pct are null where there is none; by_variable breaks pages
read down by the variable (kind, column, verb, system) whose tree held each page.

--html FILE writes a page that needs nothing else (inline CSS and SVG, no script, no
network): the table, and per entry its query, a bar chart of its pages against the plan's
estimate, the baseline and the budget, and the per-variable breakdown beside the
baseline's.`,
		Example: `  graphctl report --db world.sgdb workload.yaml
  graphctl report --db world.sgdb workload.yaml --persist          # accept this run as the baseline
  graphctl report --db world.sgdb workload.yaml --baseline main.json --tolerance 5% --html report.html
  graphctl report --db world.sgdb workload.yaml -o json > results.json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			if f == formatCSV {
				return usagef("report writes table or json, not csv")
			}
			var tolFlag float64
			if cmd.Flags().Changed("tolerance") {
				if tolFlag, err = parsePercent(tolerance); err != nil {
					return usagef("--tolerance: %v", err)
				}
			}
			if e.server == "" {
				if _, err := e.needDB(); err != nil {
					return err
				}
			}

			w, err := readWorkload(args[0])
			if err != nil {
				return err
			}
			r := &report{workload: args[0], store: e.db, tolerancePct: w.tolerancePct, baselinePath: baseline}
			if cmd.Flags().Changed("tolerance") {
				r.tolerancePct = tolFlag
			}
			if r.baselinePath == "" {
				r.baselinePath = defaultBaselinePath(args[0])
			}
			base, err := readBaseline(r.baselinePath)
			switch {
			case errors.Is(err, fs.ErrNotExist) && baseline != "" && !persist:
				return fmt.Errorf("%s: no baseline here (write one with --persist): %w", baseline, errNotFound)
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				return err
			default:
				r.baselineRead = true
			}

			b, closeStore, err := e.backend(openOptions{readOnly: true})
			if err != nil {
				return err
			}
			defer closeStore()
			if err := r.run(cmdContext(cmd), b, w, base); err != nil {
				return err
			}
			if err := closeStore(); err != nil {
				return err
			}

			results, err := r.resultsJSON()
			if err != nil {
				return err
			}
			if f == formatJSON {
				if _, err := e.stdout.Write(results); err != nil {
					return err
				}
			} else if err := r.writeTable(e.stdout); err != nil {
				return err
			}
			for _, n := range r.notes {
				fmt.Fprintf(e.stderr, "graphctl: note: %s\n", n)
			}
			if htmlPath != "" {
				if err := r.writeHTML(htmlPath); err != nil {
					return err
				}
			}
			if persist {
				if err := writeFileAtomic(r.baselinePath, results); err != nil {
					return err
				}
				if f == formatTable {
					fmt.Fprintf(e.stdout, "wrote %s: the next run's baseline\n", r.baselinePath)
				}
			}
			return r.err()
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table or json (the results, as --persist writes them)")
	cmd.Flags().StringVar(&baseline, "baseline", "", "the results of an earlier run to compare with (default WORKLOAD.pagebudget.json)")
	cmd.Flags().BoolVar(&persist, "persist", false, "write this run's results to the baseline file, as the next run's baseline")
	cmd.Flags().StringVar(&tolerance, "tolerance", "", "growth over the baseline that still passes, such as 5% (default: the workload's, or 0%)")
	cmd.Flags().StringVar(&htmlPath, "html", "", "also write a self-contained HTML report to FILE")
	return cmd
}

// defaultBaselinePath returns the baseline file of a workload: beside it, its name with
// .pagebudget.json for its extension, so that two workloads in one directory do not share one.
func defaultBaselinePath(workload string) string {
	return strings.TrimSuffix(workload, filepath.Ext(workload)) + ".pagebudget.json"
}

// readBaseline reads the results of an earlier run, by entry name. A missing file is an
// error wrapping fs.ErrNotExist.
func readBaseline(path string) (map[string]*reportEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var res reportResults
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("%s: %w: not the results of graphctl report: %w", path, errBadInput, jsonErr(b, err))
	}
	out := make(map[string]*reportEntry, len(res.Entries))
	for i, e := range res.Entries {
		if e == nil || e.Name == "" {
			return nil, fmt.Errorf("%s: %w: entry %d has no name", path, errBadInput, i+1)
		}
		out[e.Name] = e
	}
	return out, nil
}

// run prepares and runs every query of w and judges its counts. Errors name the entry
// and its position in the workload; all of them are returned, and no entry is judged.
func (r *report) run(ctx context.Context, bk backend, w *workload, base map[string]*reportEntry) error {
	var errs []error
	for _, it := range w.entries {
		res, err := bk.Query(ctx, server.QueryRequest{Query: it.text})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: entry %q: %w", it.pos, it.name, queryError(it.text, err)))
			continue
		}
		e := &reportEntry{
			Name:           it.name,
			Query:          it.text,
			PagesRead:      res.Stats.PagesRead,
			PagesDirtied:   res.Stats.PagesWritten,
			EstimatedPages: res.Stats.EstimatedPages,
			Budget:         it.budget,
			ByVariable:     res.Stats.ByVariable,
		}
		if e.ByVariable == nil {
			e.ByVariable = map[string]uint64{}
		}
		if b, ok := base[it.name]; ok {
			be := b.pages()
			e.base = &be
			pages, pct := be.Pages(), math.Round(pagebudget.ChangePct(e.pages().Pages(), be.Pages())*10)/10
			e.Baseline, e.ChangePct = &pages, &pct
			if !sameQuery(b.Query, it.q) {
				e.baseQuery = b.Query
				r.notes = append(r.notes, fmt.Sprintf("entry %q: the baseline measured another query: %s", it.name, b.Query))
			}
		}
		e.Status, e.why = judge(e.pages(), e.Budget, e.base, r.tolerancePct)
		r.entries = append(r.entries, e)
	}
	return errors.Join(errs...)
}

// judge returns the status of an entry's counts and, if it fails, why, with the tolerance
// in percent. Over the budget wins over a regression; both are said.
func judge(got pagebudget.Entry, budget *uint64, base *pagebudget.Entry, tolerancePct float64) (reportStatus, []string) {
	var why []string
	status := statusOK
	if base == nil {
		status = statusNew
	} else if msg := pagebudget.Compare(got, *base, tolerancePct/100); msg != "" {
		status = statusRegressed
		why = append(why, msg+", over the tolerance of "+formatPercent(tolerancePct))
	} else if got.Pages() < base.Pages() {
		status = statusImproved
	}
	if budget != nil && got.Pages() > *budget {
		status = statusOverBudget
		why = append([]string{fmt.Sprintf("%d pages (%d read + %d dirtied), over the budget of %d",
			got.Pages(), got.PagesRead, got.PagesDirtied, *budget)}, why...)
	}
	return status, why
}

// sameQuery reports whether the baseline's query text is q, up to spelling.
func sameQuery(text string, q *query.Query) bool {
	bq, err := query.Parse(text)
	return err == nil && bq.String() == q.String()
}

// err returns the error that fails the report, or nil.
func (r *report) err() error {
	var lines []string
	for _, e := range r.entries {
		for _, w := range e.why {
			lines = append(lines, fmt.Sprintf("  %s: %s", e.Name, w))
		}
	}
	n := 0
	for _, e := range r.entries {
		if e.Status.failed() {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%d of %s %w:\n%s", n, count(uint64(len(r.entries)), "entry", "entries"), errOverBudget, strings.Join(lines, "\n"))
}

// resultsJSON returns the results as --persist writes them: indented, so that a baseline
// kept in version control diffs well, and with '<' left as is in queries.
func (r *report) resultsJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	entries := r.entries
	if entries == nil {
		entries = []*reportEntry{}
	}
	if err := enc.Encode(reportResults{Entries: entries}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// reportColumns are the columns of the report's table.
var reportColumns = []string{"name", "pages read", "estimated", "pages dirtied", "baseline", "change", "budget", "status"}

// rows returns the table's rows. Missing baselines and budgets are empty cells.
func (r *report) rows() [][]any {
	rows := make([][]any, len(r.entries))
	changes := make([]string, len(r.entries))
	width := len("change")
	for i, e := range r.entries {
		if e.ChangePct != nil {
			changes[i] = fmt.Sprintf("%+.1f%%", *e.ChangePct)
			width = max(width, len(changes[i]))
		}
	}
	for i, e := range r.entries {
		row := []any{e.Name, e.PagesRead, e.EstimatedPages, e.PagesDirtied, nil, nil, nil, string(e.Status)}
		if e.Baseline != nil {
			row[4] = *e.Baseline
			// writeTable right-aligns numbers only; the change is text, so pad it.
			row[5] = fmt.Sprintf("%*s", width, changes[i])
		}
		if e.Budget != nil {
			row[6] = *e.Budget
		}
		rows[i] = row
	}
	return rows
}

// summary returns the line under the table: the statuses, the tolerance and the baseline.
func (r *report) summary() string {
	n := map[reportStatus]uint64{}
	for _, e := range r.entries {
		n[e.Status]++
	}
	var parts []string
	for _, s := range []reportStatus{statusOK, statusImproved, statusNew, statusRegressed, statusOverBudget} {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	base := "baseline " + r.baselinePath
	if !r.baselineRead {
		base = "no baseline (" + r.baselinePath + " does not exist)"
	}
	return fmt.Sprintf("%s: %s; tolerance %s; %s", count(uint64(len(r.entries)), "entry", "entries"),
		strings.Join(parts, ", "), formatPercent(r.tolerancePct), base)
}

// writeTable writes the report as a table and a summary line.
func (r *report) writeTable(w io.Writer) error {
	if err := writeTable(w, reportColumns, r.rows()); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "(%s)\n", r.summary())
	return err
}

// writeFileAtomic replaces the file at path with b, so that a baseline is never left
// half written.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
