package api_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
)

// nextEvent is sub.NextEvent that fails the test on an error.
func nextEvent(t *testing.T, sub *hubclient.Subscription) hubclient.Event {
	t.Helper()
	ev, err := sub.NextEvent(sdkContext(t))
	if err != nil {
		t.Fatalf("NextEvent: %v", err)
	}
	return ev
}

// TestSDKHeartbeatStallCancel: through the SDK, a heartbeat reaches the
// subscription as progress, a silence past HeartbeatMs as stalled (the
// record shows stalledSince), the next heartbeat as resumed; Cancel ends
// the cid with the hub's 499 reply at the offset it answers, and a second
// Cancel or a later heartbeat is a 409.
func TestSDKHeartbeatStallCancel(t *testing.T) {
	clock := &skewClock{}
	r := newRig(t, rigOptions{now: clock.now})
	c := hubclient.New(r.URL, "shop-key")
	ctx := sdkContext(t)
	ans, err := c.Send(ctx, hubclient.Request{ServiceID: "svc", Path: "/x", Async: true, DeadlineMs: 3_600_000, HeartbeatMs: 60_000})
	if err != nil {
		t.Fatal(err)
	}
	svc := &hubclient.Responder{URL: r.URL + "/v1/replies/" + ans.CID, Token: r.replyToken()}
	sub := hubclient.New(r.URL, "").Follow(ans.CID, ans.WSToken, "")
	defer sub.Close()
	no := false
	if _, err := svc.Reply(ctx, hubclient.ReplyInput{Seq: 1, IsEnd: &no}); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, sub); ev.Type != hubclient.EventReply || ev.Reply.Seq != 1 { // subscribed now
		t.Fatalf("first event = %+v, want reply 1", ev)
	}
	half := 0.5
	if err := c.Heartbeat(ctx, ans.CID, "svc-key", hubclient.HeartbeatInput{Progress: &half, Msg: "half"}); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, sub); ev.Type != hubclient.EventProgress || ev.Progress == nil || *ev.Progress != 0.5 || ev.Msg != "half" || ev.At.IsZero() {
		t.Fatalf("event = %+v, want progress 0.5 half", ev)
	}
	clock.advance(2 * time.Minute) // past HeartbeatMs: a minute, which a busy machine never takes for real
	ev := nextEvent(t, sub)
	if ev.Type != hubclient.EventStalled || ev.Since.IsZero() {
		t.Fatalf("event = %+v, want stalled", ev)
	}
	if rec := sdkRecord(t, c, ans.CID); rec.StalledSince == nil || !rec.StalledSince.Equal(ev.Since) || rec.HeartbeatMs != 60_000 || rec.DeadlineAt == nil {
		t.Errorf("record = %+v, want stalledSince %v, heartbeatMs 60000 and a deadlineAt", rec, ev.Since)
	}
	if err := svc.Heartbeat(ctx, hubclient.HeartbeatInput{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{hubclient.EventProgress, hubclient.EventResumed} {
		if ev := nextEvent(t, sub); ev.Type != want {
			t.Fatalf("event = %+v, want %s", ev, want)
		}
	}
	if rec := sdkRecord(t, c, ans.CID); rec.StalledSince != nil {
		t.Errorf("record after resume: stalledSince %v, want none", rec.StalledSince)
	}
	sdkCancel(t, c, sub, ans.CID)
	if err := svc.Heartbeat(ctx, hubclient.HeartbeatInput{}); !isStatus(err, http.StatusConflict) {
		t.Errorf("heartbeat after cancel = %v, want a 409 *Error", err)
	}
}

// sdkCancel cancels cid and checks what sub and a second Cancel get.
func sdkCancel(t *testing.T, c *hubclient.Client, sub *hubclient.Subscription, cid string) {
	t.Helper()
	ctx := sdkContext(t)
	a, err := c.Cancel(ctx, cid, "user left")
	if err != nil || a.Msg != "canceled" || a.CID != cid || a.Offset == "" {
		t.Fatalf("Cancel = %+v, %v", a, err)
	}
	r, err := sub.Next(ctx)
	if err != nil || r.Code != 499 || r.Msg != "user left" || !r.IsEnd || r.Origin != hubclient.OriginHub || r.Offset != a.Offset {
		t.Fatalf("Next = %+v, %v; want the hub's 499 at offset %s", r, err, a.Offset)
	}
	if _, err := sub.Next(ctx); err != io.EOF {
		t.Errorf("Next after the hub's reply = %v, want io.EOF", err)
	}
	if _, err := c.Cancel(ctx, cid, ""); !isStatus(err, http.StatusConflict) {
		t.Errorf("second Cancel = %v, want a 409 *Error", err)
	}
}

// TestSDKDeadline: a request with DeadlineMs that nobody answers ends
// with the hub's 504 reply, and its record is expired.
func TestSDKDeadline(t *testing.T) {
	clock := &skewClock{}
	r := newRig(t, rigOptions{now: clock.now})
	c := hubclient.New(r.URL, "shop-key")
	ctx := sdkContext(t)
	ans, err := c.Send(ctx, hubclient.Request{ServiceID: "svc", Path: "/x", Async: true, DeadlineMs: 60_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cancel(ctx, "no-such-cid", ""); !isStatus(err, http.StatusNotFound) {
		t.Errorf("Cancel of an unknown cid = %v, want a 404 *Error", err)
	}
	sub := c.Follow(ans.CID, "", "")
	defer sub.Close()
	clock.advance(time.Minute)
	got, err := sub.Next(ctx)
	if err != nil || got.Code != 504 || got.Msg != "deadline exceeded" || !got.IsEnd || got.Origin != hubclient.OriginHub {
		t.Fatalf("Next = %+v, %v; want the hub's 504", got, err)
	}
	if rec := sdkRecord(t, c, ans.CID); rec.State != "expired" {
		t.Errorf("record state = %q, want expired", rec.State)
	}
	if _, err := c.Send(ctx, hubclient.Request{ServiceID: "svc", Path: "/x", DeadlineMs: 5}); !isStatus(err, http.StatusBadRequest) {
		t.Errorf("a sync request with DeadlineMs = %v, want a 400 *Error", err)
	}
}

// lifecycleRecord is the part of a record the lifecycle tests read.
type lifecycleRecord struct {
	State        string     `json:"state"`
	DeadlineAt   *time.Time `json:"deadlineAt"`
	HeartbeatMs  int64      `json:"heartbeatMs"`
	StalledSince *time.Time `json:"stalledSince"`
}

func sdkRecord(t *testing.T, c *hubclient.Client, cid string) lifecycleRecord {
	t.Helper()
	raw, err := c.Record(sdkContext(t), cid)
	if err != nil {
		t.Fatal(err)
	}
	var rec lifecycleRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func isStatus(err error, status int) bool {
	var e *hubclient.Error
	return errors.As(err, &e) && e.Status == status
}
