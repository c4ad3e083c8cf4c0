package hub

import (
	"context"
	"sync"
	"time"
)

// Health tracks how long each callback endpoint (scheme and host) has been
// failing without a success in between, for every instance at once, so an
// endpoint disabled by one instance is disabled for all.
type Health interface {
	// Record notes an attempt's outcome at t: a success ends the failure
	// streak; a failure starts one unless one is running.
	Record(ctx context.Context, endpoint string, ok bool, t time.Time) error
	// FailingSince returns when the running failure streak began, or the
	// zero time while the endpoint is healthy.
	FailingSince(ctx context.Context, endpoint string) (time.Time, error)
}

// MemoryHealth is Health for one instance. It is safe for concurrent use;
// the zero value is ready.
type MemoryHealth struct {
	mu    sync.Mutex
	since map[string]time.Time
}

var _ Health = (*MemoryHealth)(nil)

// Record implements Health.
func (m *MemoryHealth) Record(_ context.Context, endpoint string, ok bool, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.since == nil {
		m.since = map[string]time.Time{}
	}
	switch _, failing := m.since[endpoint]; {
	case ok:
		delete(m.since, endpoint)
	case !failing:
		m.since[endpoint] = t
	}
	return nil
}

// FailingSince implements Health.
func (m *MemoryHealth) FailingSince(_ context.Context, endpoint string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.since[endpoint], nil
}
