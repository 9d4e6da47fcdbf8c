package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/stablegraph/stablegraph/column" // the deleters entity.Tx.Delete needs
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/store"
	_ "github.com/stablegraph/stablegraph/verb"
)

const token = "s3cret"

// world is the JSON Lines of a small world: 5 guilds, 200 players in them.
func world() string {
	var b strings.Builder
	for g := 1; g <= 5; g++ {
		fmt.Fprintf(&b, `{"iri":"http://ex.org/guild/%d","kind":"guild","set":{"name":"guild %d"}}`+"\n", g, g)
	}
	for p := 1; p <= 200; p++ {
		fmt.Fprintf(&b, `{"iri":"http://ex.org/player/%d","kind":"player","set":{"name":"p%d","health":%d},"link":{"member_of":["<http://ex.org/guild/%d>"]}}`+"\n", p, p, p%100, p%5+1)
	}
	return b.String()
}

// fixture is a store with the world, its service, and a server of it on loopback.
type fixture struct {
	st  *store.Store
	svc *server.Service
	srv *httptest.Server
	c   *client.Client
}

func newFixture(t testing.TB, cfg server.Config) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.sg")
	st, err := store.Open(path, nil)
	require.NoError(t, err)
	db, err := entity.Open(st, nil, nil)
	require.NoError(t, err)
	f := &fixture{st: st, svc: server.NewService(st, db, "w.sg")}
	_, err = f.svc.Import(context.Background(), server.ImportRequest{Format: "jsonl", Name: "world.jsonl"}, strings.NewReader(world()), nil)
	require.NoError(t, err)
	f.srv = httptest.NewServer(server.New(f.svc, cfg)) // 127.0.0.1, port chosen by the system
	t.Cleanup(func() {
		f.srv.Close()
		require.NoError(t, st.Close())
	})
	f.c, err = client.New(f.srv.URL, cfg.Token, nil)
	require.NoError(t, err)
	return f
}

// snapshot is the store's content as an export shows it.
func (f *fixture) snapshot(t testing.TB) string {
	t.Helper()
	var b bytes.Buffer
	_, err := f.svc.Export(context.Background(), server.ExportRequest{Format: "jsonl"}, &b, nil)
	require.NoError(t, err)
	return b.String()
}

// post sends a raw request and returns its status and decoded problem, if any.
func post(t *testing.T, f *fixture, method, path, tok, ctype string, body io.Reader) (int, server.Problem, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var p server.Problem
	if resp.StatusCode >= 400 {
		assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
		assert.Equal(t, resp.StatusCode, p.Status)
	}
	return resp.StatusCode, p, resp.Header
}

func TestBadInputIsAClear4xxAndChangesNothing(t *testing.T) {
	f := newFixture(t, server.Config{Token: token, MaxRequestBytes: 1 << 10})
	before := f.snapshot(t)
	for _, tc := range []struct {
		name, method, path, tok, body string
		status                        int
		code, detail                  string
	}{
		{"malformed JSON", "POST", "/v1/set", token, `{"ref": "<http://ex.org/player/1>", "set": [`, 400, "invalid-request", "malformed JSON"},
		{"unknown field", "POST", "/v1/set", token, `{"ref": "player/1", "sett": []}`, 400, "invalid-request", `unknown field "sett"`},
		{"two values", "POST", "/v1/delete", token, `{"ref": "player/1"} {"ref": "player/2"}`, 400, "invalid-request", "more than one JSON value"},
		{"empty body", "POST", "/v1/query", token, ``, 400, "invalid-request", "the body is empty"},
		{"oversized body", "POST", "/v1/query", token, `{"query": "` + strings.Repeat("x", 2<<10) + `"}`, 413, "too-large", "over 1024 bytes"},
		{"query typo", "POST", "/v1/query", token, `{"query": "FIND player WHERE helth < 3"}`, 400, "query-unknown-name", `1:19: unknown column "helth" on kind player; did you mean "health"?`},
		{"query syntax", "POST", "/v1/query", token, `{"query": "FIND player WHERE"}`, 400, "query-syntax", "1:18:"},
		{"bad value", "POST", "/v1/set", token, `{"ref": "<http://ex.org/player/1>", "set": [{"column": "health", "value": "lots"}]}`, 400, "bad-input", "health=lots"},
		{"no entity", "GET", "/v1/entity?ref=player/9999", token, ``, 404, "not-found", "player/9999"},
		{"bad import line", "POST", "/v1/import?format=jsonl&name=in.jsonl", token, "{\"kind\":\"guild\",\"set\":{\"name\":\"g6\"}}\n{\"kind\": guild}\n", 400, "bad-input", "in.jsonl:2:"},
		{"bad N-Triples", "POST", "/v1/import?format=ntriples&name=in.nt", token, "<http://a> <http://b> <http://c> .\n<http://a> <http://b> \"x .\n", 400, "ntriples-syntax", "in.nt:2:"},
		{"unknown format", "POST", "/v1/import?format=xml", token, "<a/>", 400, "invalid-request", `unknown format "xml"`},
		{"missing token", "POST", "/v1/delete", "", `{"ref": "player/1"}`, 401, "unauthorized", "unauthorized"},
		{"wrong token", "POST", "/v1/delete", "guess", `{"ref": "player/1"}`, 401, "unauthorized", "unauthorized"},
		{"wrong token on metrics", "GET", "/metrics", "guess", ``, 401, "unauthorized", "unauthorized"},
		{"no such endpoint", "GET", "/v1/frob", token, ``, 404, "", "no such endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, p, hdr := post(t, f, tc.method, tc.path, tc.tok, "application/json", strings.NewReader(tc.body))
			assert.Equal(t, tc.status, status)
			if tc.code != "" {
				assert.Equal(t, "urn:stablegraph:error:"+tc.code, p.Type)
			}
			assert.Contains(t, p.Detail, tc.detail)
			if status == 401 {
				assert.Equal(t, "unauthorized", p.Detail, "a wrong token is told nothing else")
				assert.NotEmpty(t, hdr.Get("WWW-Authenticate"))
			}
			assert.Equal(t, before, f.snapshot(t), "the store changed")
		})
	}
}

