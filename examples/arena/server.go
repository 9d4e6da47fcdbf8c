package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/query"
	storeserver "github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// The HTTP API, JSON in and out, every read a View message that runs beside the ticks.
// The store's own endpoints are package server's (see withStore), so that graphctl
// --server and server/client work against a running game; the game's are:
//
//	GET  /status           the world's summary and the loop's counters
//	GET  /status/map       the store's page map, with the last tick's pages on it: HTML, or ?format=json
//	GET  /entity/{ref}     one entity: its columns and edges; ref is ic://…/kind/id, kind/id or #id
//	POST /query            a query in the query language: the body as text, or {"query": "…"}
//	POST /players          spawn a player: {"name": "ann", "guild": "red", "address": "…"}; waits for the tick
const (
	maxBody      = 64 << 10
	maxEdgesJSON = 100 // edges of one verb listed in an entity's JSON; the degree gives the rest
)

// withStore serves the store's endpoints (/v1/…, /metrics: package server's, as
// 'graphctl serve' serves them) beside the game's. The arena serves loopback only, and
// its game endpoints have no token; neither do the store's.
func withStore(game http.Handler, w *World, cfg Config) http.Handler {
	logger := slog.New(slog.NewTextHandler(cfg.Logger.Writer(), nil))
	st := storeserver.New(storeserver.NewService(w.db.Store(), w.db, cfg.DB), storeserver.Config{Logger: logger})
	// Not a ServeMux: it would clean the "//" of an ic:// URI in /entity/'s path.
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") || r.URL.Path == "/metrics" {
			st.ServeHTTP(rw, r)
			return
		}
		game.ServeHTTP(rw, r)
	})
}

// NewServer returns the HTTP API of the world, whose spawns go through loop.
func NewServer(w *World, loop *Loop) http.Handler {
	s := &server{w: w, loop: loop, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /status", s.status)
	s.mux.HandleFunc("GET /status/map", s.pageMap)
	s.mux.HandleFunc("POST /query", s.query)
	s.mux.HandleFunc("POST /players", s.spawn)
	return s
}

type server struct {
	w    *World
	loop *Loop
	mux  *http.ServeMux
}

// ServeHTTP routes /entity/ itself: ServeMux would clean the "//" of an ic:// URI in the
// path into "/" and redirect.
func (s *server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if ref, ok := strings.CutPrefix(r.URL.Path, "/entity/"); ok {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			rw.Header().Set("Allow", "GET, HEAD")
			writeError(rw, http.StatusMethodNotAllowed, fmt.Errorf("%s /entity/: only GET", r.Method))
			return
		}
		s.entity(rw, r, ref)
		return
	}
	s.mux.ServeHTTP(rw, r)
}

// statusJSON is the body of GET /status.
type statusJSON struct {
	Status
	Loop    loopJSON `json:"loop"`
	PageMap string   `json:"page_map"` // where the page map is
}

type loopJSON struct {
	Ticks    uint64     `json:"ticks"` // since this process started
	Failed   uint64     `json:"failed"`
	LastErr  string     `json:"last_error,omitempty"`
	Last     TickReport `json:"last_tick"`
	MaxPages uint64     `json:"max_pages_per_tick"`
	AvgPages float64    `json:"avg_pages_per_tick"`
}

func (s *server) status(rw http.ResponseWriter, r *http.Request) {
	var st Status
	err := s.w.db.View(func(tx *entity.Tx) (err error) {
		st, err = s.w.Status(tx)
		return err
	})
	if err != nil {
		writeError(rw, statusOf(err), err)
		return
	}
	m := s.loop.Metrics()
	out := statusJSON{Status: st, PageMap: "/status/map", Loop: loopJSON{
		Ticks: m.Ticks, Failed: m.Failed, LastErr: m.LastErr, Last: s.loop.Last(), MaxPages: m.MaxPages,
	}}
	if m.Ticks > 0 {
		out.Loop.AvgPages = float64(m.PagesRead+m.PagesDirtied) / float64(m.Ticks)
	}
	writeJSON(rw, http.StatusOK, out)
}

