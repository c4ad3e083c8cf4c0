package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/coder/websocket"
)

// skewClock is the real clock moved forward by skew: a test jumps past
// a callback's afterMs instead of waiting for it.
type skewClock struct{ skew atomic.Int64 }

func (c *skewClock) now() time.Time       { return time.Now().Add(time.Duration(c.skew.Load())) }
func (c *skewClock) jump(d time.Duration) { c.skew.Add(int64(d)) }

// seqHooks records the callbacks it gets as "<cid>.<seq>".
type seqHooks struct {
	mu  sync.Mutex
	got []string
}

func (h *seqHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, r.Header.Get("Callhub-Cid")+"."+r.Header.Get("Callhub-Seq"))
}

func (h *seqHooks) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.got...)
}

// ackedRecord is the part of a record receipts change.
type ackedRecord struct {
	Replies []struct {
		Seq     int        `json:"seq"`
		Offset  string     `json:"offset"`
		AckedAt *time.Time `json:"ackedAt"`
	} `json:"replies"`
	Deliveries []struct {
		Seq   int    `json:"seq"`
		State string `json:"state"`
	} `json:"deliveries"`
}

func (r *rig) ackedRecord(cid string) ackedRecord {
	r.t.Helper()
	var rec ackedRecord
	if status, err := r.tryGet("/v1/requests/"+cid, "shop-key", &rec); err != nil || status != http.StatusOK {
		r.t.Fatalf("GET record = %d, %v", status, err)
	}
	return rec
}

// TestAckShowsOnRecord: a subscriber's ack over a real WebSocket sets
// ackedAt on every reply up to its offset, once; bad acks get an error
// frame naming the field and keep the connection.
func TestAckShowsOnRecord(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
	r.reply(a.CID, tok, map[string]any{"seq": 2, "isEnd": false})
	conn := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	var offsets []string // the two replies are recovered, then subscribed
	for f := readFrame(t, conn); f.Type != "subscribed"; f = readFrame(t, conn) {
		offsets = append(offsets, f.Offset)
	}
	acked := func(offset string) {
		t.Helper()
		send(t, conn, map[string]string{"op": "ack", "cid": a.CID, "offset": offset})
		send(t, conn, map[string]string{"op": "ping"})
		if f := readFrame(t, conn); f.Type != "pong" {
			t.Fatalf("ack %s answered %+v, want nothing (then pong)", offset, f)
		}
	}
	acked(offsets[0])
	rec := r.ackedRecord(a.CID)
	if rec.Replies[0].AckedAt == nil || rec.Replies[1].AckedAt != nil {
		t.Fatalf("after ack of reply 1: replies %+v, want only reply 1 acked", rec.Replies)
	}
	first := *rec.Replies[0].AckedAt
	acked(offsets[1])
	acked(offsets[0]) // backwards: changes nothing
	rec = r.ackedRecord(a.CID)
	if rec.Replies[1].AckedAt == nil || !rec.Replies[0].AckedAt.Equal(first) {
		t.Errorf("after ack of reply 2: replies %+v, want both acked, reply 1 still at %v", rec.Replies, first)
	}
	bad := []struct{ frame, want string }{
		{`{"op":"ack","cid":"` + a.CID + `"}`, "offset:"},
		{`{"op":"ack","cid":"` + a.CID + `","offset":"abc"}`, "offset:"},
		{`{"op":"ack","cid":"` + a.CID + `","offset":"99999999999999-0"}`, "offset:"},
		{`{"op":"ack","offset":"1-0"}`, "cid:"},
		{`{"op":"ack","cid":"no-such","offset":"1-0"}`, "wsToken"}, // as subscribing: no credential for it
	}
	for _, tt := range bad {
		if err := conn.Write(context.Background(), websocket.MessageText, []byte(tt.frame)); err != nil {
			t.Fatal(err)
		}
		if f := readFrame(t, conn); f.Type != "error" || !strings.Contains(f.Msg, tt.want) {
			t.Errorf("%s answered %+v, want an error naming %q", tt.frame, f, tt.want)
		}
	}
}

// TestCallbackWhenBadValues: callback.when and callback.afterMs are
// checked, each named in its 400.
func TestCallbackWhenBadValues(t *testing.T) {
	r := newRig(t, rigOptions{})
	tests := []struct {
		name  string
		cb    map[string]any
		async bool
		field string
	}{
		{"unknown when", map[string]any{"when": "sometimes"}, true, "callback.when"},
		{"unacked on a sync request", map[string]any{"when": "unacked"}, false, "callback.when"},
		{"afterMs negative", map[string]any{"when": "unacked", "afterMs": -1}, true, "callback.afterMs"},
		{"afterMs over an hour", map[string]any{"when": "unacked", "afterMs": 3600001}, true, "callback.afterMs"},
		{"afterMs not a number", map[string]any{"when": "unacked", "afterMs": "5s"}, true, "callback.afterMs"},
		{"afterMs without unacked", map[string]any{"afterMs": 10}, true, "callback.afterMs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := map[string]any{"url": "http://127.0.0.1:1/cb"}
			for k, v := range tt.cb {
				cb[k] = v
			}
			req := map[string]any{"serviceId": "svc", "path": "/x", "async": tt.async, "callback": cb}
			status, a := r.do("POST", "/v1/requests", "shop-key", req)
			if status != http.StatusBadRequest || !strings.Contains(a.Msg, tt.field) {
				t.Errorf("POST /v1/requests = %d %q, want 400 naming %s", status, a.Msg, tt.field)
			}
		})
	}
}

// TestUnackedCallbackSentAfterAfterMs: a reply nobody acknowledged is
// called back once afterMs passed, and not before.
func TestUnackedCallbackSentAfterAfterMs(t *testing.T) {
	clk := &skewClock{}
	got := &seqHooks{}
	hooks := httptest.NewServer(got)
	t.Cleanup(hooks.Close)
	r := newWiredRig(t, hooks.URL, func(h *hub.Config, d *callback.Config, _ *api.Config) {
		st := &memstore.Store{Now: clk.now}
		h.Store, h.Now, d.Now, d.Acks = st, clk.now, clk.now, st
	})
	a := r.async(map[string]any{"callback": map[string]any{"url": "/cb", "when": "unacked", "afterMs": 60000}})
	r.reply(a.CID, r.replyToken(), map[string]any{"seq": 1})
	if rec := r.ackedRecord(a.CID); len(rec.Deliveries) != 1 || rec.Deliveries[0].State != callback.Pending {
		t.Fatalf("deliveries %+v, want one pending until afterMs", rec.Deliveries)
	}
	if s := got.seen(); len(s) != 0 {
		t.Fatalf("called back %v before afterMs", s)
	}
	clk.jump(61 * time.Second)
	testwait.Within(t, 10*time.Second, "callback after afterMs", func() bool { return len(got.seen()) == 1 })
	testwait.Within(t, 10*time.Second, "delivery delivered", func() bool {
		rec := r.ackedRecord(a.CID)
		return rec.Deliveries[0].State == callback.Delivered
	})
}
