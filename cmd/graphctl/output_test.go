package main

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, writeTable(&b, []string{"name", "n", "note"}, [][]any{
		{"ann", int64(7), "tab\there"},
		{"bo", int64(-12), nil},
		{"carl", nil, strings.Repeat("x", 200)},
	}))
	assert.Equal(t, "name    n  note\n"+
		"----  ---  "+strings.Repeat("-", maxCellWidth)+"\n"+
		"ann     7  tab\\there\n"+
		"bo    -12  \n"+
		"carl       "+strings.Repeat("x", maxCellWidth-1)+"…\n", b.String())
}

func TestResultSetFormats(t *testing.T) {
	rs := &resultSet{
		Columns: []string{"entity", "x", "tags"},
		Rows:    [][]any{{"ic://s/k/1", math.Inf(1), []any{"a", "b"}}, {"ic://s/k/2", 0.1, nil}},
		Count:   2,
		Stats:   pageStats{PagesRead: 3, EstimatedPages: 4},
	}
	var b bytes.Buffer
	require.NoError(t, rs.write(&b, formatJSON))
	assert.Equal(t, `{"columns":["entity","x","tags"],"rows":[["ic://s/k/1","+Inf",["a","b"]],["ic://s/k/2",0.1,null]],"count":2,"stats":{"pages_read":3,"pages_written":0,"estimated_pages":4,"by_variable":{}}}`+"\n", b.String())
	b.Reset()
	require.NoError(t, rs.write(&b, formatCSV))
	assert.Equal(t, "entity,x,tags\nic://s/k/1,+Inf,\"[\"\"a\"\",\"\"b\"\"]\"\nic://s/k/2,0.1,\n", b.String())
	b.Reset()
	require.NoError(t, rs.write(&b, formatTable))
	assert.True(t, strings.HasSuffix(b.String(), "(2 rows; 3 pages read, 4 estimated)\n"), b.String())
}

func TestCountFooterCountsOneRow(t *testing.T) {
	rs := &resultSet{Count: 193, Stats: pageStats{PagesRead: 11, EstimatedPages: 11}}
	var b bytes.Buffer
	require.NoError(t, rs.write(&b, formatTable))
	assert.Equal(t, "count\n-----\n  193\n(1 row; 11 pages read, 11 estimated)\n", b.String())
}

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, 1000, true, "reading")
	p.Add(500, 10)
	p.Add(500, 10)
	p.finish()
	bytes, rows, _ := p.totals()
	assert.Equal(t, int64(1000), bytes)
	assert.Equal(t, int64(20), rows)
	assert.Contains(t, b.String(), "rows/s")

	b.Reset()
	p = newProgress(&b, -1, false, "reading")
	p.Add(10, 1)
	p.finish()
	assert.Empty(t, b.String(), "no terminal, no bar")
}
