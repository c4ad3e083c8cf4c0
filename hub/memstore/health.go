package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// Health is Health for one instance. It is safe for concurrent use;
// the zero value is ready. An endpoint nothing has asked about or
// recorded for Retention is forgotten, so the map holds only endpoints in
// use: a disabled endpoint that still gets deliveries stays disabled.
type Health struct {
	// Retention defaults to 24h.
	Retention time.Duration
	// Now is the clock of FailingSince's touch. Defaults to time.Now.
	Now func() time.Time

	mu      sync.Mutex
	since   map[string]time.Time // endpoint → start of its failure streak
	touched map[string]time.Time // failing endpoint → last Record or FailingSince
	seen    map[string]*seen     // endpoint → its last attempt (see List)
	swept   time.Time
}

var _ callback.Health = (*Health)(nil)

// sweepEvery is how often Record looks for endpoints to forget.
const sweepEvery = time.Minute

// Record implements Health.
func (m *Health) Record(_ context.Context, endpoint string, ok bool, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.since == nil {
		m.since, m.touched = map[string]time.Time{}, map[string]time.Time{}
	}
	switch _, failing := m.since[endpoint]; {
	case ok:
		delete(m.since, endpoint)
	case !failing:
		m.since[endpoint] = t
	}
	m.touch(endpoint, t)
	if t.Sub(m.swept) >= sweepEvery {
		m.sweep(t)
	}
	return nil
}

// FailingSince implements Health.
func (m *Health) FailingSince(_ context.Context, endpoint string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	since, ok := m.since[endpoint]
	if ok {
		m.touch(endpoint, m.now())
	}
	return since, nil
}

func (m *Health) touch(endpoint string, t time.Time) {
	if _, failing := m.since[endpoint]; !failing {
		delete(m.touched, endpoint) // a healthy endpoint needs no entry
		return
	}
	if t.After(m.touched[endpoint]) {
		m.touched[endpoint] = t
	}
}

// sweep forgets the endpoints untouched for Retention before now.
func (m *Health) sweep(now time.Time) {
	m.swept = now
	retention := m.Retention
	if retention <= 0 {
		retention = 24 * time.Hour
	}
	for ep, t := range m.touched {
		if now.Sub(t) >= retention {
			delete(m.touched, ep)
			delete(m.since, ep)
		}
	}
	for ep, s := range m.seen {
		if now.Sub(s.at) >= retention {
			delete(m.seen, ep)
		}
	}
}

func (m *Health) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}
