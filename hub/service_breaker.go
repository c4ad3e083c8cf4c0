package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Breaker configures a service's circuit breaker. The zero value is no
// breaker: the hub forwards every request, however the service fails.
type Breaker struct {
	// Failures is how many consecutive failed forwards (refused, timed
	// out, or answered 502, 503 or 504) open the breaker. 0 is no breaker.
	Failures int
	// Cooldown is how long the breaker stays open before it lets one
	// request through as a probe. Required with Failures.
	Cooldown time.Duration
}

// The states of a breaker, as GET /v1/services names them.
const (
	BreakerClosed   = "closed"    // requests are forwarded
	BreakerOpen     = "open"      // requests are refused until the cooldown passes
	BreakerHalfOpen = "half-open" // the next request, or the one in flight, is the probe
)

// ErrBreakerOpen is a request refused, without being forwarded, because
// its service's breaker is open. The refusal is an *OpenError.
var ErrBreakerOpen = errors.New("service breaker open")

// OpenError is a request its service's breaker refused. It matches
// ErrBreakerOpen.
type OpenError struct {
	ServiceID string
	// RetryAfter is how long until the breaker lets a probe through:
	// the cooldown left, or a second while a probe is in flight.
	RetryAfter time.Duration
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("service %s is failing: its breaker is open, nothing was forwarded; retry in %ds",
		e.ServiceID, e.Seconds())
}

// Unwrap makes an OpenError match ErrBreakerOpen.
func (e *OpenError) Unwrap() error { return ErrBreakerOpen }

// Seconds is RetryAfter in whole seconds, rounded up, at least 1: the
// Retry-After header's value.
func (e *OpenError) Seconds() int {
	return max(int((e.RetryAfter+time.Second-1)/time.Second), 1)
}

// verdict is what one forward says of its service's health.
type verdict int

const (
	verdictNone    verdict = iota // nothing: not forwarded, or the caller went away
	verdictOK                     // the service answered
	verdictFailure                // refused, timed out, or answered 502/503/504
)

// breaker is one service's breaker on this instance. It is safe for
// concurrent use. A breaker whose Failures is 0 only counts.
type breaker struct {
	cfg Breaker

	mu        sync.Mutex
	failures  int       // consecutive failed forwards
	openUntil time.Time // non-zero while open or half-open
	probing   bool      // the probe is in flight
	opens     int64     // times opened, for metrics
}

// admit lets a request through or refuses it with an *OpenError. A
// request let through holds a pass, which its forward ends.
func (b *breaker) admit(now time.Time, service string) (*pass, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.openUntil.IsZero():
		return &pass{b: b}, nil
	case now.Before(b.openUntil):
		return nil, &OpenError{ServiceID: service, RetryAfter: b.openUntil.Sub(now)}
	case b.probing:
		return nil, &OpenError{ServiceID: service, RetryAfter: time.Second}
	}
	b.probing = true
	return &pass{b: b, probe: true}, nil
}

// record counts one forward's verdict: a failure opens a closed breaker
// at the threshold and reopens a half-open one; the probe's success
// closes it. Forwards let through before the breaker opened do not move
// an open breaker.
func (b *breaker) record(now time.Time, probe bool, v verdict) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	} else if !b.openUntil.IsZero() {
		return
	}
	switch v {
	case verdictOK:
		b.failures, b.openUntil = 0, time.Time{}
	case verdictFailure:
		b.failures++
		if probe || b.cfg.Failures > 0 && b.failures >= b.cfg.Failures {
			b.openUntil = now.Add(b.cfg.Cooldown)
			b.opens++
		}
	}
}

// status reads the breaker at now.
func (b *breaker) status(now time.Time) (state string, failures int, openUntil time.Time, opens int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.openUntil.IsZero():
		state = BreakerClosed
	case now.Before(b.openUntil):
		state, openUntil = BreakerOpen, b.openUntil
	default:
		state = BreakerHalfOpen
	}
	return state, b.failures, openUntil, b.opens
}

// pass is one request let through a breaker. end reports its forward's
// verdict; only the first call counts, and a nil pass ends nothing. A
// pass is owned by one goroutine at a time.
type pass struct {
	b     *breaker
	probe bool
	ended bool
}

func (p *pass) end(now time.Time, v verdict) {
	if p == nil || p.ended {
		return
	}
	p.ended = true
	p.b.record(now, p.probe, v)
}

// verdictOf judges a forward by the service's status (0 when it did not
// answer) and the forward's error: a 502, 503 or 504, a refused
// connection or a timeout is a failure; any answer is health; a caller
// that went away, or a request never sent, says nothing.
func verdictOf(status int, err error) verdict {
	switch {
	case status == 502, status == 503, status == 504:
		return verdictFailure
	case err == nil, status != 0:
		return verdictOK
	case errors.Is(err, ErrTimeout), errors.Is(err, ErrBadGateway):
		return verdictFailure
	}
	return verdictNone
}

// refused answers a request its service's breaker refused with refusal:
// a step forwarded before still gets its stored outcome, as any retry
// does, and anything else the refusal.
func (h *Hub) refused(ctx context.Context, req Request, refusal error) (Outcome, error) {
	if req.CID == "" {
		return Outcome{}, refusal
	}
	rec, err := h.store.Get(ctx, req.CID)
	if err != nil || rec.Caller != req.Caller || rec.ServiceID != req.ServiceID {
		return Outcome{}, refusal
	}
	for _, s := range rec.Steps {
		if s.Seq == req.Seq && s.Done {
			out, err := h.storedOutcome(req, s)
			out.CID = req.CID
			return out, err
		}
	}
	return Outcome{}, refusal
}

// admit asks svc's breaker to let one request through.
func (h *Hub) admit(svc Service) (*pass, error) {
	return h.breakers[svc.ID].admit(h.Now(), svc.ID)
}