// TestErrorsCrossTheWire: the client's errors are the service's, message and sentinels
// alike, and a query's carries its position.
func TestErrorsCrossTheWire(t *testing.T) {
	f := newFixture(t, server.Config{Token: token})
	ctx := context.Background()
	for _, q := range []string{"FIND player WHERE helth < 3", "FIND plyer", "FIND player WHERE", "FIND player WHERE health < 50 BUDGET 1"} {
		_, want := f.svc.Query(ctx, server.QueryRequest{Query: q})
		require.Error(t, want, q)
		_, got := f.c.Query(ctx, server.QueryRequest{Query: q})
		require.Error(t, got, q)
		assert.Equal(t, want.Error(), got.Error(), q)
		for _, s := range []error{query.ErrSyntax, query.ErrUnknownName, query.ErrOverBudget, store.ErrPageBudgetExceeded} {
			assert.Equal(t, errorsIs(want, s), errorsIs(got, s), "%q: errors.Is %v", q, s)
		}
		var wq, gq *query.Error
		if errorsAs(want, &wq) && wq.Pos.IsValid() {
			require.True(t, errorsAs(got, &gq), q)
			assert.Equal(t, wq.Pos.Line, gq.Pos.Line)
			assert.Equal(t, wq.Pos.Col, gq.Pos.Col)
			assert.Equal(t, wq.Msg, gq.Msg)
		}
	}
	_, err := f.c.Get(ctx, "player/9999")
	assert.ErrorIs(t, err, interchange.ErrNotFound)
	err = f.c.Unlink(ctx, server.Edge{Subject: "player/6", Verb: "member_of", Object: "guild/3"})
	assert.ErrorIs(t, err, interchange.ErrNotFound)
	assert.EqualError(t, err, "player/6 member_of guild/3: no such edge: not found")
}

