package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testlog"
	"github.com/callhub/callhub/internal/testwait"
)

// redisRig is a rig on a real Redis, logging into the returned buffer.
func redisRig(t *testing.T) (*rig, *redistest.Server, *testlog.Buffer) {
	t.Helper()
	srv := redistest.Start(t)
	st, err := redisstore.Open(redisstore.Config{URL: srv.URL(0), KeyPrefix: t.Name() + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &testlog.Buffer{}
	r := newRig(t, rigOptions{store: st, broker: st.Broker(), logger: slog.New(slog.NewTextHandler(logs, nil))})
	return r, srv, logs
}

// TestUnavailableHidesStoreAddress: with Redis gone, every 503 is logged
// with its cause, and no answer carries the store's address.
func TestUnavailableHidesStoreAddress(t *testing.T) {
	r, srv, logs := redisRig(t)
	a := r.async(nil)
	srv.Stop()
	_, port, _ := strings.Cut(srv.Addr, ":")
	for _, c := range []struct{ method, path, key, body string }{
		{"POST", "/v1/requests", "shop-key", `{"serviceId":"svc","path":"/x"}`},
		{"GET", "/v1/requests/" + a.CID, "shop-key", ""},
		{"POST", "/data", "shop-key", "cid=" + a.CID},
		{"GET", "/readyz", "", ""},
	} {
		req, _ := http.NewRequest(c.method, r.URL+c.path, strings.NewReader(c.body))
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		if c.path == "/data" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s %s with Redis down = %d %s, want 503", c.method, c.path, resp.StatusCode, b)
		}
		if strings.Contains(string(b), port) || strings.Contains(string(b), "dial") {
			t.Errorf("%s %s answer = %s, names the store's address", c.method, c.path, b)
		}
	}
	if !strings.Contains(logs.String(), port) {
		t.Errorf("log does not name the cause:\n%s", logs)
	}
}

// TestReadyzWithinASecond: /readyz answers 503 within a second when
// Redis is stalled (SIGSTOP) or gone, and 200 again once it is back.
func TestReadyzWithinASecond(t *testing.T) {
	r, srv, _ := redisRig(t)
	client := &http.Client{Timeout: time.Second}
	readyz := func() (int, error) {
		resp, err := client.Get(r.URL + "/readyz")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if status, err := readyz(); status != 200 {
		t.Fatalf("readyz = %d %v, want 200", status, err)
	}
	srv.Pause()
	status, err := readyz()
	srv.Resume()
	if status != http.StatusServiceUnavailable {
		t.Errorf("readyz with Redis stalled = %d %v, want 503 within 1s", status, err)
	}
	testwait.Within(t, wait, "readyz 200 after Redis resumed", func() bool { status, _ := readyz(); return status == 200 })
	srv.Stop()
	if status, err := readyz(); status != http.StatusServiceUnavailable {
		t.Errorf("readyz with Redis gone = %d %v, want 503 within 1s", status, err)
	}
}

// TestOutageLoggedOnce: a Redis outage that refuses many requests is one
// ERROR line, however many it refuses; each refusal is counted in
// callhub_store_unavailable_refusals_total; the first success after
// Redis is back logs the outage's end, once.
func TestOutageLoggedOnce(t *testing.T) {
	r, srv, logs := redisRig(t)
	a := r.async(nil)
	srv.Stop()
	const refused = 30
	for i := range refused {
		path, body := "/v1/requests/"+a.CID, ""
		if i%2 == 1 {
			path, body = "/v1/requests", `{"serviceId":"svc","path":"/x"}`
		}
		method := map[bool]string{true: "GET", false: "POST"}[body == ""]
		req, _ := http.NewRequest(method, r.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer shop-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s %s with Redis down = %d, want 503", method, path, resp.StatusCode)
		}
	}
	if got := strings.Count(logs.String(), "level=ERROR"); got != 1 {
		t.Errorf("%d refused requests logged %d ERROR lines, want 1:\n%s", refused, got, logs)
	}
	if got := sample(scrape(t, r), "callhub_store_unavailable_refusals_total"); got != refused {
		t.Errorf("callhub_store_unavailable_refusals_total = %v, want %d", got, refused)
	}
	srv.Start()
	testwait.Until(t, "a request to succeed with Redis back", func() bool {
		status, _ := r.tryDo("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x", "async": true})
		return status == http.StatusAccepted
	})
	r.async(nil)
	if got := strings.Count(logs.String(), "store available again"); got != 1 {
		t.Errorf("the outage's end logged %d times, want 1:\n%s", got, logs)
	}
}
