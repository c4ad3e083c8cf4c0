package hubtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// testList: List pages through records newest first, each once, with the
// last reply; it filters by caller, service, state and since.
func testList(t *testing.T, b Backend) {
	ctx := context.Background()
	caller := "lister-" + newCID(t)
	base := time.UnixMilli(time.Now().UnixMilli())
	var cids []string // oldest first
	for i := range 5 {
		cid := newCID(t)
		svc := "svc"
		if i == 4 {
			svc = "other"
		}
		// records 1 and 2 share a millisecond: the cursor tells them apart by cid
		at := base.Add(time.Duration(min(i, 2)+max(i-2, 0)) * time.Millisecond)
		if _, _, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: svc, Caller: caller,
			State: hub.StatePending, Mode: hub.ModeAsync, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		cids = append(cids, cid)
	}
	appendReply(t, b.Store, cids[3], 1, false)
	appendReply(t, b.Store, cids[3], 2, true)
	seen := pageAll(t, b.Store, hub.RecordFilter{Caller: caller, Limit: 2})
	if len(seen) != 5 {
		t.Fatalf("paged through %d records, want 5 once each: %v", len(seen), seen)
	}
	for i, rec := range seen {
		if want := cids[4-i]; rec.CID != want && !(i == 2 || i == 3) {
			t.Errorf("record %d = %s, want %s (newest first)", i, rec.CID, want)
		}
		if rec.Mode != hub.ModeAsync || rec.Caller != caller {
			t.Errorf("record %s = mode %q caller %q, want async %s", rec.CID, rec.Mode, rec.Caller, caller)
		}
	}
	if ids := fmt.Sprint(seen[2].CID, seen[3].CID); ids != fmt.Sprint(cids[2], cids[1]) && ids != fmt.Sprint(cids[1], cids[2]) {
		t.Errorf("records 2 and 3 = %s, want %s and %s", ids, cids[1], cids[2])
	}
	if r := seen[1]; r.LastReply == nil || r.LastReply.Seq != 2 || r.State != hub.StateCompleted {
		t.Errorf("record with replies = state %q last reply %+v, want completed with seq 2", r.State, r.LastReply)
	}
	checkFilter(t, b.Store, "service", hub.RecordFilter{Caller: caller, ServiceID: "other"}, cids[4])
	checkFilter(t, b.Store, "state", hub.RecordFilter{Caller: caller, State: hub.StateCompleted}, cids[3])
	checkFilter(t, b.Store, "since", hub.RecordFilter{Caller: caller, Since: base.Add(3 * time.Millisecond)}, cids[4], cids[3])
}

