package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
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
	var formatName, kind, base string
	var skipBad, quiet bool
	var batch, fromLine int
	mem := importMemory{max: defaultMaxMemory}
	cmd := &cobra.Command{
		Use:   "import [--format ntriples|nquads|turtle|jsonl|csv] FILE|-",
		Short: "Import N-Triples, N-Quads, Turtle, JSON Lines or CSV",
		Long: `Import a file (or standard input, given as -) into the store, creating the store if
the file does not exist yet.

The import is all or nothing. The whole input is read and checked first (N-Triples and
N-Quads are parsed in parallel chunks); a malformed line stops the import with
FILE:LINE:COL: and what is wrong, before the store is touched. Then everything is written
in one message, which commits whole or not at all: an error while writing (a cardinality
the data breaks, a full disk) leaves the store exactly as it was, and a store the import
created is removed. With --skip-bad, malformed lines (and triples the store cannot take)
are skipped, counted and listed instead; a Turtle syntax error still stops the import,
since a parser cannot tell where the next statement begins.

Memory: --max-memory (default 512MiB) bounds what the import holds. A message's written
pages past a quarter of it go to the store's log ahead of the commit, and the store's
pages read through its mapping past an eighth of it are dropped from memory (the file
keeps them), so the store's size does not count; the parsed input does, and an input too
large to parse into one message within the bound is refused before anything is written,
saying so (a gzip input's size is not known before it is read: it is not refused).

In steps (N-Triples, N-Quads and Turtle): --batch N writes the file in steps of at least N
triples (whole lines, cut where a 1 MiB parse chunk ends, or for Turtle, the line after a
run of 4096 triples), each its own message, committed
before the next is read: memory then depends on N, not on the file (steps too large for
--max-memory are made smaller, with a note). The file is read twice:
first for the types of every subject, so that the steps give each entity the kind one
message would (its least type IRI; every other type a membership); IRIs find the entities
of earlier steps, and a blank node is one entity across the steps. Each committed step is
reported ("step 3 committed: lines up to 1500123"); an import stopped by an error or a
crash leaves its committed steps, and --from-line L+1 goes on after line L (re-writing a
step is harmless for IRI subjects; each step notes the entities of its blank nodes in the
store, with the file's name and size, so a blank node of the lines before L met again
after it is the same entity, and --from-line refuses another file; the notes go when the
import ends). Each step shows its entities, values and edges as it writes them, and off
a terminal each committed step is a line with the counts so far. Where one subject's
values of one predicate fall into two steps,
the second may go to a new column, as an import into a store that has the first one does.
--batch needs a file (not standard input) and a local store (not --server).

Formats (--format, or from the file's extension; each may be gzip-compressed, which is
recognised by its content, and then named with .gz: data.nt.gz):
  ntriples  .nt      RDF N-Triples 1.1; see README.md for how triples map to kinds,
                     columns and verbs
  nquads    .nq      RDF N-Quads 1.1: the store holds one graph, so graph names are
                     dropped and their triples imported, with a note on standard error
                     saying how many quads named which graphs
  turtle    .ttl     RDF Turtle 1.1, mapped as N-Triples is; relative IRIs resolve against
                     --base, by default the file's own file:// IRI (standard input has
                     none: give --base or an @base in the document)
  jsonl     .jsonl   one entity per line: {"uri"|"iri": …, "kind": …, "set": {col: value},
            .ndjson  "link": {verb: [targets]}}
  csv       .csv     entities of one kind (--kind), a header line first: uri and/or iri,
                     then one column per attribute

On a terminal a progress bar shows bytes and rows per second while reading, then the
entities, values and edges written until the commit ends; the totals are printed at the
end.`,
		Example: `  graphctl import --db world.sgdb data.nt
  graphctl import --db world.sgdb vocab.ttl.gz
  graphctl import --db world.sgdb --format ntriples - < data.nt.gz
  graphctl import --db world.sgdb --format turtle --base http://ex.org/ - < data.ttl
  graphctl import --db world.sgdb --kind player players.csv`,
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
			if f != "turtle" && base != "" {
				return usagef("--base is for Turtle imports")
			}
			if f == "turtle" && base == "" && file != "-" {
				if base, err = fileIRI(file); err != nil {
					return err
				}
			}
			switch {
			case batch < 0:
				return usagef("--batch must be a number of triples")
			case batch > 0 && f != "ntriples" && f != "nquads" && f != "turtle":
				return usagef("--batch is for N-Triples, N-Quads and Turtle imports, not %s: import it in one message, or split it into smaller files", f)
			case batch > 0 && file == "-":
				return usagef("%v", errBatchNeedsFile)
			case batch > 0 && e.server != "":
				return usagef("--batch writes in steps from this process, which --server cannot do (the server imports in one message): give --batch without --server, with the store not served, or --server without --batch")
			case fromLine > 0 && batch == 0:
				return usagef("--from-line goes on with a batched import: give --batch too")
			case e.server != "" && cmd.Flags().Changed("max-memory"):
				return usagef("--max-memory bounds an import in this process: with --server, the server's own memory bounds it")
			}
			raw, size, name, err := openInput(e, file)
			if err != nil {
				return err
			}
			defer raw.Close()

			// The bar follows the bytes of the file, compressed or not; the parser counts rows.
			prog := newProgress(e.stderr, size, e.stderrTTY && !quiet, "reading")
			defer prog.finish()
			if e.server != "" {
				req := server.ImportRequest{Format: f, Kind: kind, Name: name, Base: base, SkipBad: skipBad}
				return e.importRemote(cmd, req, &byteCounter{r: raw, prog: prog}, prog)
			}
			defer mem.limitHeap()()
			if batch > 0 {
				raw.Close()
				opts := interchange.Options{SkipBad: skipBad, Quads: f == "nquads", Turtle: f == "turtle", Base: base, FromLine: fromLine}
				st, read, err := e.importBatches(cmd, file, batch, opts, mem, prog)
				if err != nil {
					return err
				}
				prog.finish()
				bytes, _, elapsed := prog.totals()
				e.printImportTotals(name, f, read, st, bytes, elapsed)
				return nil
			}
			in, gz, err := interchange.Decompress(&byteCounter{r: raw, prog: prog})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if gz {
				size = -1 // what it holds is not known before it is read
			}
			if err := mem.checkOneMessage(name, size, f); err != nil {
				return err
			}
			opts := interchange.Options{
				SkipBad:  skipBad,
				Progress: rowCounter{prog},
				Base:     base,
				Warn:     func(msg string) { e.note(prog, msg) },
			}
			imp, err := interchange.Parse(cmdContext(cmd), in, f, name, kind, opts)
			if err != nil {
				return err
			}
			e.reportSkipped(imp.Skipped())
			bytes, _, _ := prog.totals()

			h, err := e.open(mem.storeOptions())
			if err != nil {
				return err
			}
			var st interchange.Summary
			w := prog.writing(e.stderr, fmt.Sprintf("writing %d %s", imp.Read(), unit(f)), &st)
			err = h.db.Update(func(tx *entity.Tx) error {
				err := imp.Apply(tx, &st)
				w.committing()
				return err
			})
			w.stop()
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
	cmd.Flags().StringVarP(&formatName, "format", "f", "", "input format: ntriples, nquads, turtle, jsonl or csv (default: from the file's extension)")
	cmd.Flags().StringVar(&kind, "kind", "", "the kind of the entities of a CSV file")
	cmd.Flags().StringVar(&base, "base", "", "Turtle: the base IRI of relative IRIs (default: the file's file:// IRI)")
	cmd.Flags().BoolVar(&skipBad, "skip-bad", false, "skip and count malformed lines instead of stopping")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	cmd.Flags().Var(byteSizeFlag{&mem.max}, "max-memory", "the memory the import may use, such as 512MiB or 2GiB")
	cmd.Flags().IntVar(&batch, "batch", 0, "N-Triples: write in steps of at least N triples, each its own message")
	cmd.Flags().IntVar(&fromLine, "from-line", 0, "with --batch: go on from this line (after the last committed step)")
	return cmd
}

