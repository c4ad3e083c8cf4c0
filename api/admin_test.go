package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
)

// Tests of the admin API the console reads: requests, one delivery with
// its attempts, endpoints, stats, and the WebSocket ticket.

// adminList is the part of a GET /v1/requests answer the tests read.
type adminList struct {
	Requests []struct {
		CID, Caller, ServiceID, Mode, State string
		LastReply                           *struct{ Seq int }
	}
	Cursor string
}

// TestAdminRequests: newest first, paged by cursor, filtered; only the
// admin key may list.
func TestAdminRequests(t *testing.T) {
	r := newRig(t, rigOptions{})
	var cids []string
	for range 3 {
		cids = append(cids, r.async(nil).CID)
	}
	r.mustReply(cids[1], "svc-key", map[string]any{"seq": 1, "isEnd": false})
	if s, _ := r.do("POST", "/v1/requests", "other-key", map[string]any{"serviceId": "other", "path": "/x"}); s != 200 {
		t.Fatalf("sync request = %d", s)
	}
	var seen []string
	cursor := ""
	for page := 0; ; page++ {
		var l adminList
		if s, err := r.tryGet("/v1/requests?caller=shop&limit=2&cursor="+cursor, "admin-key", &l); s != 200 || err != nil {
			t.Fatalf("page %d = %d, %v", page, s, err)
		}
		for _, x := range l.Requests {
			seen = append(seen, x.CID)
			if x.Caller != "shop" || x.ServiceID != "svc" || x.Mode != "async" {
				t.Errorf("listed %+v, want shop's async request to svc", x)
			}
			if (x.CID == cids[1]) != (x.LastReply != nil) {
				t.Errorf("request %s last reply = %v", x.CID, x.LastReply)
			}
		}
		if cursor = l.Cursor; cursor == "" {
			break
		}
	}
	if want := fmt.Sprint([]string{cids[2], cids[1], cids[0]}); fmt.Sprint(seen) != want {
		t.Errorf("listed %v, want %s (newest first, once each)", seen, want)
	}
	var l adminList
	r.tryGet("/v1/requests?service=other&state=completed", "admin-key", &l)
	if len(l.Requests) != 1 || l.Requests[0].Caller != "other" || l.Requests[0].Mode != "sync" {
		t.Errorf("other's completed requests = %+v, want its one sync request", l.Requests)
	}
	for _, tt := range []struct {
		query, key string
		status     int
		field      string
	}{
		{"", "shop-key", 403, ""},
		{"", "", 401, ""},
		{"?state=zombie", "admin-key", 400, "state"},
		{"?since=yesterday", "admin-key", 400, "since"},
		{"?cursor=nope", "admin-key", 400, "cursor"},
		{"?limit=0", "admin-key", 400, "limit"},
	} {
		if s, a := r.do("GET", "/v1/requests"+tt.query, tt.key, nil); s != tt.status || !strings.Contains(a.Msg, tt.field) {
			t.Errorf("GET /v1/requests%s with %q = %d %q, want %d naming %q", tt.query, tt.key, s, a.Msg, tt.status, tt.field)
		}
	}
}

// TestAdminDeliveryAttempts: a dead delivery lists without nextAttemptAt;
// GET /v1/deliveries/{id} and the record show every attempt; the endpoint
// is listed with its caller and last status; stats count it.
func TestAdminDeliveryAttempts(t *testing.T) {
	hk := &hooks{down: true}
	hs := httptest.NewServer(hk)
	defer hs.Close()
	r := newRig(t, rigOptions{hooks: hs.URL})
	a := r.async(map[string]any{"callback": map[string]string{"url": "/cb", "method": "POST"}})
	r.mustReply(a.CID, r.replyToken(), map[string]any{"seq": 1})
	id := a.CID + ".1"
	testwait.Until(t, "dead delivery", func() bool {
		_, m := r.raw("GET", "/v1/deliveries/"+id, "admin-key", nil)
		d, _ := m["delivery"].(map[string]any)
		return d != nil && d["state"] == "dead"
	})
	_, list := r.raw("GET", "/v1/deliveries?state=dead", "admin-key", nil)
	dead := list["deliveries"].([]any)[0].(map[string]any)
	if _, ok := dead["nextAttemptAt"]; ok || dead["id"] != id {
		t.Errorf("dead delivery listed as %v, want %s without nextAttemptAt", dead, id)
	}
	_, one := r.raw("GET", "/v1/deliveries/"+id, "admin-key", nil)
	d := one["delivery"].(map[string]any)
	log, _ := d["attemptLog"].([]any)
	if _, ok := d["nextAttemptAt"]; ok || d["attempts"] != 2.0 || len(log) != 2 {
		t.Fatalf("GET /v1/deliveries/%s = %v, want 2 attempts logged, no nextAttemptAt", id, d)
	}
	at := log[0].(map[string]any)
	if at["status"] != 503.0 || !strings.Contains(fmt.Sprint(at["error"]), "503") || !validTime(at["at"]) || at["durationMs"] == nil {
		t.Errorf("attempt = %v, want at, durationMs, status 503 and its error", at)
	}
	_, rec := r.raw("GET", "/v1/requests/"+a.CID, "shop-key", nil)
	rd := rec["deliveries"].([]any)[0].(map[string]any)
	if l, _ := rd["attemptLog"].([]any); len(l) != 2 {
		t.Errorf("record's delivery = %v, want its 2 attempts", rd)
	}
	if s, _ := r.do("GET", "/v1/deliveries/"+a.CID+".9", "admin-key", nil); s != 404 {
		t.Errorf("unknown delivery = %d, want 404", s)
	}
	for _, bad := range []string{"GET /v1/deliveries/" + a.CID, "GET /v1/deliveries/" + a.CID + ".0", "POST /v1/deliveries/x%20y.1/retry"} {
		method, path, _ := strings.Cut(bad, " ")
		if s, ans := r.do(method, path, "admin-key", nil); s != 400 || !strings.HasPrefix(ans.Msg, "id: must be <cid>.<seq>") {
			t.Errorf("%s = %d %q, want 400 naming id", bad, s, ans.Msg)
		}
	}
	checkEndpoint(t, r, hs.URL)
	_, st := r.raw("GET", "/v1/stats", "admin-key", nil)
	dls, _ := st["deliveries"].(map[string]any)
	m1, _ := st["rates"].(map[string]any)["1m"].(map[string]any)
	if dls["dead"] != 1.0 || m1["requests"] != 1.0 || m1["replies"] != 1.0 || m1["failures"] != 2.0 || st["rateScope"] != "instance" {
		t.Errorf("stats = %v, want 1 dead delivery, 1 request, 1 reply and 2 failures in the last minute", st)
	}
	if s, _ := r.do("GET", "/v1/stats", "shop-key", nil); s != 403 {
		t.Errorf("stats with a caller key = %d, want 403", s)
	}
}

