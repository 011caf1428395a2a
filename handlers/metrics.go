package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// LatencyBuckets are the bounds, in seconds, of Kracht's latency histograms: from a
// cached read (1 ms) to a large import (10 s).
var LatencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics counts requests for Prometheus, by route pattern: the Fiber route path
// ("/v1/cooperatives/:cooperativeID"), never the URL, whose ids would make a series per
// cooperative, member or token. A request that reached no route (an unknown path, a body
// refused before routing) counts under route "unmatched".
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	scrape   http.Handler
}

// NewMetrics registers the HTTP metrics on reg; its handler serves everything reg
// gathers (cmd/kracht registers the store's, the jobs' and the business metrics there too).
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kracht_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code."}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kracht_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by method and route pattern.", Buckets: LatencyBuckets},
			[]string{"method", "route"}),
		scrape: promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
	}
	reg.MustRegister(m)
	return m
}

// Describe and Collect make Metrics a prometheus.Collector of its series.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.duration.Describe(ch)
}

func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.duration.Collect(ch)
}

// Handler serves the metrics in Prometheus' text format (also on a listener of its own:
// KRACHT_METRICS_ADDR).
func (m *Metrics) Handler() http.Handler { return m.scrape }

// observe counts one answered request. entry is the route of the server's middleware:
// still the request's route after c.Next when no route of the API or the pages took it.
func (m *Metrics) observe(c *fiber.Ctx, entry *fiber.Route, status int, took time.Duration) {
	if m == nil {
		return
	}
	route := "unmatched"
	if r := c.Route(); r != entry && r.Path != "" {
		route = r.Path
	}
	method := c.Method()
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // any other token a client sends is not a label value of its own
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(took.Seconds())
}

// Metrics is the server's request metrics (nil without Options.Metrics).
func (s *Server) Metrics() *Metrics { return s.metrics }

// metricsRoute serves GET /metrics on the API's own port. It is the operator's, not an
// API operation: it is not in the OpenAPI document and asks for no token, so a
// deployment keeps it from the internet (an ingress that does not route it) or moves it
// to a listener of its own (KRACHT_METRICS_ADDR), when the server does not add it.
func (s *Server) metricsRoute(m *Metrics) {
	s.app.Get("/metrics", adaptor.HTTPHandler(m.Handler()))
}
