package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
)

// adminRig is a config-mode hub (in memory, admin key, one attempt per
// delivery) with a service that hands out reply tokens and a callback
// receiver.
type adminRig struct {
	t    *testing.T
	hub  *proc
	recv *receiver

	mu     sync.Mutex
	tokens map[string]string // cid → reply token
}

func newAdminRig(t *testing.T) *adminRig {
	r := &adminRig{t: t, recv: newReceiver(), tokens: map[string]string{}}
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.tokens[req.Header.Get("Callhub-Cid")] = req.Header.Get("Callhub-Reply-Token")
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"accepted":true}`)
	}))
	t.Cleanup(svc.Close)
	recv := httptest.NewServer(r.recv)
	t.Cleanup(recv.Close)
	r.recv.url = recv.URL
	r.hub = startHub(t, fmt.Sprintf(`admin: {apiKey: "admin-key"}
callers: [{id: shop, apiKey: "shop-key", callbackBase: "%s"}]
services: [{id: svc, baseURL: "%s"}]
delivery: {maxAttempts: 1, timeout: 2s}
`, recv.URL, svc.URL))
	return r
}

// env is the environment of a CLI run against the hub with key.
func (r *adminRig) env(key string) []string {
	return []string{"CALLHUB_URL=" + r.hub.URL, "CALLHUB_KEY=" + key}
}

// deadDelivery sends an async request with a callback through the CLI,
// replies once, fails that callback, and returns the delivery's id once
// it is dead.
func (r *adminRig) deadDelivery() string {
	r.t.Helper()
	out := runCLI(r.t, r.env("shop-key"), "send", "--service", "svc", "--path", "/work", "--async",
		"--callback", "/cb", "--json").want(r.t, 0, "send --callback").jsonLines(r.t)
	cid := out[0]["cid"].(string)
	id := cid + ".1"
	r.recv.failFirst(id, 1)
	r.mu.Lock()
	token := r.tokens[cid]
	r.mu.Unlock()
	var ans map[string]any
	if got := doJSON(r.t, r.hub.URL+"/v1/replies/"+cid, token, map[string]any{"seq": 1, "isEnd": true}, &ans); got != http.StatusAccepted {
		r.t.Fatalf("POST reply = %d %v", got, ans)
	}
	testwait.Until(r.t, "delivery "+id+" dead", func() bool {
		var page struct {
			Deliveries []deliveryRow `json:"deliveries"`
		}
		getJSON(r.t, r.hub.URL+"/v1/deliveries?state=dead", "admin-key", &page)
		for _, d := range page.Deliveries {
			if d.ID == id {
				return true
			}
		}
		return false
	})
	return id
}

// delivered waits until the receiver accepted delivery id.
func (r *adminRig) delivered(id string) {
	r.t.Helper()
	testwait.Until(r.t, "delivery "+id+" delivered", func() bool {
		_, ok := r.recv.counts(id)
		return ok == 1
	})
}

// TestCLIDeliveries: list shows a dead delivery (JSON and table), retry
// and retry-dead replay them, a caller key is refused.
func TestCLIDeliveries(t *testing.T) {
	t.Parallel()
	r := newAdminRig(t)
	id := r.deadDelivery()

	doc := runCLI(t, r.env("admin-key"), "deliveries", "list", "--state", "dead", "--json").
		want(t, 0, "deliveries list --json").jsonLines(t)
	list, _ := doc[0]["deliveries"].([]any)
	if len(doc) != 1 || len(list) != 1 || list[0].(map[string]any)["id"] != id {
		t.Fatalf("deliveries list --json = %v, want one document listing %s", doc, id)
	}
	table := runCLI(t, r.env("admin-key"), "deliveries", "list").want(t, 0, "deliveries list").stdout
	if !strings.HasPrefix(table, "ID ") || !strings.Contains(table, id) || !strings.Contains(table, "dead") {
		t.Errorf("deliveries list =\n%s\nwant a table with %s dead", table, id)
	}
	out := runCLI(t, r.env("admin-key"), "deliveries", "retry", id).want(t, 0, "deliveries retry").stdout
	if out != "queued "+id+"\n" {
		t.Errorf("deliveries retry = %q", out)
	}
	r.delivered(id)

	id2 := r.deadDelivery()
	doc = runCLI(t, r.env("admin-key"), "deliveries", "retry-dead", "--caller", "shop", "--since", "1h", "--json").
		want(t, 0, "deliveries retry-dead").jsonLines(t)
	if doc[0]["queued"] != 1.0 {
		t.Errorf("deliveries retry-dead --json = %v, want queued 1", doc)
	}
	r.delivered(id2)

	res := runCLI(t, r.env("shop-key"), "deliveries", "list").want(t, 1, "deliveries list with a caller key")
	if !strings.Contains(res.stderr, "hub answered 403") {
		t.Errorf("deliveries list with a caller key: stderr %q, want the hub's 403", res.stderr)
	}
	runCLI(t, r.env("admin-key"), "deliveries", "retry", "no-such-cid.1").want(t, 1, "retry of an unknown delivery")
	res = runCLI(t, r.env(""), "deliveries", "list").want(t, 1, "deliveries list without a key")
	if !strings.Contains(res.stderr, "hub answered 401") || !strings.Contains(res.stderr, "pass --key or set CALLHUB_KEY") {
		t.Errorf("deliveries list without a key: stderr %q, want the 401 and what to do", res.stderr)
	}
	res = runCLI(t, []string{"CALLHUB_URL=" + r.hub.URL + "/sub", "CALLHUB_KEY=admin-key"}, "deliveries", "list").want(t, 1, "a --hub with a path")
	if !strings.Contains(res.stderr, "is --hub the hub's base URL?") {
		t.Errorf("deliveries list on a wrong --hub: stderr %q, want a hint about --hub", res.stderr)
	}
}

// TestCLIEndpoints: enable answers with the endpoint; list shows the
// endpoints, or (on a hub without GET /v1/endpoints) the hub's error.
func TestCLIEndpoints(t *testing.T) {
	t.Parallel()
	r := newAdminRig(t)
	ep := r.recv.url
	doc := runCLI(t, r.env("admin-key"), "endpoints", "enable", ep, "--json").want(t, 0, "endpoints enable").jsonLines(t)
	if doc[0]["endpoint"] != ep {
		t.Errorf("endpoints enable --json = %v, want endpoint %s", doc, ep)
	}
	// What the hub would refuse is refused before it is sent: exit 2.
	res := runCLI(t, r.env("admin-key"), "endpoints", "enable", "not-a-url").want(t, 2, "endpoints enable not-a-url")
	if !strings.Contains(res.stderr, "ENDPOINT must be an http(s) URL") {
		t.Errorf("endpoints enable not-a-url: stderr %q, want the hub's reason", res.stderr)
	}
	res = runCLI(t, r.env("admin-key"), "endpoints", "list", "--json")
	switch {
	case res.code == 0:
		if _, ok := res.jsonLines(t)[0]["endpoints"]; !ok {
			t.Errorf("endpoints list --json = %q, want {endpoints: [...]}", res.stdout)
		}
	case res.code != 1 || !strings.Contains(res.stderr, "GET /v1/endpoints: hub answered 404"):
		t.Errorf("endpoints list = exit %d, stderr %q; want 0, or 1 with the hub's 404", res.code, res.stderr)
	}
}

// getJSON GETs url with a bearer key and decodes the answer into out.
func getJSON(t *testing.T, url, key string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestCLIServices: services lists each service with its breaker, as a
// table or (--json) the hub's document; a caller's key is refused.
func TestCLIServices(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	h := startHub(t, fmt.Sprintf(`admin: {apiKey: "admin-key"}
callers: [{id: shop, apiKey: "shop-key"}]
services:
  - {id: pay, baseURL: "%[1]s", breaker: {failures: 1, cooldown: 1h}}
  - {id: search, baseURL: "%[1]s"}
