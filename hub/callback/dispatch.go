package callback

import (
	"context"
	"sync"
	"time"
)

// dispatch starts the deliveries Run claims. One whose endpoint has a free
// slot starts at once. One whose endpoint is busy waits in that
// endpoint's line on this instance, still leased, and starts the moment
// an attempt to its endpoint ends: a busy endpoint gets its attempts back
// to back, with no round trip to the queue in between. A line holds at
// most half the workers, so one hanging endpoint cannot hold them all;
// beyond that a delivery is put back in the queue for deferWait. A
// delivery that waited in a line for half its lease is put back too,
// before another instance may take it over.
//
// Waiting deliveries count against Workers as running ones do, so Run
// claims only what this instance can start soon.
//
// An attempt runs on a worker goroutine that stays for the next one
// (worker.go): a goroutine per attempt would grow a fresh stack through
// the HTTP client each time.
type dispatch struct {
	d     *Deliverer
	slots chan struct{} // one per running or waiting delivery: Workers in all
	jobs  chan job      // to an idle worker; unbuffered
	quit  chan struct{} // closed when Run ends: idle workers leave
	// Every attempt and save runs on Run's attempt context, in Run's
	// group, which Run waits for as it ends.
	ctx context.Context
	wg  *sync.WaitGroup

	mu    sync.Mutex
	lines map[string]*line // by endpoint

	// Deliveries leased as they were added start while open (see
	// startLeased).
	live sync.Mutex
	open bool
}

type waiting struct {
	dl    Delivery
	since time.Time
}

// line is the deliveries waiting for one endpoint, oldest first. Its
// array is used again as they come and go, and kept while the endpoint
// has attempts running (see putBack): a busy endpoint's line would
// otherwise allocate afresh for about every delivery that waits in it.
type line struct {
	q    []waiting // q[head:] wait
	head int
}

func (l *line) len() int { return len(l.q) - l.head }

func (l *line) push(w waiting) {
	if l.head > 0 && len(l.q) == cap(l.q) { // no room behind: slide to the front
		n := copy(l.q, l.q[l.head:])
		clear(l.q[n:])
		l.q, l.head = l.q[:n], 0
	}
	l.q = append(l.q, w)
}

// pop takes the oldest waiting delivery; the line must not be empty.
func (l *line) pop() waiting {
	w := l.q[l.head]
	l.q[l.head] = waiting{}
	if l.head++; l.head == len(l.q) {
		l.q, l.head = l.q[:0], 0
	}
	return w
}

func newDispatch(d *Deliverer, ctx context.Context, wg *sync.WaitGroup) *dispatch {
	return &dispatch{d: d, slots: make(chan struct{}, d.cfg.Workers), jobs: make(chan job),
		quit: make(chan struct{}), lines: map[string]*line{}, open: true, ctx: ctx, wg: wg}
}

// free is how many more deliveries may be claimed now.
func (p *dispatch) free() int { return cap(p.slots) - len(p.slots) }

// start runs or lines up one delivery claimed at now; it holds one of
// the Workers until the delivery is saved. When none is free, because an
// Enqueue reserved the one Run counted on while it claimed, dl goes back
// to the queue due at once: start never waits for a slot while Run holds
// claimed deliveries whose leases run.
func (p *dispatch) start(dl Delivery, now time.Time) {
	if !p.reserve() {
		p.requeue(dl, now)
		return
	}
	p.startHeld(dl, now)
}

// requeue saves dl, claimed at now but not started, due at once.
func (p *dispatch) requeue(dl Delivery, now time.Time) {
	dl.NextAttemptAt = now
	p.wg.Go(func() { p.d.save(p.ctx, dl) })
}

// reserve takes a slot for a delivery about to be leased elsewhere than
// in Run's claim, if one is free.
func (p *dispatch) reserve() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// startLeased starts dl, leased at now with a slot reserved, as if Run
// had claimed it; once Run no longer takes work, it puts dl back in the
// queue, due at once, for another instance.
func (p *dispatch) startLeased(ctx context.Context, dl Delivery, now time.Time) {
	p.live.Lock()
	defer p.live.Unlock()
	if !p.open {
		dl.NextAttemptAt = now
		p.d.save(ctx, dl)
		p.done()
		return
	}
	p.startHeld(dl, now)
}

// close ends startLeased's starts: Run's group can then be waited for.
func (p *dispatch) close() {
	p.live.Lock()
	p.open = false
	p.live.Unlock()
}

