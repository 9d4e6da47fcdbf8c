// Package client calls a stablegraph server (package server) from Go: the same operations
// as server.Service, with the same results and the same errors (errors.Is holds for the
// sentinels of the packages the server wires together, and a query's error carries its
// position as a *query.Error).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
)

// Client calls one server, or the servers of one replicated shard. It is safe for
// concurrent use.
type Client struct {
	token string
	hc    *http.Client
	// stale, if set, asks a follower for its own copy (server.HeaderRead) and is told
	// what that copy has applied.
	stale func(applied, lag uint64)

	mu   sync.Mutex
	urls []*url.URL // the servers; urls[cur] is the one called first
	cur  int
}

// RetryFor is how long a client of a replicated shard keeps looking for its leader
// (through an election) before it returns server.ErrNotLeader.
const RetryFor = 10 * time.Second

// New returns a client of the server at baseURL (http://host:port), sending token as its
// bearer token (none if empty). hc nil means a client of its own.
func New(baseURL, token string, hc *http.Client) (*Client, error) {
	return NewGroup([]string{baseURL}, token, hc)
}

// NewGroup returns a client of the replicas of one shard, at urls: it calls the leader
// it last heard of, follows a follower's redirect to the leader (a 421 answer naming
// it), and tries the next replica when one cannot be reached or none knows the leader
// (during an election), for up to RetryFor. A request is sent again only if it did not
// reach a server, or was refused unread; an import's body must then be an io.Seeker.
func NewGroup(urls []string, token string, hc *http.Client) (*Client, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("no server URL")
	}
	c := &Client{token: token, hc: hc}
	for _, s := range urls {
		u, err := parseURL(s)
		if err != nil {
			return nil, err
		}
		c.urls = append(c.urls, u)
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return c, nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want http://HOST:PORT", s)
	}
	return u, nil
}

// Stale returns a client that reads (Query, Get, Export) from the server it calls first
// even if it is a follower, whose copy may lag the leader's; seen, if set, is told
// after each such read the log index that copy had applied and how far it knew itself
// behind. Writes still go to the leader.
func (c *Client) Stale(seen func(applied, lag uint64)) *Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seen == nil {
		seen = func(uint64, uint64) {}
	}
	return &Client{token: c.token, hc: c.hc, stale: seen, urls: append([]*url.URL(nil), c.urls...), cur: c.cur}
}

// URL returns the base URL of the server the client calls first.
func (c *Client) URL() string { return c.base().String() }

func (c *Client) base() *url.URL {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.urls[c.cur]
}

// moveTo makes the server at leader (a URL) the one called first, adding it if new; an
// empty leader moves to the next server after from.
func (c *Client) moveTo(leader string, from *url.URL) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if leader == "" {
		if c.urls[c.cur] == from {
			c.cur = (c.cur + 1) % len(c.urls)
		}
		return
	}
	for i, u := range c.urls {
		if u.String() == strings.TrimSuffix(leader, "/") {
			c.cur = i
			return
		}
	}
	if u, err := parseURL(leader); err == nil {
		c.urls = append(c.urls, u)
		c.cur = len(c.urls) - 1
	}
}

