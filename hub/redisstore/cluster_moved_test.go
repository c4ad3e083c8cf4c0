package redisstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestClusterSlotMovedUntold: the slot of a subscribed cid moves to
// another master (MIGRATE, SETSLOT), and the subscription connection is
// never told: the node's sunsubscribe is lost on the way (a proxy drops
// it), no read fails, and the connection keeps hearing its probe, whose
// slot stays. Within 5 seconds the wire's periodic look at the slot map
// places the channel on the new master: the subscriber is told to
// re-read, and gets the replies stored there live.
func TestClusterSlotMovedUntold(t *testing.T) {
	c, proxies := redistest.StartClusterBehindProxies(t, 3, 0)
	a, b := openCluster(t, c, 0), openCluster(t, c, 0)
	// The first cid puts B's connection, and its probe channel, on its
	// master; the second, on the same master in another slot, moves.
	first, _ := heardFirst(t, a, b)
	src := c.MasterOf(a.key("req", first))
	var cid string
	for i := 0; cid == ""; i++ {
		k := fmt.Sprintf("untold-%d-%d", i, time.Now().UnixNano())
		if c.MasterOf(a.key("req", k)) == src && keySlot(a.key("req", k)) != keySlot(a.key("req", first)) {
			cid = k
		}
	}
	ch := heardFirstOf(t, a, b, cid)
	dst := c.Nodes[0]
	if dst == src {
		dst = c.Nodes[1]
	}
	for i, n := range c.Nodes {
		if n == src {
			proxies[i].LoseSunsubscribes()
		}
	}
	c.MigrateSlot(keySlot(a.key("req", cid)), dst)
	moved := time.Now()
	testwait.Until(t, "reply 2 stored on the new master", func() bool {
		_, err := a.AppendReply(t.Context(), hub.Reply{CID: cid, Seq: 2})
		return err == nil
	})
	awaitNews(t, ch, 2, moved)
	appendPublished(t, a, hub.Reply{CID: cid, Seq: 3})
	for r := next(t, ch); r.Seq != 3; r = next(t, ch) {
		if r.Seq != 2 {
			t.Fatalf("after the move got seq %d, want 2 or 3", r.Seq)
		}
	}
	t.Logf("reply 3 reached the subscriber live %s after the slot moved", time.Since(moved))
}

// resynced waits for the resync hint (an empty message) on ch, which
// follows a confirmed subscribe.
func resynced(t *testing.T, ch <-chan []byte) {
	t.Helper()
	deadline := time.After(testwait.Deadline)
	for {
		select {
		case msg := <-ch:
			if len(msg) == 0 {
				return
			}
		case <-deadline:
			t.Fatal("no resync hint: the subscribe was not confirmed")
		}
	}
}
