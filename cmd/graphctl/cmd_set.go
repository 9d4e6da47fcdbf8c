package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
)

func newSetCmd(e *env) *cobra.Command {
	var kind string
	var unset []string
	cmd := &cobra.Command{
		Use:   "set REF col=value... [--unset col]...",
		Short: "Set column values of an entity, creating it with --kind",
		Long: `Set column values of one entity, all in one message. A value is written as text:
numbers and true/false as usual, strings as they are, bytes in hex, arrays and structs as
JSON. For a multi-valued column, col=value adds a value. --unset removes every value of a
column.

With --kind, REF may be "new" (a new entity of that kind) or an <iri> that no entity has
yet (a new entity carrying that IRI); the new entity's URI is printed.`,
		Example: `  graphctl set player/1 health=90 name=Alice
  graphctl set --kind player new name=Bob health=100
  graphctl set player/1 --unset nickname`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			type assign struct{ col, text string }
			var as []assign
			for _, a := range args[1:] {
				col, text, ok := strings.Cut(a, "=")
				if !ok || col == "" {
					return usagef("%q: want col=value", a)
				}
				as = append(as, assign{col, text})
			}
			if len(as) == 0 && len(unset) == 0 && kind == "" {
				return usagef("nothing to set: give col=value or --unset col")
			}
			h, err := e.open(openOptions{})
			if err != nil {
				return err
			}
			defer h.close()
			var created string
			err = h.db.Update(func(tx *entity.Tx) error {
				id, err := resolveOrCreate(tx, args[0], kind)
				if err != nil {
					return err
				}
				if kind != "" {
					created = interchange.EntityName(tx, id)
				}
				for _, name := range unset {
					c, err := interchange.LookupColumn(tx, name)
					if err != nil {
						return err
					}
					if _, err := c.Delete(tx, id); err != nil {
						return err
					}
				}
				for _, a := range as {
					c, err := interchange.LookupColumn(tx, a.col)
					if err != nil {
						return err
					}
					v, err := interchange.ParseText(c.Type(), a.text)
					if err != nil {
						return fmt.Errorf("%s=%s: %w: %w", a.col, a.text, errBadInput, err)
					}
					if c.Multi() {
						err = c.Add(tx, id, v)
					} else {
						err = c.Set(tx, id, v)
					}
					if err != nil {
						return fmt.Errorf("%s=%s: %w", a.col, a.text, err)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if created != "" {
				fmt.Fprintln(e.stdout, created)
			}
			return h.close()
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "create the entity, of this kind, if REF is \"new\" or an unknown <iri>")
	cmd.Flags().StringArrayVar(&unset, "unset", nil, "remove every value of this column")
	return cmd
}

// resolveOrCreate resolves ref or, with a kind, creates the entity it asks for.
func resolveOrCreate(tx *entity.Tx, ref, kind string) (entity.ID, error) {
	if kind == "" {
		return interchange.Resolve(tx, ref)
	}
	k, ok := tx.Kind(kind)
	if !ok {
		return 0, fmt.Errorf("kind %q: %w%s", kind, entity.ErrNoKind, interchange.SuggestKind(tx, kind))
	}
	if ref == "new" {
		return k.New(tx)
	}
	iri, isIRI, err := interchange.ParseRef(ref)
	if err != nil {
		return 0, err
	}
	if !isIRI {
		return 0, usagef("with --kind, REF is \"new\" or an <iri>, not %q", ref)
	}
	return k.Intern(tx, iri)
}
