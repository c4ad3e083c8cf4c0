package memstore

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

func pending(cid string, seq int, due time.Time) callback.Delivery {
	return callback.Delivery{ID: callback.DeliveryID(cid, seq), CID: cid, Seq: seq, Caller: "shop",
		State: callback.Pending, NextAttemptAt: due, CreatedAt: due}
}

// TestQueuePrunesFinished: a finished delivery is forgotten Retention
// after it finished; pending ones and younger finished ones stay.
func TestQueuePrunesFinished(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q := &Queue{Retention: time.Hour}
	for i := range 3 {
		q.Add(ctx, pending("c"+fmt.Sprint(i), 1, t0))
	}
	q.Add(ctx, pending("c0", 2, t0))
	for _, id := range []string{"c0.1", "c1.1"} {
		d, _ := q.Get(ctx, id)
		d.State, d.UpdatedAt = callback.Delivered, t0
		q.Save(ctx, d)
	}
	q.Claim(ctx, t0.Add(time.Hour-time.Second), 0, time.Minute)
	if _, err := q.Get(ctx, "c0.1"); err != nil {
		t.Errorf("finished delivery gone before its retention: %v", err)
	}
	q.Claim(ctx, t0.Add(time.Hour), 0, time.Minute)
	for _, id := range []string{"c0.1", "c1.1"} {
		if _, err := q.Get(ctx, id); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Get(%s) after its retention = %v, want ErrNotFound", id, err)
		}
	}
	if list, _, _ := q.List(ctx, callback.Filter{}); len(list) != 2 {
		t.Errorf("List after pruning = %d deliveries, want the 2 pending", len(list))
	}
	if ds, _ := q.ForCID(ctx, "c0"); len(ds) != 1 || ds[0].Seq != 2 {
		t.Errorf("ForCID(c0) = %+v, want seq 2 alone", ds)
	}
	if _, ok := q.byCID["c1"]; ok {
		t.Error("a cid with nothing left is still indexed")
	}
}

// TestQueueClaimSeesOnlyReady: the ready heap holds one entry per cid with
// something pending, and none once all is finished, so Claim's cost does
// not grow with every cid ever queued.
func TestQueueClaimSeesOnlyReady(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q := &Queue{}
	for i := range 1000 {
		q.Add(ctx, pending(fmt.Sprint("c", i), 1, t0.Add(time.Duration(i)*time.Second)))
	}
	if got := len(q.ready); got != 1000 {
		t.Fatalf("ready = %d cids, want 1000", got)
	}
	got, _ := q.Claim(ctx, t0.Add(9*time.Second), 100, time.Minute)
	if len(got) != 10 || got[0].CID != "c0" || got[9].CID != "c9" {
		t.Fatalf("Claim at +9s = %d deliveries, want c0 to c9, soonest first", len(got))
	}
	for _, d := range got {
		d.State, d.UpdatedAt = callback.Delivered, t0
		q.Save(ctx, d)
	}
	if got := len(q.ready); got != 990 {
		t.Errorf("ready after 10 finished = %d, want 990", got)
	}
	if again, _ := q.Claim(ctx, t0.Add(9*time.Second), 100, time.Minute); len(again) != 0 {
		t.Errorf("Claim again = %d deliveries, want none", len(again))
	}
	if late, _ := q.Claim(ctx, t0.Add(10*time.Minute), 1000, time.Minute); len(late) != 591 {
		t.Errorf("Claim at +10m = %d, want c10 to c600", len(late))
	}
}

// TestHealthForgetsQuietEndpoints: a failing endpoint nothing touched for
// Retention is forgotten at the next sweep; one still asked about stays.
func TestHealthForgetsQuietEndpoints(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	h := &Health{Retention: time.Hour, Now: func() time.Time { return now }}
	h.Record(ctx, "http://quiet", false, t0)
	h.Record(ctx, "http://disabled", false, t0)
	now = t0.Add(50 * time.Minute)
	h.FailingSince(ctx, "http://disabled") // deliveries still come: it stays
	h.Record(ctx, "http://other", true, t0.Add(time.Hour+time.Minute))
	if since, _ := h.FailingSince(ctx, "http://quiet"); !since.IsZero() {
		t.Errorf("quiet endpoint failing since %v, want forgotten", since)
	}
	if since, _ := h.FailingSince(ctx, "http://disabled"); !since.Equal(t0) {
		t.Errorf("endpoint still in use failing since %v, want %v", since, t0)
	}
	if len(h.since) != 1 || len(h.touched) != 1 {
		t.Errorf("health holds %d streaks and %d touches, want 1 each", len(h.since), len(h.touched))
	}
}

// TestReadyHeapDue: due counts the due cids of the ready heap, up to its
// bound, whatever the heap's shape.
func TestReadyHeapDue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, size := range []int{0, 1, 2, 7, 50} {
		for dueN := 0; dueN <= size; dueN++ {
			var h readyHeap
			for i := range size {
				c := &cidQueue{due: t0.Add(time.Duration(1+i%4) * time.Second)}
				if j := i * 3 % size; j < dueN { // due ones pushed among the others (3 is prime to every size)
					c.due = t0.Add(-time.Duration(j%3) * time.Millisecond) // ties too, and now itself
				}
				heap.Push(&h, c)
			}
			for _, max := range []int{0, 1, dueN, size + 1} {
				if got, want := h.due(t0, max), min(dueN, max); got != want {
					t.Errorf("%d cids, %d due: due(now, %d) = %d, want %d", size, dueN, max, got, want)
				}
			}
		}
	}
}
