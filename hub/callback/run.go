package callback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
)

// Run claims due deliveries and attempts them until ctx ends. Then it
// takes no new ones, lets attempts in flight finish within the attempt
// timeout, and hands back to the queue those it had to interrupt and
// those still waiting for their endpoint.
func (d *Deliverer) Run(ctx context.Context) error {
	attemptCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	p := newDispatch(d, attemptCtx, &wg)
	d.setRunning(p)
	defer func() {
		d.setRunning(nil)
		p.close()
		p.stop()
		p.putBack(0)
		t := time.AfterFunc(d.cfg.Timeout, stop)
		wg.Wait()
		t.Stop()
		stop()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	idle := d.cfg.Poll
	for {
		p.putBack(d.lease() / 2)
		if free := p.free(); free > 0 {
			now := d.now()
			ds, err := d.q.Claim(ctx, now, free, d.lease())
			if err != nil && ctx.Err() == nil {
				d.logger.Warn("claim deliveries", "err", err)
			}
			if len(ds) > 0 {
				idle = d.cfg.Poll
			}
			for _, dl := range ds {
				p.start(dl, now)
			}
			if len(ds) == free {
				continue // more may be due
			}
		}
		timer.Reset(d.nextPoll(idle))
		idle = min(2*idle, 10*d.cfg.Poll)
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
			idle = d.cfg.Poll
		case <-timer.C:
		}
	}
}

// nextPoll is how long Run waits before it polls the queue again: idle,
// or less when a retry this instance scheduled falls due sooner.
func (d *Deliverer) nextPoll(idle time.Duration) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.due.IsZero() {
		return idle
	}
	until := d.due.Sub(d.now())
	if until <= idle {
		d.due = time.Time{} // the poll it ends takes the retry; later ones are noted afresh
		return max(until, 0)
	}
	return idle
}

// noteDue remembers t, the time of a retry this instance scheduled, so
// that Run polls for it on time however long it has been idle.
func (d *Deliverer) noteDue(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.due.IsZero() || t.Before(d.due) {
		d.due = t
	}
}

// handle attempts one claimed delivery, which holds a slot of its
// endpoint ep, and saves the outcome.
func (d *Deliverer) handle(ctx context.Context, ep string, dl Delivery) {
	if d.skip(ctx, dl) {
		return
	}
	now := d.now()
	if since, off := d.disabled(ctx, ep, now); off && !dl.Replay {
		dl.State, dl.UpdatedAt = Dead, now
		dl.LastError = fmt.Sprintf("endpoint %s disabled: failing since %s", ep, since.Format(time.RFC3339))
		d.logger.Error("delivery dead", "delivery", dl.ID, "endpoint", ep, "attempts", dl.Attempts, "err", dl.LastError)
		d.cfg.Observer.EndpointDisabled()
		d.save(ctx, dl)
		return
	}
	start := time.Now()
	res := d.tracedAttempt(ctx, dl)
	d.cfg.Observer.Attempted(attemptOutcome(res), time.Since(start))
	if res.err != nil && ctx.Err() != nil {
		dl.NextAttemptAt = d.now() // interrupted by shutdown: back to the queue
		d.save(context.WithoutCancel(ctx), dl)
		return
	}
	dl = d.outcome(dl, res)
	d.save(ctx, dl) // first: an instance that dies now has stored the attempt
	d.observe(ctx, ep, dl, res)
}

// disabled reports whether ep has failed continuously for DisableAfter,
// and since when. When health is unknown (store down) it is not disabled.
func (d *Deliverer) disabled(ctx context.Context, ep string, now time.Time) (time.Time, bool) {
	since, err := d.health.failingSince(ctx, ep, now)
	if err != nil {
		d.logger.Warn("read endpoint health", "endpoint", ep, "err", err)
		return since, false
	}
	return since, !since.IsZero() && now.Sub(since) >= d.cfg.DisableAfter
}

func (d *Deliverer) save(ctx context.Context, dl Delivery) {
	if err := d.q.Save(context.WithoutCancel(ctx), dl); err != nil {
		// The lease runs out and another attempt follows: late, never lost.
		d.logger.Error("save delivery", "delivery", dl.ID, "err", err)
		return
	}
	if dl.State == Pending && !dl.NextAttemptAt.IsZero() {
		d.noteDue(dl.NextAttemptAt)
	}
}

// outcome applies one attempt's result to the delivery.
func (d *Deliverer) outcome(dl Delivery, res attemptResult) Delivery {
	now := d.now()
	dl.Attempts++
	dl.LastStatus, dl.LastError, dl.UpdatedAt = res.status, res.errorText(), now
	dl.AttemptLog = logAttempt(dl.AttemptLog, res)
	switch {
	case res.status >= 200 && res.status < 300:
		dl.State, dl.Replay = Delivered, false
	case res.status == 410, errors.Is(res.err, hub.ErrInvalid): // 410 Gone, or refused by the SSRF guard
		dl.State = Failed
	case dl.Attempts >= d.cfg.MaxAttempts:
		dl.State = Dead
	default:
		dl.State = Pending
		dl.NextAttemptAt = now.Add(max(d.backoff(dl.Attempts), d.boundRetryAfter(res.retryAfter)))
	}
	d.logOutcome(dl, res)
	return dl
}

// logOutcome writes a WARN line for a failed attempt and says how the
// delivery ended: ERROR when it went dead, INFO when it failed for good
// or was delivered after a failed attempt, DEBUG when it was delivered at
// its first (the healthy path, one line per callback, which the reply's
// access-log line and the metrics show already). The endpoint is the
// callback URL's scheme and host only, never its path or query.
func (d *Deliverer) logOutcome(dl Delivery, res attemptResult) {
	ep := endpointOf(dl.URL)
	if dl.State != Delivered {
		d.logLine(slog.LevelWarn, "callback attempt failed", "delivery", dl.ID, "endpoint", ep, "status", res.status,
			"attempt", dl.Attempts, "err", dl.LastError)
	}
	switch dl.State {
	case Dead:
		d.logLine(slog.LevelError, "delivery dead", "delivery", dl.ID, "endpoint", ep, "attempts", dl.Attempts, "status", res.status)
	case Delivered, Failed:
		level := slog.LevelInfo
		if dl.State == Delivered && dl.Attempts == 1 {
			level = slog.LevelDebug
		}
		d.logLine(level, "delivery finished", "delivery", dl.ID, "state", dl.State, "attempts", dl.Attempts)
	}
}

// boundRetryAfter caps an endpoint's Retry-After at the longest wait of
// the schedule.
func (d *Deliverer) boundRetryAfter(ra time.Duration) time.Duration {
	return min(ra, d.cfg.Schedule[len(d.cfg.Schedule)-1])
}
