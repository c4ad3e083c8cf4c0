package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus series of one Server, on a registry of its
// own so several servers (tests) never collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	streams  *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callhub_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "callhub_http_request_duration_seconds", Help: "HTTP request latency by route (streams excluded).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"method", "route"}),
		streams: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "callhub_open_streams", Help: "Open WebSocket and SSE connections.",
		}, []string{"kind"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.streams,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe is the middleware that counts and times every request.
func (m *metrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	method := c.Request.Method
	m.requests.WithLabelValues(method, route, strconv.Itoa(c.Writer.Status())).Inc()
	if route != "/v1/ws" && route != "/v1/requests/:cid/events" {
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	}
}

// stream counts one open stream of kind until the returned func is called.
func (m *metrics) stream(kind string) func() {
	g := m.streams.WithLabelValues(kind)
	g.Inc()
	return g.Dec
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
