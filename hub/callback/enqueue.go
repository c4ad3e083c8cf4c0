package callback

import (
	"context"

	"github.com/callhub/callhub/hub"
)

// policy returns the callback policy of a caller.
func (d *Deliverer) policy(caller string) Policy {
	c := d.callers[caller]
	return Policy{Base: c.CallbackBase, AllowHosts: c.AllowCallbackHosts}
}

// Check resolves a request's callback for caller and refuses one the hub
// may not call (ErrInvalid naming callback.url).
func (d *Deliverer) Check(ctx context.Context, caller string, cb *hub.Callback) error {
	_, err := d.resolve(ctx, caller, cb)
	return err
}

// resolve returns the absolute url of caller's callback cb, or why the
// hub may not call it. A url on a configured host is remembered (see
// resolvedURLs); any other one is checked afresh, its DNS answer too.
func (d *Deliverer) resolve(ctx context.Context, caller string, cb *hub.Callback) (string, error) {
	k := resolveKey{caller, cb.URL}
	if s, ok := d.resolved.get(k); ok {
		return s, nil
	}
	p := d.policy(caller)
	u, err := p.Resolve(cb.URL)
	if err != nil {
		return "", err
	}
	if p.configured(u.Hostname()) {
		s := u.String()
		d.resolved.put(k, s)
		return s, nil
	}
	if err := p.CheckResolved(ctx, u, nil); err != nil {
		return "", err
	}
	return u.String(), nil
}

// Enqueue implements Deliveries: it queues the callback of reply r of
// rec. A callback that no longer resolves is stored as failed, so it is
// visible and can be replayed after the config is fixed.
func (d *Deliverer) Enqueue(ctx context.Context, rec hub.Record, r hub.Reply) error {
	now := d.now()
	dl := Delivery{ID: DeliveryID(r.CID, r.Seq), CID: r.CID, Seq: r.Seq, Caller: rec.Caller,
		URL: rec.Callback.URL, Method: rec.Callback.Method, Reply: r, State: Pending, Legacy: rec.Legacy,
		TraceParent:   rec.TraceParent,
		NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
	if dl.AckBy = rec.Callback.AckBy(r); !dl.AckBy.IsZero() {
		dl.NextAttemptAt = dl.AckBy // the time to wait for an acknowledgement
	}
	if u, err := d.resolve(ctx, rec.Caller, rec.Callback); err != nil {
		dl.State, dl.LastError = Failed, err.Error()
	} else {
		dl.URL = u
	}
	if started, err := d.add(ctx, dl, now); started || err != nil {
		return err
	}
	if dl.NextAttemptAt.After(now) {
		d.noteDue(dl.NextAttemptAt)
	}
	d.poke()
	return nil
}
