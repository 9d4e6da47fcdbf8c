package turtle

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/ntriples"
)

// FuzzParse checks on any input that the parser does not panic; that every
// error is a *SyntaxError at a place inside the input; that reading a byte
// at a time gives what reading whole does; and that what parses is valid
// N-Triples which, read back as Turtle, is the same graph.
//
//	go test ./internal/turtle -fuzz FuzzParse
func FuzzParse(f *testing.F) {
	for _, tc := range positive {
		f.Add([]byte(tc.ttl))
	}
	for _, tc := range negative {
		f.Add([]byte(tc.ttl))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []ntriples.Triple
		var lines []int
		err := Parse(bytes.NewReader(data), Options{Base: base}, func(line int, tr ntriples.Triple) error {
			got = append(got, tr)
			lines = append(lines, line)
			return nil
		})
		nLines := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n"))
		for _, l := range lines {
			require.True(t, 1 <= l && l <= nLines, "line %d outside 1..%d", l, nLines)
		}

		var bytewise []ntriples.Triple
		err2 := Parse(iotest.OneByteReader(bytes.NewReader(data)), Options{Base: base}, func(_ int, tr ntriples.Triple) error {
			bytewise = append(bytewise, tr)
			return nil
		})
		require.Equal(t, errString(err), errString(err2), "byte-at-a-time reading changes the outcome")
		require.Equal(t, got, bytewise)

		if err != nil {
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "error %v is not a *SyntaxError", err)
			require.True(t, 1 <= se.Line && se.Line <= nLines, "error line %d outside 1..%d: %v", se.Line, nLines, err)
			require.GreaterOrEqual(t, se.Column, 1)
			return
		}

		var nt []byte
		for _, tr := range got {
			nt, err = ntriples.AppendTriple(nt, tr)
			require.NoError(t, err, "the parser yields a triple N-Triples cannot write")
		}
		var again []ntriples.Triple
		err = Parse(bytes.NewReader(nt), Options{}, func(_ int, tr ntriples.Triple) error {
			again = append(again, tr)
			return nil
		})
		require.NoError(t, err, "N-Triples written from the triples does not parse as Turtle:\n%s", nt)
		require.True(t, ntriples.Isomorphic(got, again), "not the same graph after a round trip through N-Triples:\n%s", nt)
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
