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
type classicWire struct {
	b   *broker
	rdb redis.UniversalClient
	ps  *redis.PubSub
	wg  sync.WaitGroup
}

func newClassicWire(b *broker) wire {
	w := &classicWire{b: b, rdb: b.rdb, ps: b.rdb.Subscribe(b.ctx)}
	w.wg.Go(w.receive)
	return w
}

func (w *classicWire) subscribe(ctx context.Context, channel string) error {
	return w.ps.Subscribe(ctx, channel)
}

func (w *classicWire) unsubscribe(channel string) { _ = w.ps.Unsubscribe(w.b.ctx, channel) }

func (w *classicWire) publish(ctx context.Context, channel string, msg []byte) error {
	return w.rdb.Publish(ctx, channel, msg).Err()
}

func (w *classicWire) close() {
	_ = w.ps.Close()
	w.wg.Wait()
}

// receive dispatches messages until the broker closes.
func (w *classicWire) receive() {
	for {
		msg, err := w.ps.Receive(w.b.ctx)
		if w.b.ctx.Err() != nil {
			return
		}
		if err != nil {
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
