package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
)

// format is an output format of query, get and stats.
type format string

// The output formats.
const (
	formatTable format = "table"
	formatJSON  format = "json"
	formatCSV   format = "csv"
)

// parseFormat returns the format named s, or a usage error.
func parseFormat(s string) (format, error) {
	switch f := format(strings.ToLower(s)); f {
	case formatTable, formatJSON, formatCSV:
		return f, nil
	}
	return "", usagef("unknown output format %q: use table, json or csv", s)
}

// pageStats are the page counts of one query, as its output reports them.
type pageStats = server.PageStats

// resultSet is what a query returns, in the shape of its JSON output: a table whose rows
// start with the entity URI (or hold one count), and the pages the query touched.
type resultSet server.QueryResult

// write writes r to w in format f. The table format ends with a line of page counts;
// JSON is one object; CSV is the header and the rows.
func (r *resultSet) write(w io.Writer, f format) error {
	switch f {
	case formatJSON:
		if r.Rows == nil {
			r.Rows = [][]any{}
		}
		if r.Stats.ByVariable == nil {
			r.Stats.ByVariable = map[string]uint64{}
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(jsonSafe(r))
	case formatCSV:
		if len(r.Columns) == 0 {
			return writeCSV(w, []string{"count"}, [][]any{{r.Count}})
		}
		return writeCSV(w, r.Columns, r.Rows)
	default:
		cols, rows, shown := r.Columns, r.Rows, uint64(len(r.Rows))
		if len(cols) == 0 { // COUNT: one row, the count
			cols, rows, shown = []string{"count"}, [][]any{{r.Count}}, 1
		}
		if err := writeTable(w, cols, rows); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "(%s; %s)\n", plural(shown, "row"), pageSummary(r.Stats))
		return err
	}
}

// summary returns the page counts as one line for people.
func pageSummary(s pageStats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s read", plural(s.PagesRead, "page"))
	if s.PagesWritten > 0 {
		fmt.Fprintf(&b, ", %d written", s.PagesWritten)
	}
	fmt.Fprintf(&b, ", %d estimated", s.EstimatedPages)
	return b.String()
}

// plural returns "1 row", "2 rows".
func plural(n uint64, noun string) string { return count(n, noun, noun+"s") }

// count returns n and the noun's singular or plural form: "1 entity", "2 entities".
func count(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatUint(n, 10) + " " + many
}

// jsonSafe replaces floats that JSON cannot hold (NaN, ±Inf) by their text, so that one
// odd value does not make the whole output fail.
func jsonSafe(r *resultSet) *resultSet {
	for _, row := range r.Rows {
		for i, v := range row {
			if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				row[i] = interchange.FormatText(f)
			}
		}
	}
	return r
}

// isNumber reports whether a value is right-aligned in a table.
func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// writeCSV writes a header line and the rows.
func writeCSV(w io.Writer, columns []string, rows [][]any) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return err
	}
	rec := make([]string, len(columns))
	for _, row := range rows {
		rec = rec[:0]
		for _, v := range row {
			rec = append(rec, interchange.FormatCell(v))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// maxCellWidth caps a table column's width; longer cells are cut with "…".
const maxCellWidth = 120

// writeTable writes the rows aligned under a header and a rule, as sqlite3's column mode
// does: text left-aligned, numbers right-aligned.
func writeTable(w io.Writer, columns []string, rows [][]any) error {
	cells := make([][]string, len(rows))
	width := make([]int, len(columns))
	right := make([]bool, len(columns))
	for i, c := range columns {
		width[i] = utf8.RuneCountInString(c)
		right[i] = len(rows) > 0
	}
	for r, row := range rows {
		cells[r] = make([]string, len(columns))
		for i := range columns {
			var v any
			if i < len(row) {
				v = row[i]
			}
			s := fitCell(interchange.FormatText(v))
			cells[r][i] = s
			width[i] = max(width[i], utf8.RuneCountInString(s))
			if v != nil && !isNumber(v) {
				right[i] = false
			}
		}
	}
	var b strings.Builder
	line := func(fields []string) {
		for i, f := range fields {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(f))
			switch {
			case right[i]:
				b.WriteString(pad + f)
			case i == len(fields)-1:
				b.WriteString(f)
			default:
				b.WriteString(f + pad)
			}
			if i < len(fields)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteByte('\n')
	}
	line(columns)
	rule := make([]string, len(columns))
	for i := range rule {
		rule[i] = strings.Repeat("-", width[i])
	}
	line(rule)
	for _, row := range cells {
		line(row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fitCell makes s fit one table cell: control characters escaped, long text cut.
func fitCell(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		q := strconv.Quote(s)
		s = q[1 : len(q)-1]
	}
	if utf8.RuneCountInString(s) > maxCellWidth {
		r := []rune(s)
		s = string(r[:maxCellWidth-1]) + "…"
	}
	return s
}
