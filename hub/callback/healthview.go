package callback

import (
	"context"
	"sync"
	"time"
)

// healthView is what one instance knows of the shared Health, so that an
// attempt costs no round trip to it in the common case: an endpoint's
// failure streak is read at most once per healthTTL, a success is
// recorded only when the endpoint is (or may be) failing, and an
// attempt's status at most once per healthTTL per endpoint, caller and
// status. A streak another instance starts is seen here within
// healthTTL; the admin's last attempt of an endpoint is as late as that.
type healthView struct {
	h Health

	mu      sync.Mutex
	failing map[string]streak     // by endpoint
	seen    map[seenKey]time.Time // when each was last written
}

// healthTTL is how long an instance trusts what it read of Health.
const healthTTL = time.Second

type streak struct {
	since  time.Time // zero: healthy
	readAt time.Time
}

type seenKey struct {
	endpoint, caller string
	status           int
}

func newHealthView(h Health) *healthView {
	return &healthView{h: h, failing: map[string]streak{}, seen: map[seenKey]time.Time{}}
}

// failingSince is Health.FailingSince, read again after healthTTL.
func (v *healthView) failingSince(ctx context.Context, ep string, now time.Time) (time.Time, error) {
	v.mu.Lock()
	s, ok := v.failing[ep]
	v.mu.Unlock()
	if ok && now.Sub(s.readAt) < healthTTL && !now.Before(s.readAt) {
		return s.since, nil
	}
	since, err := v.h.FailingSince(ctx, ep)
	if err != nil {
		return since, err
	}
	v.set(ep, streak{since: since, readAt: now})
	return since, nil
}

func (v *healthView) set(ep string, s streak) {
	v.mu.Lock()
	v.failing[ep] = s
	v.mu.Unlock()
}

// record is Health.Record, skipped for a success while the endpoint is
// known to be healthy.
func (v *healthView) record(ctx context.Context, ep string, ok bool, t time.Time) error {
	v.mu.Lock()
	s, known := v.failing[ep]
	v.mu.Unlock()
	if ok && known && s.since.IsZero() {
		return nil
	}
	if err := v.h.Record(ctx, ep, ok, t); err != nil {
		return err
	}
	if ok {
		s.since = time.Time{}
	} else if s.since.IsZero() {
		s.since = t // or earlier, if another instance started the streak: read again after healthTTL
	}
	if !known {
		s.readAt = t
	}
	v.set(ep, s)
	return nil
}

// seenAt is Health.Seen, written at most once per healthTTL for one
// endpoint, caller and status.
func (v *healthView) seenAt(ctx context.Context, ep, caller string, status int, t time.Time) error {
	k := seenKey{ep, caller, status}
	v.mu.Lock()
	last, ok := v.seen[k]
	fresh := ok && t.Sub(last) < healthTTL && !t.Before(last)
	if !fresh {
		v.seen[k] = t
	}
	v.mu.Unlock()
	if fresh {
		return nil
	}
	return v.h.Seen(ctx, ep, caller, status, t)
}
