package api

import (
	"context"
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
