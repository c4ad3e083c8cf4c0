package main

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// stallBound is how soon a hub on a stalled Redis must answer: its
// redis.timeout is 1s, and the check is generous for a busy machine.
const stallBound = 5 * time.Second

// TestRedisStalledAnswers503: with Redis stopped (SIGSTOP: its
// connections stay open, nothing answers), a request, a reply, a record
// read and /readyz each get 503 within a few seconds, not after the Redis
// client's timeouts and retries; after SIGCONT the hub serves again.
func TestRedisStalledAnswers503(t *testing.T) {
	c := newCluster(t)
	p := c.start()
	cid, _ := c.send(p, false)
	c.redis.Pause()
	t.Cleanup(c.redis.Resume) // before the server's own cleanup stops it
	client := &http.Client{Timeout: 30 * time.Second}
	for _, r := range []struct{ method, path, key, body string }{
		{"POST", "/v1/requests", "shop-key", `{"serviceId":"svc","path":"/x","async":true}`},
		{"POST", "/v1/replies/" + cid, c.token(cid), `{"seq":1,"isEnd":true}`},
		{"GET", "/v1/requests/" + cid, "shop-key", ""},
		{"GET", "/readyz", "", ""},
	} {
		req, _ := http.NewRequest(r.method, p.URL+r.path, bytes.NewReader([]byte(r.body)))
		req.Header.Set("Content-Type", "application/json")
		if r.key != "" {
			req.Header.Set("Authorization", "Bearer "+r.key)
		}
		start := time.Now()
		resp, err := client.Do(req)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s %s with Redis stalled: %v after %s", r.method, r.path, err, took)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || took > stallBound {
			t.Errorf("%s %s with Redis stalled = %d after %s, want 503 within %s",
				r.method, r.path, resp.StatusCode, took, stallBound)
		}
		t.Logf("%s %s with Redis stalled: %d after %s", r.method, r.path, resp.StatusCode, took)
	}
	c.redis.Resume()
	resumed := time.Now()
	waitReady(t, p)
	t.Logf("ready %s after SIGCONT", time.Since(resumed))
	c.reply(p, cid, 1, true)
	if rec := record(t, p, cid); len(rec.Replies) != 1 {
		t.Errorf("after the stall the record holds %d replies, want 1", len(rec.Replies))
	}
}
