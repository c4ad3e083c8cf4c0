package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// masterSeenBy is the address of slot's master as node says, "" when it
// cannot say now.
func masterSeenBy(node *redistest.Server, slot int) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	//lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; CLUSTER SLOTS answers on every version
	slots, err := node.Client().ClusterSlots(ctx).Result()
	if err != nil {
		return ""
	}
	for _, r := range slots {
		if r.Start <= slot && slot <= r.End && len(r.Nodes) > 0 {
			return r.Nodes[0].Addr
		}
	}
	return ""
}

// TestClusterHungMaster: the master of a cid is stopped (SIGSTOP: its
// connections stay open, it answers nothing) and its replica takes over.
// The subscriber's sharded connection to the hung master fails no read,
// yet within 5 seconds of the first reply stored on the new master the
// subscriber is told to re-read or gets the reply: the probe found the
// connection deaf and placed its channels on the new master.
func TestClusterHungMaster(t *testing.T) {
	c := redistest.StartCluster(t, 3, 1)
	// w writes what must survive the failover: on a replica too (without
	// WAIT a replica may be promoted without it); a writes after it.
	w, a, b := openCluster(t, c, 1), openCluster(t, c, 0), openCluster(t, c, 0)
	cid, ch := heardFirst(t, w, b)
	slot := keySlot(a.key("req", cid))
	master := c.MasterOf(a.key("req", cid))
	var witness *redistest.Server // a node that keeps running
	for _, n := range c.Nodes {
		if n != master && masterSeenBy(n, slot) == master.Addr {
			witness = n
			break
		}
	}
	master.Pause()
	paused := time.Now()
	t.Cleanup(master.Resume) // runs before the node's own cleanup stops it
	testwait.Within(t, 60*time.Second, "the replica to take over the slot", func() bool {
		m := masterSeenBy(witness, slot)
		return m != "" && m != master.Addr
	})
	t.Logf("failover %s after SIGSTOP", time.Since(paused))
	awaitNews(t, ch, 2, storeOnNewMaster(t, a, cid, 2, paused))
}

// TestClusterManualFailoverReplaces: a replica takes its master's slots
// over (CLUSTER FAILOVER) while the old master keeps running, as its
// replica. Within 5 seconds the subscriber's channel is subscribed on the
// new master, and it gets a reply stored there.
func TestClusterManualFailoverReplaces(t *testing.T) {
	c := redistest.StartCluster(t, 3, 1)
	a, b := openCluster(t, c, 0), openCluster(t, c, 0)
	ctx := t.Context()
	cid := fmt.Sprintf("mf-%d", time.Now().UnixNano())
	createCID(t, a, cid)
	ch, err := b.Broker().Subscribe(ctx, "cid:"+cid)
	if err != nil {
		t.Fatal(err)
	}
	slot := keySlot(a.key("req", cid))
	master := c.MasterOf(a.key("req", cid))
	var replica *redistest.Server
	for _, n := range c.Nodes {
		role, _ := n.Client().Do(ctx, "ROLE").Slice()
		if len(role) >= 3 && role[0] == "slave" && fmt.Sprint(role[1])+":"+fmt.Sprint(role[2]) == master.Addr {
			replica = n
		}
	}
	if replica == nil {
		t.Fatalf("no replica of %s", master.Addr)
	}
	if err := replica.Client().Do(ctx, "CLUSTER", "FAILOVER").Err(); err != nil {
		t.Fatal(err)
	}
	start, asked := time.Now(), time.Now()
	testwait.Until(t, "the replica to take over", func() bool {
		if masterSeenBy(replica, slot) == replica.Addr {
			return true
		}
		// Redis gives a manual failover 5 seconds for the master to pause
		// and the replica to catch up, and does not try again: on a busy
		// machine it can run out. Ask again (an error just means it was
		// already done).
		if time.Since(asked) > 8*time.Second {
			t.Logf("CLUSTER FAILOVER again: %v", replica.Client().Do(ctx, "CLUSTER", "FAILOVER").Err())
			asked = time.Now()
		}
		return false
	})
	w := b.broker.wire.(*shardedWire)
	name := b.broker.channel("cid:" + cid)
	testwait.Within(t, 5*time.Second, "B's subscription on the new master", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		at := w.want[name]
		return at != nil && at.addr == replica.Addr
	})
	t.Logf("subscription on the new master %s after CLUSTER FAILOVER", time.Since(start))
	// The subscription is placed before SSUBSCRIBE is confirmed; the
	// confirmation gives the subscriber the re-read hint. After it, a reply
	// stored on the new master must reach the subscriber itself.
	hint := time.After(5 * time.Second)
	for heard := false; !heard; {
		select {
		case msg := <-ch:
			heard = len(msg) == 0
		case <-hint:
			t.Fatal("no re-read hint within 5s of the placement on the new master")
		}
	}
	storeOnNewMaster(t, a, cid, 1, start)
	if r := next(t, ch); r.Seq != 1 {
		t.Errorf("got seq %d, want 1", r.Seq)
	}
}
