package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/store"
)

// The memory of an import. --max-memory bounds it: a quarter goes to the dirty pages of a
// message (past it, the store spills them to its log), an eighth to the pages of the store
// read through its mapping (past it, the store drops them from the resident set), the Go
// heap is asked to stay within three quarters (debug.SetMemoryLimit), and an input whose
// parse would not fit is refused before anything is written, with the batched mode as the
// way out; a batched import's steps are made small enough for what the heap holds across
// them (the types of every subject).

// defaultMaxMemory is the default of --max-memory.
const defaultMaxMemory = 512 << 20

// parsedBytesPerInputByte is what the parse of one message holds in the heap per byte of
// input, measured (1.2M triples, 126 MB of N-Triples: about 200 MB live besides the
// dirty pages), with a margin.
const parsedBytesPerInputByte = 3

// heapReserve is the heap an import keeps for everything but the parse and the dirty
// pages (the runtime, the catalog, buffers): 64 MiB, or an eighth of a smaller bound.
func (m importMemory) heapReserve() int64 { return int64(min(64<<20, m.max/8)) }

// importMemory is what an import may use and how it splits it.
type importMemory struct{ max uint64 }

// spillPages is the dirty pages a message keeps in the heap before it spills.
func (m importMemory) spillPages() int { return int(m.max / 4 / store.PageSize) }

// heapLimit is the Go heap's limit.
func (m importMemory) heapLimit() uint64 { return m.max / 4 * 3 }

// storeOptions opens the store within the bound.
func (m importMemory) storeOptions() openOptions {
	return openOptions{create: true, spillPages: m.spillPages(), mapBudget: int64(m.max / 8)}
}

// limitHeap asks the Go runtime to keep its heap within the bound, and returns the undo.
func (m importMemory) limitHeap() func() {
	old := debug.SetMemoryLimit(int64(m.heapLimit()))
	return func() { debug.SetMemoryLimit(old) }
}

// batchTriples returns the most triples a step of a batched import may hold when a triple
// takes bytesPerTriple bytes of input and held bytes of the heap are taken across the
// steps; 0 if not even a small step fits.
func (m importMemory) batchTriples(bytesPerTriple float64, held int64) int {
	room := int64(m.heapLimit()) - int64(m.spillPages())*store.PageSize - m.heapReserve() - held
	n := int(float64(room) / (bytesPerTriple * parsedBytesPerInputByte))
	if n < 1000 {
		return 0
	}
	return n
}

// checkOneMessage refuses, before anything is written, an input of size bytes (-1:
// unknown) whose one-message import would pass the bound.
func (m importMemory) checkOneMessage(name string, size int64, format string) error {
	if size < 0 {
		return nil
	}
	need := uint64(size)*parsedBytesPerInputByte + uint64(m.heapReserve())
	if need <= m.max {
		return nil
	}
	hint := "split it into smaller files"
	if format == "ntriples" || format == "nquads" || format == "turtle" {
		// A triple of N-Triples is about 100 bytes, and a typed subject has a few: the types
		// of every subject (interchange.Kinds, ~24 bytes each) stay in the heap across the
		// steps, estimated at one subject per 4 triples.
		hint = "import it in steps with --batch N (each step is its own message; see 'graphctl help import')"
		if batch := m.batchTriples(100, size/100/4*24); batch > 0 {
			hint = fmt.Sprintf("import it in steps with --batch %d (each step is its own message; see 'graphctl help import')", roundDown(uint64(batch)))
		}
	}
	return usagef("importing %s (%s) in one message needs about %s of memory, more than --max-memory %s: %s, or raise --max-memory",
		name, byteSize(uint64(size)), byteSize(need), byteSize(m.max), hint)
}

// roundDown rounds n down to one significant digit.
func roundDown(n uint64) uint64 {
	p := uint64(1)
	for n/p >= 10 {
		p *= 10
	}
	return n / p * p
}

// parseByteSize parses a size such as 512MiB, 2GiB, 300MB or 1048576 (bytes).
func parseByteSize(s string) (uint64, error) {
	units := []struct {
		suffix string
		mult   uint64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
	}
	num, mult := strings.TrimSpace(s), uint64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q: give a number of bytes with a unit, such as 512MiB or 2GiB", s)
	}
	return uint64(n * float64(mult)), nil
}

// byteSizeFlag is a pflag.Value for a size in bytes.
type byteSizeFlag struct{ n *uint64 }

func (f byteSizeFlag) String() string {
	if f.n == nil {
		return ""
	}
	return byteSize(*f.n)
}

func (f byteSizeFlag) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*f.n = n
	return nil
}

