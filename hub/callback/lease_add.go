package callback

import (
	"context"
	"errors"
	"time"

	"github.com/callhub/callhub/hub"
)

// AddLeaser is a Queue that can lease a delivery as it adds it: the
// instance that queues a callback due at once attempts it without
// claiming it first, one round trip to the queue fewer per callback. The
// Deliverer uses it when its Queue has it.
type AddLeaser interface {
	// AddLeased is Add; when d is stored, pending, due at now and heads
	// its cid it is also leased until now+lease, as Claim would lease
	// it, and leased is true.
	AddLeased(ctx context.Context, d Delivery, now time.Time, lease time.Duration) (leased bool, err error)
}

// add stores dl, queued at now. One due at once is leased to this
// instance as it is stored and started here, when the queue can and a
// worker of Run is free; started reports that.
func (d *Deliverer) add(ctx context.Context, dl Delivery, now time.Time) (started bool, err error) {
	al, ok := d.q.(AddLeaser)
	if !ok || dl.State != Pending || dl.NextAttemptAt.After(now) {
		return false, d.q.Add(ctx, dl)
	}
	p := d.running()
	if p == nil || !p.reserve() {
		return false, d.q.Add(ctx, dl)
	}
	leased, err := al.AddLeased(ctx, dl, now, d.lease())
	if err != nil || !leased {
		p.done()
		if err != nil {
			d.unlease(ctx, dl)
		}
		return false, err
	}
	p.startLeased(ctx, dl, d.now()) // after the round trip: the endpoint's rate refills to now
	return true, nil
}

// unlease makes dl due at once after AddLeased failed: its script may
// have run all the same (a timeout, a write not replicated in time) and
// leased dl to this instance, which will not attempt it, for the whole
// lease. dl is saved only when it is stored as this call stored it,
// never attempted: one an earlier Enqueue of the same reply stored (the
// service's retry) keeps its state and lease, and one never stored
// stays for the service's retry to queue. Best effort: when the queue
// cannot tell, the lease runs out and another attempt follows, late.
func (d *Deliverer) unlease(ctx context.Context, dl Delivery) {
	ctx = context.WithoutCancel(ctx)
	got, err := d.q.Get(ctx, dl.ID)
	if err != nil && !errors.Is(err, hub.ErrNotFound) {
		d.logger.Warn("read delivery to put back", "delivery", dl.ID, "err", err)
	}
	if err != nil || got.State != Pending || got.Attempts != 0 || !got.CreatedAt.Equal(dl.CreatedAt) {
		return
	}
	if err := d.q.Save(ctx, dl); err != nil { // unleased, due at dl.NextAttemptAt: now
		d.logger.Warn("put back delivery", "delivery", dl.ID, "err", err)
		return
	}
	d.poke()
}

// running is the dispatch of Run while it takes work, else nil.
func (d *Deliverer) running() *dispatch {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.active
}

func (d *Deliverer) setRunning(p *dispatch) {
	d.mu.Lock()
	d.active = p
	d.mu.Unlock()
}
