package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/pagemap"
)

// mapPage is what TestMap reads back from a map's HTML page.
type mapPage struct {
	cells   []map[string]string   // the memory's cells, in document order
	touches []map[string][]string // per footprint section: its cells' data-read and data-dirtied
	h2      []string
}

// readMapPage parses the page as XML, failing on anything not well-formed, on any element
// that would fetch something, and on links that leave the page.
func readMapPage(t *testing.T, page []byte) mapPage {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(page))
	var mp mapPage
	var stack []string
	section := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "the map is not well-formed XML")
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				attrs[a.Name.Local] = a.Value
				assert.NotEqual(t, "src", a.Name.Local, "nothing to fetch")
				if a.Name.Local == "href" {
					assert.True(t, strings.HasPrefix(a.Value, "#"), "links stay on the page: %s", a.Value)
				}
			}
			assert.NotContains(t, []string{"script", "link", "img", "iframe", "object"}, tok.Name.Local)
			if tok.Name.Local == "section" {
				section = attrs["id"]
				if strings.HasPrefix(section, "touch-") {
					mp.touches = append(mp.touches, map[string][]string{})
				}
			}
			if tok.Name.Local != "g" {
				continue
			}
			switch cls := attrs["class"]; {
			case cls == "cell":
				require.Equal(t, "memory", section, "cells are drawn once, in the memory's section")
				mp.cells = append(mp.cells, attrs)
			case strings.HasPrefix(cls, "touch "):
				tc := mp.touches[len(mp.touches)-1]
				tc["read"] = append(tc["read"], attrs["data-read"])
				tc["dirtied"] = append(tc["dirtied"], attrs["data-dirtied"])
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "h2" {
				mp.h2 = append(mp.h2, strings.TrimSpace(string(tok)))
			}
		}
	}
	assert.Empty(t, stack)
	return mp
}

func sum(t *testing.T, counts []string) uint64 {
	var n uint64
	for _, c := range counts {
		x, err := strconv.ParseUint(c, 10, 64)
		require.NoError(t, err)
		n += x
	}
	return n
}

// TestMap draws the demo world with a query on it and checks the page against the JSON of
// the same run and against 'graphctl query': every page of the store is drawn exactly
// once, with the owner the map gives it, and the query's cells hold exactly the pages it
// read.
func TestMap(t *testing.T) {
	dir := demoStore(t)
	const q = `FIND player WHERE name = "ann" SELECT name, health, position`
	var d pagemap.Doc
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "map", "--db", "world.sg", "--html", "map.html", "--query", q, "-o", "json")), &d))
	mp := readMapPage(t, []byte(readFile(t, dir, "map.html")))

	// The JSON's runs and the page's cells: the same pages, the same owners.
	require.Equal(t, d.Pages, uint64(len(mp.cells)), "a small store: one cell per page")
	assert.Equal(t, uint64(432), d.Pages)
	assert.Equal(t, uint64(428), d.PagesRead, "the map reads every page in use once")
	owners := map[string]int{}
	for _, r := range d.Runs {
		o := d.Owners[r.Owner]
		for id := r.First; id < r.First+r.Count; id++ {
			c := mp.cells[id]
			assert.Equal(t, strconv.FormatUint(id, 10), c["data-first"])
			assert.Equal(t, "1", c["data-pages"])
			assert.Equal(t, o.Name, c["data-owner"], "page %d", id)
			assert.Equal(t, strconv.Itoa(o.Tree), c["data-tree"], "page %d", id)
			assert.Equal(t, r.Kind, c["data-kind"], "page %d", id)
			owners[o.Name]++
		}
	}
	assert.Equal(t, 1, owners["superblock"])
	assert.Equal(t, 4, owners["unallocated"])
	assert.Equal(t, 119, owners["name"], "as stats says")

	// The query's pages, three ways: the page's cells, the JSON, and graphctl query.
	var res struct {
		Stats pageStats `json:"stats"`
	}
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "query", "--db", "world.sg", "-o", "json", q)), &res))
	require.Len(t, mp.touches, 1)
	require.Len(t, d.Touched, 1)
	assert.Equal(t, res.Stats.PagesRead, sum(t, mp.touches[0]["read"]))
	assert.Equal(t, res.Stats.PagesWritten, sum(t, mp.touches[0]["dirtied"]))
	assert.Equal(t, res.Stats.PagesRead, d.Touched[0].PagesRead)
	assert.Equal(t, uint64(10), d.Touched[0].PagesRead)
	assert.Contains(t, mp.h2, "Pages touched: query")

	// The table, by default.
	out := ok(t, dir, "map", "--db", "world.sg")
	assert.Regexp(t, `^owner +role +tree +pages +leaf +branch +overflow +entries +height +leaf fill\n`, out)
	assert.Regexp(t, `\nname +column +index +78 +77 +1 +0 +8008 +2 +\d+\.\d%\n`, out)
	assert.Contains(t, out, "432 pages (27 Wasm pages): 428 allocated, 0 free; 4 never allocated.")
	assert.Contains(t, out, "The map read 428 pages.")
}

// TestMapWorkload draws the pages of every query of a report workload, each equal to what
// the report measures.
func TestMapWorkload(t *testing.T) {
	dir := demoWithWorkload(t)
	var rep reportResults
	require.NoError(t, json.Unmarshal([]byte(ok(t, dir, "report", "--db", "world.sg", "-o", "json", "demo.yaml")), &rep))
	out := ok(t, dir, "map", "--db", "world.sg", "--workload", "demo.yaml", "--html", "w.html")
	mp := readMapPage(t, []byte(readFile(t, dir, "w.html")))
	require.Len(t, mp.touches, len(rep.Entries))
	for i, e := range rep.Entries {
		assert.Equal(t, "Pages touched: "+e.Name, mp.h2[1+i])
		assert.Equal(t, e.PagesRead, sum(t, mp.touches[i]["read"]), e.Name)
		assert.Equal(t, e.PagesDirtied, sum(t, mp.touches[i]["dirtied"]), e.Name)
		assert.Contains(t, out, e.Name+": ")
	}
}

func TestMapErrors(t *testing.T) {
	dir := demoStore(t)
	assert.Contains(t, fails(t, dir, exitUsage, "map", "--db", "world.sg", "-o", "csv"), "not csv")
	assert.Contains(t, fails(t, dir, exitUsage, "map", "--db", "world.sg", "--query", "EXPLAIN FIND player"), "EXPLAIN runs nothing")
	assert.Contains(t, fails(t, dir, exitUser, "map", "--db", "world.sg", "--query", "FIND playr"), "playr")
	assert.Contains(t, fails(t, dir, exitUser, "map", "--db", "world.sg", "--query", "FIND player WHERE"), "1:18")
	assert.NoFileExists(t, filepath.Join(dir, "out.html"))
}
