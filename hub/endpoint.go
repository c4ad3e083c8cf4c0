package hub

import (
	"net/url"
	"sync"
	"time"
)

// endpoints tracks each callback endpoint's concurrency, rate and health,
// so one slow or dead endpoint never holds up another. It is safe for
// concurrent use.
type endpoints struct {
	perEndpoint  int
	rate         float64 // attempts per second; 0: unbounded
	disableAfter time.Duration

	mu   sync.Mutex
	byEP map[string]*endpoint
}

type endpoint struct {
	active       int
	tokens       float64
	refilled     time.Time
	failingSince time.Time // zero while healthy
}

// deferWait is how long a delivery waits when its endpoint is busy.
const deferWait = 50 * time.Millisecond

func newEndpoints(per int, rate float64, disableAfter time.Duration) *endpoints {
	return &endpoints{perEndpoint: per, rate: rate, disableAfter: disableAfter, byEP: map[string]*endpoint{}}
}

// endpointOf is the scheme and host of a callback url.
func endpointOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

func (e *endpoints) get(ep string) *endpoint {
	x := e.byEP[ep]
	if x == nil {
		x = &endpoint{tokens: max(e.rate, 1)}
		e.byEP[ep] = x
	}
	return x
}

// acquire takes a concurrency slot and a rate token, or tells how long to
// wait for them.
func (e *endpoints) acquire(ep string, now time.Time) (time.Duration, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.get(ep)
	if x.active >= e.perEndpoint {
		return deferWait, false
	}
	if e.rate > 0 {
		x.tokens = min(max(e.rate, 1), x.tokens+now.Sub(x.refilled).Seconds()*e.rate)
		x.refilled = now
		if x.tokens < 1 {
			return time.Duration((1 - x.tokens) / e.rate * float64(time.Second)), false
		}
		x.tokens--
	}
	x.active++
	return 0, true
}

func (e *endpoints) release(ep string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.get(ep).active--
}

// record notes an attempt's success or failure at now.
func (e *endpoints) record(ep string, ok bool, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.get(ep)
	switch {
	case ok:
		x.failingSince = time.Time{}
	case x.failingSince.IsZero():
		x.failingSince = now
	}
}

// disabled reports whether ep has failed continuously for disableAfter.
func (e *endpoints) disabled(ep string, now time.Time) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.get(ep)
	return x.failingSince, !x.failingSince.IsZero() && now.Sub(x.failingSince) >= e.disableAfter
}

func (e *endpoints) enable(ep string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.get(ep).failingSince = time.Time{}
}
