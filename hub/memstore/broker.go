package memstore

import (
	"context"
	"sync"

	"github.com/callhub/callhub/hub"
)

// Broker is a Broker for one process. It is safe for concurrent use.
// The zero value is ready to use. Publishing takes a read lock and the
// subscriber's own; subscribing and leaving replace a topic's list whole.
type Broker struct {
	mu     sync.RWMutex
	topics map[string][]*sub
}

var _ hub.Broker = (*Broker)(nil)

// brokerBuffer bounds each subscription. A full one loses messages, as
// Redis pub/sub would, and says so with an empty message.
const brokerBuffer = 1024

// sub is one subscription's buffer; see send.
type sub struct {
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
		s.send(msg)
	}
	return nil
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
func (b *Broker) Subscribe(ctx context.Context, topic string) (<-chan []byte, error) {
	s := &sub{ch: make(chan []byte, brokerBuffer)}
	b.mu.Lock()
	if b.topics == nil {
		b.topics = make(map[string][]*sub)
	}
	b.topics[topic] = append(b.topics[topic][:len(b.topics[topic]):len(b.topics[topic])], s)
	b.mu.Unlock()
	context.AfterFunc(ctx, func() { b.leave(topic, s) })
	return s.ch, nil
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
	s.mu.Lock()
	s.closed = true
	close(s.ch)
	s.mu.Unlock()
}
