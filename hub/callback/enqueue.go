package callback

import (
	"context"
	"net/url"

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

func (d *Deliverer) resolve(ctx context.Context, caller string, cb *hub.Callback) (*url.URL, error) {
	p := d.policy(caller)
	u, err := p.Resolve(cb.URL)
	if err != nil {
		return nil, err
	}
	if err := p.CheckResolved(ctx, u, nil); err != nil {
		return nil, err
	}
	return u, nil
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
		dl.URL = u.String()
	}
	if err := d.q.Add(ctx, dl); err != nil {
		return err
	}
	if dl.NextAttemptAt.After(now) {
		d.noteDue(dl.NextAttemptAt)
	}
	d.poke()
	return nil
}
