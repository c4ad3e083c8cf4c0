package hub

import (
	"context"
	"strings"
	"sync/atomic"
	"time"
)

// topic is one broker subscription shared by this instance's local
// subscribers of it. The hub holds it while it has subscribers. Joining
// and leaving replace the subscriber list whole under h.mu; the pump
// reads it without a lock, so no lock is taken per message.
type topic struct {
	ready  chan struct{} // closed once the broker subscription is made or failed
	err    error         // why it failed; read after ready
	cancel context.CancelFunc
	subs   atomic.Pointer[[]*Subscriber]
}

func (tp *topic) list() []*Subscriber {
	if l := tp.subs.Load(); l != nil {
		return *l
	}
	return nil
}

// set replaces the list; h.mu is held.
func (tp *topic) set(l []*Subscriber) { tp.subs.Store(&l) }

// join adds s to topic t. The first subscriber of t subscribes to the
// broker, outside h.mu (the broker may wait on the network); later ones
// wait for that.
func (h *Hub) join(t string, s *Subscriber) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return ErrClosed
	}
	tp := h.topics[t]
	if tp != nil {
		tp.set(append(tp.list()[:len(tp.list()):len(tp.list())], s))
		h.mu.Unlock()
		<-tp.ready
		return tp.err
	}
	ctx, cancel := context.WithCancel(h.ctx)
	tp = &topic{ready: make(chan struct{}), cancel: cancel}
	tp.set([]*Subscriber{s})
	h.topics[t] = tp
	h.mu.Unlock()
	err := h.subscribe(ctx, t, tp)
	if err != nil {
		h.mu.Lock()
		if h.topics[t] == tp {
			delete(h.topics, t)
		}
		h.mu.Unlock()
		tp.err = err
		cancel()
	}
	close(tp.ready)
	return err
}

// subscribe makes the broker subscription of a new topic: a function the
// broker calls, or a channel and a pump goroutine.
func (h *Hub) subscribe(ctx context.Context, t string, tp *topic) error {
	byCaller := strings.HasPrefix(t, "caller:")
	if fb, ok := h.cfg.Broker.(FuncBroker); ok {
		return fb.SubscribeFunc(ctx, t, func(msg []byte) { h.handle(t, tp, msg, byCaller) })
	}
	ch, err := h.cfg.Broker.Subscribe(ctx, t)
	if err != nil {
		return err
	}
	pump := func() {
		for msg := range ch {
			h.handle(t, tp, msg, byCaller)
		}
	}
	if !h.goOwned(pump) {
		return ErrClosed // the caller cancels ctx: the channel closes
	}
	return nil
}

// leave removes s from topic t and drops the broker subscription when t
// has no local subscriber left.
func (h *Hub) leave(t string, s *Subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	tp := h.topics[t]
	if tp == nil {
		return
	}
	var rest []*Subscriber
	for _, x := range tp.list() {
		if x != s {
			rest = append(rest, x)
		}
	}
	tp.set(rest)
	if len(rest) == 0 {
		tp.cancel()
		delete(h.topics, t)
	}
}

// handle hands one broker message of a topic to its local subscribers
// without blocking. An empty message means messages may have been lost:
// the topic's subscribers re-read the store.
func (h *Hub) handle(t string, tp *topic, msg []byte, byCaller bool) {
	if len(msg) == 0 {
		h.resync(t, tp)
		return
	}
	r, err := decodeMessage(msg)
	if err != nil {
		h.logger.Warn("decode broker message", "topic", t, "err", err)
		return
	}
	if r.TraceParent != "" { // the push to this instance's subscribers joins the reply's trace
		_, _, end := h.tracer.Start(h.ctx, "push", r.TraceParent, time.Time{})
		defer end(nil)
	}
	for _, s := range tp.list() {
		s.deliver(&r, byCaller)
	}
}

// resync makes every local subscriber of a cid topic re-read the store.
func (h *Hub) resync(t string, tp *topic) {
	h.obs.Resynced()
	cid, ok := strings.CutPrefix(t, "cid:")
	if !ok {
		return
	}
	for _, s := range tp.list() {
		s.resync(cid)
	}
}

// Following reports whether this instance has a local subscriber of cid.
func (h *Hub) Following(cid string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.topics[cidTopic(cid)] != nil
}
