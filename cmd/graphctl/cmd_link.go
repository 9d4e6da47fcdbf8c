package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/verb"
)

func newLinkCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "link REF VERB REF",
		Short:   "Add an edge between two entities",
		Long:    `Add the edge REF -VERB-> REF. Adding an edge that exists does nothing; an edge the verb's cardinality forbids is refused.`,
		Example: `  graphctl link player/1 member_of guild/2`,
		Args:    usageArgs(cobra.ExactArgs(3)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.edge(args, func(tx *entity.Tx, v *verb.Verb, s, o entity.ID) error {
				return v.Link(tx, s, o)
			})
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
			return e.edge(args, func(tx *entity.Tx, v *verb.Verb, s, o entity.ID) error {
				found, err := v.Unlink(tx, s, o)
				if err == nil && !found {
					err = fmt.Errorf("%s %s %s: no such edge: %w", args[0], args[1], args[2], errNotFound)
				}
				return err
			})
		},
	}
}

// edge resolves the arguments of link and unlink and runs fn in one Update.
func (e *env) edge(args []string, fn func(tx *entity.Tx, v *verb.Verb, s, o entity.ID) error) error {
	h, err := e.open(openOptions{})
	if err != nil {
		return err
	}
	defer h.close()
	err = h.db.Update(func(tx *entity.Tx) error {
		s, err := interchange.Resolve(tx, args[0])
		if err != nil {
			return err
		}
		v, err := interchange.LookupVerb(tx, args[1])
		if err != nil {
			return err
		}
		o, err := interchange.Resolve(tx, args[2])
		if err != nil {
			return err
		}
		return fn(tx, v, s, o)
	})
	if err != nil {
		return err
	}
	return h.close()
}
