package hub

import (
	"context"
	"time"
)

// Tracer joins the hub's work to distributed traces; main passes one
// built on OpenTelemetry. Trace contexts cross the hub's boundaries
// (forwards, stored records, queued callbacks) as W3C traceparent
// strings, so the hub needs no tracing library. It must be safe for
// concurrent use.
type Tracer interface {
	// Start begins a span called name: a child of the span ctx carries
	// (an incoming request's traceparent, or an enclosing span), else of
	// fallback, a traceparent ("" starts a new trace). A non-zero at is
	// when the span began. It returns ctx with the span, the span's own
	// traceparent ("" when not tracing) and the func that ends it, to
	// be called once with the work's error.
	Start(ctx context.Context, name, fallback string, at time.Time) (context.Context, string, func(error))
}

// nopTracer is the Tracer of a hub configured without one.
type nopTracer struct{}

func (nopTracer) Start(ctx context.Context, _, _ string, _ time.Time) (context.Context, string, func(error)) {
	return ctx, "", func(error) {}
}

// NopTracer returns a Tracer that traces nothing.
func NopTracer() Tracer { return nopTracer{} }
