package api

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus series of one hub instance, on a registry
// of their own so several servers (tests) never collide. Metrics
// implements hub.Observer and callback.Observer, and its RedisError,
// PubSubReconnect and ClockOffset are redisstore's hooks: main makes one with NewMetrics
// and hands it to each. It is safe for concurrent use.
type Metrics struct {
	registry *prometheus.Registry
	http     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	streams  *prometheus.GaugeVec

	requests  *prometheus.CounterVec   // service, mode, outcome
	forward   *prometheus.HistogramVec // service
	replies   prometheus.Counter
	slow      prometheus.Counter
	resyncs   prometheus.Counter
	attempts  *prometheus.CounterVec // outcome
	attemptT  prometheus.Histogram
	disabled  prometheus.Counter
	skipped   prometheus.Counter
	acks      *prometheus.CounterVec // outcome
	redisErrs prometheus.Counter
	reconnect prometheus.Counter
	// clockOffset is this instance's clock minus Redis's, in seconds.
	clockOffset prometheus.Gauge
	// storageFull counts requests refused 507: no room on the hub's disk.
	storageFull prometheus.Counter
	// refusals counts requests refused 503 because the store was unavailable.
	refusals prometheus.Counter
	// lifecycle counts the lifecycle events of async requests, by event.
	lifecycle *prometheus.CounterVec

	httpMu    sync.Mutex // held to add to httpCache
	httpCache atomic.Pointer[map[httpKey]httpSeries]
}

// latencyBuckets run from 1 ms to about 33 s.
var latencyBuckets = prometheus.ExponentialBuckets(0.001, 2, 16)

