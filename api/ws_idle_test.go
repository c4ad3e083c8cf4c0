package api_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
	"github.com/coder/websocket"
)

// TestWSIdleOneGoroutine: an idle subscribed WebSocket holds one
// goroutine of the hub, its read loop: live replies and pings start a
// writer only while something waits to go out, and then it ends. The
// count settles at one per connection (plus the ping wheel), however
// often the wheel pings them.
func TestWSIdleOneGoroutine(t *testing.T) {
	r := newRig(t, rigOptions{ping: 50 * time.Millisecond, write: time.Second})
	const n = 40
	a := r.async(nil)
	tok := r.replyToken()
	r.dial("cid="+a.CID+"&token="+a.WSToken, "") // the wheel runs from the first
	waitSubscribed(t, r, a.CID)
	before := runtime.NumGoroutine()
	for range n {
		c := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
		if f := readFrame(t, c); f.Type != "subscribed" {
			t.Fatalf("got %+v", f)
		}
		go drain(c) // answers pings; the client's own goroutine
	}
	r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
	var got int
	const most = 2*n + n/4 // the hub's and the clients' readers, and the server's few
	testwait.Until(t, fmt.Sprintf("%d idle connections to hold at most %d goroutines", n, most), func() bool {
		got = runtime.NumGoroutine() - before
		return got <= most
	})
}

// drain reads c until it ends, so that c answers pings.
func drain(c *websocket.Conn) {
	for {
		if _, _, err := c.Read(context.Background()); err != nil {
			return
		}
	}
}
