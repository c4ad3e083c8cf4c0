package hubtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// testQueueAddLeased: a queue that leases as it adds leases a delivery
// only when it heads its cid and is due, and then as Claim would: not
// claimed again before the lease ends, claimable after.
func testQueueAddLeased(t *testing.T, q callback.Queue) {
	al, ok := q.(callback.AddLeaser)
	if !ok {
		t.Skip("queue does not lease as it adds")
	}
	ctx := context.Background()
	now := time.Now()
	addLeasedFor := func(d callback.Delivery, lease time.Duration, want bool) {
		t.Helper()
		if got, err := al.AddLeased(ctx, d, now, lease); err != nil || got != want {
			t.Fatalf("AddLeased(%s, %v) = %v, %v; want %v", d.ID, lease, got, err, want)
		}
	}
	addLeased := func(d callback.Delivery, want bool) { t.Helper(); addLeasedFor(d, time.Minute, want) }
	a, b, c, f := newCID(t), newCID(t), newCID(t), newCID(t)
	addLeased(delivery(a, 1, now), true)
	addLeased(delivery(a, 1, now), true)                              // the same call sent again: its own lease
	addLeasedFor(delivery(a, 1, now), time.Minute+time.Second, false) // exists, another's lease
	if err := q.Add(ctx, delivery(b, 1, now)); err != nil {
		t.Fatal(err)
	}
	addLeased(delivery(b, 2, now), false)                // b.1 heads b
	addLeased(delivery(c, 1, now.Add(time.Hour)), false) // not due
	failed := delivery(f, 1, now)
	failed.State = callback.Failed
	addLeased(failed, false)
	if ids := claimIDs(t, q, now); !slices.Equal(ids, []string{b + ".1"}) {
		t.Fatalf("Claim at once = %v; want only %s.1: %s.1 is leased", ids, b, a)
	}
	if ids := claimIDs(t, q, now.Add(2*time.Minute)); !slices.Contains(ids, a+".1") || slices.Contains(ids, b+".2") {
		t.Fatalf("Claim after the lease = %v; want %s.1 again, and not %s.2 behind %s.1", ids, a, b, b)
	}
}

// testQueueUnlease: Unlease gives back the lease AddLeased took, and no
// other: not one a claim took since, nor one that ran out.
func testQueueUnlease(t *testing.T, q callback.Queue) {
	al, ok := q.(callback.AddLeaser)
	if !ok {
		t.Skip("queue does not lease as it adds")
	}
	ctx := context.Background()
	now := time.Now()
	a, b := newCID(t), newCID(t)
	earlier := now.Add(-2 * time.Minute)
	for _, d := range []callback.Delivery{delivery(a, 1, now), delivery(b, 1, earlier)} {
		if got, err := al.AddLeased(ctx, d, d.NextAttemptAt, time.Minute); err != nil || !got {
			t.Fatalf("AddLeased(%s) = %v, %v; want leased", d.ID, got, err)
		}
	}
	if ids := claimIDs(t, q, now); !slices.Equal(ids, []string{b + ".1"}) {
		t.Fatalf("Claim = %v; want %s.1, whose lease ran out (another instance's)", ids, b)
	}
	unlease := func(d callback.Delivery, until time.Time) {
		t.Helper()
		if err := al.Unlease(ctx, d, until); err != nil {
			t.Fatalf("Unlease(%s): %v", d.ID, err)
		}
	}
	unlease(delivery(b, 1, earlier), earlier.Add(time.Minute)) // claimed since: kept
	unlease(delivery(newCID(t), 1, now), now.Add(time.Minute)) // never stored
	if ids := claimIDs(t, q, now); len(ids) != 0 {
		t.Fatalf("Claim = %v; want nothing: %s.1 is claimed, %s.1 leased by AddLeased", ids, b, a)
	}
	unlease(delivery(a, 1, now), now.Add(time.Minute))
	if ids := claimIDs(t, q, now); !slices.Equal(ids, []string{a + ".1"}) {
		t.Fatalf("Claim after Unlease = %v; want %s.1 due at once", ids, a)
	}
}
