package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
)

func newAnalyzeCmd(e *env) *cobra.Command {
	var buckets int
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Gather the statistics the query planner estimates with",
		Long: `Read every active column and verb of the store, in one message, and keep what the query
planner needs to estimate the pages a query reads, as SQLite's ANALYZE does:

  - for each column of numbers, strings or bytes, its entries, entities and distinct values, and an equal-depth
    histogram of its values (--buckets buckets at most; a value too frequent to share a
    bucket gets its own), kept in the store's $stats variable;
  - for each kind, the lowest and highest ID of its members (entities made together lie
    together in every column's tree, and a query's candidates reach only that part of it),
    and for each column and each direction of each verb how many of its members have a
    value or an edge and how many entries they have (the planner's chance that a step
    from a member finds nothing, and its edges per member), and how many members have
    1, 2-3, 4-7, ... entries (kept, not yet used by the planner);
  - for each verb, its distinct subjects and distinct objects, counted again. Every link
    and unlink keeps these exact, so this matters only for verbs written by older code or
    bulk loaded, whose counts are unknown until then.

Histograms are not kept up to date by writes: 'schema show' prints their age, and a query's
EXPLAIN says how many pages reading them cost while planning. Run analyze again after large
changes. It reads every page of every column and verb, and writes the statistics.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := e.open(openOptions{})
			if err != nil {
				return err
			}
			defer h.close()
			var rows [][]any
			st, err := h.db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
				stats, err := query.Analyze(tx, buckets)
				if err != nil {
					return err
				}
				rows = rows[:0]
				for _, k := range stats.Kinds {
					rows = append(rows, []any{k.Name, "kind", k.Members, "", "", fmt.Sprintf("IDs %d to %d", k.First, k.Last)})
				}
				for _, c := range stats.Columns {
					rows = append(rows, []any{c.Name, "column", c.Entries, c.Entities, c.Distinct, len(c.Buckets)})
				}
				for _, v := range stats.Verbs {
					rows = append(rows, []any{v.Name, "verb", v.Edges, v.Subjects, v.Objects, ""})
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := writeTable(e.stdout, []string{"name", "role", "entries", "entities/subjects", "distinct/objects", "buckets/span"}, rows); err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "(%d pages read, %d written)\n", st.PagesRead, st.PagesDirtied)
			return err
		},
	}
	cmd.Flags().IntVar(&buckets, "buckets", 64, "the most buckets a column's histogram has")
	return cmd
}
