package redisstore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// classicWire is a wire on classic pub/sub: one go-redis PubSub carries
// every channel, and go-redis resubscribes all of them after it
// reconnects (on Sentinel, to the master of the moment). On a Cluster a
// PUBLISH reaches every node; shardedWire avoids that.
//
// A connection that fails no read but hears nothing (see prober) is
// replaced: a new PubSub subscribes every wanted channel, and the old one
// is closed.
type classicWire struct {
	b   *broker
	rdb redis.UniversalClient
	wg  sync.WaitGroup

	mu   sync.Mutex
	ps   *redis.PubSub
	want map[string]bool // every channel subscribed, for a replacement
}

func newClassicWire(b *broker) wire {
	w := &classicWire{b: b, rdb: b.rdb, ps: b.rdb.Subscribe(b.ctx), want: map[string]bool{}}
	w.wg.Go(w.receive)
	_ = w.subscribe(b.ctx, b.probe.prefix) // kept and resubscribed after reconnects
	return w
}

// subscribe subscribes on the PubSub of the moment, again on its
// replacement when one raced it.
func (w *classicWire) subscribe(ctx context.Context, channel string) error {
	w.mu.Lock()
	w.want[channel] = true
	ps := w.ps
	w.mu.Unlock()
	for {
		err := ps.Subscribe(ctx, channel)
		w.mu.Lock()
		now := w.ps
		w.mu.Unlock()
		if err == nil || now == ps {
			return err
		}
		ps = now
	}
}

func (w *classicWire) unsubscribe(channel string) {
	w.mu.Lock()
	delete(w.want, channel)
	ps := w.ps
	w.mu.Unlock()
	_ = ps.Unsubscribe(w.b.ctx, channel)
}

func (w *classicWire) publish(ctx context.Context, channel string, msg []byte) error {
	return w.rdb.Publish(ctx, channel, msg).Err()
}

// probes implements wire: the one connection.
func (w *classicWire) probes() []probeTarget {
	return []probeTarget{{key: "pubsub", channel: w.b.probe.prefix, replace: w.replace}}
}

// receiving implements wire: the prober alone tells.
func (w *classicWire) receiving() error { return nil }

// replace swaps the PubSub for a new one that subscribes every wanted
// channel, and closes the old one, on which receive then moves to the
// new one.
func (w *classicWire) replace() {
	w.mu.Lock()
	if w.b.ctx.Err() != nil {
		w.mu.Unlock()
		return
	}
	old := w.ps
	w.ps = w.rdb.Subscribe(w.b.ctx)
	ps := w.ps
	channels := make([]string, 0, len(w.want))
	for ch := range w.want {
		channels = append(channels, ch)
	}
	w.mu.Unlock()
	_ = old.Close()
	_ = ps.Subscribe(w.b.ctx, channels...) // on an error go-redis subscribes them when it reconnects
	w.mu.Lock()
	var gone []string
	for _, ch := range channels {
		if !w.want[ch] { // unsubscribed meanwhile
			gone = append(gone, ch)
		}
	}
	w.mu.Unlock()
	if len(gone) > 0 {
		_ = ps.Unsubscribe(w.b.ctx, gone...)
	}
}

func (w *classicWire) close() {
	w.mu.Lock()
	ps := w.ps
	w.mu.Unlock()
	_ = ps.Close()
	w.wg.Wait()
}

func (w *classicWire) current() *redis.PubSub {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ps
}

// receive dispatches messages until the broker closes.
func (w *classicWire) receive() {
	for {
		ps := w.current()
		msg, err := ps.Receive(w.b.ctx)
		if w.b.ctx.Err() != nil {
			return
		}
		if err != nil {
			if w.current() != ps {
				continue // replaced: go on with the new one
			}
			if !w.b.receiveFailed(err) {
				return
			}
			continue // go-redis reconnects on the next Receive
		}
		switch m := msg.(type) {
		case *redis.Message:
			w.b.message(m.Channel, m.Payload)
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				w.b.resync(m.Channel)
			}
		}
	}
}
