package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

func newGetCmd(e *env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "get REF",
		Short: "Show one entity: its kind, IRI, column values and edges",
		Long: `Show one entity: its URI, external IRI, kind, every column value and every edge,
outgoing (verb ->) and incoming (verb <-).

REF is written as in a query: ic://<scope>/<kind>/<id>, <kind>/<id>, #<id>, or <iri> for an
entity imported from RDF (the angle brackets may be left out of an absolute IRI).`,
		Example: `  graphctl get player/1
  graphctl get '<http://example.org/alice>' -o json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			b, closeStore, err := e.backend(openOptions{readOnly: true})
			if err != nil {
				return err
			}
			defer closeStore()
			d, err := b.Get(cmdContext(cmd), args[0])
			if err != nil {
				return err
			}
			if f == formatJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetEscapeHTML(false)
				return enc.Encode(d)
			}
			cols := []string{"field", "value"}
			rows := [][]any{{"uri", d.URI}}
			if d.IRI != "" {
				rows = append(rows, []any{"iri", d.IRI})
			}
			rows = append(rows, []any{"kind", d.Kind})
			if len(d.OtherKinds) > 0 {
				rows = append(rows, []any{"other kinds", strings.Join(d.OtherKinds, " ")})
			}
			for _, name := range slices.Sorted(maps.Keys(d.Set)) {
				rows = append(rows, []any{name, d.Set[name]})
			}
			for _, name := range slices.Sorted(maps.Keys(d.Link)) {
				rows = append(rows, []any{name + " ->", strings.Join(d.Link[name], " ")})
			}
			for _, name := range slices.Sorted(maps.Keys(d.LinkedFrom)) {
				rows = append(rows, []any{name + " <-", strings.Join(d.LinkedFrom[name], " ")})
			}
			if f == formatCSV {
				return writeCSV(e.stdout, cols, rows)
			}
			return writeTable(e.stdout, cols, rows)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table, json or csv")
	return cmd
}
