package redisstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestObserverCountsFailuresOnly: OnError stays quiet through ordinary
// work (a script's first NOSCRIPT, missing keys), counts once Redis is
// gone, and OnReconnect hears the pub/sub connection fail.
func TestObserverCountsFailuresOnly(t *testing.T) {
	srv := redistest.Start(t)
	var errs, reconnects atomic.Int64
	s, err := redisstore.Open(redisstore.Config{URL: srv.URL(0), KeyPrefix: t.Name() + ":",
		OnError: func() { errs.Add(1) }, OnReconnect: func() { reconnects.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := s.Broker().Subscribe(ctx, "cid:x")
	if err != nil {
		t.Fatal(err)
	}
	<-sub // the confirmed subscribe's resync hint
	if _, err := s.Lookup(ctx, "missing"); err == nil {
		t.Fatal("Lookup of a missing cid succeeded")
	}
	if _, err := s.Queue().Claim(ctx, time.Now(), 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Queue().Stats(ctx); err != nil {
		t.Fatal(err)
	}
	if n := errs.Load(); n != 0 {
		t.Fatalf("OnError called %d times during ordinary work, want 0", n)
	}
	srv.Stop()
	if _, _, err := s.CreateRequest(ctx, hub.Record{CID: "c1"}); err == nil {
		t.Fatal("CreateRequest with Redis stopped succeeded")
	}
	if errs.Load() == 0 {
		t.Error("OnError not called with Redis stopped")
	}
	testwait.Until(t, "OnReconnect after the pub/sub connection failed", func() bool {
		select {
		case <-sub:
		default:
		}
		return reconnects.Load() != 0
	})
}
