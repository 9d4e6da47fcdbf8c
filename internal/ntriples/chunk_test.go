package ntriples

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

func TestLastLineEnd(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 0},
		{"\n", 1},
		{"a\nb", 2},
		{"a\nb\n", 4},
		{"a\r\n", 3},
		{"a\r", 0}, // a "\n" may follow
		{"a\rb", 2},
		{"a\r\r", 2},
		{"a\nb\r", 2},
		{"a\rb\r", 2},
		{"a\r\nb\rc", 5},
		{"a\n\r", 2},
		{"\r\r\n", 3},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, lastLineEnd([]byte(tc.in)), "%q", tc.in)
	}
}

func TestCountLineEnds(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 0},
		{"\n\n", 2},
		{"\r\n\r\n", 2},
		{"\r\r", 2},
		{"\n\r", 2},
		{"a\r\nb\rc\nd", 3},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, countLineEnds([]byte(tc.in)), "%q", tc.in)
	}
}

// TestChunks checks, for every chunk size, that chunks cover the document
// in order, end at line ends, never split "\r\n", and know their first line.
func TestChunks(t *testing.T) {
	doc := "<http://example/s> <http://example/p> \"a\" .\n" +
		"\r\n" +
		"# comment\r" +
		"_:b <http://example/p> \"\u00e9\U0001F600\" .\r\n" +
		"\n\r" +
		"<http://example/s> <http://example/p> <http://example/o> ." // no final line end
	for size := 1; size <= len(doc)+1; size++ {
		var joined bytes.Buffer
		line := 1
		for c, err := range Chunks(iotest.OneByteReader(strings.NewReader(doc)), size) {
			require.NoError(t, err)
			require.NotEmpty(t, c.Data, "size %d", size)
			assert.Equal(t, line, c.Line, "size %d", size)
			if joined.Len()+len(c.Data) < len(doc) {
				last := c.Data[len(c.Data)-1]
				assert.True(t, last == '\n' || last == '\r', "size %d: chunk %q ends inside a line", size, c.Data)
				assert.False(t, last == '\r' && doc[joined.Len()+len(c.Data)] == '\n', "size %d: \\r\\n split", size)
			}
			joined.Write(c.Data)
			line += countLineEnds(c.Data)
		}
		assert.Equal(t, doc, joined.String(), "size %d", size)
	}
}

func TestChunksEmpty(t *testing.T) {
	for range Chunks(strings.NewReader(""), 0) {
		t.Fatal("a chunk for an empty document")
	}
}

func TestChunksSizes(t *testing.T) {
	doc := genDocument(20_000)
	n := 0
	for c, err := range Chunks(bytes.NewReader(doc), 64<<10) {
		require.NoError(t, err)
		assert.LessOrEqual(t, len(c.Data), 64<<10)
		assert.Greater(t, len(c.Data), 60<<10-1, "full chunks but the last")
		n++
		if n == 10 {
			break // early exit from the loop
		}
	}
	assert.Equal(t, 10, n)
}

// TestChunksReadError checks that a read error is yielded and ends the
// sequence.
func TestChunksReadError(t *testing.T) {
	boom := errors.New("boom")
	var errs []error
	for _, err := range Chunks(io.MultiReader(strings.NewReader("<http://a> <http://b> <http://c> .\n"), iotest.ErrReader(boom)), 1) {
		errs = append(errs, err)
	}
	assert.Equal(t, []error{nil, boom}, errs)

	for _, err := range Chunks(emptyReader{}, 1) {
		assert.ErrorIs(t, err, io.ErrNoProgress)
	}
}

// TestChunksParallel parses a generated document in parallel chunks and
// requires the same triples, in the same order with the same lines, as a
// sequential parse.
func TestChunksParallel(t *testing.T) {
	doc := genDocument(50_000)
	var want []lineTriple
	require.NoError(t, ParseLines(doc, 1, func(line int, tr Triple) error {
		want = append(want, lineTriple{line, tr})
		return nil
	}))
	var got []lineTriple
	err := parseParallel(bytes.NewReader(doc), 32<<10, func(batch []lineTriple) error {
		got = append(got, batch...)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// parseParallel parses r as graphctl import does: chunks parsed
// concurrently, and their batches of triples applied in file order by one
// goroutine.
func parseParallel(r io.Reader, size int, apply func([]lineTriple) error) error {
	g, ctx := errgroup.WithContext(context.Background())
	batches := make(chan chan []lineTriple, 8)
	g.Go(func() error {
		defer close(batches)
		for c, err := range Chunks(r, size) {
			if err != nil {
				return err
			}
			batch := make(chan []lineTriple, 1)
			select {
			case batches <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			g.Go(func() error {
				ts := make([]lineTriple, 0, len(c.Data)/64)
				if err := c.Parse(func(line int, t Triple) error {
					ts = append(ts, lineTriple{line, t})
					return nil
				}); err != nil {
					return err
				}
				batch <- ts
				return nil
			})
		}
		return nil
	})
	g.Go(func() error {
		for batch := range batches {
			select {
			case ts := <-batch:
				if err := apply(ts); err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	return g.Wait()
}

func BenchmarkParseParallel(b *testing.B) {
	doc := genDocument(100_000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := parseParallel(bytes.NewReader(doc), 1<<20, func(batch []lineTriple) error {
			n += len(batch)
			return nil
		})
		if err != nil || n != 100_000 {
			b.Fatal(n, err)
		}
	}
}
