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

// validTraceParent reports whether tp is a W3C traceparent of version 00
// form: "00-<32 hex>-<16 hex>-<2 hex>", lower case.
func validTraceParent(tp string) bool {
	if len(tp) != 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-' {
		return false
	}
	for i, c := range tp {
		if i == 2 || i == 35 || i == 52 {
			continue
		}
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// nopTracer is the Tracer of a hub configured without one.
type nopTracer struct{}

func (nopTracer) Start(ctx context.Context, _, _ string, _ time.Time) (context.Context, string, func(error)) {
	return ctx, "", func(error) {}
}

// NopTracer returns a Tracer that traces nothing.
func NopTracer() Tracer { return nopTracer{} }
