package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/callhub/callhub/internal/testlog"
	"github.com/callhub/callhub/internal/testwait"
)

// logSecrets are the credentials of logHubConfig: none may reach a log.
const (
	logCallerKey  = "caller-key-0a1b2c3d"
	logServiceKey = "service-key-4e5f6a7b"
	logAdminKey   = "admin-key-8c9d0e1f"
	logHubSecret  = "hub-secret-2a3b4c5d"
	logWebhook    = "whsec_c2VjcmV0LXdlYmhvb2sta2V5LTk5"
	logWrongKey   = "wrong-key-6e7f8a9b"
)

// logHub is a hub serving in-process with its log in buf, a service
// that records what the hub forwards and a callback receiver that always
// fails.
type logHub struct {
	url      string
	buf      *testlog.Buffer
	mu       sync.Mutex
	forwards []http.Header
	forms    []url.Values
}

func startLogHub(t *testing.T) (*logHub, func()) {
	t.Helper()
	return startLogHubWith(t, "")
}

// startLogHubWith is startLogHub with extra YAML appended to its config.
func startLogHubWith(t *testing.T, extra string) (*logHub, func()) {
	t.Helper()
	h := &logHub{buf: &testlog.Buffer{}}
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		h.mu.Lock()
		h.forwards, h.forms = append(h.forwards, r.Header.Clone()), append(h.forms, r.Form)
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"accepted":true}`))
	}))
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	yaml := `secret: ` + logHubSecret + `
admin: {apiKey: ` + logAdminKey + `}
callers: [{id: shop, apiKey: ` + logCallerKey + `, callbackBase: "` + hooks.URL + `", webhookSecret: "` + logWebhook + `"}]
services: [{id: svc, baseURL: "` + svc.URL + `", apiKey: ` + logServiceKey + `}]
delivery: {maxAttempts: 2, schedule: [10ms], timeout: 2s}
log: {format: json, level: debug}
` + extra
	cfg, err := loadConfig(writeConfig(t, yaml), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(cfg, ln.Addr(), h.buf)
	if err != nil {
		t.Fatal(err)
	}
	h.url = a.public
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, ln) }()
	return h, func() { cancel(); <-done; svc.Close(); hooks.Close() }
}

// send makes one HTTP request with an optional bearer key and form or
// JSON body, and returns its status and decoded JSON answer.
func (h *logHub) send(t *testing.T, method, path, key string, body any) (int, map[string]any) {
	t.Helper()
	var rd *strings.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
		rd = strings.NewReader("")
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd = strings.NewReader(string(j))
	}
	req, _ := http.NewRequest(method, h.url+path, rd)
	req.Header.Set("Content-Type", ct)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// lastForward returns the headers and form of the latest forward.
func (h *logHub) lastForward() (http.Header, url.Values) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.forwards[len(h.forwards)-1], h.forms[len(h.forms)-1]
}

// TestLogsHoldNoSecrets drives a hub through requests, replies, reads
// by token, old-form answers by callbackId, admin calls, failing auth
// and a callback that goes dead, with a JSON log, and checks that every
// line is JSON, that the lines operators need are there, and that no
// key, token, callbackId or secret appears in any of them.
func TestLogsHoldNoSecrets(t *testing.T) {
	h, stop := startLogHub(t)
	secrets := []string{logCallerKey, logServiceKey, logAdminKey, logHubSecret, logWebhook,
		strings.TrimPrefix(logWebhook, "whsec_"), logWrongKey, "rt.forged-token", "wt.forged-token"}
	want := func(status, wantStatus int, what string) {
		t.Helper()
		if status != wantStatus {
			t.Fatalf("%s: status %d, want %d", what, status, wantStatus)
		}
	}
	st, _ := h.send(t, "POST", "/v1/requests", logWrongKey, map[string]any{"serviceId": "svc", "path": "/x"})
	want(st, 401, "request with a wrong key")
	st, _ = h.send(t, "POST", "/v1/requests", "rt.forged-token", map[string]any{"serviceId": "svc", "path": "/x"})
	want(st, 401, "request with a reply token as key")
	st, out := h.send(t, "POST", "/v1/requests", logCallerKey, map[string]any{"serviceId": "svc", "path": "/a",
		"async": true, "callback": map[string]any{"url": "/hook"}})
	want(st, 202, "async request")
	cid, wsToken := out["cid"].(string), out["wsToken"].(string)
	hdr, _ := h.lastForward()
	replyToken := hdr.Get("Callhub-Reply-Token")
	secrets = append(secrets, wsToken, replyToken)
	st, _ = h.send(t, "POST", "/v1/replies/"+cid, "rt.forged-token", map[string]any{"seq": 1, "isEnd": false})
	want(st, 401, "reply with a forged token")
	st, _ = h.send(t, "POST", "/v1/replies/"+cid, replyToken, map[string]any{"seq": 1, "isEnd": false})
	want(st, 202, "reply by reply token")
	st, _ = h.send(t, "POST", "/v1/replies/"+cid, logServiceKey, map[string]any{"seq": 2, "data": map[string]any{"n": 2}})
	want(st, 202, "reply by service key")
	st, _ = h.send(t, "GET", "/v1/requests/"+cid+"?token="+url.QueryEscape(wsToken), "", nil)
	want(st, 200, "read by ws token")
	st, _ = h.send(t, "GET", "/v1/requests/"+cid+"?token=wt.forged-token", "", nil)
	want(st, 401, "read by a forged ws token")

	st, out = h.send(t, "POST", "/msg", logCallerKey, url.Values{"serviceId": {"svc"}, "url": {"/old"}, "method": {"POST"},
		"data": {`{"a":1}`}, "bReq": {"1"}, "sync": {"0"}, "cid": {"old-cid-1"}, "callbackUrl": {"/old-hook"}, "callbackMethod": {"POST"}})
	if st != 200 {
		t.Fatalf("old async request: %d %v", st, out)
	}
	_, form := h.lastForward()
	callbackID := form.Get("callbackId")
	if callbackID == "" {
		t.Fatal("the old-form forward carries no callbackId")
	}
	secrets = append(secrets, callbackID)
	st, _ = h.send(t, "POST", "/msg", logServiceKey, url.Values{"bReq": {"0"}, "callbackId": {callbackID},
		"cid": {"random-default"}, "data": {`{"ok":1}`}})
	want(st, 200, "old answer by callbackId")

	st, _ = h.send(t, "GET", "/v1/deliveries", logCallerKey, nil)
	want(st, 403, "deliveries with a caller key")
	testwait.Until(t, "a dead delivery", func() bool {
		_, out := h.send(t, "GET", "/v1/deliveries?state=dead", logAdminKey, nil)
		items, _ := out["deliveries"].([]any)
		return len(items) > 0
	})
	stop()

	log := h.buf.String()
	checkLogLines(t, log, cid)
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("the log holds the secret %q", s)
		}
	}
}

// checkLogLines requires every line to be JSON and the access-log,
// failed-attempt and dead-delivery lines to be there.
func checkLogLines(t *testing.T, log, cid string) {
	t.Helper()
	var access, failed, dead bool
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		switch m["msg"] {
		case "request":
			access = access || m["route"] == "/v1/replies/:cid" && m["cid"] == cid && m["service"] == "svc" &&
				m["status"] == 202.0 && m["method"] == "POST" && m["durationMs"] != nil
		case "callback attempt failed":
			failed = failed || m["level"] == "WARN" && m["status"] == 500.0 && strings.HasPrefix(m["endpoint"].(string), "http://127.0.0.1:")
		case "delivery dead":
			dead = dead || m["level"] == "ERROR"
		}
	}
	if !access || !failed || !dead {
		t.Errorf("access line %v, failed-attempt WARN %v, dead ERROR %v; want all:\n%s", access, failed, dead, log)
	}
}
