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
	iri     bool // rows start with the entity's IRI, not its URI
}

func newQueryCmd(e *env) *cobra.Command {
	var out string
	var qs querySettings
	cmd := &cobra.Command{
		Use:   "query [-o table|json|csv] [--explain] [--iri] [--budget N] ['FIND …']",
		Short: "Run a query, or an interactive shell",
		Long: `Run a query and print its rows (each starting with the entity's URI) and the pages it
read. With no query, on a terminal, start an interactive shell (history, multi-line queries
ended by ';' or an empty line, .help); with no query and standard input not a terminal,
run the queries it holds, separated by ';'.

  FIND kind [WHERE cond] [SELECT col|IRI, … | COUNT] [ORDER BY col [ASC|DESC]] [LIMIT n] [BUDGET n]

A condition compares columns (health < 10, name = "alice", level BETWEEN 3 AND 5, HAS col),
follows verbs (member_of -> guild/7, owns <- ANY, member_of -> (FIND guild WHERE …)) or paths
of one or more edges of a verb (part_of ->+ <iri>: a path leads from the entity there;
part_of <-+ #7: a path leads from #7 to the entity), and combines them with AND, OR, NOT and
parentheses. Entities are written ic://<scope>/<kind>/<id>, <kind>/<id>, #<id>, or <iri>
for an entity imported from RDF; one that does not exist matches nothing, with a warning.
Names with characters other than letters, digits, '_' and '.' go in backquotes:
` + "`date-of-birth`" + `. Comments start with -- and run to the end of the line.

SELECT IRI selects an entity's external IRI (for an entity without one, its blank-node
label _:b<id>, which get, set and link accept); --iri starts every row with it instead of
the entity's ic:// URI.

--explain (or EXPLAIN before FIND) prints the plan with its estimated pages instead of
running it. --budget stops a query that would read more pages than N: before it starts if
the estimate is over, or as soon as it gets there.

JSON output is one object: {"columns": [...], "rows": [[...], ...], "count": N,
"stats": {"pages_read": N, "pages_written": N, "estimated_pages": N, "by_variable": {...}},
"warnings": [...]}, warnings only when there are some (they go to standard error too).`,
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
				return runQuery(ctx, e, b, strings.Join(args, " "), qs)
			}
			if e.stdinTTY {
				return runShell(e, b, newLinerReader(), qs)
			}
			src, err := io.ReadAll(e.stdin)
			if err != nil {
				return err
			}
			for _, q := range query.Split(string(src)) {
				if err := runQuery(ctx, e, b, q, qs); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table, json or csv")
	cmd.Flags().BoolVar(&qs.explain, "explain", false, "print the plan and its estimated pages instead of running")
	cmd.Flags().BoolVar(&qs.iri, "iri", false, "start each row with the entity's IRI (or _:b<id> for one without) instead of its ic:// URI")
	cmd.Flags().Uint64Var(&qs.budget, "budget", 0, "stop the query if it would read more than N pages (0: no limit)")
	return cmd
}

// runQuery runs one query and writes its result, and its warnings to standard error
// (in JSON output, in the result too).
func runQuery(ctx context.Context, e *env, b backend, text string, qs querySettings) error {
	res, err := b.Query(ctx, server.QueryRequest{Query: text, Explain: qs.explain, Budget: qs.budget, IRI: qs.iri})
	if err != nil {
		return queryError(text, err)
	}
	if res.Explain != "" && qs.format == formatTable {
		_, err := io.WriteString(e.stdout, res.Explain)
		return err
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %v\n", warn)
	}
	return toResultSet(res).write(e.stdout, qs.format)
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
