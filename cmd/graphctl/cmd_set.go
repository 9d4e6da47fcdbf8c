package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/server"
)

func newSetCmd(e *env) *cobra.Command {
	var kind, shard, parent string
	var unset []string
	cmd := &cobra.Command{
		Use:   "set REF col=value... [--unset col]...",
		Short: "Set column values of an entity, creating it with --kind",
		Long: `Set column values of one entity, all in one message. A value is written as text:
numbers and true/false as usual, strings as they are, bytes in hex, arrays and structs as
JSON. For a multi-valued column, col=value adds a value. --unset removes every value of a
column.

With --kind, REF may be "new" (a new entity of that kind) or an <iri> that no entity has
yet (a new entity carrying that IRI); the new entity's URI is printed.

Through --server at a node of a cluster ('graphctl serve --cluster'), a new entity goes to
the shard of its parent with --parent REF (a player with its guild), to the shard named by
--shard, or else to the shard its IRI hashes to; an IRI a shard holds stays there.`,
		Example: `  graphctl set player/1 health=90 name=Alice
  graphctl set --kind player new name=Bob health=100
  graphctl set player/1 --unset nickname
  graphctl set --server http://127.0.0.1:7070 --kind player --parent '<http://ex.org/g1>' '<http://ex.org/p9>'`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := server.SetRequest{Ref: args[0], Kind: kind, Unset: unset}
			for _, a := range args[1:] {
				col, text, ok := strings.Cut(a, "=")
				if !ok || col == "" {
					return usagef("%q: want col=value", a)
				}
				req.Set = append(req.Set, server.Assign{Column: col, Value: text})
			}
			placed := shard != "" || parent != ""
			switch {
			case placed && kind == "":
				return usagef("--shard and --parent place a new entity: give its --kind")
			case placed && e.server == "":
				return usagef("--shard and --parent place a new entity in a cluster: give --server with the URL of a cluster node")
			case len(req.Set) == 0 && len(unset) == 0 && kind == "":
				return usagef("nothing to set: give col=value or --unset col")
			}
			b, closeStore, err := e.backend(openOptions{})
			if err != nil {
				return err
			}
			defer closeStore()
			var res *server.SetResult
			if placed {
				cb, ok := b.(clusterBackend)
				if !ok {
					return usagef("--shard and --parent place a new entity in a cluster: %s is no cluster node", e.server)
				}
				res, _, err = cb.c.Create(cmdContext(cmd), req, cluster.Placement{Shard: shard, Parent: parent})
			} else {
				res, err = b.Set(cmdContext(cmd), req)
			}
			if err != nil {
				return err
			}
			if res.Created != "" {
				fmt.Fprintln(e.stdout, res.Created)
			}
			return closeStore()
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "create the entity, of this kind, if REF is \"new\" or an unknown <iri>")
	cmd.Flags().StringArrayVar(&unset, "unset", nil, "remove every value of this column")
	cmd.Flags().StringVar(&shard, "shard", "", "in a cluster: create the new entity in this shard")
	cmd.Flags().StringVar(&parent, "parent", "", "in a cluster: create the new entity in the shard of this entity")
	return cmd
}
