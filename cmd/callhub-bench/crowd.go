package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// crowd is the subscribers of a fanout or relay measurement: one WebSocket
// each, perID of them on every id of the target. It counts the stamped
// messages they receive and, while recording, their latencies.
type crowd struct {
	subs  []*member
	perID int
	pong  bool // answer Centrifugo's pings

	delivered atomic.Int64
	last      atomic.Int64 // unix ns of the last stamped message
	closed    atomic.Int64 // subscribers whose connection ended early
	recording atomic.Bool
	lat       latencies

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// member is one subscriber.
type member struct {
	id   int // index of its id in the target
	conn *websocket.Conn
	warm atomic.Bool // it received a warm-up message
}

// dialCrowd connects k subscribers to t, perID on each id, and starts
// their readers; close stops them.
func dialCrowd(ctx context.Context, t *target, k, perID int) (*crowd, error) {
	c := &crowd{subs: make([]*member, k), perID: perID, pong: t.centrifugo}
	dialled := parallel(ctx, 16, k, func(i int) error {
		conn, _, err := websocket.Dial(ctx, t.wsURL(i/perID), nil)
		if err != nil {
			return err
		}
		conn.SetReadLimit(1 << 20)
		c.subs[i] = &member{id: i / perID, conn: conn}
		if t.centrifugo {
			return centrifugoSubscribe(ctx, conn, t.ids[i/perID])
		}
		return nil
	})
	ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for _, m := range c.subs {
		if m != nil {
			c.wg.Go(func() { c.read(ctx, m) })
		}
	}
	if err := dialled.first; err != nil {
		c.close()
		return nil, fmt.Errorf("connect subscriber: %w", err)
	}
	return c, nil
}

// read counts m's messages until its connection ends.
func (c *crowd) read(ctx context.Context, m *member) {
	var buf bytes.Buffer
	for {
		_, r, err := m.conn.Reader(ctx)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) {
				c.closed.Add(1)
			}
			return
		}
		if c.pong && centrifugoPinged(buf.Bytes()) {
			if m.conn.Write(ctx, websocket.MessageText, centrifugoPing) != nil {
				c.closed.Add(1)
				return
			}
		}
		c.receive(m, buf.Bytes())
	}
}

// receive counts every stamped message in msg.
func (c *crowd) receive(m *member, msg []byte) {
	for {
		at, rest, ok := stamp(msg)
		switch {
		case !ok:
			return
		case at == 0:
			m.warm.Store(true)
		default:
			now := time.Now()
			c.delivered.Add(1)
			c.last.Store(now.UnixNano())
			if c.recording.Load() {
				c.lat.add(now.Sub(time.Unix(0, at)))
			}
		}
		msg = rest
	}
}

// close ends every subscriber and waits for the readers.
func (c *crowd) close() {
	c.cancel()
	for _, m := range c.subs {
		if m != nil {
			m.conn.CloseNow()
		}
	}
	c.wg.Wait()
}

// warm posts warm-up messages to the ids of subscribers that have not had
// one yet, until all have: then every subscription is live (on Redis,
// SUBSCRIBE is confirmed) before a clock starts.
func (c *crowd) warm(ctx context.Context, p *publisher, t *target) error {
	deadline := time.Now().Add(30 * time.Second)
	for cold := c.cold(); len(cold) > 0; cold = c.cold() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("warm up: subscribers of %d ids got nothing", len(cold))
		}
		if r := p.each(ctx, t, cold); r.first != nil {
			return fmt.Errorf("warm up: %w", r.first)
		}
		for wait := time.Now().Add(time.Second); len(c.cold()) > 0 && time.Now().Before(wait); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// cold lists the ids that have a subscriber without a warm-up message.
func (c *crowd) cold() []int {
	var ids []int
	for _, m := range c.subs {
		if !m.warm.Load() && (len(ids) == 0 || ids[len(ids)-1] != m.id) {
			ids = append(ids, m.id)
		}
	}
	return ids
}

// drain waits until want stamped messages have arrived, or none for idle.
func (c *crowd) drain(want int64, idle time.Duration) {
	seen, moved := c.delivered.Load(), time.Now()
	for seen < want && time.Since(moved) < idle {
		time.Sleep(2 * time.Millisecond)
		if n := c.delivered.Load(); n != seen {
			seen, moved = n, time.Now()
		}
	}
}

// reset zeroes the counts before a measurement.
func (c *crowd) reset(record bool) {
	c.delivered.Store(0)
	c.last.Store(0)
	c.lat.mu.Lock()
	c.lat.ds = c.lat.ds[:0]
	c.lat.mu.Unlock()
	c.recording.Store(record)
}
