package memstore

import (
	"context"
	"sync"

	"github.com/callhub/callhub/hub"
)

// Broker is a Broker for one process. It is safe for concurrent use.
// The zero value is ready to use. Publishing takes a read lock; subscribing
// and leaving replace a topic's list whole. It is a hub.FuncBroker: the
// hub's subscriptions are called from Publish, with no buffer between.
type Broker struct {
	mu     sync.RWMutex
	topics map[string][]*sub
}

var (
	_ hub.Broker         = (*Broker)(nil)
	_ hub.FuncBroker     = (*Broker)(nil)
	_ hub.AudienceBroker = (*Broker)(nil)
)

// sub is one subscription: a function, or a channel's buffer (see send).
type sub struct {
	fn func([]byte)

	mu       sync.Mutex
	ch       chan []byte
	closed   bool
	lossTold bool // the newest thing in ch is the loss signal
}

// Publish hands msg to every current subscriber of topic without blocking.
func (b *Broker) Publish(_ context.Context, topic string, msg []byte) error {
	b.mu.RLock()
	subs := b.topics[topic]
	b.mu.RUnlock()
	for _, s := range subs {
		if s.fn != nil {
			s.fn(msg)
		} else {
			s.send(msg)
		}
	}
	return nil
}

// Heard implements hub.AudienceBroker.
func (b *Broker) Heard(topic string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.topics[topic]) > 0
}

// send puts msg in the buffer, or, when it is full, makes room for one
// empty message (the loss signal: the hub re-reads the store) unless the
// newest thing in it is one already.
func (s *sub) send(msg []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.ch <- msg:
		s.lossTold = false
		return
	default:
	}
	if s.lossTold {
		return
	}
	select {
	case <-s.ch:
	default:
	}
	s.ch <- nil // room was made above, and only holders of s.mu send
	s.lossTold = true
}

// Subscribe returns a channel of topic's messages, closed when ctx ends.
// A full buffer loses messages, as Redis pub/sub would, and says so.
func (b *Broker) Subscribe(ctx context.Context, topic string) (<-chan []byte, error) {
	s := &sub{ch: make(chan []byte, hub.TopicBuffer(topic))}
	b.add(ctx, topic, s)
	return s.ch, nil
}

// SubscribeFunc implements hub.FuncBroker: Publish calls deliver.
func (b *Broker) SubscribeFunc(ctx context.Context, topic string, deliver func([]byte)) error {
	b.add(ctx, topic, &sub{fn: deliver})
	return nil
}

func (b *Broker) add(ctx context.Context, topic string, s *sub) {
	b.mu.Lock()
	if b.topics == nil {
		b.topics = make(map[string][]*sub)
	}
	l := b.topics[topic]
	b.topics[topic] = append(l[:len(l):len(l)], s)
	b.mu.Unlock()
	context.AfterFunc(ctx, func() { b.leave(topic, s) })
}

func (b *Broker) leave(topic string, s *sub) {
	b.mu.Lock()
	var rest []*sub
	for _, x := range b.topics[topic] {
		if x != s {
			rest = append(rest, x)
		}
	}
	if rest == nil {
		delete(b.topics, topic)
	} else {
		b.topics[topic] = rest
	}
	b.mu.Unlock()
	if s.ch != nil {
		s.mu.Lock()
		s.closed = true
		close(s.ch)
		s.mu.Unlock()
	}
}
