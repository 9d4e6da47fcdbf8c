package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
)

func newImportCmd(e *env) *cobra.Command {
	var formatName, kind string
	var skipBad, quiet bool
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
			if e.server == "" {
				if _, err := e.needDB(); err != nil {
					return err
				}
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
			in, size, name, err := openInput(e, file)
			if err != nil {
				return err
			}
			defer in.Close()

			prog := newProgress(e.stderr, size, e.stderrTTY && !quiet, "reading")
			defer prog.finish()
			if e.server != "" {
				return e.importRemote(cmd, server.ImportRequest{Format: f, Kind: kind, Name: name, SkipBad: skipBad}, in, prog)
			}
			opts := interchange.Options{SkipBad: skipBad, Progress: prog}
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

			h, err := e.open(openOptions{create: true})
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
	return cmd
}

// importRemote sends the input to the server of --server, which imports it all or
// nothing, and prints what graphctl prints of a local import.
func (e *env) importRemote(cmd *cobra.Command, req server.ImportRequest, in io.Reader, prog *progress) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	res, err := c.Import(cmdContext(cmd), req, &countingReader{r: in, prog: prog})
	if err != nil {
		return err
	}
	skipped := make([]error, len(res.Skipped))
	for i, s := range res.Skipped {
		skipped[i] = errors.New(s)
	}
	e.reportSkipped(skipped)
	prog.finish()
	bytes, _, elapsed := prog.totals()
	e.printImportTotals(req.Name, req.Format, res.Read, res.Summary, bytes, elapsed)
	return nil
}

// countingReader tells prog of the bytes read through it.
type countingReader struct {
	r    io.Reader
	prog *progress
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.prog.Add(int64(n), 0)
	return n, err
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
