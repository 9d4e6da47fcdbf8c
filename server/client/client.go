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
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
)

// Client calls one server. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	hc    *http.Client
}

// New returns a client of the server at baseURL (http://host:port), sending token as its
// bearer token (none if empty). hc nil means a client of its own.
func New(baseURL, token string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want http://HOST:PORT", baseURL)
	}
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return &Client{base: u, token: token, hc: hc}, nil
}

// URL returns the server's base URL.
func (c *Client) URL() string { return c.base.String() }

// do sends one request and returns the response of a success; an error response becomes
// the error it describes (server.Problem.Err).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (*http.Response, error) {
	u := *c.base
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
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", c.base, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		return nil, problem(resp)
	}
	return resp, nil
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
		return fmt.Errorf("server %s: reading the answer: %w", c.base, err)
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
	resp, err := c.do(ctx, "POST", "/v1/import", q, r, "application/octet-stream")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var res server.ImportResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("server %s: reading the answer: %w", c.base, err)
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
			return 0, nil, fmt.Errorf("server %s: the export's %s header: %w", c.base, server.HeaderLosses, err)
		}
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return 0, nil, fmt.Errorf("server %s: reading the export: %w", c.base, err)
	}
	if pb := resp.Trailer.Get(server.TrailerError); pb != "" {
		var p server.Problem
		if err := json.Unmarshal([]byte(pb), &p); err != nil {
			return 0, nil, fmt.Errorf("server %s: the export failed: %s", c.base, pb)
		}
		return 0, nil, p.Err()
	}
	n, err := strconv.ParseInt(resp.Trailer.Get(server.TrailerCount), 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("server %s: the export ended without its count: it was cut short", c.base)
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