// importRemote sends the input to the server of --server, which imports it all or
// nothing, and prints what graphctl prints of a local import.
func (e *env) importRemote(cmd *cobra.Command, req server.ImportRequest, in io.Reader, prog *progress) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	res, err := c.Import(cmdContext(cmd), req, in)
	if err != nil {
		return err
	}
	for _, msg := range res.Notes {
		e.note(prog, msg)
	}
	skipped := make([]error, len(res.Skipped))
	for i, s := range res.Skipped {
		skipped[i] = errors.New(s)
	}
	e.reportSkipped(skipped)
	prog.finish()
	bytes, _, elapsed := prog.totals()
	s := res.Summary
	st := interchange.Summary{Skipped: s.Skipped, Entities: s.Entities, Values: s.Values, Edges: s.Edges,
		Kinds: s.Kinds, Columns: s.Columns, Verbs: s.Verbs}
	e.printImportTotals(req.Name, req.Format, res.Read, st, bytes, elapsed)
	return nil
}

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// formatExts maps file extensions to formats; a ".gz" after them is allowed.
var formatExts = map[string]string{
	".nt": "ntriples", ".nq": "nquads", ".ttl": "turtle",
	".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
}

// formatNames maps the names --format accepts to formats.
var formatNames = map[string]string{
	"ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples",
	"nquads": "nquads", "nq": "nquads", "n-quads": "nquads",
	"turtle": "turtle", "ttl": "turtle",
	"jsonl": "jsonl", "ndjson": "jsonl", "json-lines": "jsonl",
	"csv": "csv",
}

