package interchange

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/testutil/rdftest"
)

// counter is a Progress that keeps the totals.
type counter struct {
	mu          sync.Mutex
	bytes, rows int64
}

func (c *counter) Add(bytes, rows int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bytes += bytes
	c.rows += rows
}

func TestSkipLines(t *testing.T) {
	data := []byte("a\nb\r\nc\rd")
	assert.Equal(t, 0, skipLines(data, 0))
	assert.Equal(t, 2, skipLines(data, 1))
	assert.Equal(t, 5, skipLines(data, 2))
	assert.Equal(t, 7, skipLines(data, 3))
	assert.Equal(t, 8, skipLines(data, 4))
}

func TestParseNTriplesInParallel(t *testing.T) {
	body := rdftest.Things(20000) // 140000 lines, several 1 MiB chunks
	lines := strings.SplitAfter(body, "\n")
	require.Greater(t, len(body), 4<<20)
	// Two bad lines, far apart: the first in file order is the one reported.
	lines[30000] = "<http://ex.org/a> <http://ex.org/p> first-bad .\n"
	lines[120000] = "<http://ex.org/a> <http://ex.org/p> second-bad .\n"
	doc := strings.Join(lines, "")

	_, err := ParseNTriples(t.Context(), strings.NewReader(doc), "d.nt", Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "d.nt:30001:37:")

	p := &counter{}
	d, err := ParseNTriples(t.Context(), strings.NewReader(doc), "d.nt", Options{SkipBad: true, Progress: p})
	require.NoError(t, err)
	require.Len(t, d.skipped, 2)
	assert.Equal(t, d.skipped, d.Skipped())
	assert.Contains(t, d.skipped[0].Error(), "d.nt:30001:")
	assert.Contains(t, d.skipped[1].Error(), "d.nt:120001:")
	assert.Len(t, d.triples, 140000-2)
	assert.Equal(t, int64(140000), d.Read(), "the skipped lines count as read")
	for i := 1; i < len(d.triples); i++ {
		require.Less(t, d.triples[i-1].line, d.triples[i].line, "triples are folded in file order")
	}
	assert.Equal(t, int64(len(doc)), p.bytes)
	assert.Equal(t, int64(140000-2), p.rows)
}

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		ref   string
		iri   string
		isIRI bool
	}{
		{"<http://x.org/a>", "http://x.org/a", true},
		{"http://x.org/a", "http://x.org/a", true},
		{"urn:isbn:123", "urn:isbn:123", true},
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/1", "", false},
		{"player/1", "", false},
		{"#1", "", false},
	} {
		iri, isIRI, err := ParseRef(tc.ref)
		require.NoError(t, err, tc.ref)
		assert.Equal(t, tc.iri, iri, tc.ref)
		assert.Equal(t, tc.isIRI, isIRI, tc.ref)
	}
	_, _, err := ParseRef("<http://x.org/a")
	assert.ErrorContains(t, err, `entity reference "<http://x.org/a"`)
}
