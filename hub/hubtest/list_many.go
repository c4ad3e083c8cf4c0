package hubtest

import (
	"context"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// manyCIDs is how many cids the paging tests spread over: enough to touch
// every partition of a partitioned store, several to one millisecond.
const manyCIDs = 60

// testListMany: List pages through many records, created a few to a
// millisecond (on a partitioned store, in every partition), newest first,
// each once, whatever the page size.
func testListMany(t *testing.T, b Backend) {
	ctx := context.Background()
	caller := "many-" + newCID(t)
	base := time.UnixMilli(time.Now().UnixMilli())
	want := map[string]bool{}
	for i := range manyCIDs {
		cid := newCID(t)
		if _, _, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "svc", Caller: caller,
			State: hub.StatePending, Mode: hub.ModeAsync, CreatedAt: base.Add(time.Duration(i/4) * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		want[cid] = true
	}
	seen := pageAll(t, b.Store, hub.RecordFilter{Caller: caller, Limit: 7})
	if len(seen) != manyCIDs {
		t.Errorf("paged through %d records, want %d", len(seen), manyCIDs)
	}
	for i, rec := range seen {
		if !want[rec.CID] {
			t.Errorf("record %s listed twice, or not created here", rec.CID)
		}
		delete(want, rec.CID)
		if i > 0 && rec.CreatedAt.After(seen[i-1].CreatedAt) {
			t.Errorf("record %d created %v after record %d (%v): want newest first", i, rec.CreatedAt, i-1, seen[i-1].CreatedAt)
		}
	}
}

// testQueueListMany: List pages through the deliveries of many cids,
// queued one after the other (several in a millisecond), oldest first —
// to the millisecond, the order a shared store's clock gives — each once.
func testQueueListMany(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	caller := "many-" + newCID(t)
	want := map[string]bool{}
	for range manyCIDs {
		d := delivery(newCID(t), 1, time.Now())
		d.Caller = caller
		if err := q.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
		want[d.ID] = true
	}
	var seen []callback.Delivery
	cursor := ""
	for range manyCIDs {
		page, next, err := q.List(ctx, callback.Filter{Caller: caller, Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != manyCIDs {
		t.Errorf("paged through %d deliveries, want %d", len(seen), manyCIDs)
	}
	for i, d := range seen {
		if !want[d.ID] {
			t.Errorf("delivery %s listed twice, or not added here", d.ID)
		}
		delete(want, d.ID)
		if i > 0 && d.CreatedAt.Before(seen[i-1].CreatedAt.Add(-time.Millisecond)) {
			t.Errorf("delivery %d created %v before delivery %d (%v): want oldest first", i, d.CreatedAt, i-1, seen[i-1].CreatedAt)
		}
	}
}
