package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
)

// lifecycleFrame is a WebSocket frame with the lifecycle's fields.
type lifecycleFrame struct {
	frame
	Origin   string   `json:"origin"`
	Progress *float64 `json:"progress"`
	Since    string   `json:"since"`
	At       string   `json:"at"`
}

// TestCancel: the caller cancels an async cid: a 499 reply, origin hub,
// reaches its subscriber; the record is canceled and takes no more
// replies; a second cancel, another caller's and a ws token are refused.
func TestCancel(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	conn := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	readFrame(t, conn) // subscribed
	if status, ans := r.do("DELETE", "/v1/requests/"+a.CID, "other-key", nil); status != http.StatusNotFound {
		t.Errorf("another caller's cancel = %d %+v, want 404", status, ans)
	}
	if status, ans := r.do("DELETE", "/v1/requests/"+a.CID+"?token="+a.WSToken, "", nil); status != http.StatusUnauthorized {
		t.Errorf("cancel with a ws token = %d %+v, want 401", status, ans)
	}
	status, ans := r.do("DELETE", "/v1/requests/"+a.CID, "shop-key", map[string]string{"reason": "user left"})
	if status != http.StatusOK || ans.Msg != "canceled" || ans.CID != a.CID || ans.Offset == "" {
		t.Fatalf("cancel = %d %+v, want 200 canceled with the reply's offset", status, ans)
	}
	var f lifecycleFrame
	readJSON(t, conn, &f)
	if f.Type != "reply" || f.Code != 499 || f.Msg != "user left" || !f.IsEnd || f.Origin != "hub" || f.Offset != ans.Offset {
		t.Errorf("frame = %+v; want the hub's 499 reply at offset %s", f, ans.Offset)
	}
	if _, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil); rec.State != "canceled" {
		t.Errorf("record state = %q, want canceled", rec.State)
	}
	if status, ans := r.reply(a.CID, tok, map[string]any{"seq": 1}); status != http.StatusConflict || !strings.Contains(ans.Msg, "canceled") {
		t.Errorf("reply after cancel = %d %+v, want 409 naming canceled", status, ans)
	}
	if status, _ := r.do("DELETE", "/v1/requests/"+a.CID, "shop-key", nil); status != http.StatusConflict {
		t.Errorf("second cancel = %d, want 409", status)
	}
	if status, _ := r.do("DELETE", "/v1/requests/no-such-cid", "shop-key", nil); status != http.StatusNotFound {
		t.Errorf("cancel of an unknown cid = %d, want 404", status)
	}
	b := r.async(nil)
	if status, ans := r.do("DELETE", "/v1/requests/"+b.CID, "admin-key", nil); status != http.StatusOK {
		t.Errorf("admin cancel = %d %+v, want 200", status, ans)
	}
	if status, ans := r.do("DELETE", "/v1/requests/"+b.CID, "shop-key", `{"reason": 5}`); status != http.StatusBadRequest || !strings.Contains(ans.Msg, "reason") {
		t.Errorf("bad reason = %d %+v, want 400 naming reason", status, ans)
	}
	status, sync := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x"})
	if status != http.StatusOK {
		t.Fatalf("sync request = %d", status)
	}
	if status, _ := r.do("DELETE", "/v1/requests/"+sync.CID, "shop-key", nil); status != http.StatusConflict {
		t.Errorf("cancel of a sync request = %d, want 409", status)
	}
}

// TestCancelTellsService: a service with a cancelPath gets {cid, reason}
// with Callhub-Cid and Callhub-Caller, retried after a 503.
func TestCancelTellsService(t *testing.T) {
	r := newRig(t, rigOptions{cancelPath: "/cancel"})
	var refused atomic.Bool
	a := r.async(nil)
	r.svc.mu.Lock()
	r.svc.answer = func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/cancel" && refused.CompareAndSwap(false, true) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}
	r.svc.mu.Unlock()
	if status, ans := r.do("DELETE", "/v1/requests/"+a.CID, "shop-key", map[string]string{"reason": "too slow"}); status != http.StatusOK {
		t.Fatalf("cancel = %d %+v", status, ans)
	}
	testwait.Until(t, "the cancel notice, again after its 503", func() bool { return r.svc.hits() >= 3 })
	req, body := r.svc.last()
	var got struct{ CID, Reason string }
	_ = json.Unmarshal([]byte(body), &got)
	if req.URL.Path != "/cancel" || req.Method != "POST" || got.CID != a.CID || got.Reason != "too slow" ||
		req.Header.Get("Callhub-Cid") != a.CID || req.Header.Get("Callhub-Caller") != "shop" ||
		req.Header.Get("X-Access-Token") != "svc-token" {
		t.Errorf("notice = %s %s %q headers %v", req.Method, req.URL.Path, body, req.Header)
	}
}

