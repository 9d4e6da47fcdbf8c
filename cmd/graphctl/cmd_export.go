package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/server"
)

func newExportCmd(e *env) *cobra.Command {
	var formatName, kind string
	cmd := &cobra.Command{
		Use:   "export [--format ntriples|jsonl|csv] [FILE|-]",
		Short: "Export N-Triples, JSON Lines or CSV",
		Long: `Write the store's entities to FILE, or to standard output, in entity-ID order.

  ntriples  the triples an N-Triples import made, literal datatypes and language tags
            included, so that importing the export gives the same store; entities without
            an IRI are blank nodes _:b<ID>, and kinds, columns and verbs that do not come from
            RDF get IRIs ic://<scope>/<name>
  jsonl     one entity per line: {"uri", "iri", "kind", "set": {…}, "link": {…}}, which
            import --format jsonl reads back
  csv       the entities of one kind (--kind): uri, iri and one column per attribute

The format is --format, or FILE's extension (.nt, .jsonl or .ndjson, .csv); a FILE ending
in .gz is written gzip-compressed (out.nt.gz). Standard output gets N-Triples unless
--format says otherwise. N-Triples is also valid Turtle and N-Quads (all in the default
graph), so there is no separate export for those.

--kind limits any format to the entities of one kind.

With --server at a node of a cluster, the export is the whole cluster's, joined so that it
imports into one store as the same world: JSON Lines opens with one schema line (the
shards must hold the same schema) and names the far end of an edge across shards by its
ic:// URI, which that entity's record carries; N-Triples labels blank nodes
_:<scope>_b<ID> by their shard, writes the far end of an edge across shards as that
entity's IRI or blank node, and names kinds, columns and verbs ic://<scope>/<name> by the
first shard's scope. Add --stale for the node's own shard only.`,
		Example: `  graphctl export --db world.sgdb > world.nt
  graphctl export --db world.sgdb world.nt.gz
  graphctl export --db world.sgdb --format csv --kind player players.csv`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := "-"
			if len(args) == 1 {
				file = args[0]
			}
			f, err := outputFormat(formatName, file)
			if err != nil {
				return err
			}
			if f == "csv" && kind == "" {
				return usagef("a CSV export needs --kind: the kind of the entities to write")
			}
			b, closeStore, err := e.backend(openOptions{readOnly: true})
			if err != nil {
				return err
			}
			defer closeStore()
			var w io.Writer = e.stdout
			var out *os.File
			if file != "-" {
				if out, err = os.Create(file); err != nil {
					return err
				}
				defer out.Close()
				w = out
			}
			var zw *gzip.Writer
			if file != "-" && strings.EqualFold(filepath.Ext(file), ".gz") {
				zw = gzip.NewWriter(w)
				w = zw
			}
			bw := bufio.NewWriterSize(w, 1<<20)
			n, losses, err := b.Export(cmdContext(cmd), server.ExportRequest{Format: f, Kind: kind}, bw)
			if err == nil {
				err = bw.Flush()
			}
			if err == nil && zw != nil {
				err = zw.Close()
			}
			if out != nil {
				if cerr := out.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					_ = os.Remove(file)
				}
			}
			if err != nil {
				return err
			}
			for _, l := range losses {
				fmt.Fprintf(e.stderr, "graphctl: note: %s\n", l)
			}
			if out != nil {
				fmt.Fprintf(e.stderr, "exported %s to %s\n", count(uint64(n), strings.TrimSuffix(unit(f), "s"), unit(f)), file)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&formatName, "format", "f", "", "output format: ntriples, jsonl or csv (default: from FILE's extension; ntriples on standard output)")
	cmd.Flags().StringVar(&kind, "kind", "", "export only the entities of this kind")
	return cmd
}

// outputFormat returns the format of an export: --format's, FILE's by its extension, or
// N-Triples on standard output.
func outputFormat(name, file string) (string, error) {
	if name == "" && file == "-" {
		return "ntriples", nil
	}
	if _, known := formatExts[formatExt(file)]; name == "" && !known {
		return "", usagef("cannot tell the format of %s from its extension: give --format (ntriples, jsonl or csv), or name it .nt, .jsonl, .ndjson or .csv, each optionally followed by .gz", file)
	}
	f, err := inputFormat(name, file)
	if err != nil {
		return "", err
	}
	if f == "nquads" || f == "turtle" {
		return "", usagef("export writes ntriples, jsonl or csv; N-Triples is also valid %s: use --format ntriples (and name the file .nt)", map[string]string{"nquads": "N-Quads", "turtle": "Turtle"}[f])
	}
	return f, nil
}
