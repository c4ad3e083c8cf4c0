package memstore

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// seen is the last attempt to an endpoint and the callers it served.
type seen struct {
	status  int
	at      time.Time
	callers map[string]bool
}

// Seen implements Health.
func (m *Health) Seen(_ context.Context, endpoint, caller string, status int, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]*seen{}
	}
	s := m.seen[endpoint]
	if s == nil {
		s = &seen{callers: map[string]bool{}}
		m.seen[endpoint] = s
	}
	s.status, s.at = status, t
	if caller != "" {
		s.callers[caller] = true
	}
	return nil
}

// List implements Health.
func (m *Health) List(context.Context) ([]callback.EndpointHealth, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	eps := map[string]bool{}
	for ep := range m.seen {
		eps[ep] = true
	}
	for ep := range m.since {
		eps[ep] = true
	}
	out := make([]callback.EndpointHealth, 0, len(eps))
	for _, ep := range slices.Sorted(maps.Keys(eps)) {
		h := callback.EndpointHealth{Endpoint: ep, FailingSince: m.since[ep], Callers: []string{}}
		if s := m.seen[ep]; s != nil {
			h.LastStatus, h.LastAt = s.status, s.at
			h.Callers = slices.Sorted(maps.Keys(s.callers))
		}
		out = append(out, h)
	}
	return out, nil
}