// TestDeadline: an async request with deadlineMs and no reply is ended
// by the hub: an SSE subscriber gets a 504 reply, origin hub; the record
// is expired and shows its deadlineAt; a late reply is 409.
func TestDeadline(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(map[string]any{"deadlineMs": 50})
	tok := r.replyToken()
	s := r.openSSE("/v1/requests/"+a.CID+"/events", "shop-key", "")
	e := s.next(t)
	var f lifecycleFrame
	if err := json.Unmarshal([]byte(e.Data), &f); err != nil || e.Event != "reply" || e.ID == "" ||
		f.Code != 504 || f.Msg != "deadline exceeded" || f.Origin != "hub" || !f.IsEnd {
		t.Fatalf("event = %+v; want the hub's 504 reply", e)
	}
	status, raw := r.raw("GET", "/v1/requests/"+a.CID, "shop-key", nil)
	if status != http.StatusOK || raw["state"] != "expired" || raw["deadlineAt"] == nil {
		t.Errorf("record = %d %v; want expired with deadlineAt", status, raw)
	}
	if status, ans := r.reply(a.CID, tok, map[string]any{"seq": 1}); status != http.StatusConflict || !strings.Contains(ans.Msg, "expired") {
		t.Errorf("late reply = %d %+v, want 409 naming expired", status, ans)
	}
	b := r.async(map[string]any{"deadlineMs": 60000})
	if status, ans := r.reply(b.CID, r.replyToken(), map[string]any{"seq": 1}); status != http.StatusAccepted {
		t.Fatalf("reply in time = %d %+v", status, ans)
	}
	if _, rec := r.do("GET", "/v1/requests/"+b.CID, "shop-key", nil); rec.State != "completed" {
		t.Errorf("cid ended in time: state %q, want completed", rec.State)
	}
}

// TestHeartbeat: a heartbeat is a 204 and a progress frame to
// subscribers (SSE: event progress, no id); bad progress is a 400 naming
// it; after the end it is a 409.
func TestHeartbeat(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	s := r.openSSE("/v1/requests/"+a.CID+"/events", "shop-key", "")
	hb := "/v1/replies/" + a.CID + "/heartbeat"
	if status, raw := r.send("POST", hb, tok, map[string]any{"progress": 0.4, "msg": "resizing"}); status != http.StatusNoContent {
		t.Fatalf("heartbeat = %d %s, want 204", status, raw)
	}
	e := s.next(t)
	var f lifecycleFrame
	if err := json.Unmarshal([]byte(e.Data), &f); err != nil || e.Event != "progress" || e.ID != "" ||
		f.Type != "progress" || f.CID != a.CID || f.Progress == nil || *f.Progress != 0.4 || f.Msg != "resizing" || f.At == "" {
		t.Fatalf("event = %+v; want a progress event without id", e)
	}
	if status, _ := r.send("POST", hb, "svc-key", nil); status != http.StatusNoContent {
		t.Errorf("bare heartbeat with the service key = %d, want 204", status)
	}
	for _, bad := range []string{`{"progress": 1.5}`, `{"progress": "half"}`, `{"bogus": 1}`} {
		if status, ans := r.do("POST", hb, tok, bad); status != http.StatusBadRequest || ans.Msg == "" {
			t.Errorf("heartbeat %s = %d %+v, want 400", bad, status, ans)
		}
	}
	if status, _ := r.do("POST", hb, "shop-key", nil); status != http.StatusNotFound {
		t.Errorf("heartbeat with a caller key = %d, want 404", status)
	}
	r.mustReply(a.CID, tok, map[string]any{"seq": 1})
	if status, ans := r.do("POST", hb, tok, nil); status != http.StatusConflict || !strings.Contains(ans.Msg, "completed") {
		t.Errorf("heartbeat after the end = %d %+v, want 409 naming completed", status, ans)
	}
}

