package hub

import (
	"context"
	"strings"
)

// topic is one broker subscription shared by this instance's local
// subscribers of it. The hub holds it while it has subscribers.
type topic struct {
	cancel context.CancelFunc
	subs   map[*Subscriber]struct{}
}

// join adds s to topic t, subscribing to the broker on first use.
func (h *Hub) join(t string, s *Subscriber) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if tp := h.topics[t]; tp != nil {
		tp.subs[s] = struct{}{}
		return nil
	}
	ctx, cancel := context.WithCancel(h.ctx)
	ch, err := h.cfg.Broker.Subscribe(ctx, t)
	if err != nil {
		cancel()
		return err
	}
	tp := &topic{cancel: cancel, subs: map[*Subscriber]struct{}{s: {}}}
	h.topics[t] = tp
	h.wg.Go(func() { h.pump(t, tp, ch) })
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
	delete(tp.subs, s)
	if len(tp.subs) == 0 {
		tp.cancel()
		delete(h.topics, t)
	}
}

// pump hands each broker message of one topic to its local subscribers
// until the broker closes ch.
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
		for _, s := range h.subscribers(tp) {
			s.deliver(h.ctx, r, byCaller)
		}
	}
}

// resync makes every local subscriber of a cid topic re-read the store,
// after the broker said messages may have been lost.
func (h *Hub) resync(t string, tp *topic) {
	cid, ok := strings.CutPrefix(t, "cid:")
	if !ok {
		return
	}
	for _, s := range h.subscribers(tp) {
		s.resync(h.ctx, cid)
	}
}

func (h *Hub) subscribers(tp *topic) []*Subscriber {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Subscriber, 0, len(tp.subs))
	for s := range tp.subs {
		out = append(out, s)
	}
	return out
}

// Following reports whether this instance has a local subscriber of cid.
func (h *Hub) Following(cid string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.topics[cidTopic(cid)] != nil
}
