package redisstore_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
)

// TestErrorsKeepTheirCause: a failed call matches hub.ErrUnavailable and
// its cause, so callers can tell a deadline from a refused connection.
func TestErrorsKeepTheirCause(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		stall func()
		wait  time.Duration // Ping's deadline
		cause error
	}{
		{"stalled", srv.Pause, 200 * time.Millisecond, context.DeadlineExceeded},
		// Longer than redis.timeout: a write queued behind one stuck on the
		// stalled connection waits for it.
		{"gone", srv.Stop, 3 * time.Second, syscall.ECONNREFUSED},
	} {
		name := c.name
		c.stall()
		ctx, cancel := context.WithTimeout(t.Context(), c.wait)
		err := s.Ping(ctx)
		cancel()
		if !errors.Is(err, hub.ErrUnavailable) || !errors.Is(err, c.cause) {
			t.Errorf("Ping with Redis %s = %v, want ErrUnavailable and %v", name, err, c.cause)
		}
		if name == "stalled" {
			srv.Resume()
		}
	}
}
