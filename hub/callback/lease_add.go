package callback

import (
	"context"
	"time"
)

// AddLeaser is a Queue that can lease a delivery as it adds it: the
// instance that queues a callback due at once attempts it without
// claiming it first, one round trip to the queue fewer per callback. The
// Deliverer uses it when its Queue has it.
type AddLeaser interface {
	// AddLeased is Add; when d is stored, pending, due at now and heads
	// its cid it is also leased until now+lease, as Claim would lease
	// it, and leased is true. When d exists, pending and leased until
	// exactly now+lease, leased is true as well: that is this call's
	// lease, its write made twice (a client sent it again after its
	// answer was lost). The Deliverer gives every lease it takes this
	// way an end no other of its leases has, never on a whole
	// millisecond, where a Claim's lease may end.
	AddLeased(ctx context.Context, d Delivery, now time.Time, lease time.Duration) (leased bool, err error)
	// Unlease makes d due at d.NextAttemptAt when it is pending and
	// leased until exactly until: the lease an AddLeased of d at now
	// for lease (until = now+lease) took. A lease a Claim or another
	// AddLeased took ends at another time and is kept.
	Unlease(ctx context.Context, d Delivery, until time.Time) error
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
	until := d.leaseEnd(now)
	leased, err := al.AddLeased(ctx, dl, now, until.Sub(now))
	if err != nil || !leased {
		p.done()
		if err != nil {
			d.unlease(ctx, al, dl, until)
		}
		return false, err
	}
	p.startLeased(ctx, dl, d.now()) // after the round trip: the endpoint's rate refills to now
	return true, nil
}

// leaseEnd is the end of a lease add takes at now: now plus the lease,
// to the microsecond, a microsecond later than the last one's when that
// ends as late, and never on a whole millisecond. A lease this
// instance's add took is then known by its end, which the queue keeps to
// the microsecond: an AddLeased sent twice finds its own lease (and
// attempts), another of the same delivery (the service sent its reply
// twice at once) does not, and neither does a claim's, whose lease ends
// on a whole millisecond (Unlease gives back only the add's). A
// microsecond a call keeps the ends within a few of the clock at any
// rate the hub reaches.
func (d *Deliverer) leaseEnd(now time.Time) time.Time {
	end := now.Add(d.lease()).Truncate(time.Microsecond)
	d.mu.Lock()
	defer d.mu.Unlock()
	if us := end.UnixMicro(); us <= d.lastLease {
		end = time.UnixMicro(d.lastLease + 1)
	}
	if end.UnixMicro()%1000 == 0 {
		end = end.Add(time.Microsecond)
	}
	d.lastLease = end.UnixMicro()
	return end
}

// unlease makes dl due at once after AddLeased failed: its script may
// have run all the same (a timeout, a write not replicated in time) and
// leased dl, until until, to this instance, which will not attempt it.
// Only that lease is given back: a delivery an earlier Enqueue of the
// same reply stored keeps its lease, and so does one another instance
// claimed since the script ran (the delivery before it in its cid was
// delivered meanwhile) and is attempting. Best effort: when the queue
// cannot be reached, the lease runs out and another attempt follows,
// late.
func (d *Deliverer) unlease(ctx context.Context, al AddLeaser, dl Delivery, until time.Time) {
	if err := al.Unlease(context.WithoutCancel(ctx), dl, until); err != nil {
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
