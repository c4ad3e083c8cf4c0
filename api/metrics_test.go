package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// scrape returns the exposition of GET /metrics after checking it with
// client_golang's linter.
func scrape(t *testing.T, r *rig) string {
	t.Helper()
	resp, err := http.Get(r.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	problems, err := promlint.New(strings.NewReader(string(body))).Lint()
	if err != nil {
		t.Fatalf("lint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	return string(body)
}

// sample is the value of one series (name and labels exactly as
// exposed, labels sorted by name), or -1 when it is absent.
func sample(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

// TestMetricsMove: /metrics lints clean before and after traffic, and
// each series moves with what it counts: requests by service, mode and
// outcome; forward latency; replies stored; streams and subscriptions;
// callback attempts by outcome and their latency; pending and dead
// deliveries.
func TestMetricsMove(t *testing.T) {
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasPrefix(req.URL.Path, "/fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer hooks.Close()
	m := api.NewMetrics()
	r := newWiredRig(t, hooks.URL, func(h *hub.Config, d *callback.Config, a *api.Config) {
		h.Observer, d.Observer, a.Metrics = m, m, m
	})
	before := scrape(t, r)
	if got := sample(before, `callhub_deliveries_pending`); got != 0 {
		t.Errorf("pending before traffic = %v, want 0", got)
	}
	ok := r.async(map[string]any{"callback": map[string]any{"url": "/ok"}})
	bad := r.async(map[string]any{"callback": map[string]any{"url": "/fail"}})
	if st, _ := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "nope", "path": "/"}); st != 404 {
		t.Fatalf("unknown service = %d, want 404", st)
	}
	conn := r.dial("cid="+ok.CID, "shop-key")
	readFrame(t, conn) // subscribed
	for _, cid := range []string{ok.CID, bad.CID} {
		if st, a := r.reply(cid, "svc-key", map[string]any{"data": map[string]any{"n": 1}}); st != 202 {
			t.Fatalf("reply = %d %+v", st, a)
		}
	}
	readFrame(t, conn) // the reply
	var text string
	testwait.Until(t, "one delivered and one dead callback", func() bool {
		text = scrape(t, r)
		return sample(text, `callhub_deliveries_dead`) == 1 && sample(text, `callhub_callback_attempts_total{outcome="ok"}`) == 1
	})
	for series, want := range map[string]float64{
		`callhub_requests_total{mode="async",outcome="ok",service="svc"}`:           2,
		`callhub_requests_total{mode="sync",outcome="not_found",service="unknown"}`: 1,
		`callhub_forward_duration_seconds_count{service="svc"}`:                     2,
		`callhub_replies_stored_total`:                                              2,
		`callhub_open_streams{kind="websocket"}`:                                    1,
		`callhub_subscriptions{kind="cid"}`:                                         1,
		`callhub_callback_attempts_total{outcome="http_error"}`:                     2,
		`callhub_callback_attempt_duration_seconds_count`:                           3,
		`callhub_deliveries_pending`:                                                0,
		`callhub_deliveries_oldest_pending_age_seconds`:                             0,
		`callhub_slow_consumer_drops_total`:                                         0,
		`callhub_redis_errors_total`:                                                0,
		`callhub_clock_offset_seconds`:                                              0,
		`callhub_ready`:                                                             1,
	} {
		if got := sample(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

// TestMetricsClockOffset: callhub_clock_offset_seconds shows the last
// offset ClockOffset (redisstore's OnClockOffset) was given, in seconds;
// 0 before any (store: memory).
func TestMetricsClockOffset(t *testing.T) {
	m := api.NewMetrics()
	r := newWiredRig(t, "", func(_ *hub.Config, _ *callback.Config, a *api.Config) { a.Metrics = m })
	if got := sample(scrape(t, r), `callhub_clock_offset_seconds`); got != 0 {
		t.Errorf("callhub_clock_offset_seconds before any measurement = %v, want 0", got)
	}
	m.ClockOffset(-1500 * time.Millisecond)
	m.ClockOffset(250 * time.Millisecond)
	if got := sample(scrape(t, r), `callhub_clock_offset_seconds`); got != 0.25 {
		t.Errorf("callhub_clock_offset_seconds = %v, want 0.25 (the last offset)", got)
	}
}
