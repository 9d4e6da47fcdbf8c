package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/server"
)

func newLinkCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "link REF VERB REF",
		Short:   "Add an edge between two entities",
		Long:    `Add the edge REF -VERB-> REF. Adding an edge that exists does nothing; an edge the verb's cardinality forbids is refused.`,
		Example: `  graphctl link player/1 member_of guild/2`,
		Args:    usageArgs(cobra.ExactArgs(3)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.edge(cmd, args, backend.Link)
		},
	}
}

func newUnlinkCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "unlink REF VERB REF",
		Short:   "Remove an edge between two entities",
		Example: `  graphctl unlink player/1 member_of guild/2`,
		Args:    usageArgs(cobra.ExactArgs(3)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.edge(cmd, args, backend.Unlink)
		},
	}
}

// edge runs link or unlink on the edge its arguments name.
func (e *env) edge(cmd *cobra.Command, args []string, op func(backend, context.Context, server.Edge) error) error {
	b, closeStore, err := e.backend(openOptions{})
	if err != nil {
		return err
	}
	defer closeStore()
	if err := op(b, cmdContext(cmd), server.Edge{Subject: args[0], Verb: args[1], Object: args[2]}); err != nil {
		return err
	}
	return closeStore()
}
