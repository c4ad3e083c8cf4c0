package hub

import (
	"context"
	"strings"
	"sync/atomic"
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
	ch, err := h.cfg.Broker.Subscribe(ctx, t)
	h.mu.Lock()
	if err == nil && h.closed {
		err = ErrClosed
	}
	if err != nil {
		if h.topics[t] == tp {
			delete(h.topics, t)
		}
		tp.err = err
		cancel()
	} else {
		h.wg.Add(1) // before Close's Wait: h.closed was false under h.mu
		go func() {
			defer h.wg.Done()
			h.pump(t, tp, ch)
		}()
	}
	h.mu.Unlock()
	close(tp.ready)
	return err
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

// pump hands each broker message of one topic to its local subscribers
// until the broker closes ch. An empty message means messages may have
// been lost: the topic's subscribers re-read the store.
func (h *Hub) pump(t string, tp *topic, ch <-chan []byte) {
	byCaller := strings.HasPrefix(t, "caller:")
	for msg := range ch {
		if len(msg) == 0 {
			h.resync(t, tp)
			continue
		}
		r, err := decodeMessage(msg)
		if err != nil {
			h.logger.Warn("decode broker message", "topic", t, "err", err)
			continue
		}
		for _, s := range tp.list() {
			s.deliver(&r, byCaller)
		}
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
