package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// deafWithin is the claim: a deaf pub/sub connection is noticed and
// replaced, and its subscribers re-read, within 5 seconds.
const deafWithin = 5 * time.Second

// readyStatus is p's /readyz status, 0 when it does not answer.
func readyStatus(p *proc) int {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(p.URL + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestPubSubDeafHub: hub B reaches Redis through a proxy that stops
// forwarding to its pub/sub connection while keeping it open. A reply
// posted to A while B's connection is deaf still reaches the WebSocket on
// B within 5 seconds (B replaces the connection and re-reads); while
// every new pub/sub connection of B is deaf too, B's /readyz answers 503,
// and once one hears again B is ready and its WebSocket gets what it
// missed, in order.
func TestPubSubDeafHub(t *testing.T) {
	c := newCluster(t)
	a := c.start()
	px := redistest.StartProxy(t, c.redis.Addr)
	b := startHub(t, strings.Replace(c.config(), c.redis.URL(0), px.URL(), 1))
	cid, tok := c.send(a, false)
	conn := dialSubscribed(t, b, "cid="+cid+"&token="+tok)
	c.reply(a, cid, 1, false)
	if f := nextReply(t, conn); f.Seq != 1 {
		t.Fatalf("B got seq %d, want 1", f.Seq)
	}

	px.MutePubSub()
	start := time.Now()
	c.reply(a, cid, 2, false)
	if f := nextReply(t, conn); f.Seq != 2 || time.Since(start) > deafWithin {
		t.Fatalf("B got seq %d after %s, want 2 within %s", f.Seq, time.Since(start), deafWithin)
	}
	t.Logf("reply reached B's WebSocket %s after B's pub/sub went deaf", time.Since(start))
	waitReady(t, b) // the new connection heard its probe

	px.SetDeaf(true)
	start = time.Now()
	c.reply(a, cid, 3, false)
	testwait.Within(t, deafWithin, "B's /readyz 503 while it cannot receive", func() bool {
		return readyStatus(b) == http.StatusServiceUnavailable
	})
	t.Logf("B's /readyz 503 %s after its pub/sub went deaf", time.Since(start))
	if got := readyStatus(a); got != http.StatusOK {
		t.Errorf("A's /readyz = %d, want 200 (A hears)", got)
	}
	px.SetDeaf(false)
	waitReady(t, b)
	c.reply(a, cid, 4, true)
	for _, want := range []int{3, 4} {
		if f := nextReply(t, conn); f.Seq != want {
			t.Fatalf("B got seq %d, want %d", f.Seq, want)
		}
	}
}
