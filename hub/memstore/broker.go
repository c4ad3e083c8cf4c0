package memstore

import (
	"context"
	"sync"

	"github.com/callhub/callhub/hub"
)

// Broker is a Broker for one process. It is safe for concurrent use.
// The zero value is ready to use.
type Broker struct {
	mu     sync.Mutex
	topics map[string]map[chan []byte]struct{}
}

var _ hub.Broker = (*Broker)(nil)

// brokerBuffer bounds each subscription; a full one drops messages,
// as Redis pub/sub would.
const brokerBuffer = 1024

// Publish hands msg to every current subscriber of topic without blocking.
func (b *Broker) Publish(_ context.Context, topic string, msg []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.topics[topic] {
		select {
		case ch <- msg:
		default:
		}
	}
	return nil
}

// Subscribe returns a channel of topic's messages, closed when ctx ends.
func (b *Broker) Subscribe(ctx context.Context, topic string) (<-chan []byte, error) {
	ch := make(chan []byte, brokerBuffer)
	b.mu.Lock()
	if b.topics == nil {
		b.topics = make(map[string]map[chan []byte]struct{})
	}
	if b.topics[topic] == nil {
		b.topics[topic] = make(map[chan []byte]struct{})
	}
	b.topics[topic][ch] = struct{}{}
	b.mu.Unlock()
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.topics[topic], ch)
		if len(b.topics[topic]) == 0 {
			delete(b.topics, topic)
		}
		close(ch)
	})
	return ch, nil
}
