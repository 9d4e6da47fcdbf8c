package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/store"
)

// varStats is the shape of one global variable, as stats reports it.
type varStats struct {
	Name    string      `json:"name"`
	Role    string      `json:"role"`
	Type    string      `json:"type"`
	State   string      `json:"state"`
	Entries uint64      `json:"entries"` // entries of the variable's first tree
	Height  int         `json:"height"`  // height of its first tree
	Pages   uint64      `json:"pages"`   // pages of all its trees, overflow pages included
	Fill    float64     `json:"fill"`    // leaf fill of all its trees, weighted by leaf pages
	Trees   []treeStats `json:"trees"`
}

// treeStats is the shape of one tree of a variable.
type treeStats struct {
	Entries       uint64  `json:"entries"`
	Height        int     `json:"height"`
	LeafPages     uint64  `json:"leaf_pages"`
	BranchPages   uint64  `json:"branch_pages"`
	OverflowPages uint64  `json:"overflow_pages"`
	LeafFill      float64 `json:"leaf_fill"`
}

// storeStats is the output of stats.
type storeStats struct {
	Variables []varStats `json:"variables"`
	Totals    struct {
		Variables   int    `json:"variables"`
		Entries     uint64 `json:"entries"`
		VarPages    uint64 `json:"variable_pages"`
		SystemPages uint64 `json:"system_pages"` // superblock, catalog, free-list trunks
		FreePages   uint64 `json:"free_pages"`
		Pages       uint64 `json:"pages"`
		WasmPages   uint64 `json:"wasm_pages"`
		Bytes       uint64 `json:"bytes"`
		LogBytes    int64  `json:"log_bytes"`
	} `json:"totals"`
}

func newStatsCmd(e *env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show the shape of every global variable and the store's totals",
		Long: `Show, for every global variable (kinds, columns, verbs and the system's own), its
role, type, lifecycle state, entries and the height of its first tree, the pages of all
its trees, and how full their leaves are; then the store's totals. A column's trees are
its values and its index; a verb's, its two directions.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			h, err := e.open(openOptions{raw: true, readOnly: true})
			if err != nil {
				return err
			}
			defer h.close()
			s, err := collectStats(h.st)
			if err != nil {
				return err
			}
			switch f {
			case formatJSON:
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			case formatCSV:
				return writeCSV(e.stdout, statsColumns, s.rows())
			}
			if err := writeTable(e.stdout, statsColumns, s.rows()); err != nil {
				return err
			}
			t := s.Totals
			_, err = fmt.Fprintf(e.stdout, "\n%d variables, %d entries; %d pages: %d in variables, %d system, %d free (%s, %s); log %s\n",
				t.Variables, t.Entries, t.Pages, t.VarPages, t.SystemPages, t.FreePages, byteSize(t.Bytes), count(t.WasmPages, "Wasm page", "Wasm pages"), byteSize(uint64(t.LogBytes)))
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table, json or csv")
	return cmd
}

var statsColumns = []string{"name", "role", "type", "state", "entries", "height", "pages", "fill"}

func (s *storeStats) rows() [][]any {
	rows := make([][]any, 0, len(s.Variables))
	for _, v := range s.Variables {
		rows = append(rows, []any{v.Name, v.Role, v.Type, v.State, v.Entries, v.Height, v.Pages, fmt.Sprintf("%.1f%%", 100*v.Fill)})
	}
	return rows
}

// collectStats reads the shape of every variable in one View.
func collectStats(st *store.Store) (*storeStats, error) {
	s := &storeStats{Variables: []varStats{}}
	info, err := st.Info()
	if err != nil {
		return nil, err
	}
	err = st.View(func(tx *store.Tx) error {
		for _, v := range tx.Vars() {
			vs := varStats{Name: v.Name, Role: v.Role.String(), Type: v.Type, State: v.State.String(), Trees: []treeStats{}}
			var leafPages uint64
			var fill float64
			for i, ref := range v.Refs {
				// OpenTree, not VarTree: a retired variable's trees still hold pages.
				t, err := tx.OpenTree(ref, v.Name)
				if err != nil {
					return fmt.Errorf("variable %q tree %d: %w", v.Name, i, err)
				}
				ts := t.Stats()
				var leaves, branches uint64
				for lvl, n := range ts.PagesByLevel {
					if lvl == 0 {
						leaves += n
					} else {
						branches += n
					}
				}
				vs.Trees = append(vs.Trees, treeStats{
					Entries: ts.Entries, Height: ts.Height, LeafPages: leaves, BranchPages: branches,
					OverflowPages: ts.OverflowPages, LeafFill: ts.LeafFill,
				})
				if i == 0 {
					vs.Entries, vs.Height = ts.Entries, ts.Height
				}
				vs.Pages += leaves + branches + ts.OverflowPages
				leafPages += leaves
				fill += ts.LeafFill * float64(leaves)
			}
			if leafPages > 0 {
				vs.Fill = fill / float64(leafPages)
			}
			s.Variables = append(s.Variables, vs)
			s.Totals.Entries += vs.Entries
			s.Totals.VarPages += vs.Pages
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t := &s.Totals
	t.Variables = len(s.Variables)
	t.Pages, t.FreePages = info.Pages, info.FreePages
	t.SystemPages = info.Pages - info.FreePages - t.VarPages
	t.WasmPages = info.WasmPages
	t.Bytes = info.WasmPages * store.WasmPageSize
	t.LogBytes = info.LogBytes
	return s, nil
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
