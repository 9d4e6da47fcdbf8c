package ntriples

import (
	"bytes"
	"io"
	"iter"
)

// DefaultChunkSize is the chunk size Chunks uses when given none.
const DefaultChunkSize = 1 << 20

// Chunk is a run of whole lines of an N-Triples document, for parsing apart
// from the rest of it.
type Chunk struct {
	Data []byte // whole lines; only the document's last line may lack its line end
	Line int    // number of the first line in Data, 1-based
}

// Parse parses the chunk with ParseLines, numbering lines from c.Line.
func (c Chunk) Parse(fn func(line int, t Triple) error) error {
	return ParseLines(c.Data, c.Line, fn)
}

// Chunks splits the N-Triples document read from r into chunks of about
// size bytes (DefaultChunkSize if size <= 0), in document order. Each chunk
// ends at a line end, so it can be parsed on its own, concurrently with the
// others; a line longer than size makes a chunk as long as the line. A line
// end is "\n", "\r" or "\r\n", as in the parser, and a "\r\n" is never
// split.
//
// Each chunk's Data is a new buffer owned by the receiver. A read error
// other than io.EOF is yielded once, last, after the whole lines read
// before it; a line it cut off is not yielded.
func Chunks(r io.Reader, size int) iter.Seq2[Chunk, error] {
	if size <= 0 {
		size = DefaultChunkSize
	}
	return func(yield func(Chunk, error) bool) {
		line := 1
		var rest []byte // the start of a line not yet yielded
		var rerr error  // read error, yielded after the whole lines before it
		eof := false
		for {
			buf := make([]byte, len(rest), max(size, 2*len(rest)))
			copy(buf, rest)
			cut, scanned, need, empty := 0, len(rest), size, 0
			for cut == 0 && !eof {
				for len(buf) < need && !eof {
					if len(buf) == cap(buf) {
						buf = append(buf, 0)[:len(buf)]
					}
					n, err := r.Read(buf[len(buf):cap(buf)])
					buf = buf[:len(buf)+n]
					switch {
					case err == io.EOF:
						eof = true
					case err != nil:
						eof, rerr = true, err
					case n > 0:
						empty = 0
					default:
						if empty++; empty == maxEmptyReads {
							eof, rerr = true, io.ErrNoProgress
						}
					}
				}
				// A "\r" ending the old data may be the first half of
				// "\r\n", so the search starts one byte early.
				from := max(scanned-1, 0)
				if c := lastLineEnd(buf[from:]); c > 0 {
					cut = from + c
				}
				scanned = len(buf)
				need = 2 * len(buf) // a line longer than size: read on to its end
			}
			if eof && rerr == nil {
				cut = len(buf) // the last line may lack its line end
			}
			if cut > 0 {
				c := Chunk{Data: buf[:cut:cut], Line: line}
				line += countLineEnds(c.Data)
				if !yield(c, nil) {
					return
				}
			}
			if eof {
				if rerr != nil {
					yield(Chunk{}, rerr)
				}
				return
			}
			rest = buf[cut:]
		}
	}
}

// lastLineEnd returns the offset just after the last line end in b that is
// known to be complete, or 0 if there is none. A "\r" as the last byte of b
// is not known to be complete: a "\n" may follow it.
func lastLineEnd(b []byte) int {
	i := bytes.LastIndexByte(b, '\n')
	// A lone "\r" after the last "\n" ends a later line.
	if j := bytes.LastIndexByte(b[i+1:], '\r'); j >= 0 {
		j += i + 1
		if j+1 < len(b) {
			return j + 1
		}
		// b ends in "\r": look for an earlier lone "\r".
		if k := bytes.LastIndexByte(b[i+1:j], '\r'); k >= 0 {
			return i + 1 + k + 1
		}
	}
	return i + 1
}

// countLineEnds returns the number of line ends in b, counting "\r\n" once.
func countLineEnds(b []byte) int {
	n := bytes.Count(b, []byte{'\n'})
	if bytes.IndexByte(b, '\r') >= 0 {
		n += bytes.Count(b, []byte{'\r'}) - bytes.Count(b, []byte("\r\n"))
	}
	return n
}

// maxEmptyReads is how many reads in a row may return no data and no error
// before a reader is deemed stuck, as in bufio.
const maxEmptyReads = 100
