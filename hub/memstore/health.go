package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// Health is Health for one instance. It is safe for concurrent use;
// the zero value is ready.
type Health struct {
	mu    sync.Mutex
	since map[string]time.Time
	seen  map[string]*seen
}

var _ callback.Health = (*Health)(nil)

// Record implements Health.
func (m *Health) Record(_ context.Context, endpoint string, ok bool, t time.Time) error {
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
func (m *Health) FailingSince(_ context.Context, endpoint string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.since[endpoint], nil
}
