package hubtest

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/internal/testwait"
)

// testHubDeadlineRace: two hubs on one backend race on a cid's deadline:
// one terminal reply is stored (504, origin hub, state expired), and a
// subscriber on the other hub gets it.
func testHubDeadlineRace(t *testing.T, b Backend) {
	ctx := context.Background()
	hubs := []*hub.Hub{newHub(t, b, time.Now), newHub(t, b, time.Now)}
	now := time.Now()
	cid := newCID(t)
	if _, _, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "svc", Caller: "shop",
		State: hub.StatePending, Mode: hub.ModeAsync, CreatedAt: now, DeadlineAt: &now}); err != nil {
		t.Fatal(err)
	}
	sub := hubs[1].NewSubscriber()
	defer sub.Close()
	if _, err := sub.Recover(ctx, cid, "", func(hub.Reply) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := sub.Live(ctx, cid, func(hub.Reply) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := b.Store.SetTimer(ctx, hub.Timer{CID: cid, Kind: hub.TimerDeadline, At: now}); err != nil {
		t.Fatal(err)
	}
	frame := nextFrame(t, sub, "reply")
	if !bytes.Contains(frame, []byte(`"code":504`)) || !bytes.Contains(frame, []byte(`"origin":"hub"`)) {
		t.Errorf("subscriber got %s; want the hub's 504 reply", frame)
	}
	for _, h := range hubs {
		h.Close() // no timer fires after this
	}
	rec, err := b.Store.Get(ctx, cid)
	if err != nil || rec.State != hub.StateExpired || len(rec.Replies) != 1 {
		t.Fatalf("record = state %q, %d replies, %v; want expired with one reply", rec.State, len(rec.Replies), err)
	}
	if r := rec.Replies[0]; !r.IsEnd || r.Code != hub.CodeDeadline || r.Msg != "deadline exceeded" || r.Origin != "hub" {
		t.Errorf("terminal reply = %+v", r)
	}
}

// testHubEvents: a heartbeat reaches subscribers as a progress frame; a
// silence past heartbeatMs sends stalled and sets stalledSince; the next
// reply sends resumed.
func testHubEvents(t *testing.T, b Backend) {
	ctx := context.Background()
	var skew atomic.Int64 // the hub's clock runs ahead of the wall clock by this
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	h := newHub(t, b, clock)
	cid := newCID(t)
	created := time.UnixMilli(time.Now().UnixMilli())
	if _, _, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "svc", Caller: "shop",
		State: hub.StatePending, Mode: hub.ModeAsync, CreatedAt: created, HeartbeatMs: 1000}); err != nil {
		t.Fatal(err)
	}
	sub := h.NewSubscriber()
	defer sub.Close()
	if _, err := sub.Recover(ctx, cid, "", func(hub.Reply) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := sub.Live(ctx, cid, func(hub.Reply) error { return nil }); err != nil {
		t.Fatal(err)
	}
	svc := hub.Principal{Kind: hub.KindService, ID: "svc"}
	if err := h.Heartbeat(ctx, svc, cid, ptr(0.5), "half"); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, sub, "progress"); !bytes.Contains(f, []byte(`"progress":0.5`)) || !bytes.Contains(f, []byte(`"msg":"half"`)) {
		t.Errorf("progress frame %s", f)
	}
	if err := b.Store.SetTimer(ctx, hub.Timer{CID: cid, Kind: hub.TimerStall, At: created.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	skew.Store(int64(time.Hour)) // silent for an hour, as the hub sees it
	nextFrame(t, sub, "stalled")
	if rec, err := b.Store.Lookup(ctx, cid); err != nil || rec.StalledSince == nil {
		t.Fatalf("record after the stall: stalledSince %v, %v", rec.StalledSince, err)
	}
	if _, _, err := h.PostReply(ctx, cid, hub.ReplyInput{Seq: 1, IsEnd: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	nextFrame(t, sub, "resumed")
}

// newHub runs a hub on b with clock, closed at the end of the test.
func newHub(t *testing.T, b Backend, clock func() time.Time) *hub.Hub {
	t.Helper()
	h, err := hub.New(hub.Config{Store: b.Store, Broker: b.Broker, Secret: []byte("s"), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// nextFrame waits for the subscriber's next frame of kind ("reply" or an
// event's type), skipping others.
func nextFrame(t *testing.T, sub *hub.Subscriber, kind string) []byte {
	t.Helper()
	deadline := time.After(testwait.Deadline)
	for {
		select {
		case r := <-sub.C():
			ev := r.Event()
			if ev == "" {
				ev = "reply"
			}
			if ev == kind {
				return r.Frame()
			}
		case <-sub.Done():
			t.Fatalf("subscriber closed waiting for %s: %v", kind, sub.Err())
		case <-deadline:
			t.Fatalf("no %s frame", kind)
		}
	}
}
