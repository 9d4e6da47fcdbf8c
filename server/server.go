package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stablegraph/stablegraph/store"
)

// Defaults of Config.
const (
	DefaultMaxRequestBytes = 1 << 20  // a JSON request
	DefaultMaxImportBytes  = 16 << 30 // an import's body
	DefaultTimeout         = 60 * time.Second
	DefaultImportTimeout   = 30 * time.Minute
)

// Config configures a Server. The zero value serves without a token, with the defaults.
type Config struct {
	// Token is the bearer token every request must carry; empty serves without one (the
	// caller decides when that is safe: see CheckAccess).
	Token string
	// MaxRequestBytes limits a JSON request's body; 0 means DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// MaxImportBytes limits an import's body; 0 means DefaultMaxImportBytes.
	MaxImportBytes int64
	// Timeout is each request's deadline, import's excepted; 0 means DefaultTimeout.
	Timeout time.Duration
	// ImportTimeout is an import's deadline; 0 means DefaultImportTimeout.
	ImportTimeout time.Duration
	// Logger receives a line per failed request; nil means slog.Default().
	Logger *slog.Logger
	// Gate, if set, is asked before each request (its token checked) whether this server
	// answers it, op naming the operation as the metrics do ("query", "set", ...): a
	// replica of a replicated shard refuses writes unless it leads its group. An error
	// becomes the answer; Gate may set headers on w first.
	Gate func(w http.ResponseWriter, r *http.Request, op string) error
}

// Server serves a Service over HTTP+JSON. Every request is one message (a View, or an
// Update through the store's one writer) with the service's page budget, the request's
// size limit and deadline; a client that goes away stops its message. Errors are JSON
// Problems. Paths:
//
//	POST /v1/query    QueryRequest → QueryResult
//	GET  /v1/entity   ?ref=REF → interchange.EntityDoc
//	POST /v1/set      SetRequest → SetResult
//	POST /v1/link     Edge → {}
//	POST /v1/unlink   Edge → {}
//	POST /v1/delete   {"ref": REF} → DeleteResult
//	POST /v1/import   ?format=&kind=&name=&base=&skip_bad=, the input (gzip or not) as the
//	                  body → ImportResult
//	GET  /v1/export   ?format=&kind= → the output, streamed; trailers Stablegraph-Count
//	                  and, if it failed midway, Stablegraph-Error (a Problem)
//	GET  /v1/stats    → StoreStats
//	GET  /v1/verify   → VerifyResult
//	GET  /v1/schema   → Schema
//	GET  /v1/info     → Info
//	POST /v1/half     HalfRequest → HalfResult (a cluster's edges across stores)
//	GET  /v1/half     → HalfState
//	GET  /metrics     Prometheus text format
type Server struct {
	svc     *Service
	cfg     Config
	mux     *http.ServeMux
	metrics *metrics
	log     *slog.Logger
}

// Info describes the served store.
type Info struct {
	Name string `json:"name"` // the store's name: its path on the server
	// Scope is the store's scope (the canister ID in its entity URIs); empty for a store
	// without one. A cluster checks it against its config.
	Scope string `json:"scope,omitempty"`
}

// New returns a Server of svc. It sets svc's budgets to store.QueryBudget and
// store.UpdateBudget where they are zero.
func New(svc *Service, cfg Config) *Server {
	if cfg.MaxRequestBytes == 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.MaxImportBytes == 0 {
		cfg.MaxImportBytes = DefaultMaxImportBytes
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ImportTimeout == 0 {
		cfg.ImportTimeout = DefaultImportTimeout
	}
	if svc.QueryBudget == (store.Budget{}) {
		svc.QueryBudget = store.QueryBudget
	}
	if svc.UpdateBudget == (store.Budget{}) {
		svc.UpdateBudget = store.UpdateBudget
	}
	s := &Server{svc: svc, cfg: cfg, mux: http.NewServeMux(), metrics: newMetrics(), log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.handle("POST /v1/query", "query", s.query)
	s.handle("GET /v1/entity", "get", s.get)
	s.handle("POST /v1/set", "set", s.set)
	s.handle("POST /v1/link", "link", s.link)
	s.handle("POST /v1/unlink", "unlink", s.unlink)
	s.handle("POST /v1/delete", "delete", s.delete)
	s.handle("POST /v1/import", "import", s.importData)
	s.handle("GET /v1/export", "export", s.export)
	s.handle("GET /v1/stats", "stats", s.stats)
	s.handle("POST /v1/half", "half", func(w http.ResponseWriter, r *http.Request) (any, error) {
		var req HalfRequest
		if err := s.decode(w, r, &req); err != nil {
			return nil, err
		}
		return s.svc.Half(r.Context(), req)
	})
	s.handle("GET /v1/half", "half_state", func(w http.ResponseWriter, r *http.Request) (any, error) {
		return s.svc.HalfState(r.Context())
	})
	s.handle("GET /v1/verify", "verify", s.verify)
	s.handle("GET /v1/schema", "schema", func(w http.ResponseWriter, r *http.Request) (any, error) {
		return s.svc.Schema(r.Context())
	})
	s.handle("GET /v1/info", "info", func(w http.ResponseWriter, r *http.Request) (any, error) {
		info := Info{Name: svc.name}
		if svc.db != nil && !svc.db.Scope().IsZero() {
			info.Scope = svc.db.Scope().String()
		}
		return info, nil
	})
	metricsHandler := s.metrics.handler()
	s.mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if s.authorized(w, r) {
			metricsHandler.ServeHTTP(w, r)
		}
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.authorized(w, r) {
			writeProblem(w, &Problem{Type: "about:blank", Status: http.StatusNotFound, Title: http.StatusText(http.StatusNotFound),
				Detail: fmt.Sprintf("no such endpoint: %s %s", r.Method, r.URL.Path)})
		}
	})
	return s
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Handle serves pattern with h as the server serves its own paths: behind the token, the
// gate, the deadline and the metrics (under op), with errors as Problems. h returns the
// value to answer as JSON, or (nil, nil) if it wrote its answer itself.
func (s *Server) Handle(pattern, op string, h func(w http.ResponseWriter, r *http.Request) (any, error)) {
	s.handle(pattern, op, h)
}

// handlerFunc answers a request with a value to encode as JSON, or an error; a handler
// that writes its own answer returns (nil, nil).
type handlerFunc func(w http.ResponseWriter, r *http.Request) (any, error)

// handle serves pattern with h behind the token, the deadline, the metrics and the
// error responses.
func (s *Server) handle(pattern, op string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(w, r) {
			s.metrics.observe(op, http.StatusUnauthorized, &pageCounts{}, ErrUnauthorized, 0)
			return
		}
		start := time.Now()
		if s.cfg.Gate != nil {
			if err := s.cfg.Gate(w, r, op); err != nil {
				p := problemOf(err)
				writeProblem(w, p)
				s.metrics.observe(op, p.Status, &pageCounts{}, err, time.Since(start))
				return
			}
		}
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		timeout := s.cfg.Timeout
		if op == "import" {
			timeout = s.cfg.ImportTimeout
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		pages := &pageCounts{}
		ctx = withCounts(ctx, pages)
		sw := &statusWriter{ResponseWriter: w}
		v, err := h(sw, r.WithContext(ctx))
		status := http.StatusOK
		switch {
		case err != nil && sw.status == 0:
			p := problemOf(err)
			status = p.Status
			writeProblem(sw, p)
			if status >= 500 && status != 499 {
				s.log.Error("request failed", "op", op, "status", status, "err", err)
			}
		case err != nil:
			status = sw.status // failed midway; a trailer says so
		case v != nil:
			writeJSON(sw, http.StatusOK, v)
		default:
			status = cmpOr(sw.status, http.StatusOK)
		}
		s.metrics.observe(op, status, pages, err, time.Since(start))
	})
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// authorized checks the bearer token, answering 401 and nothing else when it is wrong.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="stablegraph"`)
	writeProblem(w, problemOf(ErrUnauthorized))
	return false
}