// inputFormat returns the format named by --format or, without it, by the file's
// extension, a ".gz" after it ignored.
func inputFormat(name, file string) (string, error) {
	if name != "" {
		if f, ok := formatNames[strings.ToLower(name)]; ok {
			return f, nil
		}
		return "", usagef("unknown format %q: use ntriples, nquads, turtle, jsonl or csv", name)
	}
	if file == "-" {
		return "", usagef("give --format (ntriples, nquads, turtle, jsonl or csv): standard input has no extension to tell it by")
	}
	if f, ok := formatExts[formatExt(file)]; ok {
		return f, nil
	}
	return "", usagef("cannot tell the format of %s from its extension: give --format (ntriples, nquads, turtle, jsonl or csv), or name it .nt, .nq, .ttl, .jsonl, .ndjson or .csv, each optionally followed by .gz", file)
}

// formatExt returns the extension of file that names its format, in lower case: the one
// before ".gz" if it ends so.
func formatExt(file string) string {
	ext := strings.ToLower(filepath.Ext(file))
	if ext == ".gz" {
		ext = strings.ToLower(filepath.Ext(strings.TrimSuffix(file, filepath.Ext(file))))
	}
	return ext
}

// fileIRI returns the file:// IRI of file, the base of a Turtle file's relative IRIs.
func fileIRI(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

func unit(format string) string {
	switch format {
	case "ntriples", "turtle":
		return "triples"
	case "nquads":
		return "quads"
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

// note prints a note of what an import drops or changes, above the progress bar.
func (e *env) note(p *progress, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(e.stderr, "graphctl: note: %s\n", msg)
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
	fmt.Fprintf(e.stdout, "imported %s: %s in %s (%.0f %s/s, %s/s)\n",
		name, count(uint64(read), strings.TrimSuffix(unit(format), "s"), unit(format)), elapsed.Round(time.Millisecond), float64(read)/secs, unit(format),
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
