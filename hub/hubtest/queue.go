package hubtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// RunQueue runs the Queue conformance tests; Run calls it too. Backends
// without a Queue skip them.
func RunQueue(t *testing.T, newBackend func(t *testing.T) Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, callback.Queue)
	}{
		{"QueueAddClaim", testQueueAddClaim},
		{"QueueOrderPerCID", testQueueOrder},
		{"QueueLease", testQueueLease},
		{"QueueList", testQueueList},
		{"QueueListMany", testQueueListMany},
		{"QueueAttemptLog", testQueueAttemptLog},
		{"QueueSettled", testQueueSettled},
		{"QueueStats", testQueueStats},
		{"QueueWaitsForUnqueued", testQueueWaitsForUnqueued},
		{"QueueSeqsNeedNotBeContiguous", testQueueSeqsNeedNotBeContiguous},
		{"QueueGapHoldsLowerSeqs", testQueueGapHoldsLowerSeqs},
		{"QueueLinksToDelivered", testQueueLinksToDelivered},
		{"QueueSkipped", testQueueSkipped},
		{"QueueAddLeased", testQueueAddLeased},
		{"QueueUnlease", testQueueUnlease},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackend(t)
			if b.Queue == nil {
				t.Skip("backend has no Queue")
			}
			tt.fn(t, b.Queue)
		})
	}
	t.Run("CallbackOrderAfterFailedEnqueue", func(t *testing.T) { testCallbackOrderAfterFailedEnqueue(t, newBackend(t)) })
	t.Run("CallbackOrderAfterFailedLease", func(t *testing.T) { testCallbackOrderAfterFailedLease(t, newBackend(t)) })
}

func delivery(cid string, seq int, due time.Time) callback.Delivery {
	return callback.Delivery{ID: callback.DeliveryID(cid, seq), CID: cid, Seq: seq, Caller: "shop",
		URL: "http://127.0.0.1:1/cb", Method: "POST", State: callback.Pending, Legacy: true,
		Reply:         hub.Reply{CID: cid, Seq: seq, Offset: "1-0", Data: []byte(`{"a":1}`)},
		NextAttemptAt: due, CreatedAt: due}
}

func claimIDs(t *testing.T, q callback.Queue, now time.Time) []string {
	t.Helper()
	ds, err := q.Claim(context.Background(), now, 100, time.Minute)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

func testQueueAddClaim(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	now := time.Now()
	cid := newCID(t)
	d := delivery(cid, 1, now.Add(time.Hour))
	for range 2 { // idempotent
		if err := q.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if ids := claimIDs(t, q, now); len(ids) != 0 {
		t.Fatalf("claimed %v before it was due", ids)
	}
	ds, err := q.Claim(ctx, now.Add(2*time.Hour), 100, time.Minute)
	if err != nil || len(ds) != 1 || ds[0].ID != d.ID {
		t.Fatalf("Claim when due = %+v, %v; want %s once", ds, err, d.ID)
	}
	if got := ds[0]; got.URL != d.URL || !got.Legacy || got.Reply.Offset != "1-0" || string(got.Reply.Data) != `{"a":1}` {
		t.Errorf("claimed delivery lost fields: %+v", got)
	}
	got, err := q.Get(ctx, d.ID)
	if err != nil || got.State != callback.Pending {
		t.Errorf("Get = %+v, %v; want pending", got, err)
	}
	for _, id := range []string{"nope.1", d.CID + ".2", d.CID, "", ".", d.CID + ".x", d.CID + ".", d.CID + ".01", d.CID + ".+1"} {
		if _, err := q.Get(ctx, id); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

// testQueueOrder: seq 2 waits for seq 1 to be delivered, failed or dead;
// other cids never wait.
func testQueueOrder(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	now := time.Now()
	a, b := newCID(t), newCID(t)
	for _, d := range []callback.Delivery{delivery(a, 1, now), delivery(a, 2, now), delivery(b, 1, now)} {
		if err := q.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := q.Claim(ctx, now, 100, time.Minute)
	if err != nil || len(ds) != 2 {
		t.Fatalf("first claim = %+v, %v; want a.1 and b.1", ds, err)
	}
	var a1 callback.Delivery
	for _, d := range ds {
		if d.ID == callback.DeliveryID(a, 2) {
			t.Fatal("a.2 claimed before a.1 was done")
		}
		if d.CID == a {
			a1 = d
			continue
		}
		d.State, d.Attempts = callback.Delivered, 1
		if err := q.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	a1.Attempts, a1.LastStatus, a1.NextAttemptAt = 1, 500, now.Add(time.Hour)
	if err := q.Save(ctx, a1); err != nil { // a retry later: a.2 still waits
		t.Fatal(err)
	}
	if ids := claimIDs(t, q, now.Add(time.Minute)); len(ids) != 0 {
		t.Fatalf("claimed %v while a.1 waits for its retry", ids)
	}
	ds, _ = q.Claim(ctx, now.Add(2*time.Hour), 100, time.Minute)
	if len(ds) != 1 || ds[0].ID != a1.ID || ds[0].Attempts != 1 {
		t.Fatalf("claim after retry time = %+v, want a.1 with 1 attempt", ds)
	}
	a1 = ds[0]
	a1.State = callback.Dead
	if err := q.Save(ctx, a1); err != nil {
		t.Fatal(err)
	}
	if ids := claimIDs(t, q, now.Add(2*time.Hour)); len(ids) != 1 || ids[0] != callback.DeliveryID(a, 2) {
		t.Fatalf("claim after a.1 dead = %v, want a.2", ids)
	}
}

// testQueueLease: a claimed delivery comes back only when its lease ends.
func testQueueLease(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	cid := newCID(t)
	if err := q.Add(ctx, delivery(cid, 1, time.Now())); err != nil {
		t.Fatal(err)
	}
	lease := 200 * time.Millisecond
	ds, err := q.Claim(ctx, time.Now(), 10, lease)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Claim = %+v, %v; want 1", ds, err)
	}
	if again, _ := q.Claim(ctx, time.Now(), 10, lease); len(again) != 0 {
		t.Fatalf("claimed %+v again within its lease", again)
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		ds, err := q.Claim(ctx, time.Now(), 10, lease)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && ds[0].CID == cid {
			return // the holder "died": the lease ran out and it is claimable
		}
		time.Sleep(lease / 4) // polling a lease that runs on the store's clock
	}
	t.Fatal("not claimable again after its lease ended")
}

func testQueueList(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	now := time.Now()
	cid := newCID(t)
	for seq := 1; seq <= 5; seq++ {
		d := delivery(cid, seq, now)
		d.Caller = "lister-" + cid
		if err := q.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	d1, _ := q.Get(ctx, callback.DeliveryID(cid, 1))
	d1.State = callback.Dead
	if err := q.Save(ctx, d1); err != nil {
		t.Fatal(err)
	}
	var seen []string
	cursor := ""
	for {
		page, next, err := q.List(ctx, callback.Filter{Caller: "lister-" + cid, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page {
			seen = append(seen, d.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 5 {
		t.Errorf("paged through %v, want 5 deliveries once each", seen)
	}
	dead, _, _ := q.List(ctx, callback.Filter{Caller: "lister-" + cid, State: callback.Dead})
	if len(dead) != 1 || dead[0].ID != d1.ID {
		t.Errorf("List(dead) = %+v, want %s", dead, d1.ID)
	}
	all, err := q.ForCID(ctx, cid)
	if err != nil || len(all) != 5 || all[0].Seq != 1 || all[4].Seq != 5 {
		t.Errorf("ForCID = %d deliveries, %v; want 5 in seq order", len(all), err)
	}
}
