package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stablegraph/stablegraph/store"
)

// metrics are the server's counters, in a registry of their own so that several servers
// can live in one process.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	read      *prometheus.CounterVec
	dirtied   *prometheus.CounterVec
	refusals  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	startTime time.Time
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stablegraph_requests_total", Help: "Requests answered, by operation and HTTP status.",
		}, []string{"op", "code"}),
		read: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stablegraph_pages_read_total", Help: "Distinct 4 KiB pages the messages of each operation read.",
		}, []string{"op"}),
		dirtied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stablegraph_pages_dirtied_total", Help: "Distinct 4 KiB pages the messages of each operation dirtied.",
		}, []string{"op"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stablegraph_budget_refusals_total", Help: "Messages refused or stopped by their page budget.",
		}, []string{"op"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "stablegraph_request_duration_seconds", Help: "Time to answer a request, by operation.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 4, 10), // 50µs … 13s
		}, []string{"op"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stablegraph_requests_in_flight", Help: "Requests being answered.",
		}),
	}
	m.reg.MustRegister(m.requests, m.read, m.dirtied, m.refusals, m.latency, m.inFlight,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// observe records one answered request.
func (m *metrics) observe(op string, status int, pages *pageCounts, err error, took time.Duration) {
	m.requests.WithLabelValues(op, strconv.Itoa(status)).Inc()
	m.read.WithLabelValues(op).Add(float64(pages.read.Load()))
	m.dirtied.WithLabelValues(op).Add(float64(pages.dirtied.Load()))
	if err != nil && errors.Is(err, store.ErrPageBudgetExceeded) {
		m.refusals.WithLabelValues(op).Inc()
	}
	m.latency.WithLabelValues(op).Observe(took.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
