package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

func openQueue(t *testing.T, prefix string) (*Store, *Queue) {
	t.Helper()
	s, err := Open(Config{URL: redistest.Start(t).URL(0), KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, s.Queue("a")
}

func linkedDelivery(cid string, seq int, offset, prev string) callback.Delivery {
	now := time.Now()
	return callback.Delivery{ID: callback.DeliveryID(cid, seq), CID: cid, Seq: seq, State: callback.Pending,
		NextAttemptAt: now, CreatedAt: now, Reply: hub.Reply{CID: cid, Seq: seq, Offset: offset, Prev: prev}}
}

// TestQueueOlderCIDNotLinked: a cid whose deliveries an older callhub
// stored (no offsets kept) gets no gap from a new delivery naming one of
// them as its Prev: it is claimed once its predecessor is done.
func TestQueueOlderCIDNotLinked(t *testing.T) {
	s, q := openQueue(t, "old:")
	ctx := context.Background()
	old := linkedDelivery("c", 1, "1-0", "")
	old.State = callback.Delivered
	if err := s.rdb.HSet(ctx, s.key("dlv", "c"), "1", encodeDelivery(old)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.HSet(ctx, s.key("dst", "c"), "1", old.State).Err(); err != nil {
		t.Fatal(err)
	}
	if err := q.Add(ctx, linkedDelivery("c", 2, "2-0", "1-0")); err != nil {
		t.Fatal(err)
	}
	ds, err := q.Claim(ctx, time.Now().Add(time.Minute), 10, time.Minute)
	if err != nil || len(ds) != 1 || ds[0].ID != "c.2" {
		t.Fatalf("Claim = %+v, %v; want c.2", ds, err)
	}
}

// roundTrips counts what a client sends: each command alone, or each
// pipeline, is one round trip.
type roundTrips struct{ n int }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { r.n++; return next(ctx, cmd) }
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { r.n++; return next(ctx, cmds) }
}

// TestQueueAddTwoRoundTrips: the sweeper's mark rides with the add script
// and its removal with the schedule, so an Add stays two round trips.
func TestQueueAddTwoRoundTrips(t *testing.T) {
	s, q := openQueue(t, "rt:")
	ctx := context.Background()
	if err := q.Add(ctx, linkedDelivery("c", 1, "1-0", "")); err != nil { // loads the script
		t.Fatal(err)
	}
	rt := &roundTrips{}
	s.rdb.AddHook(rt)
	if err := q.Add(ctx, linkedDelivery("c", 2, "2-0", "1-0")); err != nil {
		t.Fatal(err)
	}
	if rt.n != 2 {
		t.Errorf("Add took %d round trips, want 2", rt.n)
	}
	if n := s.rdb.ZCard(ctx, q.qkey("sweep")).Val(); n != 0 {
		t.Errorf("%d marks left after whole Adds, want none", n)
	}
}
