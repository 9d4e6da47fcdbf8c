package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/uri"
)

func newInitCmd(e *env) *cobra.Command {
	var canister, scopeText, schemaFile string
	cmd := &cobra.Command{
		Use:   "init --db FILE [--canister ID | --scope UUID] [--schema schema.json]",
		Short: "Create a store",
		Long: `Create a new, empty store in FILE (and its redo log FILE-wal).

The store's scope names it in entity URIs (ic://<scope>/<kind>/<id>): the principal of
the canister that holds it (--canister), or a UUID (--scope). Without either, a random
UUID is chosen. With --schema, the kinds, columns and verbs of a schema file are created
in the same step (see 'graphctl schema --help' for its format).`,
		Example: `  graphctl init --db world.sgdb
  graphctl init --db world.sgdb --canister ryjl3-tyaaa-aaaaa-aaaba-cai --schema schema.json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.needLocal("init"); err != nil {
				return err
			}
			path, err := e.needDB()
			if err != nil {
				return err
			}
			scope, err := scopeFlags(canister, scopeText)
			if err != nil {
				return err
			}
			o := openOptions{create: true, scope: scope}
			if schemaFile != "" {
				sf, err := readSchemaFile(schemaFile)
				if err != nil {
					return err
				}
				if o.schema, err = sf.Schema(); err != nil {
					return fmt.Errorf("%s: %w", schemaFile, err)
				}
			}
			switch _, err := os.Stat(path); {
			case err == nil:
				return fmt.Errorf("%s already exists; change its schema with 'graphctl schema apply'", path)
			case !errors.Is(err, fs.ErrNotExist):
				return err
			}
			h, err := e.openPath(path, o)
			if err != nil {
				return err
			}
			if err := h.close(); err != nil {
				h.abandon()
				return err
			}
			fmt.Fprintf(e.stdout, "created %s (scope %s)\n", path, h.db.Scope())
			return nil
		},
	}
	cmd.Flags().StringVar(&canister, "canister", "", "the principal of the canister that holds the store")
	cmd.Flags().StringVar(&scopeText, "scope", "", "a UUID naming the store (default: a random one)")
	cmd.Flags().StringVar(&schemaFile, "schema", "", "a JSON schema file to apply")
	cmd.MarkFlagsMutuallyExclusive("canister", "scope")
	return cmd
}

// scopeFlags returns the scope that --canister or --scope gives, or the zero scope.
func scopeFlags(canister, scope string) (uri.Scope, error) {
	switch {
	case canister != "":
		p, err := uri.ParsePrincipal(canister)
		if err != nil {
			return uri.Scope{}, usagef("--canister: %v", err)
		}
		return uri.PrincipalScope(p), nil
	case scope != "":
		u, err := uuid.Parse(scope)
		if err != nil {
			return uri.Scope{}, usagef("--scope: %q is not a UUID: %v", scope, err)
		}
		s, err := uri.ParseScope(u.String())
		if err != nil || s.String() != scope {
			return uri.Scope{}, usagef("--scope: write the UUID in lowercase 8-4-4-4-12 form: %s", u)
		}
		return s, nil
	}
	return uri.Scope{}, nil
}

// newScope returns a random UUID scope, for a store created without one.
func newScope() uri.Scope { return uri.UUIDScope(uuid.New()) }