// TestClientAnswersAsTheService: the same requests give the same answers in process and
// over the wire.
func TestClientAnswersAsTheService(t *testing.T) {
	f := newFixture(t, server.Config{})
	ctx := context.Background()
	for _, q := range []string{
		"FIND player WHERE health < 5 SELECT name, health ORDER BY health",
		"FIND player WHERE member_of -> (FIND guild WHERE name = \"guild 2\") COUNT",
		"EXPLAIN FIND player WHERE health BETWEEN 3 AND 9",
	} {
		want, err := f.svc.Query(ctx, server.QueryRequest{Query: q})
		require.NoError(t, err)
		got, err := f.c.Query(ctx, server.QueryRequest{Query: q})
		require.NoError(t, err)
		assert.Equal(t, want, got, q)
	}
	wantDoc, err := f.svc.Get(ctx, "player/7")
	require.NoError(t, err)
	gotDoc, err := f.c.Get(ctx, "player/7")
	require.NoError(t, err)
	assert.Equal(t, wantDoc, gotDoc)
	wantStats, err := f.svc.Stats(ctx)
	require.NoError(t, err)
	gotStats, err := f.c.Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, wantStats, gotStats)
	v, err := f.c.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, v.DataModel)
	assert.Equal(t, uint64(205), v.Entities)

	var b bytes.Buffer
	n, losses, err := f.c.Export(ctx, server.ExportRequest{Format: "csv", Kind: "player"}, &b)
	require.NoError(t, err)
	var local bytes.Buffer
	var localLosses []string
	ln, err := f.svc.Export(ctx, server.ExportRequest{Format: "csv", Kind: "player"}, &local, func(l []string) { localLosses = l })
	require.NoError(t, err)
	assert.Equal(t, ln, n)
	assert.Equal(t, local.String(), b.String())
	assert.NotEmpty(t, losses, "a CSV export loses the edges")
	assert.Equal(t, localLosses, losses, "what a format loses travels with the export")
	b.Reset()
	n, _, err = f.c.Export(ctx, server.ExportRequest{Format: "jsonl"}, &b)
	require.NoError(t, err)
	assert.Equal(t, int64(205), n)
	assert.Equal(t, f.snapshot(t), b.String())

	// Writes, then the state both see.
	res, err := f.c.Set(ctx, server.SetRequest{Ref: "new", Kind: "player", Set: []server.Assign{{Column: "name", Value: "zed"}, {Column: "health", Value: "42"}}})
	require.NoError(t, err)
	require.NoError(t, f.c.Link(ctx, server.Edge{Subject: res.Created, Verb: "member_of", Object: "guild/1"}))
	got, err := f.c.Query(ctx, server.QueryRequest{Query: `FIND player WHERE name = "zed" AND member_of -> guild/1 SELECT health`})
	require.NoError(t, err)
	require.Len(t, got.Rows, 1)
	assert.Equal(t, int64(42), got.Rows[0][1])
	del, err := f.c.Delete(ctx, res.Created)
	require.NoError(t, err)
	assert.Equal(t, res.Created, del.Deleted)
	imp, err := f.c.Import(ctx, server.ImportRequest{Format: "csv", Kind: "guild", Name: "g.csv"}, strings.NewReader("iri,name\nhttp://ex.org/guild/9,nine\n"))
	require.NoError(t, err)
	assert.Equal(t, int64(1), imp.Read)
	assert.Equal(t, int64(1), imp.Summary.Entities)
}

// TestDisconnectMidImport: a client that goes away halfway through its import's body
// leaves the store as it was.
func TestDisconnectMidImport(t *testing.T) {
	f := newFixture(t, server.Config{Token: token})
	before := f.snapshot(t)
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := f.c.Import(ctx, server.ImportRequest{Format: "jsonl", Name: "half.jsonl"}, pr)
		done <- err
	}()
	for i := range 1000 {
		_, err := fmt.Fprintf(pw, `{"iri":"http://ex.org/new/%d","kind":"guild","set":{"name":"n%d"}}`+"\n", i, i)
		require.NoError(t, err)
	}
	cancel()
	// The transport waits for the body's writer, which waits for the next Read.
	pw.CloseWithError(errors.New("client gone"))
	require.Error(t, <-done)
	// The server sees the body end short, fails the import and counts a 4xx.
	require.Eventually(t, func() bool {
		return strings.Contains(metrics(t, f), `stablegraph_requests_total{code="400",op="import"} 1`)
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, before, f.snapshot(t))
}