// do sends one request and returns the response of a success; an error response becomes
// the error it describes (server.Problem.Err).
//
// A client of several servers sends the request again, to the leader or the next server,
// when it could not reach a server or was told to go to the leader, as long as it can
// send the body again (none, or an io.Seeker) and RetryFor has not passed.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (*http.Response, error) {
	rewind := func() bool { return body == nil }
	if sk, ok := body.(io.Seeker); ok {
		if at, err := sk.Seek(0, io.SeekCurrent); err == nil {
			rewind = func() bool { _, err := sk.Seek(at, io.SeekStart); return err == nil }
		}
	}
	if body != nil {
		body = io.NopCloser(body) // the transport closes a body: a file is the caller's
	}
	deadline := time.Now().Add(RetryFor)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		base := c.base()
		resp, err := c.send(ctx, base, method, path, query, body, contentType)
		again := time.Now().Before(deadline) && ctx.Err() == nil
		switch {
		case err != nil && again && len(c.urls) > 1 && unsent(err) && rewind():
			c.moveTo("", base)
		case err != nil:
			return nil, fmt.Errorf("server %s: %w", base, err)
		case resp.StatusCode == http.StatusMisdirectedRequest:
			leader := resp.Header.Get(server.HeaderLeader)
			if !again || !rewind() {
				defer resp.Body.Close()
				return nil, problem(resp)
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			c.moveTo(leader, base)
			if leader != "" {
				continue
			}
		case resp.StatusCode >= 400:
			defer resp.Body.Close()
			return nil, problem(resp)
		default:
			if c.stale != nil && resp.Header.Get(server.HeaderApplied) != "" {
				applied, _ := strconv.ParseUint(resp.Header.Get(server.HeaderApplied), 10, 64)
				lag, _ := strconv.ParseUint(resp.Header.Get(server.HeaderLag), 10, 64)
				c.stale(applied, lag)
			}
			return resp, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// send sends one request to the server at base.
func (c *Client) send(ctx context.Context, base *url.URL, method, path string, query url.Values, body io.Reader, contentType string) (*http.Response, error) {
	u := *base
	u.Path += path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.stale != nil {
		req.Header.Set(server.HeaderRead, "stale")
	}
	return c.hc.Do(req)
}

// unsent reports whether err means the request never reached a server: its connection
// was refused, so sending it again cannot apply it twice.
func unsent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// problem reads the error of a failed response.
func problem(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var p server.Problem
	if err := json.Unmarshal(b, &p); err != nil || p.Status == 0 {
		return fmt.Errorf("server: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return p.Err()
}

// call sends in (nil for none) as JSON and decodes the answer into out.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	ct := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	resp, err := c.do(ctx, method, path, query, body, ct)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("server %s: reading the answer: %w", c.URL(), err)
	}
	return nil
}

// Query runs one query.
func (c *Client) Query(ctx context.Context, req server.QueryRequest) (*server.QueryResult, error) {
	var res server.QueryResult
	if err := c.call(ctx, "POST", "/v1/query", nil, req, &res); err != nil {
		return nil, err
	}
	for _, row := range res.Rows {
		for i, v := range row {
			row[i] = number(v)
		}
	}
	for i, v := range res.OrderKeys {
		res.OrderKeys[i] = orderKey(v)
	}
	return &res, nil
}

// orderKey decodes an ORDER BY key of server.QueryResult.OrderKeys: a number as number
// does, an infinite float from its {"float": "+Inf"} form.
func orderKey(v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		switch m["float"] {
		case "+Inf":
			return math.Inf(1)
		case "-Inf":
			return math.Inf(-1)
		}
	}
	return number(v)
}

// Get describes one entity.
func (c *Client) Get(ctx context.Context, ref string) (*interchange.EntityDoc, error) {
	var d interchange.EntityDoc
	if err := c.call(ctx, "GET", "/v1/entity", url.Values{"ref": {ref}}, nil, &d); err != nil {
		return nil, err
	}
	for k, v := range d.Set {
		d.Set[k] = number(v)
	}
	// The wire leaves out what is empty; the service's answer has it empty.
	if d.Set == nil {
		d.Set = map[string]any{}
	}
	if d.Link == nil {
		d.Link = map[string][]string{}
	}
	if d.LinkedFrom == nil {
		d.LinkedFrom = map[string][]string{}
	}
	return &d, nil
}

// Set writes column values of one entity.
func (c *Client) Set(ctx context.Context, req server.SetRequest) (*server.SetResult, error) {
	var res server.SetResult
	return &res, c.call(ctx, "POST", "/v1/set", nil, req, &res)
}

// Link adds an edge.
func (c *Client) Link(ctx context.Context, e server.Edge) error {
	return c.call(ctx, "POST", "/v1/link", nil, e, &struct{}{})
}

// Unlink removes an edge.
func (c *Client) Unlink(ctx context.Context, e server.Edge) error {
	return c.call(ctx, "POST", "/v1/unlink", nil, e, &struct{}{})
}

// Delete removes one entity.
func (c *Client) Delete(ctx context.Context, ref string) (*server.DeleteResult, error) {
	var res server.DeleteResult
	err := c.call(ctx, "POST", "/v1/delete", nil, map[string]string{"ref": ref}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// Import sends the input r, streamed, and returns what the server did with it: all of it,
// or (on an error) none.
func (c *Client) Import(ctx context.Context, req server.ImportRequest, r io.Reader) (*server.ImportResult, error) {
	q := url.Values{"format": {req.Format}}
	if req.Kind != "" {
		q.Set("kind", req.Kind)
	}
	if req.Name != "" {
		q.Set("name", req.Name)
	}
	if req.Base != "" {
		q.Set("base", req.Base)
	}
	if req.SkipBad {
		q.Set("skip_bad", "true")
	}
	if _, ok := r.(io.Seeker); !ok {
		// The body can be sent once only: send it to the leader of a replicated shard
		// from the start.
		if st, err := c.Replica(ctx); err == nil && st.State != "Leader" && st.LeaderURL != "" {
			c.moveTo(st.LeaderURL, nil)
		}
	}
	resp, err := c.do(ctx, "POST", "/v1/import", q, r, "application/octet-stream")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var res server.ImportResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("server %s: reading the answer: %w", c.URL(), err)
	}
	return &res, nil
}

// Export writes the server's export to w and returns how many triples, records or rows
// it holds, and what the format cannot carry of them (as Service.Export gives it). An
// error midway is the server's error, after part of the output.
func (c *Client) Export(ctx context.Context, req server.ExportRequest, w io.Writer) (int64, []string, error) {
	q := url.Values{"format": {req.Format}}
	if req.Kind != "" {
		q.Set("kind", req.Kind)
	}
	resp, err := c.do(ctx, "GET", "/v1/export", q, nil, "")
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var losses []string
	if h := resp.Header.Get(server.HeaderLosses); h != "" {
		if err := json.Unmarshal([]byte(h), &losses); err != nil {
			return 0, nil, fmt.Errorf("server %s: the export's %s header: %w", c.URL(), server.HeaderLosses, err)
		}
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return 0, nil, fmt.Errorf("server %s: reading the export: %w", c.URL(), err)
	}
	if pb := resp.Trailer.Get(server.TrailerError); pb != "" {
		var p server.Problem
		if err := json.Unmarshal([]byte(pb), &p); err != nil {
			return 0, nil, fmt.Errorf("server %s: the export failed: %s", c.URL(), pb)
		}
		return 0, nil, p.Err()
	}
	n, err := strconv.ParseInt(resp.Trailer.Get(server.TrailerCount), 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("server %s: the export ended without its count: it was cut short", c.URL())
	}
	return n, losses, nil
}

// Stats returns the shape of every variable and the store's totals.
func (c *Client) Stats(ctx context.Context) (*server.StoreStats, error) {
	var res server.StoreStats
	return &res, c.call(ctx, "GET", "/v1/stats", nil, nil, &res)
}

// Verify checks the whole store.
func (c *Client) Verify(ctx context.Context) (*server.VerifyResult, error) {
	var res server.VerifyResult
	return &res, c.call(ctx, "GET", "/v1/verify", nil, nil, &res)
}

// Schema returns the store's data model.
func (c *Client) Schema(ctx context.Context) (*server.Schema, error) {
	var res server.Schema
	if err := c.call(ctx, "GET", "/v1/schema", nil, nil, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Info describes the served store.
func (c *Client) Info(ctx context.Context) (*server.Info, error) {
	var res server.Info
	return &res, c.call(ctx, "GET", "/v1/info", nil, nil, &res)
}

// number turns the JSON numbers of a decoded value into Go numbers as the server had
// them: an integer into int64 (uint64 past its range), anything else into float64.
func number(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return u
		}
		f, err := v.Float64()
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return string(v)
		}
		return f
	case []any:
		for i, x := range v {
			v[i] = number(x)
		}
	case map[string]any:
		for k, x := range v {
			v[k] = number(x)
		}
	}
	return v
}

// Half runs one message on the server's halves of edges across stores (a cluster's).
func (c *Client) Half(ctx context.Context, req server.HalfRequest) (*server.HalfResult, error) {
	var res server.HalfResult
	if err := c.call(ctx, "POST", "/v1/half", nil, req, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// HalfState lists the server's halves of edges across stores and its intent records.
func (c *Client) HalfState(ctx context.Context) (*server.HalfState, error) {
	var res server.HalfState
	if err := c.call(ctx, "GET", "/v1/half", nil, nil, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Replica says what a replica of a replicated shard knows of itself and its group; a
// server that is no replica answers 404 (an error matching nothing but its status).
func (c *Client) Replica(ctx context.Context) (*server.ReplicaStatus, error) {
	var res server.ReplicaStatus
	if err := c.call(ctx, "GET", "/v1/replica", nil, nil, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// ClusterConfig decodes into out the config of the cluster a node belongs to (GET
// /v1/cluster; see cluster.ConfigOf); a server that is no cluster node answers 404.
func (c *Client) ClusterConfig(ctx context.Context, out any) error {
	return c.call(ctx, "GET", "/v1/cluster", nil, nil, out)
}
