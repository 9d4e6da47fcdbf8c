package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/server"
)

func newStatsCmd(e *env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show the shape of every global variable and the store's totals",
		Long: `Show, for every global variable (kinds, columns, verbs and the system's own), its
role, type, lifecycle state, entries and the height of its first tree, the pages of all
its trees, and how full their leaves are; then the store's totals. A column's trees are
its values and its index; a verb's, its two directions.

With --server URL of a cluster node ('graphctl serve --cluster'), the store is that
replica's, and a table of every shard's replicas follows (as 'graphctl cluster status').`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			b, closeStore, err := e.backend(openOptions{raw: true, readOnly: true})
			if err != nil {
				return err
			}
			defer closeStore()
			s, err := b.Stats(cmdContext(cmd))
			if err != nil {
				return err
			}
			switch f {
			case formatJSON:
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			case formatCSV:
				return writeCSV(e.stdout, statsColumns, statsRows(s))
			}
			if err := writeTable(e.stdout, statsColumns, statsRows(s)); err != nil {
				return err
			}
			t := s.Totals
			_, err = fmt.Fprintf(e.stdout, "\n%d variables, %d entries; %d pages: %d in variables, %d system, %d free (%s, %s); log %s\n",
				t.Variables, t.Entries, t.Pages, t.VarPages, t.SystemPages, t.FreePages, byteSize(t.Bytes), count(t.WasmPages, "Wasm page", "Wasm pages"), byteSize(uint64(t.LogBytes)))
			if err != nil || e.server == "" {
				return err
			}
			return e.clusterStats(cmdContext(cmd))
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table, json or csv")
	return cmd
}

var statsColumns = []string{"name", "role", "type", "state", "entries", "height", "pages", "fill"}

// statsRows returns the rows of the stats table.
func statsRows(s *server.StoreStats) [][]any {
	rows := make([][]any, 0, len(s.Variables))
	for _, v := range s.Variables {
		rows = append(rows, []any{v.Name, v.Role, v.Type, v.State, v.Entries, v.Height, v.Pages, fmt.Sprintf("%.1f%%", 100*v.Fill)})
	}
	return rows
}

// byteSize returns n bytes in KiB, MiB or GiB.
func byteSize(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
