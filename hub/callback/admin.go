// Admin operations on deliveries: list, replay, re-enable an endpoint.

package callback

import (
	"context"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
)

// List returns one page of deliveries for the admin API. A cursor is
// one a page answered before: a position, in decimal.
func (d *Deliverer) List(ctx context.Context, f Filter) ([]Delivery, string, error) {
	if f.Cursor != "" {
		if n, err := strconv.ParseInt(f.Cursor, 10, 64); err != nil || n < 0 {
			return nil, "", hub.Invalid("cursor", "malformed cursor %q: pass the cursor of the previous page as it was", f.Cursor)
		}
	}
	return d.q.List(ctx, f)
}

// Retry queues a dead or failed delivery again with a fresh attempt
// budget. A successful replay re-enables its endpoint.
func (d *Deliverer) Retry(ctx context.Context, id string) (Delivery, error) {
	dl, err := d.q.Get(ctx, id)
	if err != nil {
		return dl, err
	}
	if !d.replayable(dl) {
		return dl, hub.Errorf(hub.ErrConflict, "delivery %s is %s; only dead, failed or overdue pending ones are replayed", id, dl.State)
	}
	u, err := d.resolve(ctx, dl.Caller, &hub.Callback{URL: dl.URL, Method: dl.Method})
	if err != nil {
		return dl, err
	}
	dl.URL, dl.State, dl.Attempts, dl.Replay = u.String(), Pending, 0, true
	dl.LastError, dl.NextAttemptAt, dl.UpdatedAt = "", d.now(), d.now()
	if err := d.q.Save(ctx, dl); err != nil {
		return dl, err
	}
	d.poke()
	return dl, nil
}

// replayable: dead or failed, or pending but overdue by more than two
// leases, which only a crash between storing and scheduling it explains.
func (d *Deliverer) replayable(dl Delivery) bool {
	switch dl.State {
	case Dead, Failed:
		return true
	case Pending:
		return d.now().Sub(dl.NextAttemptAt) > 2*d.lease()
	}
	return false
}

// RetryDead replays every dead delivery of caller created since the given
// time, and returns how many it queued.
func (d *Deliverer) RetryDead(ctx context.Context, caller string, since time.Time) (int, error) {
	n, cursor := 0, ""
	for {
		page, next, err := d.q.List(ctx, Filter{State: Dead, Caller: caller, Since: since, Cursor: cursor})
		if err != nil {
			return n, err
		}
		for _, dl := range page {
			if _, err := d.Retry(ctx, dl.ID); err != nil {
				return n, err
			}
			n++
		}
		if next == "" {
			return n, nil
		}
		cursor = next
	}
}

// Enable lets attempts to a disabled endpoint ("https://host:port", or
// any url on it) start again, on every instance.
func (d *Deliverer) Enable(ctx context.Context, endpoint string) error {
	ep, now := endpointOf(endpoint), d.now()
	if err := d.cfg.Health.Record(ctx, ep, true, now); err != nil {
		return err
	}
	d.health.set(ep, streak{readAt: now})
	return nil
}
