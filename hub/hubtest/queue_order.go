package hubtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// The queue's part of per-cid order when enqueueing fails: a delivery
// whose reply was stored after one with no delivery yet (Reply.Prev names
// it) waits, with the rest of its cid, until that one is queued. A gap is
// a stored reply without a delivery, never a missing seq number.

// linked is delivery seq of cid for the reply stored at offset, after the
// reply at prev ("" for the first).
func linked(cid string, seq int, offset, prev string, due time.Time) callback.Delivery {
	d := delivery(cid, seq, due)
	d.Reply.Offset, d.Reply.Prev = offset, prev
	return d
}

func addAll(t *testing.T, q callback.Queue, ds ...callback.Delivery) {
	t.Helper()
	for _, d := range ds {
		if err := q.Add(context.Background(), d); err != nil {
			t.Fatalf("Add(%s): %v", d.ID, err)
		}
	}
}

// deliverNext claims what is due within a minute and wants exactly the
// given ids, then saves them as delivered. (A backend may schedule the
// next seq by its own clock.)
func deliverNext(t *testing.T, q callback.Queue, want ...string) {
	t.Helper()
	ds, err := q.Claim(context.Background(), time.Now().Add(time.Minute), 100, time.Minute)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.ID)
		d.State, d.Attempts = callback.Delivered, 1
		if err := q.Save(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("claimed %v, want %v", got, want)
	}
}

// testQueueWaitsForUnqueued: seq 2 was stored after seq 1, whose delivery
// is not queued yet: seq 2 waits for it, other cids do not.
func testQueueWaitsForUnqueued(t *testing.T, q callback.Queue) {
	now := time.Now()
	a, b := newCID(t), newCID(t)
	addAll(t, q, linked(a, 2, "20-0", "10-0", now), linked(b, 1, "30-0", "", now))
	deliverNext(t, q, callback.DeliveryID(b, 1))
	deliverNext(t, q)
	addAll(t, q, linked(a, 1, "10-0", "", now)) // the service's retry queues it
	deliverNext(t, q, callback.DeliveryID(a, 1))
	deliverNext(t, q, callback.DeliveryID(a, 2))
}

// testQueueSeqsNeedNotBeContiguous: seqs 1 and 3, each queued: 3 follows
// 1 without waiting for a seq 2 that was never stored.
func testQueueSeqsNeedNotBeContiguous(t *testing.T, q callback.Queue) {
	now := time.Now()
	a := newCID(t)
	addAll(t, q, linked(a, 1, "10-0", "", now), linked(a, 3, "11-0", "10-0", now))
	deliverNext(t, q, callback.DeliveryID(a, 1))
	deliverNext(t, q, callback.DeliveryID(a, 3))
}

// testQueueLinksToDelivered: a reply stored after one whose callback was
// delivered is no gap, however little of the delivered one is kept.
func testQueueLinksToDelivered(t *testing.T, q callback.Queue) {
	now := time.Now()
	a := newCID(t)
	addAll(t, q, linked(a, 1, "10-0", "", now))
	deliverNext(t, q, callback.DeliveryID(a, 1))
	addAll(t, q, linked(a, 2, "11-0", "10-0", now))
	deliverNext(t, q, callback.DeliveryID(a, 2))
}

// testQueueGapHoldsLowerSeqs: seq 5 was stored first and not queued, then
// seq 1: the gap's seq is unknown until it is queued, so seq 1 waits too,
// then goes first.
func testQueueGapHoldsLowerSeqs(t *testing.T, q callback.Queue) {
	now := time.Now()
	a := newCID(t)
	addAll(t, q, linked(a, 1, "11-0", "10-0", now))
	deliverNext(t, q)
	addAll(t, q, linked(a, 5, "10-0", "", now))
	deliverNext(t, q, callback.DeliveryID(a, 1))
	deliverNext(t, q, callback.DeliveryID(a, 5))
}
