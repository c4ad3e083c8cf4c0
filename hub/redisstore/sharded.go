package redisstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// shardedWire is a wire on sharded pub/sub (Redis Cluster, Redis 7):
// SPUBLISH reaches only the nodes of the channel's shard, and this
// instance holds one SSUBSCRIBE connection per master it needs.
//
// go-redis's ClusterClient.SSubscribe does not do this: its PubSub holds
// one connection, to the master of the first channel's slot, resubscribes
// every channel in one SSUBSCRIBE after a reconnect (CROSSSLOT when they
// span slots), and keeps channels Redis dropped. So each connection here
// is a PubSub of one node's client, and a channel is placed on the
// connection of its slot's master. It is placed again, on the master of
// the moment, when that node drops it (the "sunsubscribe" Redis pushes
// when the slot migrates away), answers MOVED, or fails (failover): a
// failed connection is closed and all its channels are placed again.
// Every few seconds the wire also reads the slot map and places again
// the channels whose slot moved untold (see watch).
// Each placement's confirmed SSUBSCRIBE gives the channel's subscribers
// the resync hint, so they re-read what they missed from the store.
type shardedWire struct {
	b    *broker
	topo *topology
	wg   sync.WaitGroup
	kick chan struct{}

	mu     sync.Mutex
	want   map[string]*shardConn // channel → where it is subscribed, nil while nowhere
	conns  map[string]*shardConn // node address → its connection
	closed bool                  // no new connections
	stuck  bool                  // repair failed to place some channel, and retries
}

// shardConn is one node's sharded subscription connection. probe is a
// channel of one of the node's slots, subscribed on it for the prober.
type shardConn struct {
	addr  string
	ps    *redis.PubSub
	probe string
}

func newShardedWire(b *broker, topo *topology) wire {
	w := &shardedWire{b: b, topo: topo, kick: make(chan struct{}, 1),
		want: map[string]*shardConn{}, conns: map[string]*shardConn{}}
	w.wg.Go(w.repair)
	w.wg.Go(w.watch)
	return w
}

func (w *shardedWire) subscribe(ctx context.Context, channel string) error {
	w.mu.Lock()
	w.want[channel] = nil
	w.mu.Unlock()
	return w.place(ctx, channel)
}

func (w *shardedWire) unsubscribe(channel string) {
	w.mu.Lock()
	c := w.want[channel]
	delete(w.want, channel)
	w.mu.Unlock()
	if c != nil {
		_ = c.ps.SUnsubscribe(w.b.ctx, channel)
	}
}

func (w *shardedWire) publish(ctx context.Context, channel string, msg []byte) error {
	return w.topo.cc.SPublish(ctx, channel, msg).Err()
}

