package redisstore

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// broker is hub.Broker on Redis pub/sub. Its wire carries every channel
// this instance has local subscribers for: classic pub/sub on one
// connection, or sharded pub/sub with one connection per Cluster node
// (see wire). A local subscriber that loses messages gets an empty
// message, which tells the hub to re-read the store: after its buffer
// overflowed, after a reconnect or a slot move, and after every confirmed
// subscribe (a reply published before Redis took the subscribe never
// arrives on it).
//
// Subscribes and unsubscribes go out under opMu only: dispatching
// messages takes mu, briefly, and never waits on the network.
type broker struct {
	rdb     redis.UniversalClient
	prefix  string
	sharded bool // caller channels carry a hash tag (see channel)
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	wire    wire

	opMu sync.Mutex // orders SUBSCRIBE and UNSUBSCRIBE of a channel
	mu   sync.RWMutex
	subs map[string]*channelSubs // channel → local subscribers

	follow *follows
	probe  *prober

	onReconnect func() // Config.OnReconnect, or nil
	logger      *slog.Logger
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

// newBroker starts a broker on the wire newWire makes for it.
func newBroker(rdb redis.UniversalClient, prefix string, announce time.Duration, sharded bool,
	newWire func(*broker) wire, onReconnect func(), logger *slog.Logger) *broker {
	b := &broker{rdb: rdb, prefix: prefix, sharded: sharded, subs: map[string]*channelSubs{},
		onReconnect: onReconnect, logger: logger}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.follow = newFollows(b, announce) // before the wire, which may call message at once
	b.probe = newProber(b)
	b.wire = newWire(b)
	_ = b.wire.subscribe(b.ctx, b.follow.key) // kept and resubscribed after reconnects
	b.wg.Go(b.follow.run)
	b.wg.Go(b.probe.run)
	return b
}

// channel maps a hub topic to its Redis channel: "cid:X" gets the hash
// tag, so it shares the slot of the cid's keys; with sharded pub/sub,
// "caller:X" gets one too, so callers spread over the Cluster's slots.
func (b *broker) channel(topic string) string {
	if cid, ok := strings.CutPrefix(topic, "cid:"); ok {
		return b.prefix + "cid:{" + cid + "}"
	}
	if caller, ok := strings.CutPrefix(topic, "caller:"); ok && b.sharded {
		return b.prefix + "caller:{" + caller + "}"
	}
	return b.prefix + topic
}

// appendCIDChannel appends channel("cid:" + cid) to b.
func (b *broker) appendCIDChannel(dst []byte, cid string) []byte {
	return append(append(append(append(dst, b.prefix...), "cid:{"...), cid...), '}')
}

// Publish implements hub.Broker.
func (b *broker) Publish(ctx context.Context, topic string, msg []byte) error {
	return wrap(b.wire.publish(ctx, b.channel(topic), msg))
}

// Subscribe implements hub.Broker.
func (b *broker) Subscribe(ctx context.Context, topic string) (<-chan []byte, error) {
	sub := &localSub{ch: make(chan []byte, hub.TopicBuffer(topic))}
	if err := b.add(ctx, topic, sub); err != nil {
		return nil, err
	}
	return sub.ch, nil
}

// SubscribeFunc implements hub.FuncBroker: the wire's receive goroutine
// calls deliver.
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
	// Listed before the subscribe goes out, so its confirmation, which
	// may come back at once, finds sub and gives it the resync hint.
	b.mu.Lock()
	first := b.subs[name] == nil
	b.subs[name] = b.subs[name].with(sub)
	b.mu.Unlock()
	if first {
		if err := b.wire.subscribe(ctx, name); err != nil {
			b.wire.unsubscribe(name)
			b.mu.Lock()
			delete(b.subs, name)
			b.mu.Unlock()
			return wrap(err)
		}
	}
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
		b.wire.unsubscribe(name)
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

// message takes a message the wire received on a channel.
func (b *broker) message(channel, payload string) {
	if channel == b.follow.key {
		b.follow.heard(payload)
		return
	}
	if b.probe.owns(channel) {
		b.probe.heard(payload)
		return
	}
	b.send(channel, view(payload))
}

// view returns the bytes of s without copying them: a message's bytes
// are read only, by every subscriber (hub.Broker), and go-redis reads
// each payload into a string of its own, which no one else holds. The
// copy it saves was a message's largest allocation, and the frame every
// subscriber writes is a slice of these bytes either way.
func view(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// resync takes a confirmed subscribe of a channel, first or after a
// reconnect or a slot move: its subscribers re-read the store.
func (b *broker) resync(channel string) {
	if channel == b.follow.key {
		b.follow.subscribed() // read who follows what, now that no word can be missed
		return
	}
	if b.probe.owns(channel) {
		return
	}
	b.send(channel, nil)
}

// receiveFailed takes a receive error of the wire and backs off before
// the wire reconnects; it reports false once the broker is closed. The
// confirmed resubscribes after the reconnect tell every subscriber to
// re-read (see resync), once Redis is back to answer.
func (b *broker) receiveFailed(err error) bool {
	_ = err
	if b.onReconnect != nil {
		b.onReconnect()
	}
	select {
	case <-time.After(200 * time.Millisecond):
		return true
	case <-b.ctx.Done():
		return false
	}
}

// replaced is told that the prober found a pub/sub connection deaf and
// replaces it.
func (b *broker) replaced(conn string) {
	b.logger.Warn("redis pub/sub connection hears nothing: replacing it", "conn", conn,
		"after", probeTimeout)
	if b.onReconnect != nil {
		b.onReconnect()
	}
}

// deaf reports an error while this instance cannot receive everything it
// subscribed: a connection found deaf and not heard since, or a channel
// subscribed nowhere.
func (b *broker) deaf() error {
	if err := b.probe.err(); err != nil {
		return err
	}
	return b.wire.receiving()
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
	b.wire.close()
	b.wg.Wait()
}

// followed reports whether some instance follows caller.
func (b *broker) followed(caller string) bool { return b.follow.followed(caller) }