// NewMetrics returns the series of one instance, Go and process series
// included.
func NewMetrics() *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.http = counterVec("callhub_http_requests_total", "HTTP requests by route and status.", "method", "route", "status")
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "callhub_http_request_duration_seconds",
		Help: "HTTP request latency by route (streams excluded).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"method", "route"})
	m.streams = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "callhub_open_streams",
		Help: "Open WebSocket and SSE connections, by kind (websocket, sse)."}, []string{"kind"})
	m.requests = counterVec("callhub_requests_total",
		"Request steps submitted, by service, mode (sync, async) and outcome (ok, timeout, unreachable, ...).",
		"service", "mode", "outcome")
	m.forward = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "callhub_forward_duration_seconds",
		Help: "Time a service took to answer a forwarded request, by service.", Buckets: latencyBuckets}, []string{"service"})
	m.replies = counter("callhub_replies_stored_total", "Replies stored (duplicates excluded).")
	m.slow = counter("callhub_slow_consumer_drops_total", "Subscribers disconnected for falling behind.")
	m.resyncs = counter("callhub_broker_resyncs_total", "Broker loss signals on which subscribers re-read the store.")
	m.attempts = counterVec("callhub_callback_attempts_total",
		"Callback attempts by outcome (ok, http_error, error).", "outcome")
	m.attemptT = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "callhub_callback_attempt_duration_seconds",
		Help: "Time one callback attempt took.", Buckets: latencyBuckets})
	m.disabled = counter("callhub_callback_endpoint_disabled_total",
		"Deliveries sent dead without an attempt because their endpoint is disabled.")
	m.skipped = counter("callhub_callbacks_skipped_total",
		"Deliveries ended skipped without an attempt: their reply was acknowledged live in time (callback.when unacked).")
	m.acks = counterVec("callhub_acks_total",
		"WebSocket acknowledgements of replies, by outcome (ok, invalid, not_found, ...).", "outcome")
	m.redisErrs = counter("callhub_redis_errors_total", "Failed Redis commands, pipelines and dials.")
	m.reconnect = counter("callhub_redis_pubsub_reconnects_total", "Times the Redis pub/sub connection failed and was made again.")
	m.clockOffset = prometheus.NewGauge(prometheus.GaugeOpts{Name: "callhub_clock_offset_seconds",
		Help: "This instance's clock minus Redis's, measured every 30s (on a Cluster the master's of largest magnitude); 0 without Redis."})
	m.refusals = counter("callhub_store_unavailable_refusals_total", "Requests refused 503 because the store was unavailable.")
	m.storageFull = counter("callhub_storage_full_total", "Requests refused 507 because the hub's disk (the files directory) had no room.")
	m.lifecycle = counterVec("callhub_lifecycle_events_total",
		"Lifecycle events of async requests: deadline (the hub ended a cid at its deadline), cancel, heartbeat, stalled, resumed.", "event")
	m.registry.MustRegister(m.http, m.duration, m.streams, m.requests, m.forward, m.replies, m.slow, m.resyncs,
		m.attempts, m.attemptT, m.disabled, m.skipped, m.acks, m.redisErrs, m.reconnect, m.clockOffset, m.storageFull, m.refusals, m.lifecycle,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, kind := range []string{"websocket", "sse"} { // exposed at 0 from the start
		m.streams.WithLabelValues(kind)
	}
	for _, outcome := range []string{"ok", "http_error", "error"} {
		m.attempts.WithLabelValues(outcome)
	}
	m.acks.WithLabelValues("ok")
	for _, ev := range []string{hub.EventDeadline, hub.EventCancel, hub.EventHeartbeat, hub.EventStalled, hub.EventResumed} {
		m.lifecycle.WithLabelValues(ev)
	}
	return m
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// Submitted implements hub.Observer.
func (m *Metrics) Submitted(service string, async bool, outcome string, _ time.Duration) {
	mode := "sync"
	if async {
		mode = "async"
	}
	m.requests.WithLabelValues(service, mode, outcome).Inc()
}

// Forwarded implements hub.Observer.
func (m *Metrics) Forwarded(service string, d time.Duration) {
	m.forward.WithLabelValues(service).Observe(d.Seconds())
}

// ReplyStored implements hub.Observer.
func (m *Metrics) ReplyStored() { m.replies.Inc() }

// SlowConsumer implements hub.Observer.
func (m *Metrics) SlowConsumer() { m.slow.Inc() }

// Resynced implements hub.Observer.
func (m *Metrics) Resynced() { m.resyncs.Inc() }

// Lifecycle implements hub.Observer.
func (m *Metrics) Lifecycle(event string) { m.lifecycle.WithLabelValues(event).Inc() }

// Attempted implements callback.Observer.
func (m *Metrics) Attempted(outcome string, d time.Duration) {
	m.attempts.WithLabelValues(outcome).Inc()
	m.attemptT.Observe(d.Seconds())
}

// EndpointDisabled implements callback.Observer.
func (m *Metrics) EndpointDisabled() { m.disabled.Inc() }

// Skipped implements callback.Observer.
func (m *Metrics) Skipped() { m.skipped.Inc() }

// acked counts one acknowledgement and how it ended (hub.OutcomeOf).
func (m *Metrics) acked(outcome string) { m.acks.WithLabelValues(outcome).Inc() }

// RedisError counts one failed Redis call (redisstore's OnError).
func (m *Metrics) RedisError() { m.redisErrs.Inc() }

// PubSubReconnect counts one pub/sub reconnect (redisstore's OnReconnect).
func (m *Metrics) PubSubReconnect() { m.reconnect.Inc() }

// ClockOffset sets this instance's clock minus Redis's (redisstore's
// OnClockOffset).
func (m *Metrics) ClockOffset(d time.Duration) { m.clockOffset.Set(d.Seconds()) }

// observe is the middleware that counts and times every request.
func (m *Metrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	s := m.httpSeries(c.Request.Method, c.FullPath(), c.Writer.Status())
	s.requests.Inc()
	if s.duration != nil {
		s.duration.Observe(time.Since(start).Seconds())
	}
}

// httpKey names the series of a request: its method, matched route ("" for
// none) and status.
type httpKey struct {
	method, route string
	status        int
}

// httpSeries are the series one request moves: its count and, unless it
// is a stream, its duration.
type httpSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// httpSeries looks the series of a request up. Those of a matched route
// are kept in a map read without a lock (written copy on write, on a
// route, method and status first seen): the vectors' own look-ups hash
// and check the label values, and format the status, on every request. A
// matched route's keys are few (its methods, the statuses it answers);
// unmatched requests, with any method, are not kept.
func (m *Metrics) httpSeries(method, route string, status int) httpSeries {
	k := httpKey{method, route, status}
	if cache := m.httpCache.Load(); cache != nil {
		if s, ok := (*cache)[k]; ok {
			return s
		}
	}
	if route == "" {
		route = "unmatched"
	}
	s := httpSeries{requests: m.http.WithLabelValues(method, route, strconv.Itoa(status))}
	if route != "/v1/ws" && route != "/v1/requests/:cid/events" {
		s.duration = m.duration.WithLabelValues(method, route)
	}
	if k.route == "" {
		return s
	}
	m.httpMu.Lock()
	defer m.httpMu.Unlock()
	cache := map[httpKey]httpSeries{}
	if old := m.httpCache.Load(); old != nil {
		cache = maps.Clone(*old)
	}
	cache[k] = s
	m.httpCache.Store(&cache)
	return s
}

// stream counts one open stream of kind until the returned func is called.
func (m *Metrics) stream(kind string) func() {
	g := m.streams.WithLabelValues(kind)
	g.Inc()
	return g.Dec
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