// writeJSON answers with v, or with a problem if v cannot be encoded.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeProblem(w, problemOf(fmt.Errorf("encoding the answer: %w", err)))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}

// decode reads a JSON request of at most the size limit into v: one object, no unknown
// fields, nothing after it.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if dec.More() {
		return invalidf("the body holds more than one JSON value")
	}
	return nil
}

// bodyError says what is wrong with a request's body.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return fmt.Errorf("%w: the body is over %d bytes", ErrTooLarge, mbe.Limit)
	case errors.As(err, &se):
		return invalidf("malformed JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		return invalidf("field %q: %v", te.Field, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("malformed JSON: the body ends inside a value")
	case errors.Is(err, io.EOF):
		return invalidf("the body is empty")
	}
	return invalidf("%v", err)
}

// bodyReader turns the errors of reading an import's body into the request's errors: a
// body over the limit, a client that went away.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = bodyError(err)
	}
	return n, err
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) (any, error) {
	var req QueryRequest
	if err := s.decode(w, r, &req); err != nil {
		return nil, err
	}
	return s.svc.Query(r.Context(), req)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) (any, error) {
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		return nil, invalidf("give ?ref=REF")
	}
	return s.svc.Get(r.Context(), ref)
}

func (s *Server) set(w http.ResponseWriter, r *http.Request) (any, error) {
	var req SetRequest
	if err := s.decode(w, r, &req); err != nil {
		return nil, err
	}
	return s.svc.Set(r.Context(), req)
}

func (s *Server) link(w http.ResponseWriter, r *http.Request) (any, error) {
	var e Edge
	if err := s.decode(w, r, &e); err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.Link(r.Context(), e)
}

func (s *Server) unlink(w http.ResponseWriter, r *http.Request) (any, error) {
	var e Edge
	if err := s.decode(w, r, &e); err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.Unlink(r.Context(), e)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) (any, error) {
	var req struct {
		Ref string `json:"ref"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return nil, err
	}
	return s.svc.Delete(r.Context(), req.Ref)
}

func (s *Server) importData(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	req := ImportRequest{Format: q.Get("format"), Kind: q.Get("kind"), Name: q.Get("name"), Base: q.Get("base")}
	if v := q.Get("skip_bad"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidf("skip_bad=%q", v)
		}
		req.SkipBad = b
	}
	body := bodyReader{http.MaxBytesReader(w, r.Body, s.cfg.MaxImportBytes)}
	return s.svc.Import(r.Context(), req, body, nil)
}

// Trailers of an export, and its header of what the format loses (a JSON array of
// strings, absent when it loses nothing).
const (
	TrailerCount = "Stablegraph-Count"
	TrailerError = "Stablegraph-Error"
	HeaderLosses = "Stablegraph-Losses"
)

func (s *Server) export(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	req := ExportRequest{Format: q.Get("format"), Kind: q.Get("kind")}
	w.Header().Set("Trailer", TrailerCount+", "+TrailerError)
	n, err := s.svc.Export(r.Context(), req, w, func(losses []string) {
		if len(losses) > 0 {
			b, _ := json.Marshal(losses)
			w.Header().Set(HeaderLosses, string(b))
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
	})
	if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
		if err != nil {
			b, _ := json.Marshal(problemOf(err))
			w.Header().Set(TrailerError, string(b))
		}
		w.Header().Set(TrailerCount, strconv.FormatInt(n, 10))
	}
	return nil, err
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.svc.Stats(r.Context())
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.svc.Verify(r.Context())
}
