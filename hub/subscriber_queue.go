package hub

// A subscriber made by NewSubscriberFunc keeps its inbox in a slice
// instead of a channel: it holds no buffer while empty, so an idle
// connection costs nothing for it, and its owner needs no goroutine
// waiting on it, only one started when ready calls.

// queueKeep is the most slots a drained inbox keeps for the next burst;
// a larger one is released.
const queueKeep = 8

// NewSubscriberFunc returns a subscriber whose inbox is read with Next,
// not C, and holds at most the hub's SendBuffer replies. ready is called
// when the inbox gets a reply while it was empty, and when the
// subscriber closes (Done): the owner then calls Next until it returns
// nil. ready is called with the subscriber's lock held, from the
// goroutine that delivers: it must not block nor call the subscriber.
func (h *Hub) NewSubscriberFunc(ready func()) *Subscriber {
	return &Subscriber{h: h, ready: ready, done: make(chan struct{}), cids: map[string]*follow{}}
}

// queued is a reply in a NewSubscriberFunc inbox and the follow of its
// cid it was delivered for (nil: by a caller subscription).
type queued struct {
	r *Reply
	f *follow
}

// Next takes the oldest reply of a NewSubscriberFunc inbox; nil when it
// is empty. A reply queued for a follow that has ended since — its cid
// unsubscribed, or subscribed again, whose Recover reads it from the
// store and emits it in order — is skipped: handed out too, it would
// come twice, or out of order with what Recover emits.
func (s *Subscriber) Next() *Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head < len(s.q) {
		q := s.q[s.head]
		s.q[s.head] = queued{}
		if s.head++; s.head == len(s.q) {
			s.q, s.head = s.q[:0], 0
			if cap(s.q) > queueKeep {
				s.q = nil
			}
		}
		if q.f == nil || s.cids[q.r.CID] == q.f {
			return q.r
		}
	}
	return nil
}

// enqueue appends r to the inbox unless it is full; s.mu is held.
func (s *Subscriber) enqueue(r queued) bool {
	n := len(s.q) - s.head
	if n >= s.h.cfg.SendBuffer {
		return false
	}
	if len(s.q) == cap(s.q) && s.head > 0 {
		copy(s.q, s.q[s.head:])
		clear(s.q[n:])
		s.q, s.head = s.q[:n], 0
	}
	s.q = append(s.q, r)
	if n == 0 {
		s.ready()
	}
	return true
}
