package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// sentAt reads the send time a benchmark reply carries in data.sent.
func sentAt(data json.RawMessage) (time.Time, bool) {
	var d struct {
		Sent json.Number `json:"sent"`
	}
	if json.Unmarshal(data, &d) != nil {
		return time.Time{}, false
	}
	n, err := d.Sent.Int64()
	if err != nil || n == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

// follow subscribes to each cid (one WebSocket each) and records each
// reply's latency; the returned func stops them.
func follow(ctx context.Context, c *hubclient.Client, cids, toks []string, lat *latencies) func() {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	ready := make(chan struct{}, len(cids))
	for i, cid := range cids {
		sub := c.Follow(cid, toks[i], "")
		wg.Go(func() {
			defer sub.Close()
			ready <- struct{}{}
			for {
				r, err := sub.Next(ctx)
				if err != nil {
					return
				}
				if t, ok := sentAt(r.Data); ok {
					lat.add(time.Since(t))
				}
			}
		})
	}
	for range cids {
		<-ready
	}
	time.Sleep(500 * time.Millisecond) // let the WebSockets connect before the clock starts
	return func() { cancel(); wg.Wait() }
}

// followCaller subscribes to every reply of the bench caller on one
// WebSocket.
func followCaller(ctx context.Context, c *hubclient.Client, lat *latencies) (func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.BaseURL, "http")+"/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + c.Key}}})
	if err != nil {
		cancel()
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	if err := wsjson.Write(ctx, conn, map[string]string{"op": "subscribe", "caller": "bench"}); err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var f struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			}
			if wsjson.Read(ctx, conn, &f) != nil {
				return
			}
			if t, ok := sentAt(f.Data); ok && f.Type == "reply" {
				lat.add(time.Since(t))
			}
		}
	}()
	return func() { cancel(); conn.CloseNow(); <-done }, nil
}

// waitCount waits until lat holds n samples or d passes, and returns the
// count.
func waitCount(lat *latencies, n int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		lat.mu.Lock()
		got := len(lat.ds)
		lat.mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}
