// What the admin sees of the engine: each delivery's attempt log, each
// endpoint's health, and this instance's delivery rates.

package callback

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub"
)

// MaxAttemptLog is how many attempts a delivery's log keeps.
const MaxAttemptLog = 20

// logAttempt appends res to log, keeping the last MaxAttemptLog.
func logAttempt(log []hub.Attempt, res attemptResult) []hub.Attempt {
	a := hub.Attempt{At: res.at, DurationMs: res.took.Milliseconds(), Status: res.status, Body: res.body}
	if res.err != nil || res.status < 200 || res.status >= 300 {
		a.Error = res.errorText()
	}
	log = append(log, a)
	if n := len(log); n > MaxAttemptLog {
		log = append([]hub.Attempt(nil), log[n-MaxAttemptLog:]...)
	}
	return log
}

// observe records an attempt's outcome: the endpoint's failure streak,
// its last status and callers, and this instance's rates.
func (d *Deliverer) observe(ctx context.Context, ep string, dl Delivery, res attemptResult) {
	ok := dl.State == Delivered
	if err := d.health.record(ctx, ep, ok, dl.UpdatedAt); err != nil {
		d.logger.Warn("record endpoint health", "endpoint", ep, "err", err)
	}
	if err := d.health.seenAt(ctx, ep, dl.Caller, res.status, dl.UpdatedAt); err != nil {
		d.logger.Warn("record endpoint attempt", "endpoint", ep, "err", err)
	}
	if ok {
		d.delivered.Add(dl.UpdatedAt)
	} else {
		d.failures.Add(dl.UpdatedAt)
	}
}

// Rates are this instance's attempts in a window: those answered 2xx
// (Delivered) and the others (Failures).
type Rates struct {
	Delivered int64 `json:"deliveries"`
	Failures  int64 `json:"failures"`
}

// Rates returns this instance's attempt counts in the window ending now.
func (d *Deliverer) Rates(window time.Duration) Rates {
	now := d.now()
	return Rates{Delivered: d.delivered.Count(now, window), Failures: d.failures.Count(now, window)}
}

// Get returns one delivery, with its attempt log.
func (d *Deliverer) Get(ctx context.Context, id string) (Delivery, error) {
	return d.q.Get(ctx, id)
}

// Endpoint is one callback endpoint as the admin sees it.
type Endpoint struct {
	Endpoint      string     `json:"endpoint"` // scheme://host[:port]
	Callers       []string   `json:"callers"`
	Enabled       bool       `json:"enabled"`
	FailingSince  *time.Time `json:"failingSince,omitempty"`
	LastStatus    int        `json:"lastStatus,omitempty"`
	LastAttemptAt *time.Time `json:"lastAttemptAt,omitempty"`
	// InFlight counts the attempts running now on this instance.
	InFlight int `json:"inFlight"`
}

// Endpoints lists every endpoint an attempt went to or that is failing.
func (d *Deliverer) Endpoints(ctx context.Context) ([]Endpoint, error) {
	hs, err := d.cfg.Health.List(ctx)
	if err != nil {
		return nil, err
	}
	now := d.now()
	out := make([]Endpoint, len(hs))
	for i, h := range hs {
		e := Endpoint{Endpoint: h.Endpoint, Callers: h.Callers, LastStatus: h.LastStatus,
			Enabled:  h.FailingSince.IsZero() || now.Sub(h.FailingSince) < d.cfg.DisableAfter,
			InFlight: d.endpoints.inFlight(h.Endpoint)}
		if !h.FailingSince.IsZero() {
			e.FailingSince = &h.FailingSince
		}
		if !h.LastAt.IsZero() {
			e.LastAttemptAt = &h.LastAt
		}
		if e.Callers == nil {
			e.Callers = []string{}
		}
		out[i] = e
	}
	return out, nil
}
