package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/internal/pagemap"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
)

func newMapCmd(e *env) *cobra.Command {
	var out, htmlPath, workloadPath string
	var queries []string
	cmd := &cobra.Command{
		Use:   "map [--html FILE] [-o table|json] [--query 'FIND …']… [--workload WORKLOAD.yaml]",
		Short: "Draw the store's memory page by page, and the pages queries touch",
		Long: `Map the store's memory: for every 4 KiB page in address order, who owns it (a variable's
tree, the catalog, the superblock, the free list, or no one yet), what it is (leaf, branch,
overflow, slots, free) and how full it is; for every variable, its pages per tree with their
entries, fill and height; the free list's share of the memory and what a compaction would
return. With --query (repeatable) or --workload (a report workload, see 'graphctl help
report'), also the pages each query read and dirtied, on the same map.

--html FILE writes the picture: one self-contained page (inline SVG and CSS, no script, no
network) that fits a 1200-pixel-wide window. The memory is a grid of cells in address
order, each colored by its owner (a fixed palette that color-blind readers tell apart, and
a letter per variable) and filled from the bottom as full as the page is; a store of more
than 1024 pages gets small cells, and one of more than 4096 is binned, each cell then a run
of pages (the page says how many) showing the mix of owners. Every cell has a tooltip.

The table of owners, with the totals and each query's pages by owner, goes to standard
output (with --html too, which then names the file it wrote); -o json prints instead the
same data as the page:
owners with their counts, the memory as runs of pages of one owner and kind with each
page's fill, and each query's pages as runs.

The map checks the store as verify's page check does and reads every page in use once (the
demo world: 428 pages). Like verify, it never writes to the store.`,
		Example: `  graphctl map --db world.sgdb --html map.html
  graphctl map --db world.sgdb --html map.html --query 'FIND player WHERE name = "ann" SELECT health'
  graphctl map --db world.sgdb --workload workload.yaml --html map.html
  graphctl map --db world.sgdb -o json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.needLocal("map"); err != nil {
				return err
			}
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			if f == formatCSV {
				return usagef("map writes table or json, not csv")
			}
			path, err := e.needDB()
			if err != nil {
				return err
			}
			// Every query is parsed, and the workload read, before the store is opened.
			var todo []mapQuery
			for i, text := range queries {
				q, err := query.Parse(text)
				if err != nil {
					return queryError(text, err)
				}
				name := "query"
				if len(queries) > 1 {
					name = fmt.Sprintf("query %d", i+1)
				}
				todo = append(todo, mapQuery{name: name, text: text, q: q})
			}
			if workloadPath != "" {
				w, err := readWorkload(workloadPath)
				if err != nil {
					return err
				}
				for _, it := range w.entries {
					todo = append(todo, mapQuery{name: it.name, text: it.text, q: it.q, pos: it.pos})
				}
			}
			for _, mq := range todo {
				if mq.q.Explain {
					return usagef("%s: EXPLAIN runs nothing, so it touches no page: leave it out of a map", mq.name)
				}
			}

			h, err := e.openPath(path, openOptions{raw: len(todo) == 0, readOnly: true, recordPages: len(todo) > 0})
			if err != nil {
				return err
			}
			defer h.close()
			var m *store.Map
			st, err := h.st.ViewWith(store.Budget{}, func(tx *store.Tx) (err error) {
				m, err = tx.Map()
				return err
			})
			if err != nil {
				return fmt.Errorf("%s: %w: %w", path, errDamaged, err)
			}
			page := pagemap.Page{Title: path, Map: m, PagesRead: st.PagesRead}
			for _, mq := range todo {
				t, err := mq.run(h)
				if err != nil {
					return err
				}
				page.Touches = append(page.Touches, t)
			}
			if err := h.close(); err != nil {
				return err
			}

			if htmlPath != "" {
				var b bytes.Buffer
				if err := pagemap.WriteHTML(&b, page); err != nil {
					return err
				}
				if err := writeFileAtomic(htmlPath, b.Bytes()); err != nil {
					return err
				}
			}
			if f == formatJSON {
				return pagemap.WriteJSON(e.stdout, page)
			}
			if err := writeMapTable(e.stdout, page); err != nil {
				return err
			}
			if htmlPath != "" {
				_, err = fmt.Fprintf(e.stdout, "wrote %s\n", htmlPath)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table or json (the data of the page)")
	cmd.Flags().StringVar(&htmlPath, "html", "", "write the map as a self-contained HTML page to FILE")
	cmd.Flags().StringArrayVar(&queries, "query", nil, "also draw the pages this query touches (repeatable)")
	cmd.Flags().StringVar(&workloadPath, "workload", "", "also draw the pages each query of this report workload touches")
	return cmd
}

// mapQuery is a query whose pages the map draws.
type mapQuery struct {
	name, text string
	q          *query.Query
	pos        string // FILE:LINE:COL in a workload, for errors
}

// run runs the query, in a read-only message as 'graphctl query' does, and returns its pages.
func (mq mapQuery) run(h *handle) (pagemap.Touch, error) {
	p, err := query.Prepare(h.db, mq.q)
	var res *query.Result
	if err == nil {
		res, err = p.Run(query.RunOptions{})
	}
	if err != nil {
		err = queryError(mq.text, err)
		if mq.pos != "" {
			return pagemap.Touch{}, fmt.Errorf("%s: entry %q: %w", mq.pos, mq.name, err)
		}
		return pagemap.Touch{}, err
	}
	t := res.Stats.Touched
	if t == nil { // the store records pages: it was opened so
		return pagemap.Touch{}, fmt.Errorf("%s: the store did not record the pages", mq.name)
	}
	return pagemap.Touch{Name: mq.name, Query: mq.text, Read: t.Read, Dirtied: t.Dirtied}, nil
}

var mapColumns = []string{"owner", "role", "tree", "pages", "leaf", "branch", "overflow", "entries", "height", "leaf fill"}

// writeMapTable prints the map's owners, its totals, and each query's pages.
func writeMapTable(w io.Writer, p pagemap.Page) error {
	d := pagemap.NewDoc(p)
	var rows [][]any
	for _, o := range d.Owners {
		if o.Role == "store" && o.Pages == 0 {
			continue
		}
		fill := ""
		if o.LeafPages > 0 {
			fill = fmt.Sprintf("%.1f%%", 100*o.LeafFill)
		}
		rows = append(rows, []any{o.Name, o.Role, o.Label, o.Pages, o.LeafPages, o.BranchPages, o.OverflowPages, o.Entries, o.Height, fill})
	}
	if err := writeTable(w, mapColumns, rows); err != nil {
		return err
	}
	c := d.Compaction
	_, err := fmt.Fprintf(w, "\n%d pages (%s): %d allocated, %d free; %d never allocated. A compaction would return %d pages (%s to %s). The map read %d pages.\n",
		d.Pages, count(d.WasmPages, "Wasm page", "Wasm pages"), d.PageCount, d.FreePages, d.Pages-d.PageCount,
		c.ReturnedPages, count(d.WasmPages, "Wasm page", "Wasm pages"), count(c.WasmPages, "Wasm page", "Wasm pages"), d.PagesRead)
	if err != nil {
		return err
	}
	for _, t := range d.Touched {
		var parts []string
		for _, bo := range t.ByOwner {
			o := d.Owners[bo.Owner]
			name := o.Name
			if o.Label != "" && o.Role != "store" {
				name += " " + o.Label
			}
			parts = append(parts, fmt.Sprintf("%s %d", name, bo.Read+bo.Dirtied))
		}
		if _, err := fmt.Fprintf(w, "%s: %d pages read, %d dirtied: %s\n", t.Name, t.PagesRead, t.PagesDirtied, strings.Join(parts, ", ")); err != nil {
			return err
		}
	}
	return nil
}