func (w *shardedWire) close() {
	w.mu.Lock()
	w.closed = true
	for _, c := range w.conns {
		_ = c.ps.Close()
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// place subscribes a wanted channel on the connection of its slot's
// master. On failure the channel stays wanted and repair tries again.
func (w *shardedWire) place(ctx context.Context, channel string) error {
	addr, err := w.topo.master(ctx, keySlot(channel))
	if err != nil {
		w.poke()
		return err
	}
	w.mu.Lock()
	c, made := w.conn(addr, keySlot(channel))
	_, wanted := w.want[channel]
	if wanted && c != nil {
		w.want[channel] = c
	}
	w.mu.Unlock()
	if c == nil {
		return hub.ErrClosed
	}
	if made {
		_ = c.ps.SSubscribe(ctx, c.probe) // on an error the prober finds c deaf
	}
	if !wanted {
		return nil
	}
	if err := c.ps.SSubscribe(ctx, channel); err != nil {
		w.fail(c)
		return err
	}
	w.mu.Lock()
	_, wanted = w.want[channel]
	w.mu.Unlock()
	if !wanted { // unsubscribed meanwhile (repair races the broker)
		_ = c.ps.SUnsubscribe(ctx, channel)
	}
	return nil
}

// conn returns the connection to addr, opening it on first use (made),
// with a probe channel in slot, which addr serves; nil once the wire is
// closed. w.mu is held.
func (w *shardedWire) conn(addr string, slot int) (c *shardConn, made bool) {
	if c := w.conns[addr]; c != nil || w.closed {
		return c, false
	}
	c = &shardConn{addr: addr, ps: w.topo.client(addr).SSubscribe(w.b.ctx),
		probe: w.b.probe.prefix + ":{" + slotTag(slot) + "}"}
	w.conns[addr] = c
	w.wg.Go(func() { w.receive(c) })
	return c, true
}

// receive dispatches one connection's messages until it fails or the
// broker closes.
func (w *shardedWire) receive(c *shardConn) {
	for {
		msg, err := c.ps.Receive(w.b.ctx)
		if w.b.ctx.Err() != nil {
			return
		}
		if err != nil {
			if kind, slot, addr, ok := movedTo(err); ok && kind == "MOVED" {
				w.topo.moved(slot, addr)
				w.unplace(c, func(ch string) bool { return keySlot(ch) == slot })
				continue
			}
			if w.fail(c) {
				w.b.receiveFailed(err)
			}
			return
		}
		switch m := msg.(type) {
		case *redis.Message:
			w.b.message(m.Channel, m.Payload)
		case *redis.Subscription:
			switch m.Kind {
			case "ssubscribe":
				w.b.resync(m.Channel)
			case "sunsubscribe":
				w.dropped(c, m.Channel)
			}
		}
	}
}

// dropped takes a "sunsubscribe": the answer to ours, or, for a channel
// still wanted here, Redis dropping it because its slot moved away.
func (w *shardedWire) dropped(c *shardConn, channel string) {
	w.mu.Lock()
	moved := w.want[channel] == c
	w.mu.Unlock()
	if moved {
		w.topo.forget(keySlot(channel))
		w.unplace(c, func(ch string) bool { return ch == channel })
	}
}

// unplace marks the channels of c that match as wanted nowhere, for
// repair to place again.
func (w *shardedWire) unplace(c *shardConn, match func(string) bool) {
	w.mu.Lock()
	n := 0
	for ch, at := range w.want {
		if at == c && match(ch) {
			w.want[ch] = nil
			n++
		}
	}
	w.mu.Unlock()
	if n > 0 {
		w.poke()
	}
}

// fail closes a connection that failed; its channels get placed again.
// It reports whether c was still open.
func (w *shardedWire) fail(c *shardConn) bool {
	w.mu.Lock()
	open := w.conns[c.addr] == c
	if open {
		delete(w.conns, c.addr)
	}
	w.mu.Unlock()
	_ = c.ps.Close()
	w.topo.forgetNode(c.addr)
	w.unplace(c, func(string) bool { return true })
	return open
}

// probes implements wire: every node connection, replaced by failing it.
func (w *shardedWire) probes() []probeTarget {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]probeTarget, 0, len(w.conns))
	for _, c := range w.conns {
		out = append(out, probeTarget{key: c.addr, channel: c.probe, replace: func() { w.fail(c) }, anyNode: true})
	}
	return out
}

// receiving implements wire: not while repair retries to place a channel
// (its master cannot be found or reached).
func (w *shardedWire) receiving() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stuck {
		return errUnplaced
	}
	return nil
}

// errUnplaced is Ping's error while a sharded channel is subscribed
// nowhere.
var errUnplaced = fmt.Errorf("%w: redisstore: sharded channels not placed", hub.ErrNotReceiving)

func (w *shardedWire) setStuck(stuck bool) {
	w.mu.Lock()
	w.stuck = stuck
	w.mu.Unlock()
}

func (w *shardedWire) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// repair places the channels wanted nowhere, retrying every 250ms while
// some remain, until the broker closes.
func (w *shardedWire) repair() {
	for {
		select {
		case <-w.kick:
		case <-w.b.ctx.Done():
			return
		}
		for w.placeAll() > 0 {
			w.setStuck(true)
			select {
			case <-time.After(250 * time.Millisecond):
			case <-w.b.ctx.Done():
				return
			}
		}
		w.setStuck(false)
	}
}

// placeAll places every channel wanted nowhere and counts the failures.
func (w *shardedWire) placeAll() int {
	w.mu.Lock()
	var todo []string
	for ch, at := range w.want {
		if at == nil {
			todo = append(todo, ch)
		}
	}
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(w.b.ctx, 5*time.Second)
	defer cancel()
	failed := 0
	for _, ch := range todo {
		if w.place(ctx, ch) != nil {
			failed++
		}
	}
	return failed
}

// nodeAddrs lists the nodes this wire holds a connection to.
func (w *shardedWire) nodeAddrs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.conns))
	for addr := range w.conns {
		out = append(out, addr)
	}
	return out
}