func metrics(t *testing.T, f *fixture) string {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// TestMetrics: requests, pages and budget refusals are counted.
func TestMetrics(t *testing.T) {
	f := newFixture(t, server.Config{Token: token})
	ctx := context.Background()
	res, err := f.c.Query(ctx, server.QueryRequest{Query: "FIND player COUNT"})
	require.NoError(t, err)
	_, err = f.c.Query(ctx, server.QueryRequest{Query: "FIND player WHERE health < 50", Budget: 1})
	require.ErrorIs(t, err, store.ErrPageBudgetExceeded)
	m := metrics(t, f)
	assert.Contains(t, m, `stablegraph_requests_total{code="200",op="query"} 1`)
	assert.Contains(t, m, `stablegraph_requests_total{code="422",op="query"} 1`)
	assert.Contains(t, m, `stablegraph_budget_refusals_total{op="query"} 1`)
	assert.Contains(t, m, fmt.Sprintf(`stablegraph_pages_read_total{op="query"} %d`, res.Stats.PagesRead))
	assert.Contains(t, m, `stablegraph_request_duration_seconds_bucket{op="query",le="+Inf"} 2`)
}

// TestParallelReadersAndOneWriter: queries run while writes go through the one writer;
// every answer is consistent (a count the writes have reached) and every write lands.
func TestParallelReadersAndOneWriter(t *testing.T) {
	f := newFixture(t, server.Config{})
	ctx := context.Background()
	const writers, writes, readers = 3, 20, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers*writes+readers*writes)
	for w := range writers {
		wg.Go(func() {
			for i := range writes {
				_, err := f.c.Set(ctx, server.SetRequest{Ref: "new", Kind: "guild", Set: []server.Assign{{Column: "name", Value: fmt.Sprintf("w%d-%d", w, i)}}})
				errs <- err
			}
		})
	}
	for range readers {
		wg.Go(func() {
			last := uint64(0)
			for range writes {
				res, err := f.c.Query(ctx, server.QueryRequest{Query: "FIND guild COUNT"})
				if err == nil && (res.Count < last || res.Count < 5 || res.Count > 5+writers*writes) {
					err = fmt.Errorf("count %d after %d", res.Count, last)
				}
				if res != nil {
					last = res.Count
				}
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	res, err := f.c.Query(ctx, server.QueryRequest{Query: "FIND guild COUNT"})
	require.NoError(t, err)
	assert.Equal(t, uint64(5+writers*writes), res.Count)
}

func TestCheckAccess(t *testing.T) {
	assert.NoError(t, server.CheckAccess("127.0.0.1:7070", "", true))
	assert.NoError(t, server.CheckAccess("[::1]:7070", "", true))
	assert.ErrorIs(t, server.CheckAccess("127.0.0.1:7070", "", false), server.ErrInvalid)
	assert.ErrorIs(t, server.CheckAccess("0.0.0.0:7070", "", true), server.ErrInvalid)
	assert.ErrorIs(t, server.CheckAccess(":7070", "", true), server.ErrInvalid)
	assert.NoError(t, server.CheckAccess("0.0.0.0:7070", "tok", false))
	assert.ErrorIs(t, server.CheckAccess("0.0.0.0:7070", "tok", true), server.ErrInvalid)
}

// TestQueriesDuringAnImport: while an import's one message is being written, queries
// answer at once from the last committed state: never a part of the import.
func TestQueriesDuringAnImport(t *testing.T) {
	f := newFixture(t, server.Config{})
	ctx := context.Background()
	const n = 20000
	var body strings.Builder
	for i := range n {
		fmt.Fprintf(&body, `{"iri":"http://ex.org/bulk/%d","kind":"bulk","set":{"n":%d}}`+"\n", i, i)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.c.Import(ctx, server.ImportRequest{Format: "jsonl", Name: "bulk.jsonl"}, strings.NewReader(body.String()))
		done <- err
	}()
	answered := 0
	for {
		select {
		case err := <-done:
			require.NoError(t, err)
			res, err := f.c.Query(ctx, server.QueryRequest{Query: "FIND bulk COUNT"})
			require.NoError(t, err)
			assert.Equal(t, uint64(n), res.Count)
			t.Logf("%d queries answered while the import ran", answered)
			return
		default:
		}
		res, err := f.c.Query(ctx, server.QueryRequest{Query: "FIND player COUNT"})
		require.NoError(t, err)
		assert.Equal(t, uint64(200), res.Count)
		res, err = f.c.Query(ctx, server.QueryRequest{Query: "FIND bulk COUNT"})
		if err != nil {
			require.ErrorIs(t, err, query.ErrUnknownName, "before the import commits, kind bulk does not exist")
		} else {
			assert.Equal(t, uint64(n), res.Count, "all of the import or none")
		}
		answered++
	}
}

// TestDeadlineAndCancel: a request past its deadline is stopped with 504, and a message
// whose client has gone stops with the context's error.
func TestDeadlineAndCancel(t *testing.T) {
	f := newFixture(t, server.Config{Timeout: time.Nanosecond})
	_, err := f.c.Query(context.Background(), server.QueryRequest{Query: "FIND player WHERE health < 50"})
	var re *server.RemoteError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, 504, re.Status)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = f.svc.Query(ctx, server.QueryRequest{Query: "FIND player WHERE health < 50"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.svc.Set(ctx, server.SetRequest{Ref: "<http://ex.org/player/1>", Set: []server.Assign{{Column: "health", Value: "99"}}})
	assert.ErrorIs(t, err, context.Canceled)
	doc, err := f.svc.Get(context.Background(), "<http://ex.org/player/1>")
	require.NoError(t, err)
	assert.EqualValues(t, 1, doc.Set["health"], "unchanged: player 1's health is 1 %% 100")
}
