package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestJSONLogsDuringRedisOutage: with log.format json, every line the
// hub writes is a JSON object (stdout's banner too: the process shares
// stdout with stderr here, as a container's log does), also while Redis is down and
// go-redis logs on its own (its lines come through the hub's logger,
// marked lib=go-redis), and after Redis is back.
func TestJSONLogsDuringRedisOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	p := startHub(t, "store: redis\nredis: {url: \""+srv.URL(0)+"\"}\nsecret: s\nlog: {format: json}\n"+
		"callers: [{id: shop, apiKey: shop-key}]\n")
	srv.Stop()
	testwait.Until(t, "go-redis to log the outage", func() bool {
		if resp, err := http.Get(p.URL + "/readyz"); err == nil {
			resp.Body.Close()
		}
		return strings.Contains(p.Logs(), "go-redis") || strings.Contains(p.Logs(), "redis: ")
	})
	srv.Start()
	testwait.Until(t, "the hub to be ready again", func() bool {
		resp, err := http.Get(p.URL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	p.Terminate(t)
	var fromRedis int
	for _, line := range strings.Split(strings.TrimSpace(p.Logs()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("a line is not JSON: %q", line)
			continue
		}
		if m["lib"] == "go-redis" {
			fromRedis++
		}
	}
	if fromRedis == 0 {
		t.Errorf("no line marked lib=go-redis during the outage:\n%s", p.Logs())
	}
}
