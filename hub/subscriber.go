package hub

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Subscriber is one connection's view of replies: the cids and callers it
// follows, and a bounded inbox C of live replies. It is safe for concurrent
// use. The hub closes it (Done, then Err) when it falls behind; the owner
// must call Close when its connection ends.
type Subscriber struct {
	h    *Hub
	c    chan *Reply // pointers: an idle inbox costs 8 bytes a slot
	done chan struct{}
	// The inbox of a NewSubscriberFunc subscriber, instead of c
	// (subscriber_queue.go): q[head:] under mu.
	q     []queued
	head  int
	ready func()

	mu      sync.Mutex
	err     error
	left    bool // topics left; set by closeWith
	cids    map[string]*follow
	callers map[string]bool // nil until FollowCaller
}

// follow is a subscriber's position in one cid. While catching up, live
// replies only mark it dirty: the store is re-read from last instead.
type follow struct {
	last       string
	catchingUp bool
	dirty      bool
}

// replyPage bounds one store read while catching up.
const replyPage = 256

// NewSubscriber returns a subscriber with an inbox of the hub's SendBuffer.
func (h *Hub) NewSubscriber() *Subscriber {
	return &Subscriber{h: h, c: make(chan *Reply, h.cfg.SendBuffer), done: make(chan struct{}),
		cids: map[string]*follow{}, callers: map[string]bool{}}
}

// C delivers live replies in offset order per cid; nil for a
// NewSubscriberFunc subscriber (Next).
func (s *Subscriber) C() <-chan *Reply { return s.c }

// Done is closed when the subscriber is closed; Err then tells why.
func (s *Subscriber) Done() <-chan struct{} { return s.done }

// Err is ErrSlow if the hub dropped the subscriber for falling behind, or
// ErrClosed after Close.
func (s *Subscriber) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends every subscription of s.
func (s *Subscriber) Close() { s.closeWith(ErrClosed) }

func (s *Subscriber) closeWith(err error) {
	s.mu.Lock()
	s.stop(err)
	if s.left {
		s.mu.Unlock()
		return
	}
	s.left = true
	topics := make([]string, 0, len(s.cids)+len(s.callers))
	for cid := range s.cids {
		topics = append(topics, cidTopic(cid))
	}
	for c := range s.callers {
		topics = append(topics, callerTopic(c))
	}
	s.mu.Unlock()
	for _, t := range topics {
		s.h.leave(t, s)
	}
}

// stop marks s closed with err unless it is closed already; s.mu is held.
func (s *Subscriber) stop(err error) {
	if s.err == nil {
		s.err = err
		close(s.done)
		if s.ready != nil {
			s.ready()
		}
	}
}

// Recover subscribes to cid and calls emit for every stored reply after
// since ("" for all), in order. Live replies are held back until Live, so
// the caller can announce the subscription between the two.
func (s *Subscriber) Recover(ctx context.Context, cid, since string, emit func(Reply) error) (int, error) {
	if !ValidOffset(since) {
		return 0, Invalid("since", "malformed offset %q", since)
	}
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return 0, s.err
	}
	_, again := s.cids[cid]
	s.cids[cid] = &follow{last: since, catchingUp: true}
	s.mu.Unlock()
	if !again {
		if err := s.h.join(cidTopic(cid), s); err != nil {
			s.Unsubscribe(cid)
			return 0, err
		}
	}
	n, err := s.catchUp(ctx, cid, emit)
	if err != nil {
		s.Unsubscribe(cid)
	}
	return n, err
}

// Live emits what arrived while Recover ran, then switches cid to the
// inbox.
func (s *Subscriber) Live(ctx context.Context, cid string, emit func(Reply) error) error {
	for {
		s.mu.Lock()
		f := s.cids[cid]
		if f == nil || !f.dirty {
			if f != nil {
				f.catchingUp = false
			}
			s.mu.Unlock()
			return nil
		}
		f.dirty = false
		s.mu.Unlock()
		if _, err := s.catchUp(ctx, cid, emit); err != nil {
			return err
		}
	}
}

// catchUp emits stored replies of cid after the follow's last offset.
func (s *Subscriber) catchUp(ctx context.Context, cid string, emit func(Reply) error) (int, error) {
	n := 0
	for {
		s.mu.Lock()
		f := s.cids[cid]
		last := ""
		if f != nil {
			last = f.last
		}
		s.mu.Unlock()
		if f == nil {
			return n, nil
		}
		page, err := s.h.store.Replies(ctx, cid, last, replyPage)
		if err != nil {
			return n, err
		}
		for _, r := range page {
			if err := emit(r); err != nil {
				return n, err
			}
			s.mu.Lock()
			f.last = r.Offset
			s.mu.Unlock()
			n++
		}
		if len(page) < replyPage {
			return n, nil
		}
	}
}

