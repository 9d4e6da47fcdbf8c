package main

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/stablegraph/stablegraph/internal/pagemap"
	"github.com/stablegraph/stablegraph/store"
)

// pageMap serves GET /status/map: the store's page map (store.Tx.Map) with the pages the
// last tick read and dirtied drawn on it, as the HTML page graphctl map writes, or with
// ?format=json as its JSON. Building the map reads every page in use in one View, and a
// tick's commit waits for the Views running: on a large world it is not for polling.
func (s *server) pageMap(rw http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "html" && format != "json" {
		writeError(rw, http.StatusBadRequest, fmt.Errorf("format %q: want html or json", format))
		return
	}
	var m *store.Map
	st, err := s.w.db.Store().ViewWith(store.Budget{}, func(tx *store.Tx) (err error) {
		m, err = tx.Map()
		return err
	})
	if err != nil {
		writeError(rw, statusOf(err), err)
		return
	}
	p := pagemap.Page{Title: "the arena", Map: m, PagesRead: st.PagesRead}
	if pages, rep := s.loop.LastPages(); pages != nil {
		p.Touches = []pagemap.Touch{{Name: fmt.Sprintf("tick %d", rep.Tick), Read: pages.Read, Dirtied: pages.Dirtied}}
	}
	if format == "json" {
		writeJSON(rw, http.StatusOK, pagemap.NewDoc(p))
		return
	}
	var b bytes.Buffer
	if err := pagemap.WriteHTML(&b, p); err != nil {
		writeError(rw, http.StatusInternalServerError, err)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = rw.Write(b.Bytes())
}
