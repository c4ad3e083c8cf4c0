package api_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// redisInstance is one hub instance on the shared Redis srv, with its
// own store connection, deliverer and server, on clock clk; its
// callbacks go to hooks.
func redisInstance(t *testing.T, srv *redistest.Server, clk *skewClock, hooks string) *rig {
	t.Helper()
	st, err := redisstore.Open(redisstore.Config{URL: srv.URL(0), KeyPrefix: t.Name() + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newWiredRig(t, hooks, func(h *hub.Config, d *callback.Config, _ *api.Config) {
		h.Store, h.Broker, h.Now = st, st.Broker(), clk.now
		d.Queue, d.Health, d.Acks, d.Now = st.Queue(), st.Health(), st, clk.now
	})
}

// TestAckOnOneInstanceSkipsCallbackOfAnother: two instances on one
// Redis; a subscriber on B acknowledges reply 1, so the callback A
// queued for it ends skipped; reply 2, not acknowledged, is called back
// after it, in order.
func TestAckOnOneInstanceSkipsCallbackOfAnother(t *testing.T) {
	srv := redistest.Start(t)
	clk := &skewClock{}
	got := &seqHooks{}
	hooks := httptest.NewServer(got)
	t.Cleanup(hooks.Close)
	a, b := redisInstance(t, srv, clk, hooks.URL), redisInstance(t, srv, clk, hooks.URL)

	req := a.async(map[string]any{"callback": map[string]any{"url": "/cb", "when": "unacked", "afterMs": 60000}})
	tok := a.replyToken()
	conn := b.dial("cid="+req.CID+"&token="+req.WSToken, "")
	if f := readFrame(t, conn); f.Type != "subscribed" {
		t.Fatalf("subscribe on B answered %+v", f)
	}
	a.reply(req.CID, tok, map[string]any{"seq": 1, "isEnd": false})
	f := readFrame(t, conn)
	if f.Type != "reply" || f.Seq != 1 {
		t.Fatalf("B got %+v, want reply 1", f)
	}
	send(t, conn, map[string]string{"op": "ack", "cid": req.CID, "offset": f.Offset})
	send(t, conn, map[string]string{"op": "ping"})
	if f := readFrame(t, conn); f.Type != "pong" {
		t.Fatalf("ack on B answered %+v, want nothing", f)
	}
	a.reply(req.CID, tok, map[string]any{"seq": 2})
	if rec := a.ackedRecord(req.CID); rec.Replies[0].AckedAt == nil || rec.Replies[1].AckedAt != nil {
		t.Fatalf("record on A: replies %+v, want reply 1 acked (on B), reply 2 not", rec.Replies)
	}

	clk.jump(61 * time.Second) // past afterMs of both replies
	testwait.Within(t, 20*time.Second, "reply 2 called back", func() bool { return len(got.seen()) > 0 })
	if want := []string{req.CID + ".2"}; !slices.Equal(got.seen(), want) {
		t.Errorf("callbacks %v, want only %v", got.seen(), want)
	}
	testwait.Within(t, 10*time.Second, "deliveries ended", func() bool {
		rec := a.ackedRecord(req.CID)
		return len(rec.Deliveries) == 2 && rec.Deliveries[0].State == callback.Skipped &&
			rec.Deliveries[1].State == callback.Delivered
	})
	var list struct {
		Deliveries []struct{ ID, State string } `json:"deliveries"`
	}
	if status, err := b.tryGet("/v1/deliveries?state=skipped", "admin-key", &list); err != nil || status != http.StatusOK ||
		len(list.Deliveries) != 1 || list.Deliveries[0].ID != req.CID+".1" {
		t.Errorf("GET /v1/deliveries?state=skipped = %d %+v %v, want %s.1", status, list, err, req.CID)
	}
}