// Unsubscribe stops following cid.
func (s *Subscriber) Unsubscribe(cid string) {
	s.mu.Lock()
	_, ok := s.cids[cid]
	delete(s.cids, cid)
	s.mu.Unlock()
	if ok {
		s.h.leave(cidTopic(cid), s)
	}
}

// FollowCaller delivers every reply of caller's cids to the inbox.
func (s *Subscriber) FollowCaller(caller string) error {
	s.mu.Lock()
	again := s.callers[caller]
	if s.callers == nil {
		s.callers = map[string]bool{}
	}
	s.callers[caller] = true
	s.mu.Unlock()
	if again {
		return nil
	}
	return s.h.join(callerTopic(caller), s)
}

// UnfollowCaller stops FollowCaller.
func (s *Subscriber) UnfollowCaller(caller string) {
	s.mu.Lock()
	ok := s.callers[caller]
	delete(s.callers, caller)
	s.mu.Unlock()
	if ok {
		s.h.leave(callerTopic(caller), s)
	}
}

// deliver routes one live reply: cid followers get it in offset order (a
// gap is filled from the store, off the pump), caller followers get it as
// it comes. r is shared by every subscriber of the message: read only.
func (s *Subscriber) deliver(r *Reply, byCaller bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	f := s.cids[r.CID]
	if r.Offset == "" { // an event: no order to keep, nothing to refill
		if byCaller == (f == nil) {
			s.push(r, f)
		}
		return
	}
	switch {
	case byCaller && f == nil:
		s.push(r, nil)
	case byCaller:
		// the cid topic delivers it in order
	case f == nil:
	case f.catchingUp:
		f.dirty = true
	case !OffsetLess(f.last, r.Offset):
		// seen already
	case r.Prev != f.last:
		s.refill(r.CID, f)
	default:
		f.last = r.Offset
		s.push(r, f)
	}
}

// resync re-reads cid's stored replies after the last one s has.
func (s *Subscriber) resync(cid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f := s.cids[cid]; {
	case s.err != nil || f == nil:
	case f.catchingUp:
		f.dirty = true
	default:
		s.refill(cid, f)
	}
}

// refill starts reading the store from f.last in a goroutine of its own,
// after a gap or a loss, so the topic's other subscribers never wait on
// it; live replies of cid only mark it dirty meanwhile. s.mu is held.
func (s *Subscriber) refill(cid string, f *follow) {
	f.catchingUp = true
	s.h.goOwned(func() { s.fill(cid, f) })
}

var errResubscribed = errors.New("hub: cid subscribed again")

// Fill retries back off from fillRetry up to fillRetryMax.
const (
	fillRetry    = 100 * time.Millisecond
	fillRetryMax = 5 * time.Second
)

// fill pushes the stored replies of cid after f.last, page by page, until
// nothing new arrived meanwhile. A store that fails is retried with
// backoff: the subscriber stays connected through a store outage.
func (s *Subscriber) fill(cid string, f *follow) {
	emit := func(r Reply) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cids[cid] != f {
			return errResubscribed // a new Recover of cid reads for itself
		}
		s.push(&r, f)
		return s.err
	}
	wait := fillRetry
	for {
		_, err := s.catchUp(s.h.ctx, cid, emit)
		if err == nil {
			wait = fillRetry
			if !s.settle(cid, f) {
				return
			}
			continue
		}
		if s.Err() != nil || s.h.ctx.Err() != nil || errors.Is(err, errResubscribed) {
			return
		}
		s.h.logger.Warn("fill reply gap", "cid", cid, "retry_in", wait, "err", err)
		select {
		case <-time.After(wait):
		case <-s.done:
			return
		case <-s.h.ctx.Done():
			return
		}
		wait = min(2*wait, fillRetryMax)
	}
}

// settle ends a fill unless live replies arrived while it ran; it reports
// whether to read again.
func (s *Subscriber) settle(cid string, f *follow) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || s.cids[cid] != f || !f.dirty {
		f.catchingUp = false
		return false
	}
	f.dirty = false
	return true
}

// push puts r into the inbox or, if it is full, drops the subscriber;
// s.mu is held. f is the follow of r's cid it is delivered for, nil when
// a caller subscription brought it.
func (s *Subscriber) push(r *Reply, f *follow) {
	if s.err != nil {
		return
	}
	if s.ready != nil {
		if !s.enqueue(queued{r, f}) {
			s.slow()
		}
		return
	}
	select {
	case s.c <- r:
	default:
		s.slow()
	}
}

// slow drops s, whose inbox is full; s.mu is held.
func (s *Subscriber) slow() {
	s.h.obs.SlowConsumer()
	s.stop(ErrSlow) // the owner's Close leaves the topics
}
