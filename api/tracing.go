package api

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// w3c reads and writes the W3C traceparent header, whatever exporter (if
// any) is configured.
var w3c = propagation.TraceContext{}

// Tracer is hub.Tracer on OpenTelemetry: main builds it on its
// TracerProvider and passes it to the hub and the deliverer. It is safe
// for concurrent use.
type Tracer struct {
	tracer trace.Tracer
}

var _ hub.Tracer = (*Tracer)(nil)

// NewTracer returns a Tracer whose spans tp records (and exports, if tp
// has an exporter).
func NewTracer(tp trace.TracerProvider) *Tracer {
	return &Tracer{tracer: tp.Tracer("github.com/callhub/callhub")}
}

// spanKinds are the kinds of the hub's spans: forwards and attempts call
// out; the rest serve a caller or a service.
var spanKinds = map[string]trace.SpanKind{"forward": trace.SpanKindClient, "delivery attempt": trace.SpanKindClient}

// Start implements hub.Tracer.
func (t *Tracer) Start(ctx context.Context, name, fallback string, at time.Time) (context.Context, string, func(error)) {
	if fallback != "" && !trace.SpanContextFromContext(ctx).IsValid() {
		ctx = w3c.Extract(ctx, propagation.MapCarrier{"traceparent": fallback})
	}
	kind, ok := spanKinds[name]
	if !ok {
		kind = trace.SpanKindServer
	}
	opts := []trace.SpanStartOption{trace.WithSpanKind(kind)}
	if !at.IsZero() {
		opts = append(opts, trace.WithTimestamp(at))
	}
	ctx, span := t.tracer.Start(ctx, name, opts...)
	return ctx, traceParent(span.SpanContext()), func(err error) {
		if err != nil {
			span.SetStatus(codes.Error, hub.OutcomeOf(err))
		}
		span.End()
	}
}

// traceParent is sc as a W3C traceparent header value.
func traceParent(sc trace.SpanContext) string {
	if !sc.IsValid() {
		return ""
	}
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + sc.TraceFlags().String()
}

// traceContext is the middleware that continues the trace of a request
// that carries a traceparent: the hub's spans for it are its children.
func traceContext(c *gin.Context) {
	if c.Request.Header.Get("Traceparent") != "" {
		ctx := w3c.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		c.Request = c.Request.WithContext(ctx)
	}
	c.Next()
}

// Propagator is hub.Tracer for a hub that exports no spans: it passes W3C
// trace context on, continuing a caller's trace or starting one, without
// making spans, so propagation costs almost nothing per reply. The hub's
// steps then carry the traceparent they were given, as a proxy that does
// not take part in the trace would. It is safe for concurrent use.
type Propagator struct{}

var _ hub.Tracer = Propagator{}

func noEnd(error) {}

// Start implements hub.Tracer.
func (Propagator) Start(ctx context.Context, _, fallback string, _ time.Time) (context.Context, string, func(error)) {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		return ctx, traceParent(sc), noEnd
	}
	if fallback != "" {
		return ctx, fallback, noEnd
	}
	var cfg trace.SpanContextConfig
	rand.Read(cfg.TraceID[:])
	rand.Read(cfg.SpanID[:])
	sc := trace.NewSpanContext(cfg)
	return trace.ContextWithSpanContext(ctx, sc), traceParent(sc), noEnd
}
