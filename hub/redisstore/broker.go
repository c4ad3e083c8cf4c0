package redisstore

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// broker is hub.Broker on Redis pub/sub. One pub/sub connection carries
// every channel this instance has local subscribers for. After the
// connection drops, go-redis reconnects and resubscribes; the broker then
// sends each local subscriber of a channel a nil message, which tells the
// hub that messages may have been lost and it must re-read the store.
type broker struct {
	rdb    redis.UniversalClient
	prefix string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	ps     *redis.PubSub
	subs   map[string]map[chan []byte]struct{} // channel → local subscribers
	resync map[string]bool                     // channels to resync once resubscribed
}

var _ hub.Broker = (*broker)(nil)

// localBuffer bounds each local subscription; the hub drains it promptly
// and recovers from the store if it ever overflows.
const localBuffer = 1024

func newBroker(rdb redis.UniversalClient, prefix string) *broker {
	b := &broker{rdb: rdb, prefix: prefix, subs: map[string]map[chan []byte]struct{}{},
		resync: map[string]bool{}}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b
}

// channel maps a hub topic to its Redis channel: "cid:X" gets the hash tag.
func (b *broker) channel(topic string) string {
	if cid, ok := strings.CutPrefix(topic, "cid:"); ok {
		return b.prefix + "cid:{" + cid + "}"
	}
	return b.prefix + topic
}

// Publish implements hub.Broker.
func (b *broker) Publish(ctx context.Context, topic string, msg []byte) error {
	return wrap(b.rdb.Publish(ctx, b.channel(topic), msg).Err())
}

// Subscribe implements hub.Broker.
func (b *broker) Subscribe(ctx context.Context, topic string) (<-chan []byte, error) {
	name := b.channel(topic)
	ch := make(chan []byte, localBuffer)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctx.Err() != nil {
		return nil, hub.ErrClosed
	}
	b.start()
	if len(b.subs[name]) == 0 {
		// Under b.mu, so an unsubscribe of the same channel cannot pass it.
		if err := b.ps.Subscribe(ctx, name); err != nil {
			return nil, wrap(err)
		}
		b.subs[name] = map[chan []byte]struct{}{}
	}
	b.subs[name][ch] = struct{}{}
	context.AfterFunc(ctx, func() { b.drop(name, ch) })
	return ch, nil
}

func (b *broker) drop(name string, ch chan []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs[name], ch)
	close(ch)
	if len(b.subs[name]) == 0 {
		delete(b.subs, name)
		if b.ctx.Err() == nil {
			_ = b.ps.Unsubscribe(b.ctx, name)
		}
	}
}

// start opens the shared pub/sub connection on first use; b.mu is held.
func (b *broker) start() {
	if b.ps != nil {
		return
	}
	b.ps = b.rdb.Subscribe(b.ctx)
	b.wg.Go(b.receive)
}

// receive dispatches messages until the broker closes.
func (b *broker) receive() {
	for {
		msg, err := b.ps.Receive(b.ctx)
		if b.ctx.Err() != nil {
			return
		}
		if err != nil {
			b.lost()
			select { // back off before go-redis reconnects on the next Receive
			case <-time.After(200 * time.Millisecond):
			case <-b.ctx.Done():
				return
			}
			continue
		}
		b.dispatch(msg)
	}
}

// lost marks every channel for a resync once it is subscribed again.
func (b *broker) lost() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for name := range b.subs {
		b.resync[name] = true
	}
}

func (b *broker) dispatch(msg any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch m := msg.(type) {
	case *redis.Message:
		b.send(m.Channel, []byte(m.Payload))
	case *redis.Subscription:
		// Every confirmed subscribe, first or after a reconnect, makes the
		// channel's subscribers re-read the store: a reply published
		// before Redis processed SUBSCRIBE never arrives on it.
		if m.Kind == "subscribe" {
			delete(b.resync, m.Channel)
			b.send(m.Channel, nil)
		}
	}
}

// send hands msg to the local subscribers of a channel without blocking;
// b.mu is held.
func (b *broker) send(name string, msg []byte) {
	for ch := range b.subs[name] {
		select {
		case ch <- msg:
		default:
		}
	}
}

func (b *broker) close() {
	b.mu.Lock()
	b.cancel()
	ps := b.ps
	b.mu.Unlock()
	if ps != nil {
		_ = ps.Close()
	}
	b.wg.Wait()
}
