package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newDeleteCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "delete REF",
		Short: "Delete an entity, its values and its edges",
		Long: `Delete one entity: its column values, its edges in both directions and its IRI go
with it, in one message. Its ID is never used again.`,
		Example: `  graphctl delete player/1`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, closeStore, err := e.backend(openOptions{})
			if err != nil {
				return err
			}
			defer closeStore()
			res, err := b.Delete(cmdContext(cmd), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "deleted %s\n", res.Deleted)
			return closeStore()
		},
	}
}
