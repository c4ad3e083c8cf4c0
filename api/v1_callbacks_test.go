package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/internal/testwait"
)

// hooks is a callback receiver that fails while down is set.
type hooks struct {
	mu   sync.Mutex
	down bool
	got  []string // webhook-ids delivered
}

func (h *hooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	h.got = append(h.got, r.Header.Get("webhook-id"))
}

func (h *hooks) delivered() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.got...)
}

// TestCallbackEndToEnd: a reply reaches the caller's callback, the record
// shows the delivery, and an admin replays a dead one.
func TestCallbackEndToEnd(t *testing.T) {
	hk := &hooks{}
	hs := httptest.NewServer(hk)
	defer hs.Close()
	r := newRig(t, rigOptions{hooks: hs.URL})
	a := r.async(map[string]any{"callback": map[string]string{"url": "/cb", "method": "POST"}})
	tok := r.replyToken()
	r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
	testwait.Until(t, "first callback", func() bool { return len(hk.delivered()) == 1 })
	// The receiver answers before the hub saves "delivered": wait for the record.
	testwait.Until(t, "the record to show the delivery", func() bool {
		_, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil)
		return len(rec.Deliveries) == 1 && rec.Deliveries[0].State == callback.Delivered
	})
	hk.mu.Lock()
	hk.down = true
	hk.mu.Unlock()
	r.reply(a.CID, tok, map[string]any{"seq": 2})
	id := a.CID + ".2"
	testwait.Until(t, "dead delivery", func() bool {
		_, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil)
		return len(rec.Deliveries) == 2 && rec.Deliveries[1].State == callback.Dead
	})
	if status, _ := r.do("GET", "/v1/deliveries?state=dead", "shop-key", nil); status != http.StatusForbidden {
		t.Errorf("caller key on admin endpoint = %d, want 403", status)
	}
	for _, q := range []string{"state=zombie", "cursor=garbage", "cursor=-5", "cursor=%00"} {
		field, _, _ := strings.Cut(q, "=")
		if status, ans := r.do("GET", "/v1/deliveries?"+q, "admin-key", nil); status != 400 || !strings.Contains(ans.Msg, field) {
			t.Errorf("GET /v1/deliveries?%s = %d %+v, want 400 naming %s", q, status, ans, field)
		}
	}
	hk.mu.Lock()
	hk.down = false
	hk.mu.Unlock()
	if status, ans := r.do("POST", "/v1/deliveries/retry?caller=shop&since="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "admin-key", nil); status != 202 || ans.Queued != 1 {
		t.Fatalf("bulk replay = %d %+v, want 1 queued", status, ans)
	}
	testwait.Until(t, "replayed callback", func() bool { d := hk.delivered(); return len(d) == 2 && d[1] == id })
	testwait.Until(t, "the record to show the replay delivered", func() bool {
		_, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil)
		return len(rec.Deliveries) == 2 && rec.Deliveries[1].State == callback.Delivered
	})
	if status, _ := r.do("POST", "/v1/deliveries/"+id+"/retry", "admin-key", nil); status != http.StatusConflict {
		t.Errorf("replaying a delivered one = %d, want 409", status)
	}
}

func TestCallbackRefusedAtRequestTime(t *testing.T) {
	r := newRig(t, rigOptions{hooks: "http://127.0.0.1:9"})
	for _, u := range []string{"http://169.254.169.254/x", "http://10.0.0.1/cb", "gopher://x/y"} {
		status, a := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x",
			"callback": map[string]string{"url": u}})
		if status != 400 || !strings.Contains(a.Msg, "callback.url") {
			t.Errorf("callback %s = %d %+v, want 400 naming callback.url", u, status, a)
		}
	}
}

func TestEnableEndpoint(t *testing.T) {
	r := newRig(t, rigOptions{hooks: "http://127.0.0.1:9"})
	if status, a := r.do("POST", "/v1/endpoints/enable?endpoint=http://127.0.0.1:9/cb", "admin-key", nil); status != 200 || a.Msg != "enabled" {
		t.Errorf("enable = %d %+v", status, a)
	}
	if status, a := r.do("POST", "/v1/endpoints/enable?endpoint=ftp://x", "admin-key", nil); status != 400 || !strings.Contains(a.Msg, "endpoint") {
		t.Errorf("bad endpoint = %d %+v, want 400 naming endpoint", status, a)
	}
	if status, _ := r.do("POST", "/v1/endpoints/enable?endpoint=http://127.0.0.1:9", "shop-key", nil); status != 403 {
		t.Errorf("caller key = %d, want 403", status)
	}
}
