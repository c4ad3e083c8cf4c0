package hub

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Service is a configured provider the hub forwards requests to.
type Service struct {
	ID      string
	BaseURL string
	// Timeout bounds one forward. Defaults to 30s.
	Timeout time.Duration
	// Headers are added to every forwarded request.
	Headers map[string]string
	// CancelPath, if set, is where the hub POSTs {cid, reason} when a
	// caller cancels one of the service's requests (see Hub.Cancel).
	CancelPath string
	// Breaker fails requests fast while the service keeps failing.
	// Defaults to none.
	Breaker Breaker
}

// HasService reports whether id is a configured service.
func (h *Hub) HasService(id string) bool {
	_, ok := h.services[id]
	return ok
}

// ServiceStatus is a configured service and its breaker on this instance.
type ServiceStatus struct {
	ID      string
	BaseURL string
	// Breaker is BreakerClosed, BreakerOpen or BreakerHalfOpen; a service
	// without a breaker is always closed.
	Breaker string
	// Failures counts the consecutive failed forwards (with or without a
	// breaker).
	Failures int
	// OpenUntil is when an open breaker lets a probe through; zero unless
	// open.
	OpenUntil time.Time
	// Opens counts the times the breaker opened since the hub started.
	Opens int64
}

// Services lists the configured services by id, with their breakers as
// they are now on this instance.
func (h *Hub) Services() []ServiceStatus {
	now := h.Now()
	out := make([]ServiceStatus, 0, len(h.services))
	for id, svc := range h.services {
		st := ServiceStatus{ID: id, BaseURL: svc.BaseURL}
		st.Breaker, st.Failures, st.OpenUntil, st.Opens = h.breakers[id].status(now)
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b ServiceStatus) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// newBreakers checks each service's breaker and makes one per service.
func newBreakers(services []Service) (map[string]*breaker, error) {
	out := make(map[string]*breaker, len(services))
	for _, s := range services {
		b := s.Breaker
		if b.Failures < 0 || b.Failures > 0 && b.Cooldown <= 0 {
			return nil, fmt.Errorf("hub: service %s: breaker needs Failures ≥ 1 and Cooldown > 0, got %d and %v",
				s.ID, b.Failures, b.Cooldown)
		}
		out[s.ID] = &breaker{cfg: b}
	}
	return out, nil
}
