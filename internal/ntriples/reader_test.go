package ntriples

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReaderGoesOnAfterSyntaxError checks that a syntax error rejects only
// its line, so that every error of a document can be listed.
func TestReaderGoesOnAfterSyntaxError(t *testing.T) {
	doc := "<http://example/s> <http://example/p> <http://example/o> .\n" +
		"<http://example/s> <p> \"unterminated\n" +
		"_:a <http://example/p> _:b .\r\n" +
		"<s> <http://example/p> <http://example/o> . # two errors, one reported\n" +
		"<http://example/s> <http://example/p> \"last\""
	r := NewReader(strings.NewReader(doc))

	tr, err := r.Read()
	require.NoError(t, err)
	assert.Equal(t, triple(exS, exP, exO), tr)
	assert.Equal(t, 1, r.Line())

	_, err = r.Read()
	assert.EqualError(t, err, "2:20: relative IRI <p> not allowed: expected an absolute IRI (scheme:...)")

	tr, err = r.Read()
	require.NoError(t, err)
	assert.Equal(t, triple(NewBlankNode("a"), exP, NewBlankNode("b")), tr)
	assert.Equal(t, 3, r.Line())

	_, err = r.Read()
	assert.EqualError(t, err, "4:1: relative IRI <s> not allowed: expected an absolute IRI (scheme:...)")

	_, err = r.Read()
	assert.EqualError(t, err, "5:45: expected '.' after the object, found end of input")

	for range 2 {
		_, err = r.Read()
		assert.Same(t, io.EOF, err)
	}
}

// TestReaderAllStops checks that All stops at the first error and when the
// loop breaks.
func TestReaderAllStops(t *testing.T) {
	doc := strings.Repeat("<http://example/s> <http://example/p> <http://example/o> .\n", 3) + "bad\n" +
		"<http://example/s> <http://example/p> <http://example/o> .\n"
	n := 0
	var errs []error
	for _, err := range NewReader(strings.NewReader(doc)).All() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	assert.Equal(t, 3, n)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrSyntax)

	n = 0
	for range NewReader(strings.NewReader(doc)).All() {
		n++
		break
	}
	assert.Equal(t, 1, n)
}

// TestReaderLongLines checks lines far longer than the Reader's buffer.
func TestReaderLongLines(t *testing.T) {
	long := strings.Repeat("\u00e9x\\n", 100_000)
	doc := "<http://example/s> <http://example/p> \"" + long + "\" .\r" +
		"<http://example/" + strings.Repeat("i", 300_000) + "> <http://example/p> \"short\" .\r"
	var got []lineTriple
	r := NewReader(iotest.HalfReader(strings.NewReader(doc)))
	for tr, err := range r.All() {
		require.NoError(t, err)
		got = append(got, lineTriple{r.Line(), tr})
	}
	require.Len(t, got, 2)
	assert.Equal(t, strings.ReplaceAll(long, `\n`, "\n"), got[0].Triple.Object.Value)
	assert.Equal(t, 1, got[0].Line)
	assert.Equal(t, "http://example/"+strings.Repeat("i", 300_000), got[1].Triple.Subject.Value)
	assert.Equal(t, 2, got[1].Line)
}

// TestReaderReadError checks that a read error comes after the whole lines
// before it, that a cut-off line is not parsed, and that the error sticks.
func TestReaderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	doc := "<http://example/s> <http://example/p> \"a\" .\n" +
		"<http://example/s> <http://example/p> \"b\"@en-US .\r" +
		"<http://example/s> <http://example/p> \"c\"@en-U" // cut off in the middle of "en-US"
	r := NewReader(io.MultiReader(strings.NewReader(doc), iotest.ErrReader(boom)))
	var got []string
	for {
		tr, err := r.Read()
		if err != nil {
			assert.Same(t, boom, err)
			break
		}
		got = append(got, tr.Object.Value)
	}
	assert.Equal(t, []string{"a", "b"}, got)
	_, err := r.Read()
	assert.Same(t, boom, err)
}

// TestReaderCRLFAcrossReads checks that a "\r\n" split between two reads
// counts as one line end.
func TestReaderCRLFAcrossReads(t *testing.T) {
	line := "<http://example/s> <http://example/p> <http://example/o> .\r\n"
	doc := strings.Repeat(line, 5000) + "<http://example/s> <p> <http://example/o> .\r\n"
	for _, rd := range []io.Reader{
		iotest.OneByteReader(strings.NewReader(doc)),
		iotest.HalfReader(strings.NewReader(doc)),
		iotest.DataErrReader(strings.NewReader(doc)),
		strings.NewReader(doc),
	} {
		r := NewReader(rd)
		n := 0
		var err error
		for {
			if _, err = r.Read(); err != nil {
				break
			}
			n++
			require.Equal(t, n, r.Line())
		}
		assert.Equal(t, 5000, n)
		assert.EqualError(t, err, "5001:20: relative IRI <p> not allowed: expected an absolute IRI (scheme:...)")
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

// TestReaderNoProgress checks that a reader returning nothing forever is an
// error rather than a hang.
func TestReaderNoProgress(t *testing.T) {
	_, err := NewReader(emptyReader{}).Read()
	assert.ErrorIs(t, err, io.ErrNoProgress)
}

func BenchmarkReader(b *testing.B) {
	doc := genDocument(100_000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		r := NewReader(bytes.NewReader(doc))
		for _, err := range r.All() {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100_000 {
			b.Fatal(n)
		}
	}
}
