package redisstore_test

import (
	"context"
	"errors"
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
	}{{"stalled", srv.Pause}, {"gone", srv.Stop}} {
		name := c.name
		c.stall()
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		err := s.Ping(ctx)
		cancel()
		if !errors.Is(err, hub.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Ping with Redis %s = %v, want ErrUnavailable and context.DeadlineExceeded", name, err)
		}
		if name == "stalled" {
			srv.Resume()
		}
	}
}
