package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

func newSchemaCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Show, apply, check and change the lifecycle of kinds, columns and verbs",
		Long: `Show, apply and check schemas, and move variables through their lifecycle:
active → deprecated (read-only) → retired (unused) → dropped (pages freed; needs --yes).

A schema file is JSON:

  {
    "kinds":   [{"name": "player"}, {"name": "guild"}],
    "columns": [{"name": "health", "type": "int32", "indexed": true},
                {"name": "name",   "type": "string(64)", "indexed": true},
                {"name": "tags",   "type": "string(32)", "multi": true}],
    "verbs":   [{"name": "member_of", "cardinality": "many-to-one"}]
  }

Column types: bool, int8 … int64, uint8 … uint64, float32, float64, string(N), bytes(N),
[N]T arrays and struct{X float32; Y float32} structs. Cardinalities: many-to-many (the
default), many-to-one, one-to-many, one-to-one. Any entry may give "state" and "iri".`,
		Args: usageArgs(cobra.NoArgs),
	}
	cmd.AddCommand(
		newSchemaShowCmd(e),
		newSchemaApplyCmd(e),
		newSchemaCheckCmd(e),
		newSchemaStateCmd(e, "deprecate", store.Deprecated, "Make a variable read-only"),
		newSchemaStateCmd(e, "retire", store.Retired, "Make a deprecated variable unusable (its data is kept)"),
		newSchemaStateCmd(e, "activate", store.Active, "Make a deprecated variable writable again"),
		newSchemaDropCmd(e),
	)
	return cmd
}

func newSchemaShowCmd(e *env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "show",
		Short: "List the kinds, columns and verbs of the store",
		Long: `List the kinds, columns and verbs of the store with their types, attributes,
lifecycle states and, for names made by an import, the IRI behind each. The columns an
import made for one predicate (one per type and datatype; a query names them as one) share
a row, with the number of values of each datatype. With -o json the output is a schema
file, one entry per variable, that 'schema apply' reads back.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			b, closeStore, err := e.backend(openOptions{readOnly: true})
			if err != nil {
				return err
			}
			defer closeStore()
			sc, err := b.Schema(cmdContext(cmd))
			if err != nil {
				return err
			}
			sf := schemaFileOf(sc)
			if f == formatJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(sf)
			}
			return writeSchemaTable(e.stdout, sf, sc.Values, sc.Statistics, f)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table, json or csv")
	return cmd
}

// writeSchemaTable writes a schema as a table or CSV, one kind, predicate or verb a row:
// the columns an import made for one predicate (one per type and datatype, which a query
// names as one) share a row that lists their names, types, and values per datatype. The
// last column is what the planner knows of each beyond its entries (stats, by name; see
// statisticsOf).
func writeSchemaTable(w io.Writer, sf *schemaFile, counts map[string]uint64, stats map[string]string, f format) error {
	cols := []string{"name", "role", "type", "attributes", "state", "iri", "values", "statistics"}
	var rows [][]any
	for _, k := range sf.Kinds {
		rows = append(rows, []any{k.Name, "kind", "", "", stateText(k.State), k.IRI, "", stats[k.Name]})
	}
	// The columns of each predicate, in the order of their first.
	var order []string
	byPred := map[string][]columnSpec{}
	for _, c := range sf.Columns {
		pred, _, _ := strings.Cut(c.IRI, "^^")
		if pred == "" {
			pred = "\x00" + c.Name // a column of its own
		}
		if byPred[pred] == nil {
			order = append(order, pred)
		}
		byPred[pred] = append(byPred[pred], c)
	}
	for _, pred := range order {
		var names, types, attrs, states, values, colStats []string
		add := func(list *[]string, s string) {
			if s != "" && !slices.Contains(*list, s) {
				*list = append(*list, s)
			}
		}
		for _, c := range byPred[pred] {
			names = append(names, c.Name)
			add(&types, c.Type)
			if c.Indexed {
				add(&attrs, "indexed")
			}
			if c.Multi {
				add(&attrs, "multi")
			}
			add(&states, stateText(c.State))
			_, dt, _ := strings.Cut(c.IRI, "^^")
			values = append(values, fmt.Sprintf("%s %d", datatypeText(dt, c.Type), counts[c.Name]))
			if st := stats[c.Name]; st != "" {
				if len(byPred[pred]) > 1 {
					st = c.Name + ": " + st
				}
				colStats = append(colStats, st)
			}
		}
		iri := byPred[pred][0].IRI
		if len(names) > 1 {
			iri, _, _ = strings.Cut(iri, "^^")
		}
		rows = append(rows, []any{strings.Join(names, ", "), "column", strings.Join(types, " | "), strings.Join(attrs, ","),
			strings.Join(states, ", "), iri, strings.Join(values, ", "), strings.Join(colStats, "; ")})
	}
	for _, v := range sf.Verbs {
		rows = append(rows, []any{v.Name, "verb", "", v.Cardinality, stateText(v.State), v.IRI, "", stats[v.Name]})
	}
	if f == formatCSV {
		return writeCSV(w, cols, rows)
	}
	return writeTable(w, cols, rows)
}

// datatypeText names the datatype of a column's values: the one its IRI records, short
// for XSD and RDF ones, or its type's default (an import records none then).
func datatypeText(dt, typ string) string {
	if dt == "" {
		switch {
		case typ == "int64":
			return "xsd:integer"
		case typ == "float64":
			return "xsd:double"
		case typ == "bool":
			return "xsd:boolean"
		case strings.HasPrefix(typ, "string"):
			return "string"
		}
		return typ
	}
	for prefix, ns := range map[string]string{"xsd:": "http://www.w3.org/2001/XMLSchema#", "rdf:": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"} {
		if local, ok := strings.CutPrefix(dt, ns); ok {
			return prefix + local
		}
	}
	return dt
}

func stateText(s string) string {
	if s == "" {
		return "active"
	}
	return s
}

func newSchemaApplyCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "apply FILE",
		Short: "Create the variables a schema file declares and move their states",
		Long: `Bring the store to the schema in FILE: create the kinds, columns and verbs that are
new, and move existing ones to the declared state (one step at a time). Nothing is written
if any declaration is incompatible with what is stored, such as a changed type. Variables
the file does not mention are left as they are.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.needLocal("schema"); err != nil {
				return err
			}
			sf, err := readSchemaFile(args[0])
			if err != nil {
				return err
			}
			s, err := sf.Schema()
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			h, err := e.open(openOptions{})
			if err != nil {
				return err
			}
			defer h.close()
			var before map[string]bool
			err = h.db.View(func(tx *entity.Tx) error {
				before = map[string]bool{}
				for _, v := range tx.Vars() {
					before[v.Name] = true
				}
				return nil
			})
			if err != nil {
				return err
			}
			if _, err := entity.Open(h.st, s, nil); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			var created []string
			for _, d := range s.Defs() {
				if !before[d.Name] {
					created = append(created, d.Name)
				}
			}
			fmt.Fprintf(e.stdout, "applied %s: %d declared, %d created", args[0], len(s.Defs()), len(created))
			if len(created) > 0 {
				fmt.Fprintf(e.stdout, " (%s)", strings.Join(created, ", "))
			}
			fmt.Fprintln(e.stdout)
			return nil
		},
	}
}

func newSchemaCheckCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "check [OLD] NEW",
		Short: "Check that two schemas can replace each other, both ways",
		Long: `Check whether code declaring schema NEW can open data written under OLD (the
upgrade), and whether code declaring OLD can open data written under NEW (the rollback).
With one file, OLD is the schema the store holds. Exits 1 if either direction fails,
with every reason.`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var oldDefs []store.VarDef
			oldName := ""
			if len(args) == 2 {
				sf, err := readSchemaFile(args[0])
				if err != nil {
					return err
				}
				if oldDefs, err = sf.Defs(); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				oldName = args[0]
			} else {
				b, closeStore, err := e.backend(openOptions{readOnly: true})
				if err != nil {
					return err
				}
				defer closeStore()
				sc, err := b.Schema(cmdContext(cmd))
				if err != nil {
					return err
				}
				oldDefs = sc.Defs
				oldName = "the store"
			}
			newFile := args[len(args)-1]
			sf, err := readSchemaFile(newFile)
			if err != nil {
				return err
			}
			newDefs, err := sf.Defs()
			if err != nil {
				return fmt.Errorf("%s: %w", newFile, err)
			}
			c := store.CheckCompatible(oldDefs, newDefs)
			verdict := func(what string, err error) {
				if err == nil {
					fmt.Fprintf(e.stdout, "%s: ok\n", what)
					return
				}
				fmt.Fprintf(e.stdout, "%s: incompatible\n", what)
				for _, line := range strings.Split(err.Error(), "\n") {
					fmt.Fprintf(e.stdout, "  %s\n", line)
				}
			}
			verdict(fmt.Sprintf("upgrade  %s → %s", oldName, newFile), c.Upgrade)
			verdict(fmt.Sprintf("rollback %s → %s", newFile, oldName), c.Rollback)
			return errors.Join(c.Upgrade, c.Rollback)
		},
	}
}

// newSchemaStateCmd returns a command that moves a variable to state st.
func newSchemaStateCmd(e *env, name string, st store.State, short string) *cobra.Command {
	return &cobra.Command{
		Use:   name + " NAME",
		Short: short,
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.needLocal("schema"); err != nil {
				return err
			}
			v := args[0]
			if strings.HasPrefix(v, "$") {
				return fmt.Errorf("%s is an internal variable: its state cannot change", v)
			}
			h, err := e.open(openOptions{})
			if err != nil {
				return err
			}
			defer h.close()
			var from store.State
			err = h.db.Update(func(tx *entity.Tx) error {
				cur, ok := tx.Var(v)
				if !ok {
					return fmt.Errorf("%q: %w", v, store.ErrNoVar)
				}
				from = cur.State
				if from == st {
					return nil
				}
				return tx.SetVarState(v, st)
			})
			if err != nil {
				return err
			}
			if from == st {
				fmt.Fprintf(e.stdout, "%s is already %s\n", v, st)
			} else {
				fmt.Fprintf(e.stdout, "%s: %s → %s\n", v, from, st)
			}
			return h.close()
		},
	}
}

func newSchemaDropCmd(e *env) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "drop NAME --yes",
		Short: "Delete a retired variable and free its pages",
		Long: `Delete a retired variable: free every page of its trees and release its name. This
cannot be undone, so it needs --yes.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.needLocal("schema"); err != nil {
				return err
			}
			if !yes {
				return usagef("drop deletes %s and its data for good: add --yes", args[0])
			}
			if strings.HasPrefix(args[0], "$") {
				return fmt.Errorf("%s is an internal variable: it cannot be dropped", args[0])
			}
			h, err := e.open(openOptions{})
			if err != nil {
				return err
			}
			defer h.close()
			var pages uint64
			err = h.db.Update(func(tx *entity.Tx) error {
				stx := tx.StoreTx() // the allocator's counts are below the entity layer
				before := stx.AllocStats().FreePages
				if err := tx.DropVar(args[0]); err != nil {
					return err
				}
				pages = stx.AllocStats().FreePages - before
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "dropped %s (%s freed)\n", args[0], plural(pages, "page"))
			return h.close()
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "really drop the variable")
	return cmd
}
