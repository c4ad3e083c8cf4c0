package hub

import (
	"errors"
	"strings"
	"time"
)

// Observer hears what the hub does, for metrics; main passes one that
// counts. Its methods run on the request and reply paths: they must be
// cheap, must not block and must be safe for concurrent use.
type Observer interface {
	// Submitted is the end of one request step: its service ("unknown"
	// for a serviceId no service has), whether it was async, its outcome
	// (see OutcomeOf) and how long Submit took.
	Submitted(service string, async bool, outcome string, d time.Duration)
	// Forwarded is one forward to a service, answered or not, and how
	// long it took.
	Forwarded(service string, d time.Duration)
	// ReplyStored is one new reply stored (a duplicate is not counted).
	ReplyStored()
	// SlowConsumer is one subscriber dropped for falling behind.
	SlowConsumer()
	// Resynced is one broker loss signal, on which the subscribers of a
	// topic re-read the store.
	Resynced()
	// Lifecycle is one lifecycle event of an async request: a deadline
	// fired, a cancel, a heartbeat, a stall or its end (Event*).
	Lifecycle(event string)
}

// nopObserver is the Observer of a hub configured without one.
type nopObserver struct{}

func (nopObserver) Submitted(string, bool, string, time.Duration) {}
func (nopObserver) Forwarded(string, time.Duration)               {}
func (nopObserver) ReplyStored()                                  {}
func (nopObserver) SlowConsumer()                                 {}
func (nopObserver) Resynced()                                     {}
func (nopObserver) Lifecycle(string)                              {}

// outcomes names the error kinds OutcomeOf tells apart.
var outcomes = []struct {
	kind error
	name string
}{
	{ErrInvalid, "invalid"}, {ErrUnauthorized, "unauthorized"}, {ErrForbidden, "forbidden"},
	{ErrNotFound, "not_found"}, {ErrConflict, "conflict"}, {ErrTooLarge, "too_large"},
	{ErrRateLimited, "rate_limited"}, {ErrBadGateway, "unreachable"}, {ErrUnavailable, "unavailable"},
	{ErrTimeout, "timeout"}, {ErrClosed, "closed"}, {ErrBreakerOpen, "breaker_open"},
}

// OutcomeOf names how an operation ended, for a metric label: "ok" for
// nil, the kind of a hub error ("invalid", "not_found", "timeout",
// "unreachable", "unavailable", "breaker_open", ...), else "error". The set is fixed.
func OutcomeOf(err error) string {
	if err == nil {
		return "ok"
	}
	for _, o := range outcomes {
		if errors.Is(err, o.kind) {
			return o.name
		}
	}
	return "error"
}

// serviceLabel is id if a service has it, else "unknown", so a metric
// label never takes a client's arbitrary value.
func (h *Hub) serviceLabel(id string) string {
	if _, ok := h.services[id]; ok {
		return id
	}
	return "unknown"
}

// Subscriptions counts this instance's local subscriptions: to cids and
// to callers. It takes the hub's lock once, for a metrics scrape.
func (h *Hub) Subscriptions() (cids, callers int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t, tp := range h.topics {
		if strings.HasPrefix(t, "caller:") {
			callers += len(tp.list())
		} else {
			cids += len(tp.list())
		}
	}
	return cids, callers
}