// startHeld is start for dl, which holds its slot already.
func (p *dispatch) startHeld(dl Delivery, now time.Time) {
	ep := endpointOf(dl.URL)
	p.mu.Lock() // with next: a delivery never waits in a line that no attempt will start
	wait, busy, ok := p.d.endpoints.acquire(ep, now)
	if busy {
		if l := p.line(ep); l.len() < cap(p.slots)/2 {
			l.push(waiting{dl, now})
			p.mu.Unlock()
			return
		}
	}
	p.mu.Unlock()
	if ok {
		p.run(ep, dl)
		return
	}
	dl.NextAttemptAt = now.Add(wait) // a deferral never uses an attempt
	p.saveBack(dl)
}

// saveBack saves dl, which holds a slot but will not be attempted here,
// and gives its slot back. A function of its own: the goroutine's copy of
// dl is the only one that goes to the heap, not every claimed delivery's.
func (p *dispatch) saveBack(dl Delivery) {
	p.wg.Go(func() { defer p.done(); p.d.save(p.ctx, dl) })
}

// attempt attempts dl, which holds a slot of ep, and then the deliveries
// waiting for ep that the endpoint lets start.
func (p *dispatch) attempt(ep string, dl Delivery) {
	for {
		p.d.handle(p.ctx, ep, dl)
		p.done()
		p.d.poke() // a worker is free: Run claims again
		next, ok := p.next(ep)
		if !ok {
			return
		}
		dl = next
	}
}

// next gives back the slot of ep an attempt held, and takes the first
// delivery waiting for ep with a slot, when the endpoint lets one start.
// One that has waited half its lease or more is put back in the queue
// instead, as Run's putBack would: an attempt started now could outlive
// the lease (Run looks as seldom as every 10 × Poll while idle).
func (p *dispatch) next(ep string) (Delivery, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.d.endpoints.release(ep)
	now := p.d.now()
	for _, dl := range p.popWaited(ep, now, p.d.lease()/2, false, nil) {
		p.requeueHeld(dl, now)
	}
	l := p.lines[ep]
	if l == nil || l.len() == 0 {
		return Delivery{}, false
	}
	if _, _, ok := p.d.endpoints.acquire(ep, now); !ok {
		return Delivery{}, false // rate-bound: Run's next look puts it back
	}
	return l.pop().dl, true
}

// line is ep's line, made when it has none; p.mu is held.
func (p *dispatch) line(ep string) *line {
	l := p.lines[ep]
	if l == nil {
		l = &line{}
		p.lines[ep] = l
	}
	return l
}

// done gives back the worker slot of a delivery that was saved.
func (p *dispatch) done() { <-p.slots }

// putBack returns to the queue every delivery that waited longer than
// max (every one, with max 0), and those whose endpoint has no attempt
// running to start them (rate-bound), so they are due again. The line of
// an endpoint with no attempt running goes.
func (p *dispatch) putBack(max time.Duration) {
	now := p.d.now()
	var back []Delivery
	p.mu.Lock()
	for ep, l := range p.lines {
		idle := p.d.endpoints.inFlight(ep) == 0
		back = p.popWaited(ep, now, max, idle, back)
		if idle && l.len() == 0 {
			delete(p.lines, ep)
		}
	}
	p.mu.Unlock()
	for _, dl := range back {
		p.requeueHeld(dl, now)
	}
}

// popWaited takes from the head of ep's line, p.mu held, the deliveries
// that have waited max or longer at now (every one, with all), and
// appends them to back.
func (p *dispatch) popWaited(ep string, now time.Time, max time.Duration, all bool, back []Delivery) []Delivery {
	l := p.lines[ep]
	for l != nil && l.len() > 0 && (all || now.Sub(l.q[l.head].since) >= max) {
		back = append(back, l.pop().dl)
	}
	return back
}

// requeueHeld saves dl, which holds a slot and waited here without an
// attempt, due at once, gives its slot back, and wakes Run, which claims
// it again if no other instance does first: Run may have claimed already
// while the save ran, and would otherwise leave it to its next poll.
func (p *dispatch) requeueHeld(dl Delivery, now time.Time) {
	dl.NextAttemptAt = now
	p.wg.Go(func() {
		p.d.save(p.ctx, dl)
		p.done()
		p.d.poke()
	})
}
