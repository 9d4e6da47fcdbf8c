package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
)

func newImportCmd(e *env) *cobra.Command {
	var formatName, kind string
	var skipBad, quiet bool
	var batch, fromLine int
	mem := importMemory{max: defaultMaxMemory}
	cmd := &cobra.Command{
		Use:   "import --format ntriples|jsonl|csv FILE|-",
		Short: "Import N-Triples, JSON Lines or CSV",
		Long: `Import a file (or standard input, given as -) into the store, creating the store if
the file does not exist yet.

The import is all or nothing. The whole input is read and checked first (N-Triples is
parsed in parallel chunks); a malformed line stops the import with FILE:LINE: and what is
wrong, before the store is touched. Then everything is written in one message, which
commits whole or not at all: an error while writing (a cardinality the data breaks, a full
disk) leaves the store exactly as it was, and a store the import created is removed.
With --skip-bad, malformed lines (and triples the store cannot take) are skipped, counted
and listed instead.

Memory: --max-memory (default 512MiB) bounds what the import holds. A message's written
pages past a quarter of it go to the store's log ahead of the commit, so the store's size
does not count; the parsed input does, and an input too large to parse into one message
within the bound is refused before anything is written, saying so.

In steps (N-Triples only): --batch N writes the file in steps of at least N triples
(whole lines, cut where a 1 MiB parse chunk ends), each its own message, committed before
the next is read: memory then depends on N, not on the file. The file is read twice: first
for every subject's first rdf:type, so that the steps give each entity the kind one
message would; IRIs find the entities of earlier steps, and a blank node is one entity
across the steps. Each committed step is reported ("step 3 committed: lines up to
1500123"); an import stopped by an error or a crash leaves its committed steps, and
--from-line L+1 goes on after line L (re-writing a step is harmless for IRI subjects; a
blank node of the lines before L met again after it becomes a new entity). Where one
subject's values of one predicate fall into two steps, the second may go to a new column,
as an import into a store that has the first one does.

Formats (--format, or from the file's extension: .nt, .jsonl/.ndjson, .csv):
  ntriples  RDF N-Triples 1.1; see README.md for how triples map to kinds, columns and verbs
  jsonl     one entity per line: {"uri"|"iri": …, "kind": …, "set": {col: value},
            "link": {verb: [targets]}}
  csv       entities of one kind (--kind), a header line first: uri and/or iri, then one
            column per attribute

On a terminal a progress bar shows bytes and rows per second; the totals are printed at
the end.`,
		Example: `  graphctl import --db world.sgdb --format ntriples data.nt
  zcat data.nt.gz | graphctl import --db world.sgdb --format ntriples -
  graphctl import --db world.sgdb --format csv --kind player players.csv`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := e.needDB(); err != nil {
				return err
			}
			file := args[0]
			f, err := inputFormat(formatName, file)
			if err != nil {
				return err
			}
			if f == "csv" && kind == "" {
				return usagef("a CSV import needs --kind: the kind of the entities it holds")
			}
			if f != "csv" && kind != "" {
				return usagef("--kind is for CSV imports")
			}
			switch {
			case batch < 0:
				return usagef("--batch must be a number of triples")
			case batch > 0 && f != "ntriples":
				return usagef("--batch is for N-Triples imports")
			case batch > 0 && file == "-":
				return usagef("%v", errBatchNeedsFile)
			case fromLine > 0 && batch == 0:
				return usagef("--from-line goes on with a batched import: give --batch too")
			}
			defer mem.limitHeap()()
			in, size, name, err := openInput(e, file)
			if err != nil {
				return err
			}
			defer in.Close()

			prog := newProgress(e.stderr, size, e.stderrTTY && !quiet, "reading")
			defer prog.finish()
			opts := interchange.Options{SkipBad: skipBad, Progress: prog}
			if batch > 0 {
				in.Close()
				st, read, err := e.importBatches(cmd, file, batch, fromLine, opts, mem, prog)
				if err != nil {
					return err
				}
				prog.finish()
				bytes, _, elapsed := prog.totals()
				e.printImportTotals(name, f, read, st, bytes, elapsed)
				return nil
			}
			if err := mem.checkOneMessage(name, size, f); err != nil {
				return err
			}
			var imp interchange.Import
			switch f {
			case "ntriples":
				imp, err = interchange.ParseNTriples(cmdContext(cmd), in, name, opts)
			case "jsonl":
				imp, err = interchange.ParseJSONL(in, name, opts)
			case "csv":
				imp, err = interchange.ParseCSV(in, name, kind, opts)
			}
			if err != nil {
				return err
			}
			e.reportSkipped(imp.Skipped())
			bytes, _, _ := prog.totals()
			prog.describe(fmt.Sprintf("writing %d %s", imp.Read(), unit(f)))

			h, err := e.open(openOptions{create: true, spillPages: mem.spillPages()})
			if err != nil {
				return err
			}
			var st interchange.Summary
			err = h.db.Update(func(tx *entity.Tx) error { return imp.Apply(tx, &st) })
			if err != nil {
				h.abandon()
				return err
			}
			if err := h.close(); err != nil {
				return err
			}
			prog.finish()
			_, _, elapsed := prog.totals()
			e.printImportTotals(name, f, imp.Read(), st, bytes, elapsed)
			return nil
		},
	}
	cmd.Flags().StringVarP(&formatName, "format", "f", "", "input format: ntriples, jsonl or csv (default: from the file's extension)")
	cmd.Flags().StringVar(&kind, "kind", "", "the kind of the entities of a CSV file")
	cmd.Flags().BoolVar(&skipBad, "skip-bad", false, "skip and count malformed lines instead of stopping")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	cmd.Flags().Var(byteSizeFlag{&mem.max}, "max-memory", "the memory the import may use, such as 512MiB or 2GiB")
	cmd.Flags().IntVar(&batch, "batch", 0, "N-Triples: write in steps of at least N triples, each its own message")
	cmd.Flags().IntVar(&fromLine, "from-line", 0, "with --batch: go on from this line (after the last committed step)")
	return cmd
}

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// inputFormat returns the format named by --format or, without it, by the file's
// extension.
func inputFormat(name, file string) (string, error) {
	if name == "" {
		switch strings.ToLower(filepath.Ext(file)) {
		case ".nt":
			return "ntriples", nil
		case ".jsonl", ".ndjson":
			return "jsonl", nil
		case ".csv":
			return "csv", nil
		}
		return "", usagef("give --format: ntriples, jsonl or csv")
	}
	switch f := strings.ToLower(name); f {
	case "ntriples", "nt", "n-triples":
		return "ntriples", nil
	case "jsonl", "ndjson", "json-lines":
		return "jsonl", nil
	case "csv":
		return "csv", nil
	}
	return "", usagef("unknown format %q: use ntriples, jsonl or csv", name)
}