func checkEndpoint(t *testing.T, r *rig, url string) {
	t.Helper()
	_, m := r.raw("GET", "/v1/endpoints", "admin-key", nil)
	eps, _ := m["endpoints"].([]any)
	if len(eps) != 1 {
		t.Fatalf("endpoints = %v, want one", m)
	}
	e := eps[0].(map[string]any)
	if e["endpoint"] != url || fmt.Sprint(e["callers"]) != "[shop]" || e["enabled"] != true || e["lastStatus"] != 503.0 ||
		!validTime(e["failingSince"]) || e["inFlight"] != 0.0 {
		t.Errorf("endpoint = %v, want %s for shop, enabled, last 503, failing, nothing in flight", e, url)
	}
	if s, _ := r.do("GET", "/v1/endpoints", "shop-key", nil); s != 403 {
		t.Errorf("endpoints with a caller key = %d, want 403", s)
	}
}

// TestAdminTicket: a ticket opens a WebSocket as the admin, which may
// follow any caller; a forged one is refused.
func TestAdminTicket(t *testing.T) {
	r := newRig(t, rigOptions{})
	s, m := r.raw("POST", "/v1/ws/tickets", "admin-key", nil)
	ticket, _ := m["ticket"].(string)
	if s != 200 || !strings.HasPrefix(ticket, "wa.") || !validTime(m["expiresAt"]) {
		t.Fatalf("POST /v1/ws/tickets = %d %v", s, m)
	}
	if s, _ := r.do("POST", "/v1/ws/tickets", "shop-key", nil); s != 403 {
		t.Errorf("ticket for a caller key = %d, want 403", s)
	}
	conn := r.dial("ticket="+ticket, "")
	send(t, conn, map[string]any{"op": "subscribe", "caller": "shop"})
	if f := readFrame(t, conn); f.Type != "subscribed" {
		t.Fatalf("subscribe caller = %+v", f)
	}
	a := r.async(nil)
	r.mustReply(a.CID, r.replyToken(), map[string]any{"seq": 1})
	if f := readFrame(t, conn); f.Type != "reply" || f.CID != a.CID {
		t.Errorf("frame = %+v, want the reply of %s", f, a.CID)
	}
	forged := ticket[:len(ticket)-2] + "xx"
	if s, err := r.tryDo("GET", "/v1/ws?ticket="+forged, "", nil); s != http.StatusUnauthorized {
		t.Errorf("forged ticket = %d, %v; want 401", s, err)
	}
}

// TestDeliveryIDSpelling: a delivery id is taken only as the list spells
// it; "<cid>.01" is a 400 naming id on every store, not a lookup of seq 1.
func TestDeliveryIDSpelling(t *testing.T) {
	hs := httptest.NewServer(&hooks{})
	defer hs.Close()
	r := newRig(t, rigOptions{hooks: hs.URL})
	for _, id := range []string{"c.01", "c.+1", ".1", "c.0"} {
		for _, req := range []struct{ method, path string }{{"GET", "/v1/deliveries/" + id}, {"POST", "/v1/deliveries/" + id + "/retry"}} {
			if status, a := r.do(req.method, req.path, "admin-key", nil); status != http.StatusBadRequest || !strings.Contains(a.Msg, "id: ") {
				t.Errorf("%s %s = %d %q, want 400 naming id", req.method, req.path, status, a.Msg)
			}
		}
	}
}
