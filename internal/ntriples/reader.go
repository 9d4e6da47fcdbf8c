package ntriples

import (
	"io"
	"iter"
)

// readerBufSize is the Reader's initial buffer size; it grows to hold the
// longest line.
const readerBufSize = 64 << 10

// Reader reads triples from an N-Triples document, one at a time.
type Reader struct {
	r    io.Reader
	buf  []byte
	end  int    // buf[:end] holds the data read so far
	p    parser // parses buf[:cut], the complete lines in buf
	eof  bool   // r is exhausted or failed
	rerr error  // read error, returned once the complete lines are parsed
	err  error  // io.EOF or rerr, returned from now on
	line int
}

// NewReader returns a Reader that reads from r. It buffers its input.
func NewReader(r io.Reader) *Reader {
	p := parser{line: 1, intern: make(map[string]string)}
	return &Reader{r: r, buf: make([]byte, readerBufSize), p: p}
}

// Read returns the next triple, or io.EOF after the last one.
//
// A *SyntaxError rejects only its own line: calling Read again goes on with
// the next line, so a caller may collect every error of a document. An
// error reading the underlying io.Reader is returned, after the triples of
// the whole lines before it, by this and every later call.
func (r *Reader) Read() (Triple, error) {
	for {
		if r.err != nil {
			return Triple{}, r.err
		}
		var t Triple
		ok, err := r.p.next(&t)
		if err != nil {
			return Triple{}, err
		}
		if ok {
			r.line = r.p.tripleLine
			return t, nil
		}
		if r.eof {
			r.err = io.EOF
			if r.rerr != nil {
				r.err = r.rerr
			}
			continue
		}
		r.fill()
	}
}

// Line returns the number of the line of the triple Read returned last.
func (r *Reader) Line() int { return r.line }

// All returns an iterator over the remaining triples. It stops after the
// first error, which it yields with a zero Triple; Line gives the line of
// each triple yielded.
func (r *Reader) All() iter.Seq2[Triple, error] {
	return func(yield func(Triple, error) bool) {
		for {
			t, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Triple{}, err)
				return
			}
			if !yield(t, nil) {
				return
			}
		}
	}
}

// fill discards the parsed lines and reads until buf holds at least one
// more whole line, or the input ends.
func (r *Reader) fill() {
	r.end = copy(r.buf, r.buf[r.p.pos:r.end])
	r.p.reset(nil, r.p.line)
	scanned, empty := r.end, 0 // the carried-over start of a line has no line end
	for {
		if r.end == len(r.buf) {
			nb := make([]byte, 2*len(r.buf))
			copy(nb, r.buf[:r.end])
			r.buf = nb
		}
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		if err == nil && n == 0 {
			if empty++; empty == maxEmptyReads {
				err = io.ErrNoProgress
			}
		} else {
			empty = 0
		}
		switch {
		case err == io.EOF:
			r.eof = true
			r.p.data = r.buf[:r.end]
			return
		case err != nil:
			// Parse only whole lines: a cut-off last line could parse as
			// a different triple.
			r.eof, r.rerr = true, err
			r.p.data = r.buf[:lastLineEnd(r.buf[:r.end])]
			return
		}
		// A "\r" ending the old data may be the first half of "\r\n", so
		// the search starts one byte early.
		from := max(scanned-1, 0)
		if cut := lastLineEnd(r.buf[from:r.end]); cut > 0 {
			r.p.data = r.buf[:from+cut]
			return
		}
		scanned = r.end
	}
}
