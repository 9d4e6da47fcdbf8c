package ntriples

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParse checks on any input that the parser does not panic, that every
// error is a *SyntaxError inside the input, that the Reader, Chunks and
// line-by-line parsing agree with ParseLines, and that whatever parses
// round-trips through the writer to the same triples.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"# comment\n\n \t\r\n",
		"<http://example/s> <http://example/p> <http://example/o> .\n",
		"<http://example/s><http://example/p>_:o.\r_:s<http://example/p>\"Alice\"@en-US.\r\n",
		`_:a.b <http://example/p> "\t\b\n\r\f\"\'\\\u00e9\U0001F600"^^<http://example/dt> . # c`,
		`<http://example/\u0020> <http://example/p> "x"^^<http://www.w3.org/2001/XMLSchema#string> .`,
		`<s> <http://example/p> "\uD800" .`,
		"_:a. <http://example/p> _:b.. .\n_::a <p> 1 .\n",
		"\"x\" <http://example/p> <http://example/o> .\n<http://example/s> _:p <http://example/o>",
		"<http://example/s> <http://example/p> \"x\" ^^ <http://example/dt> .\n\xff\xfe",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add(genDocument(20))
	rng := rand.New(rand.NewPCG(3, 3))
	for range 10 {
		line, err := AppendTriple(nil, randTriple(rng))
		require.NoError(f, err)
		f.Add(line)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		lines := splitLines(data)

		var got []lineTriple
		err := ParseLines(data, 1, func(line int, tr Triple) error {
			got = append(got, lineTriple{line, tr})
			return nil
		})
		checkSyntaxError(t, err, lines)

		// A Reader agrees up to the first error...
		r := NewReader(iotest.HalfReader(bytes.NewReader(data)))
		var viaReader []lineTriple
		var rerr error
		for {
			tr, err := r.Read()
			if err != nil {
				rerr = err
				break
			}
			viaReader = append(viaReader, lineTriple{r.Line(), tr})
		}
		sameItems(t, "Reader", got, viaReader)
		require.Equal(t, errString(err), errString(eofToNil(rerr)))

		// ...and, going on after errors, agrees with parsing each line
		// alone: no production spans a line end.
		var readerAll, lineByLine []string
		r = NewReader(bytes.NewReader(data))
		for {
			tr, err := r.Read()
			if err == io.EOF {
				break
			}
			checkSyntaxError(t, err, lines)
			readerAll = append(readerAll, describe(r.Line(), tr, err))
		}
		for i, l := range lines {
			err := ParseLines(l, i+1, func(line int, tr Triple) error {
				lineByLine = append(lineByLine, describe(line, tr, nil))
				return nil
			})
			if err != nil {
				lineByLine = append(lineByLine, describe(0, Triple{}, err))
			}
		}
		sameItems(t, "Reader going on after errors vs line by line", lineByLine, readerAll)

		// Chunks agree up to the first error.
		var viaChunks []lineTriple
		var cerr error
		for c, err := range Chunks(bytes.NewReader(data), 16) {
			require.NoError(t, err)
			if cerr = c.Parse(func(line int, tr Triple) error {
				viaChunks = append(viaChunks, lineTriple{line, tr})
				return nil
			}); cerr != nil {
				break
			}
		}
		sameItems(t, "Chunks", got, viaChunks)
		require.Equal(t, errString(err), errString(cerr))

		// What parsed writes out and reads back the same.
		var out []byte
		for _, lt := range got {
			out, err = AppendTriple(out, lt.Triple)
			require.NoError(t, err, "parsed triple on line %d refused by the writer", lt.Line)
		}
		var again []Triple
		require.NoError(t, ParseLines(out, 1, func(_ int, tr Triple) error { again = append(again, tr); return nil }))
		want := make([]Triple, len(got))
		for i, lt := range got {
			want[i] = lt.Triple
		}
		if len(want) == 0 {
			want = nil
		}
		sameItems(t, "round trip", want, again)
	})
}

// checkSyntaxError requires err, if any, to be a *SyntaxError positioned
// inside the input (or just past the end of a line).
func checkSyntaxError(t *testing.T, err error, lines [][]byte) {
	t.Helper()
	if err == nil {
		return
	}
	var se *SyntaxError
	require.True(t, errors.As(err, &se), "error %v is not a *SyntaxError", err)
	assert.ErrorIs(t, err, ErrSyntax)
	require.GreaterOrEqual(t, se.Line, 1)
	require.LessOrEqual(t, se.Line, max(len(lines), 1), "error %v past the last line", err)
	require.GreaterOrEqual(t, se.Column, 1)
	if len(lines) > 0 {
		require.LessOrEqual(t, se.Column, len(lines[se.Line-1])+1, "error %v past the end of its line %q", err, lines[se.Line-1])
	}
	require.NotEmpty(t, se.Msg)
}

// splitLines cuts data after each line end: "\n", "\r" or "\r\n".
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			lines = append(lines, data)
			break
		}
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		lines = append(lines, data[:i+1])
		data = data[i+1:]
	}
	return lines
}

func describe(line int, t Triple, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	return fmt.Sprintf("%d %s", line, t)
}

func eofToNil(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// sameItems fails the test at the first difference of want and got; it
// stays fast on large inputs, unlike a full diff.
func sameItems[T any](t *testing.T, what string, want, got []T) {
	t.Helper()
	for i := range max(len(want), len(got)) {
		switch {
		case i >= len(want):
			t.Fatalf("%s: extra item %d: %+v", what, i, got[i])
		case i >= len(got):
			t.Fatalf("%s: missing item %d: %+v", what, i, want[i])
		case !reflect.DeepEqual(want[i], got[i]):
			t.Fatalf("%s: item %d:\nwant %+v\ngot  %+v", what, i, want[i], got[i])
		}
	}
}