func (f byteSizeFlag) Type() string { return "size" }

// importBatches imports the N-Triples or N-Quads file (gzip-compressed or not) in steps of
// at least batch triples, each its own message, from line opts.FromLine; see
// interchange.ParseNTriplesBatches. It reports each committed step on stderr, and an error
// says where to go on from. The bar follows the bytes of the second reading.
func (e *env) importBatches(cmd *cobra.Command, file string, batch int, opts interchange.Options, mem importMemory, prog *progress) (interchange.Summary, int64, error) {
	var st interchange.Summary
	// read opens the file, through the decompression of the one-message import.
	read := func(count bool, fn func(io.Reader, string) error) error {
		raw, _, name, err := openInput(e, file)
		if err != nil {
			return err
		}
		defer raw.Close()
		var r io.Reader = raw
		if count {
			r = &byteCounter{r: raw, prog: prog}
		}
		in, _, err := interchange.Decompress(r)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return fn(in, name)
	}
	prog.describe("reading types")
	var kinds *interchange.Kinds
	err := read(false, func(in io.Reader, name string) (err error) {
		kinds, err = interchange.ScanKinds(cmdContext(cmd), in, name, opts)
		return err
	})
	if err != nil {
		return st, 0, err
	}
	if kinds.Triples > 0 && kinds.Bytes > 0 {
		most := mem.batchTriples(float64(kinds.Bytes)/float64(kinds.Triples), kinds.HeapBytes())
		if most == 0 {
			return st, 0, fmt.Errorf("--max-memory %s leaves no room for a step of %s (the types of its %d subjects take %s): raise --max-memory",
				byteSize(mem.max), file, kinds.Subjects(), byteSize(uint64(kinds.HeapBytes())))
		}
		if batch > most {
			e.note(prog, fmt.Sprintf("steps of %d triples would pass --max-memory %s (the types of %d subjects take %s): writing steps of %d",
				batch, byteSize(mem.max), kinds.Subjects(), byteSize(uint64(kinds.HeapBytes())), most))
			batch = most
		}
	}
	h, err := e.open(mem.storeOptions())
	if err != nil {
		return st, 0, err
	}
	// The store notes the steps' blank nodes for a resumed import, which must read the
	// same file.
	source := filepath.Base(file)
	if fi, err := os.Stat(file); err == nil {
		source = fmt.Sprintf("%s (%d bytes)", source, fi.Size())
	}
	if err := h.db.Update(func(tx *entity.Tx) error {
		return interchange.BeginBatches(tx, source, opts.FromLine > 0)
	}); err != nil {
		h.abandon()
		return st, 0, err
	}
	opts.Progress = rowCounter{prog}
	opts.Warn = func(msg string) { e.note(prog, msg) }
	var rows int64
	committed, steps := 0, 0
	err = read(true, func(in io.Reader, name string) error {
		return interchange.ParseNTriplesBatches(cmdContext(cmd), in, name, opts, batch, kinds, func(b interchange.Batch) error {
			e.reportSkipped(b.Skipped())
			what := fmt.Sprintf("step %d, lines %d–%d", steps+1, b.First, b.Last)
			prog.describe(what)
			st.Wrote = func(s interchange.Summary) { prog.describeEvery(func() string { return what + ": " + written(s) }) }
			err := h.db.Update(func(tx *entity.Tx) error {
				err := b.Apply(tx, &st)
				prog.describe(what + ": " + written(st) + "; committing")
				return err
			})
			if err != nil {
				return err
			}
			committed, rows = b.Last, rows+b.Read()
			steps++
			if !e.stderrTTY {
				fmt.Fprintf(e.stderr, "graphctl: step %d committed: lines up to %d (%s so far)\n", steps, committed, written(st))
			}
			return nil
		})
	})
	if err != nil {
		if steps == 0 {
			h.abandon()
			return st, rows, err
		}
		h.close()
		return st, rows, fmt.Errorf("%w\n(the steps up to line %d are committed: go on with --from-line %d)", err, committed, committed+1)
	}
	if err := h.db.Update(interchange.EndBatches); err != nil {
		h.close()
		return st, rows, err
	}
	return st, rows, h.close()
}

// written says what an import has written.
func written(s interchange.Summary) string {
	return fmt.Sprintf("%s, %s, %s", count(uint64(s.Entities), "entity", "entities"), plural(uint64(s.Values), "value"), plural(uint64(s.Edges), "edge"))
}

// errBatchNeedsFile is the error of --batch on standard input.
var errBatchNeedsFile = errors.New("--batch reads the file twice (the types first): give a file, not standard input")
