package api

import (
	"testing"
)

// TestHTTPSeriesKept: a request's series are those of its method, route
// and status, looked up once for a matched route and kept; an unmatched
// request's are counted under "unmatched" and not kept, whatever its
// method; a stream has no duration.
func TestHTTPSeriesKept(t *testing.T) {
	m := NewMetrics()
	for range 2 {
		s := m.httpSeries("POST", "/v1/replies/:cid", 202)
		s.requests.Inc()
		s.duration.Observe(0.001)
	}
	m.httpSeries("POST", "/v1/replies/:cid", 404).requests.Inc()
	for _, method := range []string{"GET", "BREW", "WHEN"} {
		s := m.httpSeries(method, "", 404)
		s.requests.Inc()
		s.duration.Observe(0.001)
	}
	if s := m.httpSeries("GET", "/v1/ws", 101); s.duration != nil {
		t.Error("a WebSocket has a duration series")
	}
	families, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			name := f.GetName()
			for _, l := range s.GetLabel() {
				name += " " + l.GetValue()
			}
			switch f.GetName() {
			case "callhub_http_requests_total":
				got[name] = s.GetCounter().GetValue()
			case "callhub_http_request_duration_seconds":
				got[name] = float64(s.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"callhub_http_requests_total POST /v1/replies/:cid 202":       2,
		"callhub_http_requests_total POST /v1/replies/:cid 404":       1,
		"callhub_http_requests_total GET unmatched 404":               1,
		"callhub_http_requests_total BREW unmatched 404":              1,
		"callhub_http_requests_total WHEN unmatched 404":              1,
		"callhub_http_requests_total GET /v1/ws 101":                  0,
		"callhub_http_request_duration_seconds POST /v1/replies/:cid": 2,
		"callhub_http_request_duration_seconds GET unmatched":         1,
		"callhub_http_request_duration_seconds BREW unmatched":        1,
		"callhub_http_request_duration_seconds WHEN unmatched":        1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	if n := len(*m.httpCache.Load()); n != 3 {
		t.Errorf("%d series kept, want 3: two statuses of one route and a WebSocket (none unmatched)", n)
	}
}
