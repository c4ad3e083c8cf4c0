package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
	"github.com/coder/websocket/wsjson"
)

// TestClusterDeadlineSurvivesKill: the instance that accepted a request
// with a deadline dies at once (SIGKILL); the other ends the cid at its
// deadline: its subscriber gets the hub's 504 reply and the caller's
// callback is delivered, once.
func TestClusterDeadlineSurvivesKill(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(), c.start()
	req := map[string]any{"serviceId": "svc", "method": "POST", "path": "/work", "async": true, "deadlineMs": 1500,
		"callback": map[string]string{"url": "/cb", "method": "POST"}}
	var out struct{ CID, WSToken string }
	if status := doJSON(t, a.URL+"/v1/requests", "shop-key", req, &out); status != http.StatusAccepted {
		t.Fatalf("POST /v1/requests = %d", status)
	}
	a.Kill()
	conn := dialSubscribed(t, b, "cid="+out.CID+"&token="+out.WSToken)
	ctx, cancel := context.WithTimeout(context.Background(), testwait.Deadline)
	defer cancel()
	var f struct {
		Type, Msg, Origin string
		Code, Seq         int
		IsEnd             bool
	}
	for f.Type != "reply" {
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			t.Fatalf("no reply from B: %v", err)
		}
	}
	if f.Code != 504 || f.Origin != "hub" || !f.IsEnd || f.Seq != 1 || f.Msg != "deadline exceeded" {
		t.Errorf("reply = %+v; want the hub's 504, seq 1", f)
	}
	id := out.CID + ".1"
	testwait.Until(t, "the terminal reply's callback", func() bool { _, ok := c.recv.counts(id); return ok == 1 })
	if rec := record(t, b, out.CID); rec.State != "expired" {
		t.Errorf("record state %q, want expired", rec.State)
	}
}
