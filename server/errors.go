package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/internal/ntriples"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// Errors of the service itself; the packages it serves have their own, and they cross
// the wire too (see Problem).
var (
	// ErrInvalid reports a request that does not say what to do: a missing or malformed
	// field, an argument of the wrong shape. The command line treats it as a usage error.
	ErrInvalid = errors.New("invalid request")
	// ErrTooLarge reports a request body over the server's size limit.
	ErrTooLarge = errors.New("request too large")
	// ErrUnauthorized reports a request without the server's token.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrDamaged reports a store that fails its integrity check (Service.Verify).
	ErrDamaged = errors.New("store is damaged")
)

// invalidError is a request that does not say what to do; it matches ErrInvalid, and
// says only what is wrong, as the command line does of its usage errors.
type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// invalidf returns an error matching ErrInvalid with a formatted message.
func invalidf(format string, args ...any) error {
	return &invalidError{fmt.Sprintf(format, args...)}
}

// sentinel is one error value that keeps its identity across the wire: errors.Is holds
// for it on the client's side when it held on the server's.
type sentinel struct {
	code   string
	err    error
	status int
}

// sentinels are the errors the service can return, most specific first: the first that
// an error matches gives the response's status.
var sentinels = []sentinel{
	{"unauthorized", ErrUnauthorized, http.StatusUnauthorized},
	{"too-large", ErrTooLarge, http.StatusRequestEntityTooLarge},
	{"invalid-request", ErrInvalid, http.StatusBadRequest},
	{"damaged", ErrDamaged, http.StatusInternalServerError},
	{"query-syntax", query.ErrSyntax, http.StatusBadRequest},
	{"query-invalid", query.ErrInvalidQuery, http.StatusBadRequest},
	{"query-unknown-name", query.ErrUnknownName, http.StatusBadRequest},
	{"query-type", query.ErrType, http.StatusBadRequest},
	{"query-bad-ref", query.ErrBadRef, http.StatusBadRequest},
	{"query-over-budget", query.ErrOverBudget, http.StatusUnprocessableEntity},
	{"page-budget-exceeded", store.ErrPageBudgetExceeded, http.StatusUnprocessableEntity},
	{"ntriples-syntax", ntriples.ErrSyntax, http.StatusBadRequest},
	{"ntriples-invalid-term", ntriples.ErrInvalidTerm, http.StatusBadRequest},
	{"bad-input", interchange.ErrBadInput, http.StatusBadRequest},
	{"not-found", interchange.ErrNotFound, http.StatusNotFound},
	{"no-entity", entity.ErrNoEntity, http.StatusNotFound},
	{"no-kind", entity.ErrNoKind, http.StatusNotFound},
	{"no-column", column.ErrNoColumn, http.StatusNotFound},
	{"no-verb", verb.ErrNoVerb, http.StatusNotFound},
	{"no-variable", store.ErrNoVar, http.StatusNotFound},
	{"wrong-kind", entity.ErrWrongKind, http.StatusBadRequest},
	{"scope", entity.ErrScope, http.StatusBadRequest},
	{"iri", entity.ErrIRI, http.StatusBadRequest},
	{"iri-taken", entity.ErrIRITaken, http.StatusConflict},
	{"schema", entity.ErrSchema, http.StatusBadRequest},
	{"column-type", column.ErrType, http.StatusBadRequest},
	{"value-too-long", column.ErrTooLong, http.StatusBadRequest},
	{"value-range", column.ErrRange, http.StatusBadRequest},
	{"not-indexed", column.ErrNotIndexed, http.StatusBadRequest},
	{"multiplicity", column.ErrMulti, http.StatusBadRequest},
	{"cardinality", verb.ErrCardinality, http.StatusConflict},
	{"incompatible-schema", store.ErrIncompatibleSchema, http.StatusConflict},
	{"read-only-variable", store.ErrReadOnly, http.StatusConflict},
	{"retired", store.ErrRetired, http.StatusConflict},
	{"transition", store.ErrTransition, http.StatusConflict},
	{"store-read-only", store.ErrStoreReadOnly, http.StatusConflict},
	{"corrupt", store.ErrCorrupt, http.StatusInternalServerError},
	{"not-store", store.ErrNotStore, http.StatusInternalServerError},
	{"failed", store.ErrFailed, http.StatusInternalServerError},
	{"in-doubt", store.ErrInDoubt, http.StatusInternalServerError},
	{"closed", store.ErrClosed, http.StatusServiceUnavailable},
	{"not-leader", ErrNotLeader, http.StatusMisdirectedRequest},
	{"deadline", context.DeadlineExceeded, http.StatusGatewayTimeout},
	{"canceled", context.Canceled, 499}, // nginx's "client closed request": nobody reads it
}

// Problem is the body of every error response, in the shape of RFC 9457 problem details,
// with the sentinel errors the error matched and, for an error in a query, its position.
type Problem struct {
	Type   string `json:"type"`   // "urn:stablegraph:error:<code>" of the first sentinel matched
	Title  string `json:"title"`  // the HTTP status text
	Status int    `json:"status"` // the HTTP status
	Detail string `json:"detail"` // the error's message, as the command line prints it
	// Errors lists the codes of every sentinel the error matched, so that errors.Is holds
	// for each on the client's side.
	Errors []string `json:"errors,omitempty"`
	// Line and Col place an error in a query; Msg is the error's text without them.
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
	Msg  string `json:"msg,omitempty"`
}

// problemOf describes err for the wire.
func problemOf(err error) *Problem {
	p := &Problem{Status: http.StatusInternalServerError, Detail: err.Error()}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			if p.Errors == nil {
				p.Status, p.Type = s.status, "urn:stablegraph:error:"+s.code
			}
			p.Errors = append(p.Errors, s.code)
		}
	}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == 499 {
		p.Title = "Client Closed Request"
	}
	var qe *query.Error
	if errors.As(err, &qe) && qe.Pos.IsValid() {
		p.Line, p.Col, p.Msg = qe.Pos.Line, qe.Pos.Col, qe.Msg
	}
	return p
}

// Err returns the error p describes: its message is p.Detail, errors.Is holds for each
// sentinel p lists, and errors.As finds a *query.Error carrying p's position.
func (p *Problem) Err() error {
	e := &RemoteError{Problem: *p}
	for _, code := range p.Errors {
		for _, s := range sentinels {
			if s.code == code {
				e.wrapped = append(e.wrapped, s.err)
			}
		}
	}
	if p.Line > 0 {
		var first error
		if len(e.wrapped) > 0 {
			first = e.wrapped[0]
		}
		e.wrapped = append(e.wrapped, &query.Error{Pos: query.Pos{Line: p.Line, Col: p.Col}, Msg: p.Msg, Err: first})
	}
	return e
}

// RemoteError is an error a server returned.
type RemoteError struct {
	Problem
	wrapped []error
}

func (e *RemoteError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("server: %d %s", e.Status, e.Title)
	}
	return e.Detail
}

// Unwrap returns the sentinels the error matched on the server.
func (e *RemoteError) Unwrap() []error { return e.wrapped }