func unit(format string) string {
	switch format {
	case "ntriples":
		return "triples"
	case "csv":
		return "rows"
	}
	return "records"
}

// openInput opens FILE, or standard input for "-", and returns its size (-1 if unknown)
// and the name messages use for it.
func openInput(e *env, file string) (io.ReadCloser, int64, string, error) {
	if file == "-" {
		return io.NopCloser(e.stdin), -1, "<stdin>", nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, "", err
	}
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return f, size, file, nil
}

// reportSkipped lists the lines --skip-bad skipped, the first few in full.
func (e *env) reportSkipped(errs []error) {
	const show = 10
	for i, err := range errs {
		if i == show {
			fmt.Fprintf(e.stderr, "graphctl: skipped %d more bad lines\n", len(errs)-show)
			break
		}
		fmt.Fprintf(e.stderr, "graphctl: skipped %v\n", err)
	}
}

// printImportTotals reports what an import did.
func (e *env) printImportTotals(name, format string, read int64, st interchange.Summary, bytes int64, elapsed time.Duration) {
	secs := max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(e.stdout, "imported %s: %d %s in %s (%.0f %s/s, %s/s)\n",
		name, read, unit(format), elapsed.Round(time.Millisecond), float64(read)/secs, unit(format),
		byteSize(uint64(float64(bytes)/secs)))
	fmt.Fprintf(e.stdout, "  %s created; %s and %s written; %d skipped\n",
		count(uint64(st.Entities), "entity", "entities"), plural(uint64(st.Values), "value"),
		plural(uint64(st.Edges), "edge"), st.Skipped)
	created := func(what string, names []string) {
		if len(names) > 0 {
			list := strings.Join(names[:min(len(names), 12)], ", ")
			if len(names) > 12 {
				list += ", …"
			}
			fmt.Fprintf(e.stdout, "  %s created: %s\n", plural(uint64(len(names)), what), list)
		}
	}
	created("kind", st.Kinds)
	created("column", st.Columns)
	created("verb", st.Verbs)
}
