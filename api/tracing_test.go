package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/internal/testwait"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// traceHooks is a callback receiver that keeps the traceparent of each
// callback it gets.
type traceHooks struct {
	mu  sync.Mutex
	tps []string
}

func (h *traceHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tps = append(h.tps, r.Header.Get("Traceparent"))
}

func (h *traceHooks) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.tps...)
}

// traceID is the trace id of a traceparent ("" if malformed).
func traceID(tp string) string {
	f := strings.Split(tp, "-")
	if len(f) != 4 || len(f[1]) != 32 {
		return ""
	}
	return f[1]
}

// newTracedRig is a rig whose hub and deliverer trace into a span
// recorder, with callbacks going to hooks.
func newTracedRig(t *testing.T, hooks *traceHooks) (*rig, *tracetest.SpanRecorder) {
	t.Helper()
	srv := httptest.NewServer(hooks)
	t.Cleanup(srv.Close)
	rec := tracetest.NewSpanRecorder()
	tr := api.NewTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	r := newWiredRig(t, srv.URL, func(h *hub.Config, d *callback.Config, _ *api.Config) { h.Tracer, d.Tracer = tr, tr })
	return r, rec
}

// tracedRequest sends an async request with a callback and the given
// traceparent ("" for none) and returns its cid.
func (r *rig) tracedRequest(tp string) string {
	r.t.Helper()
	body := `{"serviceId":"svc","path":"/work","async":true,"callback":{"url":"/hook"}}`
	req, _ := http.NewRequest("POST", r.URL+"/v1/requests", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer shop-key")
	if tp != "" {
		req.Header.Set("Traceparent", tp)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 202 {
		r.t.Fatalf("traced request = %v, %v", resp, err)
	}
	resp.Body.Close()
	req0, _ := r.svc.last()
	return req0.Header.Get("Callhub-Cid")
}

// tracedReply posts a reply for cid with the service key and the given
// traceparent ("" for none).
func (r *rig) tracedReply(cid, tp string) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.URL+"/v1/replies/"+cid, strings.NewReader(`{"data":{"n":1}}`))
	req.Header.Set("Authorization", "Bearer svc-key")
	if tp != "" {
		req.Header.Set("Traceparent", tp)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 202 {
		r.t.Fatalf("traced reply = %v, %v", resp, err)
	}
	resp.Body.Close()
}

// TestTraceRequestToCallback: a caller's traceparent is continued through
// submit, forward, reply and delivery attempt — four spans of one trace —
// and the service and the callback receiver each get a traceparent of
// that trace.
func TestTraceRequestToCallback(t *testing.T) {
	hooks := &traceHooks{}
	r, rec := newTracedRig(t, hooks)
	const callerTP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	const want = "4bf92f3577b34da6a3ce929d0e0e4736"
	cid := r.tracedRequest(callerTP)
	fwd, _ := r.svc.last()
	if got := traceID(fwd.Header.Get("Traceparent")); got != want {
		t.Errorf("service got traceparent %q, want trace %s", fwd.Header.Get("Traceparent"), want)
	}
	sub := r.dial("cid="+cid, "shop-key")
	if f := readFrame(t, sub); f.Type != "subscribed" {
		t.Fatalf("got %+v, want subscribed", f)
	}
	r.tracedReply(cid, "") // the service sends none: the reply joins the request's trace
	if f := readFrame(t, sub); f.Type != "reply" {
		t.Fatalf("got %+v, want the reply", f)
	}
	testwait.Until(t, "the callback", func() bool { return len(hooks.got()) == 1 })
	if got := traceID(hooks.got()[0]); got != want {
		t.Errorf("callback receiver got traceparent %q, want trace %s", hooks.got()[0], want)
	}
	testwait.Until(t, "the attempt span", func() bool { return len(rec.Ended()) >= 5 })
	names := map[string]bool{}
	for _, s := range rec.Ended() {
		names[s.Name()] = true
		if got := s.SpanContext().TraceID().String(); got != want {
			t.Errorf("span %q in trace %s, want %s", s.Name(), got, want)
		}
	}
	for _, n := range []string{"submit", "forward", "reply", "push", "delivery attempt"} {
		if !names[n] {
			t.Errorf("no %q span; got %v", n, names)
		}
	}
}

// TestTraceServiceReplyOwnTrace: a reply that carries its own
// traceparent joins that trace, and so does its callback; a request
// without one starts a trace the service sees.
func TestTraceServiceReplyOwnTrace(t *testing.T) {
	hooks := &traceHooks{}
	r, rec := newTracedRig(t, hooks)
	cid := r.tracedRequest("")
	fwd, _ := r.svc.last()
	started := traceID(fwd.Header.Get("Traceparent"))
	if started == "" || started == strings.Repeat("0", 32) {
		t.Fatalf("service got traceparent %q, want a new trace", fwd.Header.Get("Traceparent"))
	}
	const svcTP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	sub := r.dial("cid="+cid, "shop-key")
	readFrame(t, sub) // subscribed
	r.tracedReply(cid, svcTP)
	readFrame(t, sub) // the reply
	testwait.Until(t, "the push span", func() bool {
		for _, s := range rec.Ended() {
			if s.Name() == "push" {
				return true
			}
		}
		return false
	})
	for _, s := range rec.Ended() {
		if s.Name() == "push" && s.SpanContext().TraceID().String() != "0af7651916cd43dd8448eb211c80319c" {
			t.Errorf("push span in trace %s, want the service's 0af7651916cd43dd8448eb211c80319c", s.SpanContext().TraceID())
		}
	}
	testwait.Until(t, "the callback", func() bool { return len(hooks.got()) == 1 })
	if got := traceID(hooks.got()[0]); got != "0af7651916cd43dd8448eb211c80319c" {
		t.Errorf("callback traceparent %q, want the service's trace 0af7651916cd43dd8448eb211c80319c (request trace %s)", hooks.got()[0], started)
	}
}

// TestPropagatorWithoutExporter: with no exporter the hub makes no spans
// but still passes trace context on: a caller's trace reaches the service
// and the callback receiver, and a request without one starts a trace.
func TestPropagatorWithoutExporter(t *testing.T) {
	hooks := &traceHooks{}
	srv := httptest.NewServer(hooks)
	t.Cleanup(srv.Close)
	tr := api.Propagator{}
	r := newWiredRig(t, srv.URL, func(h *hub.Config, d *callback.Config, _ *api.Config) { h.Tracer, d.Tracer = tr, tr })
	const callerTP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	cid := r.tracedRequest(callerTP)
	if fwd, _ := r.svc.last(); fwd.Header.Get("Traceparent") != callerTP {
		t.Errorf("service got traceparent %q, want the caller's %q", fwd.Header.Get("Traceparent"), callerTP)
	}
	r.tracedReply(cid, "")
	testwait.Until(t, "the callback", func() bool { return len(hooks.got()) == 1 })
	if got := hooks.got()[0]; traceID(got) != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("callback receiver got traceparent %q, want the caller's trace", got)
	}
	r.tracedRequest("")
	if fwd, _ := r.svc.last(); traceID(fwd.Header.Get("Traceparent")) == "" {
		t.Errorf("a request without trace context forwarded traceparent %q, want a new trace", fwd.Header.Get("Traceparent"))
	}
}