// pageAll follows List's cursor to the end.
func pageAll(t *testing.T, s hub.Store, f hub.RecordFilter) []hub.Record {
	t.Helper()
	var out []hub.Record
	for range 100 {
		page, next, err := s.List(context.Background(), f)
		if err != nil {
			t.Fatalf("List(%+v): %v", f, err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
	t.Fatal("List never ended")
	return nil
}

func checkFilter(t *testing.T, s hub.Store, what string, f hub.RecordFilter, want ...string) {
	t.Helper()
	got := pageAll(t, s, f)
	ids := make([]string, len(got))
	for i, r := range got {
		ids[i] = r.CID
	}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("List by %s = %v, want %v", what, ids, want)
	}
}

// testQueueAttemptLog: a delivery's attempt log survives Save, Get,
// Claim and ForCID.
func testQueueAttemptLog(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	d := delivery(newCID(t), 1, now)
	if err := q.Add(ctx, d); err != nil {
		t.Fatal(err)
	}
	d.Attempts = 2
	d.AttemptLog = []hub.Attempt{{At: now, DurationMs: 12, Status: 503, Error: "HTTP 503 busy", Body: "busy"},
		{At: now.Add(time.Second), DurationMs: 3, Error: "connection refused"}}
	if err := q.Save(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := q.Get(ctx, d.ID)
	if err != nil || fmt.Sprint(got.AttemptLog) != fmt.Sprint(d.AttemptLog) {
		t.Errorf("Get = %+v, %v; want attempt log %+v", got.AttemptLog, err, d.AttemptLog)
	}
	all, err := q.ForCID(ctx, d.CID)
	if err != nil || len(all) != 1 || len(all[0].AttemptLog) != 2 {
		t.Errorf("ForCID = %+v, %v; want the delivery with 2 attempts logged", all, err)
	}
	ds, err := q.Claim(ctx, now, 10, time.Minute)
	if err != nil || len(ds) != 1 || len(ds[0].AttemptLog) != 2 {
		t.Errorf("Claim = %+v, %v; want the delivery with 2 attempts logged", ds, err)
	}
}

// testQueueSettled: a delivered or skipped delivery keeps what the admin
// reads (its state, attempts and attempt log, its url) and drops its reply
// and trace, which nothing reads again; a failed one keeps them for a
// replay.
func testQueueSettled(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	done, skipped, failed := delivery(newCID(t), 1, now), delivery(newCID(t), 1, now), delivery(newCID(t), 1, now)
	for _, d := range []*callback.Delivery{&done, &skipped, &failed} {
		d.Legacy, d.TraceParent = false, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
		if err := q.Add(ctx, *d); err != nil {
			t.Fatal(err)
		}
		d.Attempts, d.UpdatedAt = 1, now
		d.AttemptLog = []hub.Attempt{{At: now, DurationMs: 2, Status: 204}}
	}
	done.State, skipped.State, failed.State = callback.Delivered, callback.Skipped, callback.Failed
	for _, d := range []callback.Delivery{done, skipped, failed} {
		if err := q.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []callback.Delivery{done, skipped} {
		got, err := q.Get(ctx, d.ID)
		if err != nil || got.State != d.State || got.URL != d.URL || got.Attempts != 1 || len(got.AttemptLog) != 1 {
			t.Fatalf("Get(%s) = %+v, %v; want it %s, its url and attempt log kept", d.ID, got, err, d.State)
		}
		if got.Reply.Data != nil || got.TraceParent != "" {
			t.Errorf("%s delivery kept its reply %+v and trace %q", d.State, got.Reply, got.TraceParent)
		}
	}
	got, err := q.Get(ctx, failed.ID)
	if err != nil || string(got.Reply.Data) != `{"a":1}` || got.TraceParent != failed.TraceParent {
		t.Errorf("Get(failed) = %+v, %v; want its reply and trace kept for a replay", got, err)
	}
}

// testHealthList: List shows every endpoint seen, its callers and last
// status, and the failing ones with their streak.
func testHealthList(t *testing.T, h callback.Health) {
	ctx := context.Background()
	t0 := time.UnixMilli(time.Now().UnixMilli())
	ok, bad := "http://ok-"+newCID(t)+".example", "http://bad-"+newCID(t)+".example"
	h.Seen(ctx, ok, "shop", 200, t0)
	h.Seen(ctx, ok, "app", 204, t0.Add(time.Second))
	h.Record(ctx, bad, false, t0)
	h.Seen(ctx, bad, "shop", 0, t0)
	list, err := h.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]callback.EndpointHealth{}
	for _, e := range list {
		got[e.Endpoint] = e
	}
	if e := got[ok]; fmt.Sprint(e.Callers) != "[app shop]" || e.LastStatus != 204 || !e.LastAt.Equal(t0.Add(time.Second)) || !e.FailingSince.IsZero() {
		t.Errorf("healthy endpoint = %+v, want callers [app shop], last status 204, healthy", e)
	}
	if e := got[bad]; fmt.Sprint(e.Callers) != "[shop]" || e.LastStatus != 0 || !e.FailingSince.Equal(t0) {
		t.Errorf("failing endpoint = %+v, want callers [shop], no status, failing since %v", e, t0)
	}
}
