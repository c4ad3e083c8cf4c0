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
// every channel this instance has local subscribers for. A local
// subscriber that loses messages gets an empty message, which tells the
// hub to re-read the store: after its buffer overflowed, after go-redis
// reconnected, and after every confirmed SUBSCRIBE (a reply published
// before Redis took the SUBSCRIBE never arrives on it).
//
// SUBSCRIBE and UNSUBSCRIBE go out under opMu only: dispatching messages
// takes mu, briefly, and never waits on the network.
type broker struct {
	rdb    redis.UniversalClient
	prefix string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ps     *redis.PubSub

	opMu sync.Mutex // orders SUBSCRIBE and UNSUBSCRIBE of a channel
	mu   sync.RWMutex
	subs map[string]*channelSubs // channel → local subscribers

	follow *follows

	onReconnect func() // Config.OnReconnect, or nil
}

// channelSubs are the local subscribers of one channel, replaced whole
// when one joins or leaves, so dispatch reads them without copying.
type channelSubs struct {
	list []*localSub
}

// localSub is one local subscription: a function (hub.FuncBroker), or a
// buffer. lossTold is set while the newest thing in ch is the loss signal,
// so a run of losses adds one.
type localSub struct {
	fn       func([]byte)
	ch       chan []byte
	lossTold bool
}

var (
	_ hub.Broker     = (*broker)(nil)
	_ hub.FuncBroker = (*broker)(nil)
)

func newBroker(rdb redis.UniversalClient, prefix string, announce time.Duration, onReconnect func()) *broker {
	b := &broker{rdb: rdb, prefix: prefix, subs: map[string]*channelSubs{}, onReconnect: onReconnect}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.ps = rdb.Subscribe(b.ctx)
	b.follow = newFollows(b, announce)
	b.wg.Go(b.receive)
	b.wg.Go(b.follow.run)
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
	sub := &localSub{ch: make(chan []byte, hub.TopicBuffer(topic))}
	if err := b.add(ctx, topic, sub); err != nil {
		return nil, err
	}
	return sub.ch, nil
}

// SubscribeFunc implements hub.FuncBroker: the receive goroutine calls
// deliver.
func (b *broker) SubscribeFunc(ctx context.Context, topic string, deliver func([]byte)) error {
	return b.add(ctx, topic, &localSub{fn: deliver})
}

func (b *broker) add(ctx context.Context, topic string, sub *localSub) error {
	name := b.channel(topic)
	b.opMu.Lock()
	defer b.opMu.Unlock()
	if b.ctx.Err() != nil {
		return hub.ErrClosed
	}
	b.mu.RLock()
	first := b.subs[name] == nil
	b.mu.RUnlock()
	if first {
		if err := b.ps.Subscribe(ctx, name); err != nil {
			return wrap(err)
		}
	}
	b.mu.Lock()
	b.subs[name] = b.subs[name].with(sub)
	b.mu.Unlock()
	if caller, ok := strings.CutPrefix(topic, "caller:"); ok {
		b.follow.start(caller)
	}
	context.AfterFunc(ctx, func() { b.drop(topic, name, sub) })
	return nil
}

func (b *broker) drop(topic, name string, sub *localSub) {
	b.opMu.Lock()
	defer b.opMu.Unlock()
	b.mu.Lock()
	cs := b.subs[name].without(sub)
	if cs == nil {
		delete(b.subs, name)
	} else {
		b.subs[name] = cs
	}
	b.mu.Unlock()
	if sub.ch != nil {
		close(sub.ch)
	}
	if caller, ok := strings.CutPrefix(topic, "caller:"); ok {
		b.follow.stop(caller)
	}
	if cs == nil && b.ctx.Err() == nil {
		_ = b.ps.Unsubscribe(b.ctx, name)
	}
}

func (cs *channelSubs) with(s *localSub) *channelSubs {
	n := &channelSubs{}
	if cs != nil {
		n.list = append(n.list, cs.list...)
	}
	n.list = append(n.list, s)
	return n
}

// without returns cs less s, or nil when none is left.
func (cs *channelSubs) without(s *localSub) *channelSubs {
	if cs == nil {
		return nil
	}
	n := &channelSubs{}
	for _, x := range cs.list {
		if x != s {
			n.list = append(n.list, x)
		}
	}
	if len(n.list) == 0 {
		return nil
	}
	return n
}

// receive dispatches messages until the broker closes.
func (b *broker) receive() {
	for {
		msg, err := b.ps.Receive(b.ctx)
		if b.ctx.Err() != nil {
			return
		}
		if err != nil {
			if b.onReconnect != nil {
				b.onReconnect()
			}
			// The confirmed resubscribes after go-redis reconnects tell
			// every subscriber to re-read (see dispatch), once Redis is
			// back to answer.
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

func (b *broker) dispatch(msg any) {
	switch m := msg.(type) {
	case *redis.Message:
		if m.Channel == b.follow.key {
			b.follow.heard(m.Payload)
			return
		}
		b.send(m.Channel, []byte(m.Payload))
	case *redis.Subscription:
		// Every confirmed subscribe, first or after a reconnect, makes the
		// channel's subscribers re-read the store.
		if m.Kind == "subscribe" && m.Channel == b.follow.key {
			b.follow.subscribed()
		} else if m.Kind == "subscribe" {
			b.send(m.Channel, nil)
		}
	}
}

// send hands msg to the local subscribers of a channel without blocking;
// mu stays read-locked so drop cannot close a buffer being sent to.
func (b *broker) send(name string, msg []byte) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if cs := b.subs[name]; cs != nil {
		for _, s := range cs.list {
			s.send(msg)
		}
	}
}

// send puts msg in the buffer. When the buffer is full the message is
// lost: the oldest one makes room for an empty message, the loss signal,
// on which the hub re-reads the store; further losses before the hub
// takes anything are covered by the same signal. Only the broker's
// receive goroutine sends.
func (s *localSub) send(msg []byte) {
	if s.fn != nil {
		s.fn(msg)
		return
	}
	select {
	case s.ch <- msg:
		s.lossTold = msg == nil
		return
	default:
	}
	if s.lossTold {
		return
	}
	select {
	case <-s.ch: // the hub re-reads what this held
	default:
	}
	select {
	case s.ch <- nil:
		s.lossTold = true
	default:
	}
}

func (b *broker) close() {
	b.opMu.Lock()
	b.cancel()
	b.opMu.Unlock()
	_ = b.ps.Close()
	b.wg.Wait()
}

// followed reports whether some instance follows caller.
func (b *broker) followed(caller string) bool { return b.follow.followed(caller) }
