package hub

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// breakerStep is one event of a breaker's life and what must follow it.
type breakerStep struct {
	after    time.Duration // clock advance before the step
	verdict  verdict       // the forward's verdict, when admitted
	admitted bool          // want the request let through
	state    string        // want the state after the step
	failures int
}

// TestBreakerStateMachine: N consecutive failures open the breaker,
// which refuses until the cooldown passes, then lets one probe through
// that reopens or closes it; a success resets the count. Time is
// synctest's fake clock.
func TestBreakerStateMachine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &breaker{cfg: Breaker{Failures: 3, Cooldown: 10 * time.Second}}
		steps := []breakerStep{
			{verdict: verdictFailure, admitted: true, state: BreakerClosed, failures: 1},
			{verdict: verdictFailure, admitted: true, state: BreakerClosed, failures: 2},
			{verdict: verdictOK, admitted: true, state: BreakerClosed, failures: 0}, // a success resets the count
			{verdict: verdictFailure, admitted: true, state: BreakerClosed, failures: 1},
			{verdict: verdictNone, admitted: true, state: BreakerClosed, failures: 1}, // the caller went away
			{verdict: verdictFailure, admitted: true, state: BreakerClosed, failures: 2},
			{verdict: verdictFailure, admitted: true, state: BreakerOpen, failures: 3},
			{after: 9 * time.Second, admitted: false, state: BreakerOpen, failures: 3},
			{after: time.Second, verdict: verdictFailure, admitted: true, state: BreakerOpen, failures: 4}, // the probe failed
			{after: 5 * time.Second, admitted: false, state: BreakerOpen, failures: 4},
			{after: 5 * time.Second, verdict: verdictNone, admitted: true, state: BreakerHalfOpen, failures: 4}, // no verdict: the next is the probe
			{verdict: verdictOK, admitted: true, state: BreakerClosed, failures: 0},
		}
		for i, s := range steps {
			time.Sleep(s.after)
			p, err := b.admit(time.Now(), "svc")
			if got := err == nil; got != s.admitted {
				t.Fatalf("step %d: admitted = %v (%v), want %v", i, got, err, s.admitted)
			}
			p.end(time.Now(), s.verdict)
			state, failures, _, _ := b.status(time.Now())
			if state != s.state || failures != s.failures {
				t.Fatalf("step %d: %s with %d failures, want %s with %d", i, state, failures, s.state, s.failures)
			}
		}
		if _, _, _, opens := b.status(time.Now()); opens != 2 {
			t.Errorf("opened %d times, want 2", opens)
		}
	})
}

// TestBreakerRefusal: a refusal matches ErrBreakerOpen, names the
// service, and its Retry-After is the cooldown left in whole seconds,
// rounded up; while the probe is in flight, everyone else is refused.
func TestBreakerRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &breaker{cfg: Breaker{Failures: 1, Cooldown: 30 * time.Second}}
		p, _ := b.admit(time.Now(), "pay")
		p.end(time.Now(), verdictFailure)
		time.Sleep(28500 * time.Millisecond)
		_, err := b.admit(time.Now(), "pay")
		var oe *OpenError
		if !errors.As(err, &oe) || !errors.Is(err, ErrBreakerOpen) || oe.ServiceID != "pay" || oe.Seconds() != 2 {
			t.Fatalf("refusal = %#v, want an OpenError for pay retrying in 2s", err)
		}
		time.Sleep(1500 * time.Millisecond)
		probe, err := b.admit(time.Now(), "pay")
		if err != nil || !probe.probe {
			t.Fatalf("after the cooldown = %v, want the probe", err)
		}
		for range 3 {
			if _, err := b.admit(time.Now(), "pay"); !errors.As(err, &oe) || oe.Seconds() != 1 {
				t.Fatalf("during the probe = %v, want refused, retry in 1s", err)
			}
		}
		if state, _, _, _ := b.status(time.Now()); state != BreakerHalfOpen {
			t.Errorf("during the probe the breaker is %s, want half-open", state)
		}
		probe.end(time.Now(), verdictOK)
		probe.end(time.Now(), verdictFailure) // only the first end counts
		if state, _, _, _ := b.status(time.Now()); state != BreakerClosed {
			t.Errorf("after the probe succeeded the breaker is %s, want closed", state)
		}
	})
}

// TestBreakerLateVerdicts: forwards let through before the breaker
// opened do not move it when they end while it is open.
func TestBreakerLateVerdicts(t *testing.T) {
	now := time.Unix(1000, 0)
	b := &breaker{cfg: Breaker{Failures: 1, Cooldown: time.Minute}}
	early, _ := b.admit(now, "s")
	tripper, _ := b.admit(now, "s")
	tripper.end(now, verdictFailure)
	early.end(now, verdictOK)
	if state, _, until, _ := b.status(now); state != BreakerOpen || !until.Equal(now.Add(time.Minute)) {
		t.Errorf("breaker = %s until %v, want open until %v", state, until, now.Add(time.Minute))
	}
}

// TestNoBreaker: a service without a breaker counts failures and never
// refuses.
func TestNoBreaker(t *testing.T) {
	b := &breaker{}
	for range 100 {
		p, err := b.admit(time.Now(), "s")
		if err != nil {
			t.Fatalf("admit = %v, want through", err)
		}
		p.end(time.Now(), verdictFailure)
	}
	if state, failures, _, _ := b.status(time.Now()); state != BreakerClosed || failures != 100 {
		t.Errorf("breaker = %s with %d failures, want closed with 100", state, failures)
	}
}

// TestVerdictOf: what a forward's outcome says of its service.
func TestVerdictOf(t *testing.T) {
	for _, tt := range []struct {
		status int
		err    error
		want   verdict
	}{
		{200, nil, verdictOK}, {404, nil, verdictOK}, {500, nil, verdictOK},
		{502, nil, verdictFailure}, {503, nil, verdictFailure}, {504, nil, verdictFailure},
		{0, Errorf(ErrBadGateway, "refused"), verdictFailure},
		{0, Errorf(ErrTimeout, "slow"), verdictFailure},
		{200, Errorf(ErrBadGateway, "too big"), verdictOK},
		{0, Invalid("path", "bad"), verdictNone},
		{0, context.Canceled, verdictNone},
	} {
		if got := verdictOf(tt.status, tt.err); got != tt.want {
			t.Errorf("verdictOf(%d, %v) = %d, want %d", tt.status, tt.err, got, tt.want)
		}
	}
}
