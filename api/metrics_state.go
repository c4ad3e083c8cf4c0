package api

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/prometheus/client_golang/prometheus"
)

// stateTimeout bounds the store reads of one scrape.
const stateTimeout = time.Second

// stateCollector reads, at each scrape, what is state rather than event:
// this instance's subscriptions and the shared delivery queue's size.
type stateCollector struct {
	hub        *hub.Hub
	deliveries *callback.Deliverer // nil: no delivery series
	now        func() time.Time
}

var (
	readyDesc = prometheus.NewDesc("callhub_ready",
		"1 when the store takes a write within a second and pub/sub hears (what /readyz checks), else 0.", nil, nil)
	subsDesc = prometheus.NewDesc("callhub_subscriptions",
		"Subscriptions of this instance's WebSocket, SSE and long-poll clients, by kind (cid, caller).", []string{"kind"}, nil)
	pendingDesc = prometheus.NewDesc("callhub_deliveries_pending",
		"Callback deliveries pending in the shared queue (due, in flight, waiting for a retry or behind another).", nil, nil)
	deadDesc = prometheus.NewDesc("callhub_deliveries_dead",
		"Callback deliveries dead in the shared queue (attempts used up or endpoint disabled), within retention.", nil, nil)
	breakerDesc = prometheus.NewDesc("callhub_service_breaker_state",
		"Each service's breaker on this instance: 0 closed, 1 half-open (probing), 2 open (requests refused 503).",
		[]string{"service"}, nil)
	opensDesc = prometheus.NewDesc("callhub_service_breaker_opens_total",
		"Times each service's breaker opened on this instance.", []string{"service"}, nil)
	oldestDesc = prometheus.NewDesc("callhub_deliveries_oldest_pending_age_seconds",
		"How long the longest-due pending delivery has been due; 0 when none is overdue.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- readyDesc
	ch <- subsDesc
	ch <- breakerDesc
	ch <- opensDesc
	if c.deliveries != nil {
		ch <- pendingDesc
		ch <- deadDesc
		ch <- oldestDesc
	}
}

// Collect implements prometheus.Collector. When the store cannot be read
// the delivery series are left out of the scrape (and the failure is
// counted as a Redis error), so a stalled store never fails /metrics.
func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.collectBreakers(ch)
	cids, callers := c.hub.Subscriptions()
	ch <- prometheus.MustNewConstMetric(subsDesc, prometheus.GaugeValue, float64(cids), "cid")
	ch <- prometheus.MustNewConstMetric(subsDesc, prometheus.GaugeValue, float64(callers), "caller")
	ctx, cancel := context.WithTimeout(context.Background(), stateTimeout)
	defer cancel()
	ready := 1.0
	if c.hub.Ready(ctx) != nil {
		ready = 0
	}
	ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, ready)
	if c.deliveries == nil || ctx.Err() != nil {
		return
	}
	st, err := c.deliveries.Stats(ctx)
	if err != nil {
		return
	}
	age := 0.0
	if !st.OldestDue.IsZero() {
		age = max(c.now().Sub(st.OldestDue).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(st.Dead))
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}

// breakerValues are callhub_service_breaker_state's values.
var breakerValues = map[string]float64{hub.BreakerClosed: 0, hub.BreakerHalfOpen: 1, hub.BreakerOpen: 2}

// collectBreakers reports each service's breaker state and opens.
func (c stateCollector) collectBreakers(ch chan<- prometheus.Metric) {
	for _, st := range c.hub.Services() {
		ch <- prometheus.MustNewConstMetric(breakerDesc, prometheus.GaugeValue, breakerValues[st.Breaker], st.ID)
		ch <- prometheus.MustNewConstMetric(opensDesc, prometheus.CounterValue, float64(st.Opens), st.ID)
	}
}
