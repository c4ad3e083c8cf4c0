package redisstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// starve holds every connection of s's shared pools, its pipeline pool
// included, with blocking calls (BLPOP on a list nobody pushes to), until
// the test ends.
func starve(t *testing.T, s *Store) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for i := range 40 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if i%2 == 0 {
					s.rdb.Do(ctx, "BLPOP", s.prefix+"starve", "0.3")
					continue
				}
				pipe := s.rdb.Pipeline()
				pipe.Do(ctx, "BLPOP", s.prefix+"starve", "0.3")
				_, _ = pipe.Exec(ctx)
			}
		})
	}
	testwait.Until(t, "the shared pool starved", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		return s.rdb.Get(ctx, s.prefix+"x").Err() != nil
	})
}

// TestPingPoolStarved: Ping, what /readyz asks within 500ms, means "can
// store", not "the shared pool had a connection free": while slow calls
// hold every pooled connection, Ping keeps succeeding as long as Redis
// takes writes, and fails (not receiving aside) once Redis refuses them.
func TestPingPoolStarved(t *testing.T) {
	srv := redistest.Start(t)
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: t.Name() + ":", PoolSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ping := func() error {
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		return s.Ping(ctx)
	}
	if err := ping(); err != nil {
		t.Fatalf("Ping = %v", err)
	}
	starve(t, s)
	for i := range 20 {
		if err := ping(); err != nil {
			t.Fatalf("Ping %d with the pool starved = %v, want nil (Redis takes writes)", i, err)
		}
	}
	admin := srv.Client()
	if err := admin.ConfigSet(t.Context(), "min-replicas-to-write", "1").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ConfigSet(context.Background(), "min-replicas-to-write", "0") })
	err = ping()
	if !errors.Is(err, hub.ErrUnavailable) || errors.Is(err, hub.ErrNotReceiving) {
		t.Errorf("Ping with writes refused = %v, want hub.ErrUnavailable (store)", err)
	}
}
