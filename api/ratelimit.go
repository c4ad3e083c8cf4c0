package api

import (
	"sync"

	"github.com/callhub/callhub/hub"
	"golang.org/x/time/rate"
)

// callerLimits is limits.ratePerCaller: a token bucket per caller, on this
// instance. It is safe for concurrent use; a zero rate allows everything.
type callerLimits struct {
	rate float64
	mu   sync.Mutex
	by   map[string]*rate.Limiter
}

// allow takes one request of caller from its bucket, or answers
// ErrRateLimited.
func (l *callerLimits) allow(caller string) error {
	if l == nil || l.rate <= 0 {
		return nil
	}
	l.mu.Lock()
	lim := l.by[caller]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(l.rate), max(1, int(l.rate)))
		l.by[caller] = lim
	}
	l.mu.Unlock()
	if !lim.Allow() {
		return hub.Errorf(hub.ErrRateLimited, "caller %s is over its rate of %g requests/s", caller, l.rate)
	}
	return nil
}
