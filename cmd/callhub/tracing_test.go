package main

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestTracingExportsToEndpoint: with tracing.endpoint, the spans of a
// request reach the collector over OTLP/HTTP at /v1/traces, flushed by
// the shutdown at the latest; the service gets a traceparent either way.
func TestTracingExportsToEndpoint(t *testing.T) {
	var mu sync.Mutex
	var posts []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posts = append(posts, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
		mu.Unlock()
	}))
	defer collector.Close()
	h, stop := startLogHubWith(t, "tracing: {endpoint: \""+collector.URL+"\"}\n")
	st, out := h.send(t, "POST", "/v1/requests", logCallerKey, map[string]any{"serviceId": "svc", "path": "/a"})
	if st != 200 {
		t.Fatalf("request = %d %v", st, out)
	}
	if hdr, _ := h.lastForward(); len(hdr.Get("Traceparent")) != 55 {
		t.Errorf("service got traceparent %q, want one", hdr.Get("Traceparent"))
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	if len(posts) == 0 || posts[0] != "POST /v1/traces application/x-protobuf" {
		t.Errorf("collector got %v, want POST /v1/traces application/x-protobuf", posts)
	}
}