`, down.URL))
	env := func(key string) []string { return []string{"CALLHUB_URL=" + h.URL, "CALLHUB_KEY=" + key} }
	runCLI(t, env("shop-key"), "send", "--service", "pay", "--path", "/x") // answered 503 by pay: opens its breaker
	res := runCLI(t, env("admin-key"), "services").want(t, 0, "services")
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.Contains(lines[1], "pay") || !strings.Contains(lines[1], "open") || strings.Contains(lines[1], " - ") ||
		!strings.Contains(lines[2], "search") || !strings.Contains(lines[2], "closed") {
		t.Errorf("services =\n%s\nwant a header, pay open until a time, search closed", res.stdout)
	}
	doc := runCLI(t, env("admin-key"), "services", "list", "--json").want(t, 0, "services list --json").jsonLines(t)
	svcs, _ := doc[0]["services"].([]any)
	if len(svcs) != 2 {
		t.Fatalf("services --json = %v, want {services: [pay, search]}", doc)
	}
	if pay, _ := svcs[0].(map[string]any); pay["breaker"] != "open" || pay["failures"] != 1.0 || pay["openUntil"] == nil {
		t.Errorf("pay = %v, want open with 1 failure and openUntil", pay)
	}
	res = runCLI(t, env("shop-key"), "services").want(t, 1, "services with a caller key")
	if !strings.Contains(res.stderr, "403") {
		t.Errorf("services with a caller key: stderr %q, want the hub's 403", res.stderr)
	}
	runCLI(t, env("admin-key"), "services", "extra").want(t, 2, "services with an argument")
}