// TestStalled: a service silent past heartbeatMs stalls its cid: a
// stalled frame and the record's stalledSince; its next heartbeat sends
// resumed and clears it. The hub's clock is moved, not waited for.
func TestStalled(t *testing.T) {
	var skew atomic.Int64
	r := newRig(t, rigOptions{now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	a := r.async(map[string]any{"heartbeatMs": 1000})
	tok := r.replyToken()
	conn := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	readFrame(t, conn) // subscribed
	skew.Store(int64(time.Minute))
	var f lifecycleFrame
	readJSON(t, conn, &f)
	if f.Type != "stalled" || f.CID != a.CID || f.Since == "" {
		t.Fatalf("frame = %+v, want stalled", f)
	}
	_, raw := r.raw("GET", "/v1/requests/"+a.CID, "shop-key", nil)
	if raw["stalledSince"] == nil || raw["heartbeatMs"] != float64(1000) {
		t.Errorf("record = %v; want stalledSince and heartbeatMs", raw)
	}
	if status, _ := r.send("POST", "/v1/replies/"+a.CID+"/heartbeat", tok, nil); status != http.StatusNoContent {
		t.Fatalf("heartbeat = %d", status)
	}
	seen := map[string]bool{}
	for !seen["resumed"] {
		readJSON(t, conn, &f)
		seen[f.Type] = true
	}
	if !seen["progress"] {
		t.Errorf("frames %v: want progress then resumed", seen)
	}
	if _, raw := r.raw("GET", "/v1/requests/"+a.CID, "shop-key", nil); raw["stalledSince"] != nil {
		t.Errorf("stalledSince after a heartbeat = %v, want none", raw["stalledSince"])
	}
}

// TestLifecycleFieldsChecked: the lifecycle fields are async only and
// bounded, each refusal naming its field.
func TestLifecycleFieldsChecked(t *testing.T) {
	r := newRig(t, rigOptions{})
	for _, tt := range []struct {
		extra map[string]any
		field string
	}{
		{map[string]any{"deadlineMs": 1000}, "deadlineMs"},
		{map[string]any{"async": true, "deadlineMs": -1}, "deadlineMs"},
		{map[string]any{"async": true, "deadlineMs": 86400001}, "deadlineMs"},
		{map[string]any{"async": true, "heartbeatMs": 999}, "heartbeatMs"},
		{map[string]any{"heartbeatMs": 5000}, "heartbeatMs"},
	} {
		req := map[string]any{"serviceId": "svc", "path": "/x"}
		for k, v := range tt.extra {
			req[k] = v
		}
		if status, ans := r.do("POST", "/v1/requests", "shop-key", req); status != http.StatusBadRequest || !strings.Contains(ans.Msg, tt.field) {
			t.Errorf("%v = %d %q, want 400 naming %s", tt.extra, status, ans.Msg, tt.field)
		}
	}
	if r.svc.hits() != 0 {
		t.Errorf("%d requests forwarded, want none", r.svc.hits())
	}
}

// TestLifecycleFieldsZeroIsNone: an explicit 0 of deadlineMs or heartbeatMs
// means none, as an absent field does (docs/api.md), on an async request
// and on a sync one alike.
func TestLifecycleFieldsZeroIsNone(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(map[string]any{"deadlineMs": 0, "heartbeatMs": 0})
	_, raw := r.raw("GET", "/v1/requests/"+a.CID, "shop-key", nil)
	for _, k := range []string{"deadlineAt", "heartbeatMs", "stalledSince"} {
		if raw[k] != nil {
			t.Errorf("record %s = %v, want none", k, raw[k])
		}
	}
	sync := map[string]any{"serviceId": "svc", "path": "/x", "deadlineMs": 0, "heartbeatMs": 0}
	if status, ans := r.do("POST", "/v1/requests", "shop-key", sync); status != http.StatusOK {
		t.Errorf("sync request with zeros = %d %q, want 200", status, ans.Msg)
	}
}
