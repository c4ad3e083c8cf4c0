package hubtest

import (
	"context"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// testTraceParentKept: the traceparent a record is created with comes
// back with every reply appended (new or duplicate), so a reply joins its
// request's trace without another read; a queued delivery keeps its own.
func testTraceParentKept(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := newCID(t)
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	if _, _, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "svc", Caller: "shop",
		State: hub.StatePending, CreatedAt: time.Now(), TraceParent: tp}); err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{"new", "duplicate"} {
		a, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid, Seq: 1, IsEnd: false})
		if err != nil || a.Record.TraceParent != tp || a.Reply.TraceParent != tp {
			t.Errorf("AppendReply (%s) = record traceparent %q, reply's %q, %v; want %q for both",
				what, a.Record.TraceParent, a.Reply.TraceParent, err, tp)
		}
	}
	// A reply with a trace of its own keeps it, stored and sent on.
	const own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	if a, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid, Seq: 2, IsEnd: false, TraceParent: own}); err != nil || a.Reply.TraceParent != own {
		t.Errorf("AppendReply with its own trace = reply traceparent %q, %v; want %q", a.Reply.TraceParent, err, own)
	}
	if rs, err := b.Store.Replies(ctx, cid, "", 0); err != nil || len(rs) != 2 || rs[0].TraceParent != tp || rs[1].TraceParent != own {
		t.Errorf("Replies = %+v, %v; want the traceparents %q and %q", rs, err, tp, own)
	}
	if rec, err := b.Store.Lookup(ctx, cid); err != nil || rec.TraceParent != tp {
		t.Errorf("Lookup = traceparent %q, %v; want %q", rec.TraceParent, err, tp)
	}
	if b.Queue == nil {
		return
	}
	d := delivery(cid, 1, time.Now())
	d.TraceParent = tp
	if err := b.Queue.Add(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Queue.Get(ctx, d.ID); err != nil || got.TraceParent != tp {
		t.Errorf("queued delivery traceparent = %q, %v; want %q", got.TraceParent, err, tp)
	}
}
