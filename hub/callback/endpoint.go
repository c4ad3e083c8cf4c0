package callback

import (
	"net/url"
	"strings"
	"sync"
	"time"
)

// endpoints tracks each callback endpoint's concurrency and rate on this
// instance, so one slow endpoint never holds up another. It is safe for
// concurrent use.
type endpoints struct {
	perEndpoint int
	rate        float64 // attempts per second; 0: unbounded

	mu   sync.Mutex
	byEP map[string]*endpoint
}

type endpoint struct {
	active   int
	tokens   float64
	refilled time.Time
}

// deferWait is how long a delivery is put back when its endpoint is busy
// and its line on this instance is full (see dispatch).
const deferWait = 50 * time.Millisecond

func newEndpoints(per int, rate float64) *endpoints {
	return &endpoints{perEndpoint: per, rate: rate, byEP: map[string]*endpoint{}}
}

// endpointOf is the scheme and host of a callback url: read off the
// string for the usual http(s)://host[:port]/… (every attempt asks), else
// parsed.
func endpointOf(raw string) string {
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(raw, scheme); ok {
			host, _, _ := strings.Cut(rest, "/")
			if !strings.ContainsAny(host, "@?#%") && host != "" {
				return raw[:len(scheme)+len(host)] // scheme + host, without a copy
			}
			break
		}
	}
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

// acquire takes a concurrency slot and a rate token. It answers busy
// when every slot is taken, or how long to wait for a token.
func (e *endpoints) acquire(ep string, now time.Time) (wait time.Duration, busy, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.get(ep)
	if x.active >= e.perEndpoint {
		return deferWait, true, false
	}
	if e.rate > 0 {
		if now.After(x.refilled) { // an older now (taken before a round trip, or raced) refills nothing
			x.tokens = min(max(e.rate, 1), x.tokens+now.Sub(x.refilled).Seconds()*e.rate)
			x.refilled = now
		}
		if x.tokens < 1 {
			return time.Duration((1 - x.tokens) / e.rate * float64(time.Second)), false, false
		}
		x.tokens--
	}
	x.active++
	return 0, false, true
}

func (e *endpoints) release(ep string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.get(ep).active--
}

// inFlight counts the attempts to ep running on this instance.
func (e *endpoints) inFlight(ep string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.byEP[ep]; x != nil {
		return x.active
	}
	return 0
}
