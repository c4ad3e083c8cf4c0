package redisstore

import (
	"context"
	"time"
)

// topologyEvery is how often a sharded wire reads the slot map to find
// channels whose slot moved under them.
const topologyEvery = 2 * time.Second

// watch compares, every topologyEvery until the broker closes, where
// each channel is subscribed with the slot map (see recheck). Redis tells
// a connection when it drops a channel whose slot moved away (the
// "sunsubscribe" receive takes), and the prober finds a connection that
// hears nothing; watch catches the move neither does: a notice lost on
// the way, or a node that has not learned of the move yet while the
// channel's publishes already go to the new master.
func (w *shardedWire) watch() {
	tick := time.NewTicker(topologyEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			w.recheck()
		case <-w.b.ctx.Done():
			return
		}
	}
}

// recheck reads the slot map and places again every channel subscribed
// on a node that no longer serves its slot; its subscribers re-read once
// the new master confirms it. A connection whose probe channel's slot
// moved is failed (all its channels placed again, on a new connection
// with a probe in a slot the node serves, when it still serves any).
// The old node dropped the moved channels itself, or drops them when it
// learns of the move; they are not unsubscribed here, which could race
// their placement again on the same connection if the map moves back.
func (w *shardedWire) recheck() {
	ctx, cancel := context.WithTimeout(w.b.ctx, probeTimeout)
	defer cancel()
	if w.topo.refresh(ctx) != nil {
		return // the slot map cannot be read now: next round
	}
	misplaced := func(slot int, c *shardConn) bool {
		owner := w.topo.ownerOf(slot)
		return owner != "" && owner != c.addr
	}
	w.mu.Lock()
	moved := 0
	for ch, c := range w.want {
		if c != nil && misplaced(keySlot(ch), c) {
			w.want[ch] = nil
			moved++
		}
	}
	var stale []*shardConn
	for _, c := range w.conns {
		if misplaced(keySlot(c.probe), c) {
			stale = append(stale, c)
		}
	}
	w.mu.Unlock()
	for _, c := range stale {
		w.fail(c)
	}
	if moved > 0 {
		w.b.logger.Info("redis cluster slots moved: sharded channels subscribed again on their new masters",
			"channels", moved)
		w.poke()
	}
}
