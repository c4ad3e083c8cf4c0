package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestQueueCrashBetweenSaveAndSchedule: an instance stores a retry and
// dies before scheduling it. Another instance takes the entry over after
// the lease and schedules it for its retry time instead of attempting it
// at once; when due, it is claimed.
func TestQueueCrashBetweenSaveAndSchedule(t *testing.T) {
	srv := redistest.Start(t)
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "crash:"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	dead, alive := s.Queue("dead"), s.Queue("alive")
	now := time.Now()
	d := callback.Delivery{ID: "c.1", CID: "c", Seq: 1, State: callback.Pending, NextAttemptAt: now, CreatedAt: now}
	if err := dead.Add(ctx, d); err != nil {
		t.Fatal(err)
	}
	lease := 100 * time.Millisecond
	got, err := dead.Claim(ctx, now, 10, lease)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim = %v, %v", got, err)
	}
	d.Attempts, d.NextAttemptAt = 1, now.Add(time.Hour)
	// the first half of Save only: the script, no schedule, no ack
	if err := saveScript.Run(ctx, s.rdb, dead.cidKeys("c"), 1, encodeDelivery(d), d.State).Err(); err != nil {
		t.Fatal(err)
	}
	// The lease runs on Redis's clock: poll until it has run out.
	testwait.Until(t, "the orphaned retry to be scheduled", func() bool {
		ds, err := alive.Claim(ctx, time.Now(), 10, lease)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 0 {
			t.Fatalf("claimed %+v before its retry time", ds)
		}
		score, err := s.rdb.ZScore(ctx, alive.qkey("delayed"), "c.1").Result()
		if err != nil {
			return false
		}
		if int64(score) != d.NextAttemptAt.UnixMilli() {
			t.Fatalf("scheduled at %v, want the retry time", score)
		}
		return true
	})
	ds, err := alive.Claim(ctx, now.Add(2*time.Hour), 10, lease)
	if err != nil || len(ds) != 1 || ds[0].Attempts != 1 {
		t.Fatalf("claim at the retry time = %+v, %v; want it once, with its attempt", ds, err)
	}
}
