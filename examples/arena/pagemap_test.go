package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/pagemap"
)

// TestStatusPageMap: /status points to the page map, which draws every page of the store
// and the last tick's pages, read and dirtied, as HTML and as JSON.
func TestStatusPageMap(t *testing.T) {
	app := startArena(t, filepath.Join(t.TempDir(), "arena.sgdb"), latestVersion)
	defer func() { require.NoError(t, app.Close()) }()
	for i := range 5 {
		body, _ := json.Marshal(testPlayer(i))
		require.Equal(t, http.StatusCreated, call(t, app, "POST", "/players", string(body), nil))
	}
	waitTicks(t, app, 2)
	var st statusJSON
	require.Equal(t, http.StatusOK, call(t, app, "GET", "/status", "", &st))
	require.Equal(t, "/status/map", st.PageMap)

	var d pagemap.Doc
	require.Equal(t, http.StatusOK, call(t, app, "GET", st.PageMap+"?format=json", "", &d))
	assert.Equal(t, d.PageCount-d.FreePages+trunkPages(d), d.PagesRead, "every page in use read once")
	require.Len(t, d.Touched, 1)
	tick := d.Touched[0]
	assert.Regexp(t, `^tick \d+$`, tick.Name)
	assert.Positive(t, tick.PagesRead)
	assert.Positive(t, tick.PagesDirtied, "a tick moves players")

	resp, err := http.Get(app.URL() + st.PageMap)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	page, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	dec := xml.NewDecoder(bytes.NewReader(page))
	var cells, dirtied uint64
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "the page is well-formed XML")
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" {
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "data-pages":
					n, _ := strconv.ParseUint(a.Value, 10, 64)
					cells += n
				case "data-dirtied":
					n, _ := strconv.ParseUint(a.Value, 10, 64)
					dirtied += n
				}
			}
		}
	}
	// The page says how many pages the memory has (a tick may have grown it since the JSON).
	m := regexp.MustCompile(`Wasm pages? in (\d+) pages of 4 KiB`).FindSubmatch(page)
	require.NotNil(t, m)
	assert.Equal(t, string(m[1]), strconv.FormatUint(cells, 10), "every page drawn once")
	assert.Positive(t, dirtied, "the tick's dirtied pages are on the map")
	assert.Equal(t, http.StatusBadRequest, call(t, app, "GET", st.PageMap+"?format=xml", "", nil))
}

// trunkPages counts the free-list trunks: the free pages that the map reads.
func trunkPages(d pagemap.Doc) uint64 {
	var n uint64
	for _, r := range d.Runs {
		if r.Kind == "free-trunk" {
			n += r.Count
		}
	}
	return n
}
