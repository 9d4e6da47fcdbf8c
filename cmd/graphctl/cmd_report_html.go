package main

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"os"
	"slices"
	"strings"

	"github.com/stablegraph/stablegraph/internal/interchange"
)

// The HTML report is one file that needs nothing else: CSS and SVG inline, no script, no
// font or image to fetch. It is also well-formed XML (void elements closed, attributes
// quoted, only numeric character references), so that a test can parse it with
// encoding/xml. html/template escapes every text that comes from the workload or the store.

// htmlReport is what the page shows.
type htmlReport struct {
	Workload, Store, Baseline, Tolerance, Summary string
	Failed                                        bool
	Columns                                       []string
	Entries                                       []htmlEntry
}

// htmlEntry is one entry: its table row, its chart and its per-variable breakdown.
type htmlEntry struct {
	ID, Name, Query, Status string
	BaseQuery               string   // the baseline's query, if it is another
	Cells                   []string // the table row but the name and the status
	Why                     []string
	Chart                   htmlChart
	Vars                    []htmlVar
	HasBaseVars             bool
}

// htmlChart is a horizontal bar chart: one bar per quantity, and the budget also as a
// dashed line across all bars, so that a bar that crosses it stands out.
type htmlChart struct {
	Width, Height int
	Label         string // the chart in words, for screen readers
	Bars          []htmlBar
	BudgetX       int // 0: no budget
	LineTop       int
	LineBottom    int
}

type htmlBar struct {
	Label, Value, Class       string
	X, Y, TextY, W, H, ValueX int
	Missing                   bool // no such quantity: the value says so, no bar
}

// htmlVar is one variable of the breakdown.
type htmlVar struct {
	Name               string
	Pages, Base        string
	W, BaseW           int
	BaseMissing, Empty bool
}

// Chart geometry, in pixels.
const (
	chartLabelW = 96
	chartBarW   = 420
	chartRowH   = 22
	chartBarH   = 14
	varBarW     = 160
)

// writeHTML writes the report as a self-contained HTML page.
func (r *report) writeHTML(path string) error {
	hr := htmlReport{
		Workload:  clean(r.workload),
		Store:     clean(r.store),
		Baseline:  clean(r.baselinePath),
		Tolerance: formatPercent(r.tolerancePct),
		Summary:   clean(r.summary()),
		Columns:   reportColumns[1 : len(reportColumns)-1],
	}
	if !r.baselineRead {
		hr.Baseline = ""
	}
	rows := r.rows()
	for i, e := range r.entries {
		he := htmlEntry{
			ID:        fmt.Sprintf("entry-%d", i+1),
			Name:      clean(e.Name),
			Query:     clean(e.Query),
			BaseQuery: clean(e.baseQuery),
			Status:    string(e.Status),
			Chart:     chartOf(e),
		}
		for _, c := range rows[i][1 : len(rows[i])-1] {
			he.Cells = append(he.Cells, strings.TrimSpace(interchange.FormatText(c)))
		}
		for _, w := range e.why {
			he.Why = append(he.Why, clean(w))
		}
		he.Vars, he.HasBaseVars = varBreakdown(e)
		hr.Failed = hr.Failed || e.Status.failed()
		hr.Entries = append(hr.Entries, he)
	}
	var b bytes.Buffer
	if err := reportPage.Execute(&b, hr); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// chartOf lays out the chart of one entry, on a scale of its own: the largest of its
// quantities fills the width.
func chartOf(e *reportEntry) htmlChart {
	pages := e.PagesRead + e.PagesDirtied
	type q struct {
		label, class string
		v            *uint64
	}
	est := e.EstimatedPages
	qs := []q{
		{"pages", "bar-" + string(e.Status), &pages},
		{"estimated", "bar-estimate", &est},
		{"baseline", "bar-baseline", e.Baseline},
		{"budget", "bar-budget", e.Budget},
	}
	top := uint64(1)
	for _, q := range qs {
		if q.v != nil {
			top = max(top, *q.v)
		}
	}
	scale := func(v uint64) int { return int(v * chartBarW / top) }
	c := htmlChart{Width: chartLabelW + chartBarW + 90, Height: len(qs)*chartRowH + 8}
	var words []string
	for i, q := range qs {
		bar := htmlBar{Label: q.label, Class: q.class, X: chartLabelW, Y: 4 + i*chartRowH, H: chartBarH, TextY: 4 + i*chartRowH + chartBarH - 2}
		if q.v == nil {
			bar.Missing, bar.Value, bar.ValueX = true, "none", chartLabelW
		} else {
			bar.W = max(scale(*q.v), 1)
			bar.Value = fmt.Sprint(*q.v)
			bar.ValueX = chartLabelW + bar.W + 6
		}
		words = append(words, q.label+" "+bar.Value)
		c.Bars = append(c.Bars, bar)
	}
	if e.Budget != nil {
		c.BudgetX = chartLabelW + scale(*e.Budget)
		c.LineTop, c.LineBottom = 1, c.Height-1
	}
	c.Label = strings.Join(words, ", ")
	return c
}

// varBreakdown returns the per-variable breakdown of an entry, most pages first, beside the
// baseline's, and whether the baseline has one.
func varBreakdown(e *reportEntry) ([]htmlVar, bool) {
	var base map[string]uint64
	if e.base != nil {
		base = e.base.ByVariable
	}
	var names []string
	top := uint64(1)
	for n, v := range e.ByVariable {
		names = append(names, n)
		top = max(top, v)
	}
	for n, v := range base {
		if _, ok := e.ByVariable[n]; !ok {
			names = append(names, n)
		}
		top = max(top, v)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(e.ByVariable[b], e.ByVariable[a]), cmp.Compare(base[b], base[a]), cmp.Compare(a, b))
	})
	out := make([]htmlVar, 0, len(names))
	for _, n := range names {
		v := e.ByVariable[n]
		hv := htmlVar{Name: clean(n), Pages: fmt.Sprint(v), W: int(v * varBarW / top), Empty: v == 0}
		if b, ok := base[n]; ok {
			hv.Base, hv.BaseW = fmt.Sprint(b), int(b*varBarW/top)
		} else {
			hv.BaseMissing = true
		}
		out = append(out, hv)
	}
	return out, len(base) > 0
}