// entityJSON is the body of GET /entity/{ref}.
type entityJSON struct {
	URI        string              `json:"uri"`
	ID         uint64              `json:"id"`
	Kind       string              `json:"kind"`
	Columns    map[string]any      `json:"columns"`
	Deprecated []string            `json:"deprecated,omitempty"` // columns this version only reads
	Out        map[string][]string `json:"out,omitempty"`        // verb → objects
	In         map[string][]string `json:"in,omitempty"`         // verb → subjects (at most maxEdgesJSON)
	InDegree   map[string]uint64   `json:"in_degree,omitempty"`
	PagesRead  uint64              `json:"pages_read"`
}

func (s *server) entity(rw http.ResponseWriter, r *http.Request, text string) {
	ref, err := uri.ParseRef(text)
	if err != nil {
		writeError(rw, http.StatusBadRequest, err)
		return
	}
	var out entityJSON
	stats, err := s.w.db.ViewWith(store.QueryBudget, func(tx *entity.Tx) error {
		out, err = readEntity(tx, ref)
		return err
	})
	if err != nil {
		writeError(rw, statusOf(err), err)
		return
	}
	out.PagesRead = stats.PagesRead
	writeJSON(rw, http.StatusOK, out)
}

// readEntity gathers what the store holds about the entity ref names, in every column and
// verb of the catalog, declared by this version or not; retired ones are not read.
func readEntity(tx *entity.Tx, ref uri.Ref) (entityJSON, error) {
	id, err := tx.Resolve(ref)
	if err != nil {
		return entityJSON{}, err
	}
	k, err := tx.KindOf(id)
	if err != nil {
		return entityJSON{}, err
	}
	out := entityJSON{ID: uint64(id), Kind: k.Name(), URI: refText(tx, id), Columns: map[string]any{}}
	for _, c := range column.Columns(tx) {
		if c.State() == store.Retired {
			continue
		}
		vals, err := c.Values(tx, id)
		if err != nil {
			return entityJSON{}, err
		}
		if len(vals) == 0 {
			continue
		}
		if c.Multi() {
			js := make([]any, len(vals))
			for i, v := range vals {
				js[i] = jsonValue(c.Type(), v)
			}
			out.Columns[c.Name()] = js
		} else {
			out.Columns[c.Name()] = jsonValue(c.Type(), vals[0])
		}
		if c.State() == store.Deprecated {
			out.Deprecated = append(out.Deprecated, c.Name())
		}
	}
	for _, v := range verb.Verbs(tx) {
		if v.State() == store.Retired {
			continue
		}
		for o := range v.Objects(tx, id) {
			if out.Out == nil {
				out.Out = map[string][]string{}
			}
			if len(out.Out[v.Name()]) == maxEdgesJSON {
				break
			}
			out.Out[v.Name()] = append(out.Out[v.Name()], refText(tx, o))
		}
		n := v.InDegree(tx, id)
		if n == 0 {
			continue
		}
		if out.In == nil {
			out.In, out.InDegree = map[string][]string{}, map[string]uint64{}
		}
		out.InDegree[v.Name()] = n
		for sub := range v.Subjects(tx, id) {
			if len(out.In[v.Name()]) == maxEdgesJSON {
				break
			}
			out.In[v.Name()] = append(out.In[v.Name()], refText(tx, sub))
		}
	}
	return out, nil
}

// refText names an entity by its URI, or kind/id in a store without a scope.
func refText(tx *entity.Tx, id entity.ID) string {
	if u, err := tx.URI(id); err == nil {
		return u.String()
	}
	if k, err := tx.KindOf(id); err == nil {
		return fmt.Sprintf("%s/%d", k.Name(), id)
	}
	return fmt.Sprintf("#%d", id)
}

// jsonValue turns a column value into JSON-friendly form: structs become objects.
func jsonValue(t column.Type, v column.Value) any {
	switch t.Kind() {
	case column.Struct:
		fields, vals := t.Fields(), v.([]column.Value)
		obj := make(map[string]any, len(fields))
		for i, f := range fields {
			obj[strings.ToLower(f.Name)] = jsonValue(f.Type, vals[i])
		}
		return obj
	case column.Array:
		if vals, ok := v.([]column.Value); ok {
			out := make([]any, len(vals))
			for i, e := range vals {
				out[i] = jsonValue(t.Elem(), e)
			}
			return out
		}
	}
	return v
}

