package redisstore

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/redis/go-redis/v9"
)

// TestQueueSweepAfterCrash: an instance dies between the add script and
// the ZADD that schedules the delivery. Within the grace nothing claims
// it; a Deliverer whose clock is past the grace sweeps it onto the
// schedule and delivers it. Then the same for an admin replay that dies
// between its save and its ZADD. Marks left by the crashes are gone
// afterwards, and a whole Add leaves none.
func TestQueueSweepAfterCrash(t *testing.T) {
	srv := redistest.Start(t)
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "sweep:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() }) // after the Deliverer stops
	ctx := context.Background()
	got := make(chan string, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Callhub-Cid") + "." + r.Header.Get("Callhub-Seq")
	}))
	t.Cleanup(recv.Close)
	q := s.Queue("a")
	now := time.Now()
	d := callback.Delivery{ID: "c.1", CID: "c", Seq: 1, Caller: "shop", URL: recv.URL + "/cb", Method: "POST",
		State: callback.Pending, NextAttemptAt: now, CreatedAt: now, Reply: hub.Reply{CID: "c", Seq: 1, Offset: "1-0"}}
	if _, err := q.store(ctx, d); err != nil { // Add's first half: the instance dies here
		t.Fatal(err)
	}
	if err := s.rdb.ZScore(ctx, q.qkey("delayed"), d.ID).Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("ZSCORE delayed = %v, want the crash to have left it unscheduled", err)
	}
	if ds, err := q.Claim(ctx, now, 10, time.Minute); err != nil || len(ds) != 0 {
		t.Fatalf("Claim within the grace = %+v, %v; want nothing", ds, err)
	}

	var shift atomic.Int64 // the Deliverer's clock: past the grace
	shift.Store(int64(2 * pendingGrace))
	runSweepDeliverer(t, q, s, recv.URL, func() time.Time { return time.Now().Add(time.Duration(shift.Load())) })
	wantCallback(t, got, d.ID)
	testwait.Until(t, "c.1 delivered", func() bool { x, err := q.Get(ctx, d.ID); return err == nil && x.State == callback.Delivered })

	d, _ = q.Get(ctx, d.ID)
	d.State, d.Attempts, d.Replay, d.NextAttemptAt = callback.Pending, 0, true, time.Now()
	// Save's first half: the replay's instance dies here
	if err := q.ahead(ctx, d.ID, saveScript, q.cidKeys("c"), d.Seq, encodeDelivery(d), d.State).Err(); err != nil {
		t.Fatal(err)
	}
	shift.Add(int64(2 * sweepEvery)) // the next sweep is due
	wantCallback(t, got, d.ID)

	d2 := d
	d2.ID, d2.Seq, d2.State, d2.Replay = "c.2", 2, callback.Pending, false
	if err := q.Add(ctx, d2); err != nil {
		t.Fatal(err)
	}
	wantCallback(t, got, d2.ID)
	testwait.Until(t, "the sweeps to drop the marks", func() bool { return s.rdb.ZCard(ctx, q.qkey("sweep")).Val() == 0 })
}

func wantCallback(t *testing.T, got <-chan string, id string) {
	t.Helper()
	select {
	case x := <-got:
		if x != id {
			t.Fatalf("callback for %s, want %s", x, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no callback for %s", id)
	}
}

// runSweepDeliverer runs a Deliverer on q until the test ends.
func runSweepDeliverer(t *testing.T, q *Queue, s *Store, base string, now func() time.Time) {
	t.Helper()
	d, err := callback.New(callback.Config{Queue: q, Health: s.Health(), Now: now, Poll: 10 * time.Millisecond,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: base}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
}