// clean replaces the control characters that neither a page nor XML may hold.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < ' ' && r != '\n' && r != '\t') || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
}

var reportPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>Page-touch budget report: {{.Workload}}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 62em; padding: 0 1em; color: #1d2733; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin: 0 0 0.4em; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #e3e7ec; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f4f6f8; padding: 0.6em 0.8em; overflow-x: auto; white-space: pre-wrap; }
section { border-top: 2px solid #e3e7ec; margin-top: 1.6em; padding-top: 1em; }
.meta { color: #5b6773; }
.status { font-weight: 600; padding: 0.05em 0.5em; border-radius: 0.8em; font-size: 0.9em; }
.status-ok { background: #dcf3e3; color: #17603a; }
.status-improved { background: #d5f0f5; color: #0b5566; }
.status-new { background: #e5e8ff; color: #2f3c9e; }
.status-regressed { background: #fde8cf; color: #8a4500; }
.status-over-budget { background: #fbd9d9; color: #9b1c1c; }
.why { color: #9b1c1c; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2733; }
.bar-ok { fill: #2f9e5b; }
.bar-improved { fill: #1592a8; }
.bar-new { fill: #4a5bd4; }
.bar-regressed { fill: #e07b00; }
.bar-over-budget { fill: #d33a3a; }
.bar-estimate { fill: #b9c3ce; }
.bar-baseline { fill: #7b8794; }
.bar-budget { fill: none; stroke: #1d2733; stroke-width: 1; }
.budget-line { stroke: #1d2733; stroke-width: 1; stroke-dasharray: 4 3; }
.var-now { fill: #4a5bd4; }
.var-base { fill: #b9c3ce; }
</style>
</head>
<body>
<h1>Page-touch budget report</h1>
<p class="meta">Workload <code>{{.Workload}}</code> on store <code>{{.Store}}</code>;
{{if .Baseline}}baseline <code>{{.Baseline}}</code>{{else}}no baseline{{end}}; tolerance {{.Tolerance}}.</p>
<p>{{.Summary}}{{if .Failed}} <span class="status status-over-budget">failed</span>{{end}}</p>
<table>
<thead><tr><th>name</th>{{range .Columns}}<th class="num">{{.}}</th>{{end}}<th>status</th></tr></thead>
<tbody>
{{range .Entries}}<tr><td><a href="#{{.ID}}">{{.Name}}</a></td>{{range .Cells}}<td class="num">{{.}}</td>{{end}}<td><span class="status status-{{.Status}}">{{.Status}}</span></td></tr>
{{end}}</tbody>
</table>
<p class="meta">Pages are distinct 4 KiB pages: those read, plus those dirtied (always 0 for a query, which runs read-only).
The estimate is the plan's, made before the query ran; the baseline is the pages of the same entry in the baseline's run.</p>
{{range .Entries}}
<section id="{{.ID}}">
<h2>{{.Name}} <span class="status status-{{.Status}}">{{.Status}}</span></h2>
<pre><code>{{.Query}}</code></pre>
{{if .BaseQuery}}<p class="meta">The baseline measured another query:</p>
<pre><code>{{.BaseQuery}}</code></pre>
{{end}}{{range .Why}}<p class="why">{{.}}</p>
{{end}}{{with .Chart}}<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="{{.Label}}">
{{range .Bars}}<text x="0" y="{{.TextY}}">{{.Label}}</text>
{{if .Missing}}<text x="{{.ValueX}}" y="{{.TextY}}" class="missing">{{.Value}}</text>
{{else}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"/><text x="{{.ValueX}}" y="{{.TextY}}">{{.Value}}</text>
{{end}}{{end}}{{if .BudgetX}}<line class="budget-line" x1="{{.BudgetX}}" y1="{{.LineTop}}" x2="{{.BudgetX}}" y2="{{.LineBottom}}"/>
{{end}}</svg>
{{end}}
<table>
<thead><tr><th>variable</th><th class="num">pages read</th><th></th>{{if .HasBaseVars}}<th class="num">baseline</th><th></th>{{end}}</tr></thead>
<tbody>
{{$base := .HasBaseVars}}{{range .Vars}}<tr><td>{{.Name}}</td><td class="num">{{.Pages}}</td><td><svg xmlns="http://www.w3.org/2000/svg" width="160" height="10">{{if not .Empty}}<rect class="var-now" x="0" y="0" width="{{.W}}" height="10"/>{{end}}</svg></td>{{if $base}}<td class="num">{{.Base}}</td><td><svg xmlns="http://www.w3.org/2000/svg" width="160" height="10">{{if not .BaseMissing}}<rect class="var-base" x="0" y="0" width="{{.BaseW}}" height="10"/>{{end}}</svg></td>{{end}}</tr>
{{else}}<tr><td colspan="3">no page read</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}
</body>
</html>
`))
