// Package server makes a store a service: one process owns the store file and answers
// everyone else over HTTP+JSON.
//
// A Service is the store's operations (query, get, set, link, unlink, delete, import,
// export, stats, verify, schema), each one message: Views run in parallel, Updates one at
// a time through the store's one writer, each under a page budget and the request's
// context, so that a client that goes away or runs out of time stops its message. A
// Server serves a Service behind a bearer token, with a size limit and a deadline per
// request, errors as RFC 9457 problem details that carry the sentinel errors of the
// packages below (so that errors.Is works on the client's side, see Problem.Err), and
// Prometheus metrics at /metrics. Package client calls a Server from Go; 'graphctl serve'
// runs one, and graphctl --server is its client.
//
// The same Service answers in process, which is how graphctl gives the same output for
// --db FILE and --server URL.
package server
