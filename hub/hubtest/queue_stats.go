package hubtest

import (
	"context"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// testQueueStats: Stats counts the pending deliveries (those queued
// behind another of their cid too), the dead ones until they are
// replayed, and the earliest due time of the pending ones.
func testQueueStats(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	a, b := newCID(t), newCID(t)
	checkStats(t, q, "empty", callback.QueueStats{})
	for _, d := range []callback.Delivery{delivery(a, 1, now.Add(-time.Minute)), delivery(a, 2, now), delivery(b, 1, now.Add(time.Hour))} {
		if err := q.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	checkStats(t, q, "three added", callback.QueueStats{Pending: 3, OldestDue: now.Add(-time.Minute)})
	ds, err := q.Claim(ctx, now, 10, time.Minute)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Claim = %v, %v; want a's first", ds, err)
	}
	dead := ds[0]
	dead.State, dead.Attempts, dead.UpdatedAt = callback.Dead, 3, now
	if err := q.Save(ctx, dead); err != nil {
		t.Fatal(err)
	}
	checkStats(t, q, "a.1 dead", callback.QueueStats{Pending: 2, Dead: 1, OldestDue: now})
	dead.State, dead.NextAttemptAt = callback.Pending, now.Add(2*time.Hour)
	if err := q.Save(ctx, dead); err != nil {
		t.Fatal(err)
	}
	checkStats(t, q, "a.1 replayed", callback.QueueStats{Pending: 3, OldestDue: now})
}

// checkStats compares q's Stats with want (OldestDue to the millisecond;
// a zero want.OldestDue is not compared unless want is all zero).
func checkStats(t *testing.T, q callback.Queue, when string, want callback.QueueStats) callback.QueueStats {
	t.Helper()
	got, err := q.Stats(context.Background())
	if err != nil {
		t.Fatalf("%s: Stats: %v", when, err)
	}
	empty := want == callback.QueueStats{}
	if got.Pending != want.Pending || got.Dead != want.Dead ||
		(empty || !want.OldestDue.IsZero()) && !got.OldestDue.Equal(want.OldestDue) {
		t.Errorf("%s: Stats = %+v, want %+v", when, got, want)
	}
	return got
}
