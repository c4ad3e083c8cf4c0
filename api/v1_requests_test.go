package api_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
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
		{"wrong type", map[string]any{"serviceId": "svc", "path": "/x", "seq": "one"}, "shop-key", 400, "seq: must be an integer"},
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

// TestRequestServiceDown: a forward that fails is a 502 that names the cid
// its failure is stored under, so the caller can look it up or repeat the
// step and get the stored failure.
func TestRequestServiceDown(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.svc.srv.Close()
	status, a := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x"})
	if status != http.StatusBadGateway || !strings.Contains(a.Msg, "unreachable") || a.CID == "" {
		t.Fatalf("= %d %+v, want 502 unreachable with the cid", status, a)
	}
	if status, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil); status != 200 || rec.State != "failed" {
		t.Errorf("GET the cid of the failure = %d %+v, want its failed record", status, rec)
	}
	status, again := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x", "cid": a.CID})
	if status != http.StatusBadGateway || again.CID != a.CID || !strings.Contains(again.Msg, "stored outcome") {
		t.Errorf("the step repeated = %d %+v, want the stored 502 with cid %s", status, again, a.CID)
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

func TestSyncStepRepeat(t *testing.T) {
	r := newRig(t, rigOptions{})
	req := map[string]any{"serviceId": "svc", "method": "POST", "path": "/pay", "cid": "order-17", "seq": 1}
	s1, a := r.do("POST", "/v1/requests", "shop-key", req)
	s2, b := r.do("POST", "/v1/requests", "shop-key", req)
	if s1 != http.StatusOK || s2 != s1 || b.CID != a.CID || b.Seq != a.Seq || b.Status != a.Status || string(b.Data) != string(a.Data) {
		t.Errorf("repeat = %d %+v, want the first answer %d %+v", s2, b, s1, a)
	}
	if got := r.svc.hits(); got != 1 {
		t.Errorf("service hit %d times, want 1", got)
	}
}

// TestStepInFlightConflicts: a repeat of a step that is still being
// forwarded is refused with 409, and the step is forwarded once.
func TestStepInFlightConflicts(t *testing.T) {
	r := newRig(t, rigOptions{})
	entered, release := make(chan struct{}), make(chan struct{})
	r.svc.answer = func(w http.ResponseWriter, _ *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	}
	req := map[string]any{"serviceId": "svc", "path": "/slow", "cid": "c-inflight"}
	first := make(chan int, 1)
	go func() {
		status, _ := r.tryDo("POST", "/v1/requests", "shop-key", req)
		first <- status
	}()
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("the service never got the first request")
	}
	status, a := r.do("POST", "/v1/requests", "shop-key", req)
	close(release)
	if status != http.StatusConflict || !strings.Contains(a.Msg, "seq") {
		t.Errorf("repeat while forwarding = %d %+v, want 409 naming seq", status, a)
	}
	if got := <-first; got != http.StatusOK {
		t.Errorf("first request = %d, want 200", got)
	}
	if status, a := r.do("POST", "/v1/requests", "shop-key", req); status != http.StatusOK || string(a.Data) != `"done"` || r.svc.hits() != 1 {
		t.Errorf("repeat after = %d %+v after %d forwards, want the stored answer", status, a, r.svc.hits())
	}
}

// TestRequestRefusedBeforeForward: input the hub cannot forward is a 400
// naming the field, the service is not called, and the cid stays usable.
func TestRequestRefusedBeforeForward(t *testing.T) {
	r := newRig(t, rigOptions{})
	tests := []struct {
		name, field string
		req         map[string]any
	}{
		{"bad escape in path", "path", map[string]any{"path": "/a%zz"}},
		{"control character in path", "path", map[string]any{"path": "/a\nb"}},
		{"header value with CRLF", "headers", map[string]any{"path": "/x", "headers": map[string]string{"X-A": "1\r\nX-Injected: 1"}}},
		{"header name with a space", "headers", map[string]any{"path": "/x", "headers": map[string]string{"X A": "1"}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cid := "refused-" + strconv.Itoa(i)
			tt.req["serviceId"], tt.req["cid"] = "svc", cid
			status, a := r.do("POST", "/v1/requests", "shop-key", tt.req)
			if status != http.StatusBadRequest || !strings.HasPrefix(a.Msg, tt.field) {
				t.Errorf("= %d %+v, want 400 naming %s", status, a, tt.field)
			}
			before := r.svc.hits()
			status, a = r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x", "cid": cid})
			if status != http.StatusOK || r.svc.hits() != before+1 {
				t.Errorf("the same cid corrected = %d %+v, want forwarded and 200", status, a)
			}
		})
	}
}

// TestFailedStepRepeat: a step whose forward failed answers the same
// failure again, without forwarding, and the record says failed.
func TestFailedStepRepeat(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.svc.answer = func(w http.ResponseWriter, req *http.Request) {
		<-req.Context().Done()
	}
	req := map[string]any{"serviceId": "svc", "path": "/slow", "cid": "c-slow", "timeoutMs": 50}
	for i := range 2 {
		if status, a := r.do("POST", "/v1/requests", "shop-key", req); status != http.StatusGatewayTimeout {
			t.Errorf("try %d = %d %+v, want 504", i+1, status, a)
		}
	}
	if got := r.svc.hits(); got != 1 {
		t.Errorf("service hit %d times, want 1", got)
	}
	if status, rec := r.do("GET", "/v1/requests/c-slow", "shop-key", nil); rec.State != "failed" {
		t.Errorf("record = %d %+v, want state failed", status, rec)
	}
}

// TestCallerGoneStepCompletes: a caller that gives up while its step is
// being forwarded, then retries, gets the service's answer: the forward
// is not cut short, and nothing is forwarded twice.
func TestCallerGoneStepCompletes(t *testing.T) {
	r := newRig(t, rigOptions{})
	entered, release := make(chan struct{}), make(chan struct{})
	r.svc.answer = func(w http.ResponseWriter, _ *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "paid")
	}
	body := `{"serviceId":"svc","method":"POST","path":"/pay","cid":"c-gone"}`
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", r.URL+"/v1/requests", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer shop-key")
	gone := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		gone <- err
	}()
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("the service never got the request")
	}
	cancel()
	if err := <-gone; err == nil {
		t.Fatal("the caller's request was not cut off")
	}
	close(release)
	var status int
	var a answer
	testwait.Until(t, "the step to finish", func() bool {
		status, a = r.do("POST", "/v1/requests", "shop-key", body)
		return status != http.StatusConflict // 409: still being forwarded
	})
	if status != http.StatusOK || string(a.Data) != `"paid"` || r.svc.hits() != 1 {
		t.Errorf("retry = %d %+v after %d forwards, want the service's answer, forwarded once", status, a, r.svc.hits())
	}
}
