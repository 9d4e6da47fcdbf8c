package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
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
			h, err := e.open(openOptions{})
			if err != nil {
				return err
			}
			defer h.close()
			var name string
			err = h.db.Update(func(tx *entity.Tx) error {
				id, err := interchange.Resolve(tx, args[0])
				if err != nil {
					return err
				}
				name = interchange.EntityName(tx, id)
				return tx.Delete(id)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "deleted %s\n", name)
			return h.close()
		},
	}
}
