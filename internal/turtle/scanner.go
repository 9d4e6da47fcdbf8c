package turtle

import (
	"io"
	"unicode/utf8"

	"github.com/stablegraph/stablegraph/internal/ntriples"
)

// scannerBufSize is the scanner's initial buffer size. The buffer grows only
// when a caller asks to look further ahead than it holds, which the parser
// never does by more than a few bytes: a long string or IRI streams through.
const scannerBufSize = 64 << 10

// maxEmptyReads is how many reads returning no data and no error the scanner
// tolerates before it reports io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

// scanner serves the bytes of a document with arbitrary lookahead and keeps
// the line and column of the next byte.
type scanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // offset in buf of the next byte
	end  int   // buf[:end] holds the data read
	off  int64 // offset in the document of buf[0]
	eof  bool  // r is exhausted or failed
	rerr error // the read error, if r failed
	// hitEnd records that the parser looked past the data read: a syntax
	// error found then is the read error's doing if there is one.
	hitEnd bool

	line      int   // number of the line of the next byte, from 1
	lineStart int64 // offset in the document of the start of that line
}

func newScanner(r io.Reader) *scanner {
	return &scanner{r: r, buf: make([]byte, scannerBufSize), line: 1}
}

// fill reads until at least n bytes follow pos, or the input ends.
func (s *scanner) fill(n int) {
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.off += int64(s.pos)
		s.pos = 0
	}
	empty := 0
	for s.end < n && !s.eof {
		if s.end == len(s.buf) {
			nb := make([]byte, 2*len(s.buf))
			copy(nb, s.buf[:s.end])
			s.buf = nb
		}
		m, err := s.r.Read(s.buf[s.end:])
		s.end += m
		switch {
		case err == io.EOF:
			s.eof = true
		case err != nil:
			s.eof, s.rerr = true, err
		case m == 0:
			if empty++; empty == maxEmptyReads {
				s.eof, s.rerr = true, io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
}

// peekAt returns the byte k bytes after pos, or -1 past the end of input.
func (s *scanner) peekAt(k int) int {
	if s.pos+k >= s.end {
		s.fill(k + 1)
		if s.pos+k >= s.end {
			s.hitEnd = true
			return -1
		}
	}
	return int(s.buf[s.pos+k])
}

// peek returns the byte at pos, or -1 at the end of input.
func (s *scanner) peek() int {
	if s.pos < s.end {
		return int(s.buf[s.pos])
	}
	return s.peekAt(0)
}

// invalidRune is what peekRuneAt returns for a byte that is not UTF-8: it is
// in no character class, unlike utf8.RuneError, which is U+FFFD.
const invalidRune = -1

// peekRuneAt decodes the character k bytes after pos. It returns
// (RuneError, 0) past the end of input and (invalidRune, 1) for invalid
// UTF-8.
func (s *scanner) peekRuneAt(k int) (rune, int) {
	b := s.peekAt(k)
	switch {
	case b < 0:
		return utf8.RuneError, 0
	case b < utf8.RuneSelf:
		return rune(b), 1
	}
	if s.end-s.pos-k < utf8.UTFMax {
		s.fill(k + utf8.UTFMax)
	}
	r, size := utf8.DecodeRune(s.buf[s.pos+k : s.end])
	if r == utf8.RuneError && size == 1 {
		return invalidRune, 1
	}
	return r, size
}

// advance consumes n bytes that hold no line end.
func (s *scanner) advance(n int) { s.pos += n }

// newline consumes the line end at pos: "\n", "\r" or "\r\n".
func (s *scanner) newline() {
	if s.buf[s.pos] == '\r' && s.peekAt(1) == '\n' {
		s.pos++
	}
	s.pos++
	s.line++
	s.lineStart = s.off + int64(s.pos)
}

// mark is a place in the document, for messages.
type mark struct{ line, col int }

// mark returns the place of the byte k bytes after pos, on the current line.
func (s *scanner) markAt(k int) mark {
	return mark{s.line, int(s.off+int64(s.pos+k)-s.lineStart) + 1}
}

func (s *scanner) mark() mark { return s.markAt(0) }

// found describes the input k bytes after pos, for messages.
func (s *scanner) found(k int) string {
	if s.peekAt(k) >= utf8.RuneSelf {
		s.peekRuneAt(k) // have the whole character in the buffer
	}
	if s.pos+k >= s.end {
		return ntriples.DescribeFirst(nil)
	}
	return ntriples.DescribeFirst(s.buf[s.pos+k : s.end])
}
