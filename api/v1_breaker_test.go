package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// servicesList is GET /v1/services.
type servicesList struct {
	Code     int
	Services []struct {
		ID, BaseURL, Breaker string
		Failures             int
		OpenUntil            *time.Time
	}
}

// refusal sends one request and returns its status, Retry-After and body.
func (r *rig) refusal(path, contentType, body string) (int, string, string) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer shop-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// TestBreakerAnswers503: after two failed forwards every kind of request
// to svc is answered 503 with Retry-After and a msg naming svc, and svc
// receives none of them; the old endpoints answer code 2, as for an
// unreachable service. After the cooldown one probe goes through and
// closes the breaker.
func TestBreakerAnswers503(t *testing.T) {
	var off atomic.Int64 // the hub's clock stands still but when the test moves it
	start := time.Now()
	now := func() time.Time { return start.Add(time.Duration(off.Load())) }
	r := newRig(t, rigOptions{now: now, breaker: hub.Breaker{Failures: 2, Cooldown: 30 * time.Second}})
	r.svc.answer = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }
	sync := `{"serviceId":"svc","path":"/x"}`
	for range 2 {
		if s, _, body := r.refusal("/v1/requests", "application/json", sync); s != 200 || !strings.Contains(body, `"status":503`) {
			t.Fatalf("forward to a failing service = %d %s, want 200 carrying its 503", s, body)
		}
	}
	off.Add(int64(1500 * time.Millisecond))
	for _, tt := range []struct{ name, path, ctype, body, code string }{
		{"sync", "/v1/requests", "application/json", sync, `"code":503`},
		{"async", "/v1/requests", "application/json", `{"serviceId":"svc","path":"/x","async":true}`, `"code":503`},
		{"download", "/v1/requests", "application/json", `{"serviceId":"svc","path":"/x","download":true}`, `"code":503`},
		{"/msg", "/msg", "application/x-www-form-urlencoded", oldForm(map[string]string{"serviceId": "svc"}), `"code":2`},
		{"/download", "/download", "application/x-www-form-urlencoded", oldForm(map[string]string{"serviceId": "svc"}), `"code":2`},
	} {
		s, retry, body := r.refusal(tt.path, tt.ctype, tt.body)
		if s != 503 || retry != "29" || !strings.Contains(body, tt.code) || !strings.Contains(body, "service svc") {
			t.Errorf("%s to an open breaker = %d, Retry-After %q, %s; want 503, 29, %s naming svc", tt.name, s, retry, body, tt.code)
		}
	}
	if n := r.svc.hits(); n != 2 {
		t.Errorf("svc received %d requests, want only the 2 before the breaker opened", n)
	}
	text := scrape(t, r)
	for series, want := range map[string]float64{
		`callhub_service_breaker_state{service="svc"}`:       2,
		`callhub_service_breaker_state{service="other"}`:     0,
		`callhub_service_breaker_opens_total{service="svc"}`: 1,
	} {
		if got := sample(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	var l servicesList
	if s, err := r.tryGet("/v1/services", "admin-key", &l); s != 200 || err != nil || len(l.Services) != 2 {
		t.Fatalf("GET /v1/services = %d, %v, %+v", s, err, l)
	}
	if got := l.Services[1]; got.ID != "svc" || got.Breaker != "open" || got.Failures != 2 || got.OpenUntil == nil ||
		got.OpenUntil.Sub(now()) != 28500*time.Millisecond || got.BaseURL != r.svc.srv.URL {
		t.Errorf("svc = %+v, want open with 2 failures until 28.5s from now", got)
	}
	r.svc.answer = nil
	off.Add(int64(29 * time.Second))
	if s, _, body := r.refusal("/v1/requests", "application/json", sync); s != 200 || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("probe after the cooldown = %d %s, want forwarded", s, body)
	}
	l = servicesList{}
	r.tryGet("/v1/services", "admin-key", &l)
	if got := l.Services[1]; got.Breaker != "closed" || got.Failures != 0 || got.OpenUntil != nil {
		t.Errorf("after a good probe svc = %+v, want closed, no failures, no openUntil", got)
	}
}

// TestServicesAdminOnly: GET /v1/services lists every service, closed,
// for the admin key; a caller key is 403, no key 401.
func TestServicesAdminOnly(t *testing.T) {
	r := newRig(t, rigOptions{})
	for key, want := range map[string]int{"shop-key": 403, "svc-key": 403, "": 401} {
		if s, _ := r.do("GET", "/v1/services", key, nil); s != want {
			t.Errorf("GET /v1/services with %q = %d, want %d", key, s, want)
		}
	}
	status, raw := r.send("GET", "/v1/services", "admin-key", nil)
	var l servicesList
	if err := json.Unmarshal(raw, &l); status != 200 || err != nil || l.Code != 0 || len(l.Services) != 2 {
		t.Fatalf("GET /v1/services = %d %s", status, raw)
	}
	for i, id := range []string{"other", "svc"} {
		if got := l.Services[i]; got.ID != id || got.Breaker != "closed" || got.OpenUntil != nil {
			t.Errorf("service %d = %+v, want %s closed", i, got, id)
		}
	}
	if strings.Contains(string(raw), "openUntil") {
		t.Errorf("closed breakers show openUntil: %s", raw)
	}
}
