package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/store"
)

func newVerifyCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check the integrity of the whole store",
		Long: `Check the whole store: every page of every tree (node headers, key order, separators,
leaf links, fill bounds, overflow chains, counts), the catalog, and that the trees, the free
list and the superblock own every page exactly once. Exits 0 only if the store is clean,
and 3 naming the page and the problem if it is not.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := e.needDB()
			if err != nil {
				return err
			}
			h, err := openPath(path, openOptions{raw: true})
			if err != nil {
				return err
			}
			defer h.close()
			var stats store.Stats
			stats, err = h.st.ViewWith(store.Budget{}, func(tx *store.Tx) error { return tx.CheckStore() })
			if err != nil {
				return fmt.Errorf("%s: %w: %w", path, errDamaged, err)
			}
			fmt.Fprintf(e.stdout, "%s: ok (%d pages checked, %d variables)\n", path, stats.PagesRead, len(varsOf(h.st)))
			return nil
		},
	}
}

// varsOf returns the store's variables.
func varsOf(st *store.Store) []store.Var {
	var vars []store.Var
	_ = st.View(func(tx *store.Tx) error { vars = tx.Vars(); return nil })
	return vars
}