// queryJSON is the body of a POST /query answer.
type queryJSON struct {
	Columns []string        `json:"columns,omitempty"`
	Rows    [][]query.Value `json:"rows,omitempty"`
	Count   uint64          `json:"count"`
	Stats   queryStatsJSON  `json:"stats"`
}

type queryStatsJSON struct {
	PagesRead      uint64            `json:"pages_read"`
	EstimatedPages uint64            `json:"estimated_pages"`
	ByVariable     map[string]uint64 `json:"by_variable,omitempty"`
}

func (s *server) query(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxBody))
	if err != nil {
		writeError(rw, http.StatusRequestEntityTooLarge, err)
		return
	}
	text := string(body)
	// A query never starts with '{', so a JSON body is known without its content type.
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" || strings.HasPrefix(strings.TrimSpace(text), "{") {
		var in struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			writeError(rw, http.StatusBadRequest, fmt.Errorf("body: %w", err))
			return
		}
		text = in.Query
	}
	res, err := query.Exec(s.w.db, text, query.RunOptions{Budget: store.QueryBudget.MaxAccessed})
	if err != nil {
		writeError(rw, statusOf(err), err)
		return
	}
	writeJSON(rw, http.StatusOK, queryJSON{
		Columns: res.Columns, Rows: res.Rows, Count: res.Count,
		Stats: queryStatsJSON{
			PagesRead: res.Stats.PagesRead, EstimatedPages: res.Stats.EstimatedPages, ByVariable: res.Stats.ByVariable,
		},
	})
}

// spawnJSON is the body of a POST /players answer.
type spawnJSON struct {
	ID  uint64 `json:"id"`
	URI string `json:"uri"`
}

func (s *server) spawn(rw http.ResponseWriter, r *http.Request) {
	var p PlayerSpec
	dec := json.NewDecoder(http.MaxBytesReader(rw, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		writeError(rw, http.StatusBadRequest, fmt.Errorf("body: %w", err))
		return
	}
	if err := p.validate(); err != nil { // before it waits for a tick
		writeError(rw, http.StatusBadRequest, err)
		return
	}
	id, err := s.loop.Spawn(r.Context(), p)
	if err != nil {
		writeError(rw, statusOf(err), err)
		return
	}
	out := spawnJSON{ID: uint64(id), URI: fmt.Sprintf("player/%d", id)}
	if sc := s.w.db.Scope(); !sc.IsZero() {
		out.URI = uri.EntityURI{Scope: sc, Kind: "player", ID: uint64(id)}.String()
	}
	writeJSON(rw, http.StatusCreated, out)
}

// statusOf maps an error to its HTTP status, in one place.
func statusOf(err error) int {
	var qe *query.Error
	switch {
	case errors.Is(err, ErrInvalidPlayer), errors.Is(err, ErrNoGuild),
		errors.Is(err, query.ErrSyntax), errors.Is(err, query.ErrUnknownName), errors.Is(err, query.ErrType),
		errors.Is(err, query.ErrBadRef), errors.Is(err, query.ErrInvalidQuery), errors.Is(err, entity.ErrScope):
		return http.StatusBadRequest
	case errors.Is(err, entity.ErrNoEntity), errors.Is(err, entity.ErrNoKind), errors.Is(err, entity.ErrWrongKind):
		return http.StatusNotFound
	case errors.Is(err, query.ErrOverBudget), errors.Is(err, store.ErrPageBudgetExceeded):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrStopped):
		return http.StatusServiceUnavailable
	case errors.As(err, &qe):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func writeJSON(rw http.ResponseWriter, code int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(code)
	enc := json.NewEncoder(rw)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client has gone if this fails
}

func writeError(rw http.ResponseWriter, code int, err error) {
	writeJSON(rw, code, map[string]string{"error": err.Error()})
}
