// Admin operations on deliveries: list, replay, re-enable an endpoint.

package callback

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
)

// ParseFilter reads a list filter as the admin API and the CLI take it,
// as text: state one of pending, delivered, failed, dead or skipped (or "" for
// all), limit an integer from 1 to 1000 (or "" for the default), cursor
// one a page answered before (or ""). It names every bad field.
func ParseFilter(state, caller, limit, cursor string) (Filter, error) {
	f := Filter{State: state, Caller: caller, Cursor: cursor}
	var errs []error
	switch state {
	case "", Pending, Delivered, Failed, Dead, Skipped:
	default:
		errs = append(errs, hub.Invalid("state", "must be pending, delivered, failed, dead or skipped, got %q", state))
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > 1000 {
			errs = append(errs, hub.Invalid("limit", "must be an integer from 1 to 1000, got %q", limit))
		}
		f.Limit = n
	}
	return f, hub.JoinInvalid(append(errs, checkCursor(cursor))...)
}

// checkCursor refuses a cursor no page answered: a cursor is a position,
// in decimal.
func checkCursor(cursor string) error {
	if cursor == "" {
		return nil
	}
	if n, err := strconv.ParseInt(cursor, 10, 64); err != nil || n < 0 {
		return hub.Invalid("cursor", "must be the cursor the previous page answered, as it was; got %q", cursor)
	}
	return nil
}

// ParseEndpoint reads an endpoint as Enable takes it, an http(s) URL, and
// returns its scheme and host ("https://hooks.example.com").
func ParseEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", hub.Invalid("endpoint", "must be an http(s) URL like https://hooks.example.com, got %q", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// List returns one page of deliveries for the admin API; see ParseFilter
// for the cursor.
func (d *Deliverer) List(ctx context.Context, f Filter) ([]Delivery, string, error) {
	if err := checkCursor(f.Cursor); err != nil {
		return nil, "", err
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
	dl.URL, dl.State, dl.Attempts, dl.Replay = u, Pending, 0, true
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
