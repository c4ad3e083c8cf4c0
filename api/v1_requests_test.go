package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSyncRequestForwards(t *testing.T) {
	r := newRig(t, rigOptions{})
	status, a := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "method": "GET",
		"path": "/users?active=1", "query": map[string]any{"page": 2}, "form": map[string]any{"name": "ann", "tags": []any{"a", "b"}},
		"headers": map[string]string{"X-Trace": "t1", "Connection": "close", "Upgrade": "h2c", "Callhub-Cid": "forged", "Transfer-Encoding": "chunked"}})
	if status != http.StatusOK || a.Code != 0 || a.Msg != "ok" || a.Status != 200 || string(a.Data) != `{"ok":true}` || a.CID == "" {
		t.Fatalf("sync answer = %d %+v", status, a)
	}
	req, _ := r.svc.last()
	q := req.URL.Query()
	if q.Get("cid") != a.CID || q.Get("active") != "1" || q.Get("page") != "2" || q.Get("name") != "ann" || strings.Join(q["tags"], ",") != "a,b" {
		t.Errorf("service saw query %v, want cid, active, page, name, tags", q)
	}
	h := req.Header
	want := map[string]string{"Callhub-Cid": a.CID, "Callhub-Seq": "1", "Callhub-Is-End": "true", "Callhub-Caller": "shop",
		"Callhub-Reply-Url": r.URL + "/v1/replies/" + a.CID, "X-Access-Token": "svc-token", "X-Trace": "t1"}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("service saw %s = %q, want %q", k, h.Get(k), v)
		}
	}
	if h.Get("Callhub-Reply-Token") == "" || h.Get("Upgrade") != "" || h.Get("Transfer-Encoding") != "" {
		t.Errorf("service saw headers %v: want a reply token and no hop-by-hop headers", h)
	}
}

func TestSyncRequestFormBodyAndTextAnswer(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.svc.answer = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made it")
	}
	status, a := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "method": "POST",
		"path": "/make", "form": map[string]any{"n": 1}})
	if status != http.StatusOK || a.Status != 201 || string(a.Data) != `"made it"` {
		t.Fatalf("answer = %d %+v, want status 201 and data as a string", status, a)
	}
	req, body := r.svc.last()
	if req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || !strings.Contains(body, "cid="+a.CID) || !strings.Contains(body, "n=1") {
		t.Errorf("service saw %s body %q, want a form with cid and n", req.Header.Get("Content-Type"), body)
	}
}

func TestAsyncRequestIdempotentStep(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	if a.WSToken == "" || a.Msg != "accepted" {
		t.Fatalf("async answer = %+v, want wsToken", a)
	}
	status, b := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "method": "POST",
		"path": "/work", "async": true, "cid": a.CID, "seq": 1})
	if status != http.StatusAccepted || b.CID != a.CID || string(b.Data) != string(a.Data) || r.svc.hits() != 1 {
		t.Errorf("repeat = %d %+v after %d forwards; want the stored answer, forwarded once", status, b, r.svc.hits())
	}
}

func TestRequestErrors(t *testing.T) {
	r := newRig(t, rigOptions{maxBody: 1024})
	slow := func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-req.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	tests := []struct {
		name   string
		body   any
		key    string
		status int
		msg    string
	}{
		{"missing serviceId", map[string]any{"path": "/x"}, "shop-key", 400, "serviceId: required"},
		{"bad method", map[string]any{"serviceId": "svc", "path": "/x", "method": "TRACE"}, "shop-key", 400, "method:"},
		{"path", map[string]any{"serviceId": "svc", "path": "x"}, "shop-key", 400, "path: must start with /"},
		{"unknown field", map[string]any{"serviceId": "svc", "path": "/x", "asynk": true}, "shop-key", 400, "asynk: unknown field"},
		{"wrong type", map[string]any{"serviceId": "svc", "path": "/x", "seq": "one"}, "shop-key", 400, "seq: must be a number"},
		{"malformed", `{"serviceId":`, "shop-key", 400, "body:"},
		{"callback method", map[string]any{"serviceId": "svc", "path": "/x", "callback": map[string]any{"url": "/cb", "method": "PUT"}}, "shop-key", 400, "callback.method"},
		{"too large", `{"serviceId":"svc","path":"/` + strings.Repeat("x", 2048) + `"}`, "shop-key", 413, "limit"},
		{"unknown service", map[string]any{"serviceId": "nope", "path": "/x"}, "shop-key", 404, "serviceId: unknown service"},
		{"no key", map[string]any{"serviceId": "svc", "path": "/x"}, "", 401, "Bearer"},
		{"bad key", map[string]any{"serviceId": "svc", "path": "/x"}, "wrong", 401, "unknown key"},
		{"service key", map[string]any{"serviceId": "svc", "path": "/x"}, "svc-key", 403, "caller key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, a := r.do("POST", "/v1/requests", tt.key, tt.body)
			if status != tt.status || a.Code != tt.status || !strings.Contains(a.Msg, tt.msg) {
				t.Errorf("= %d %+v, want %d with msg containing %q", status, a, tt.status, tt.msg)
			}
		})
	}
	r.svc.answer = slow
	status, a := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/slow", "timeoutMs": 50})
	if status != http.StatusGatewayTimeout {
		t.Errorf("slow service = %d %+v, want 504", status, a)
	}
}

func TestRequestServiceDown(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.svc.srv.Close()
	status, a := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x"})
	if status != http.StatusBadGateway || !strings.Contains(a.Msg, "unreachable") {
		t.Errorf("= %d %+v, want 502 unreachable", status, a)
	}
}

func TestCIDOfAnotherCallerConflicts(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	status, b := r.do("POST", "/v1/requests", "other-key", map[string]any{"serviceId": "svc", "path": "/x", "cid": a.CID, "seq": 2})
	if status != http.StatusConflict {
		t.Errorf("other caller reusing cid = %d %+v, want 409", status, b)
	}
	status, b = r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "other", "path": "/x", "cid": a.CID, "seq": 2})
	if status != http.StatusConflict {
		t.Errorf("reusing cid with another service = %d %+v, want 409", status, b)
	}
}

func TestHealthAndReady(t *testing.T) {
	r := newRig(t, rigOptions{})
	for _, p := range []string{"/healthz", "/readyz"} {
		if status, a := r.do("GET", p, "", nil); status != 200 || a.Code != 0 {
			t.Errorf("GET %s = %d %+v", p, status, a)
		}
	}
	resp, err := http.Get(r.URL + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics = %v %v", resp, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "callhub_http_requests_total") {
		t.Error("/metrics lacks callhub_http_requests_total")
	}
}

func TestRatePerCaller(t *testing.T) {
	r := newRig(t, rigOptions{rate: 1})
	req := map[string]any{"serviceId": "svc", "path": "/x"}
	if status, a := r.do("POST", "/v1/requests", "shop-key", req); status != http.StatusOK {
		t.Fatalf("first request = %d %+v", status, a)
	}
	status, a := r.do("POST", "/v1/requests", "shop-key", req)
	if status != http.StatusTooManyRequests || !strings.Contains(a.Msg, "rate") {
		t.Errorf("second request within the second = %d %+v, want 429", status, a)
	}
	if status, _ := r.do("POST", "/v1/requests", "other-key", req); status != http.StatusOK {
		t.Errorf("another caller = %d, want its own bucket", status)
	}
}
