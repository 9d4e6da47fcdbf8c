package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/server"
)

// querySettings are what a query runs with: set by flags, and by dot commands in the shell.
type querySettings struct {
	format  format
	explain bool
	budget  uint64
}

func newQueryCmd(e *env) *cobra.Command {
	var out string
	var qs querySettings
	cmd := &cobra.Command{
		Use:   "query [-o table|json|csv] [--explain] [--budget N] ['FIND …']",
		Short: "Run a query, or an interactive shell",
		Long: `Run a query and print its rows (each starting with the entity's URI) and the pages it
read. With no query, on a terminal, start an interactive shell (history, multi-line queries
ended by ';' or an empty line, .help); with no query and standard input not a terminal,
run the queries it holds, separated by ';'.

  FIND kind [WHERE cond] [SELECT col, … | COUNT] [ORDER BY col [ASC|DESC]] [LIMIT n] [BUDGET n]

A condition compares columns (health < 10, name = "alice", level BETWEEN 3 AND 5, HAS col),
follows verbs (member_of -> guild/7, owns <- ANY, member_of -> (FIND guild WHERE …)), and
combines them with AND, OR, NOT and parentheses. Entities are written ic://<scope>/<kind>/<id>,
<kind>/<id>, #<id>, or <iri> for an entity imported from RDF.

--explain (or EXPLAIN before FIND) prints the plan with its estimated pages instead of
running it. --budget stops a query that would read more pages than N: before it starts if
the estimate is over, or as soon as it gets there.

JSON output is one object: {"columns": [...], "rows": [[...], ...], "count": N,
"stats": {"pages_read": N, "pages_written": N, "estimated_pages": N, "by_variable": {...}}}.`,
		Example: `  graphctl query 'FIND player WHERE health < 50 SELECT name, health ORDER BY health'
  graphctl query -o json 'FIND player WHERE member_of -> guild/1 COUNT'
  graphctl query --explain 'FIND item WHERE owns <- (FIND player WHERE name = "ann")'
  graphctl query            # the interactive shell`,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			qs.format = f
			b, closeStore, err := e.backend(openOptions{readOnly: true})
			if err != nil {
				return err
			}
			defer closeStore()
			ctx := cmdContext(cmd)
			if len(args) > 0 {
				return runQuery(ctx, e.stdout, b, strings.Join(args, " "), qs)
			}
			if e.stdinTTY {
				return runShell(e, b, newLinerReader(), qs)
			}
			src, err := io.ReadAll(e.stdin)
			if err != nil {
				return err
			}
			for _, q := range splitQueries(string(src)) {
				if err := runQuery(ctx, e.stdout, b, q, qs); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table, json or csv")
	cmd.Flags().BoolVar(&qs.explain, "explain", false, "print the plan and its estimated pages instead of running")
	cmd.Flags().Uint64Var(&qs.budget, "budget", 0, "stop the query if it would read more than N pages (0: no limit)")
	return cmd
}

// runQuery runs one query and writes its result.
func runQuery(ctx context.Context, w io.Writer, b backend, text string, qs querySettings) error {
	res, err := b.Query(ctx, server.QueryRequest{Query: text, Explain: qs.explain, Budget: qs.budget})
	if err != nil {
		return queryError(text, err)
	}
	if res.Explain != "" && qs.format == formatTable {
		_, err := io.WriteString(w, res.Explain)
		return err
	}
	return toResultSet(res).write(w, qs.format)
}

// toResultSet converts a query's result for output: the plan, if any, is not part of it.
func toResultSet(res *server.QueryResult) *resultSet {
	rs := resultSet(*res)
	rs.Explain = ""
	return &rs
}

// queryError shows where in the query an error is: the line of the query and a caret
// under the column, for errors that carry a position.
func queryError(text string, err error) error {
	var qe *query.Error
	if !errors.As(err, &qe) || !qe.Pos.IsValid() {
		return err
	}
	lines := strings.Split(text, "\n")
	if qe.Pos.Line > len(lines) {
		return err
	}
	line := lines[qe.Pos.Line-1]
	caret := strings.Repeat(" ", max(0, min(qe.Pos.Col-1, len(line))))
	return &annotatedError{err: err, note: fmt.Sprintf("  %s\n  %s^", strings.ReplaceAll(line, "\t", " "), caret)}
}

// annotatedError is an error with lines of context to print after it.
type annotatedError struct {
	err  error
	note string
}

func (e *annotatedError) Error() string { return e.err.Error() + "\n" + e.note }
func (e *annotatedError) Unwrap() error { return e.err }

// splitQueries splits text at the semicolons that end queries, leaving alone those inside
// strings, quoted names and comments, and drops empty pieces.
func splitQueries(text string) []string {
	var out []string
	start := 0
	flush := func(end int) {
		if q := strings.TrimSpace(text[start:end]); q != "" && !onlyComments(q) {
			out = append(out, q)
		}
		start = end + 1
	}
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '"':
			for i++; i < len(text) && text[i] != '"' && text[i] != '\n'; i++ {
				if text[i] == '\\' {
					i++
				}
			}
		case c == '`':
			for i++; i < len(text) && text[i] != '`' && text[i] != '\n'; i++ {
			}
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == ';':
			flush(i)
		}
	}
	if start < len(text) {
		flush(len(text))
	}
	return out
}

// onlyComments reports whether q holds nothing but comments and white space.
func onlyComments(q string) bool {
	for _, line := range strings.Split(q, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
			return false
		}
	}
	return true
}
