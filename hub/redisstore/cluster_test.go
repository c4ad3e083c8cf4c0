package redisstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// openCluster opens a Store on a Cluster with a key prefix of its own.
func openCluster(t *testing.T, c *redistest.Cluster, wait int) *Store {
	t.Helper()
	s, err := Open(Config{Addrs: c.Addrs(), KeyPrefix: "t:", FollowAnnounce: 50 * time.Millisecond, WaitReplicas: wait,
		WaitTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// cidsOnEveryMaster returns one new cid per master of c.
func cidsOnEveryMaster(t *testing.T, c *redistest.Cluster, s *Store, masters int) []string {
	t.Helper()
	seen := map[*redistest.Server]bool{}
	var cids []string
	for i := 0; len(cids) < masters && i < 1000; i++ {
		cid := fmt.Sprintf("c%d-%d", i, time.Now().UnixNano())
		if m := c.MasterOf(s.key("req", cid)); !seen[m] {
			seen[m] = true
			cids = append(cids, cid)
		}
	}
	return cids
}

func createCID(t *testing.T, s *Store, cid string) {
	t.Helper()
	if _, _, err := s.CreateRequest(context.Background(), hub.Record{CID: cid, Caller: "shop", ServiceID: "svc",
		CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// next reads the subscription until a message that is not the resync
// hint arrives.
func next(t *testing.T, ch <-chan []byte) hub.Reply {
	t.Helper()
	for {
		select {
		case msg, ok := <-ch:
			if !ok {
				t.Fatal("subscription closed")
			}
			if len(msg) == 0 {
				continue
			}
			r, err := hub.ParseMessage(msg)
			if err != nil {
				t.Fatal(err)
			}
			return r
		case <-time.After(20 * time.Second):
			t.Fatal("no message within 20s")
		}
	}
}

// TestClusterShardedFanout: on a 3-master Cluster, a reply stored through
// one Store reaches a subscriber of another Store for cids on every
// master, and a caller-wide subscriber, by SPUBLISH on the channel's own
// master: no node runs PUBLISH.
func TestClusterShardedFanout(t *testing.T) {
	c := redistest.StartCluster(t, 3, 0)
	a, b := openCluster(t, c, 0), openCluster(t, c, 0)
	if a.publish != "SPUBLISH" {
		t.Fatalf("publish command = %s, want SPUBLISH on a Redis 7 Cluster", a.publish)
	}
	ctx := t.Context()
	cids := cidsOnEveryMaster(t, c, a, 3)
	for _, cid := range cids {
		createCID(t, a, cid)
		ch, err := b.Broker().Subscribe(ctx, "cid:"+cid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.AppendReply(ctx, hub.Reply{CID: cid, Seq: 1, Data: []byte(`{"n":1}`)}); err != nil {
			t.Fatal(err)
		}
		if r := next(t, ch); r.CID != cid || r.Seq != 1 {
			t.Fatalf("got %+v, want seq 1 of %s", r, cid)
		}
	}
	callers, err := b.Broker().Subscribe(ctx, "caller:shop")
	if err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "A to hear that B follows shop", func() bool { return a.broker.followed("shop") })
	if _, err := a.AppendReply(ctx, hub.Reply{CID: cids[0], Seq: 2}); err != nil {
		t.Fatal(err)
	}
	if r := next(t, callers); r.CID != cids[0] || r.Seq != 2 {
		t.Fatalf("caller channel got %+v, want seq 2 of %s", r, cids[0])
	}
	for _, n := range c.Nodes {
		calls := n.CommandCalls()
		if calls["spublish"] == 0 || calls["publish"] != 0 {
			t.Errorf("node %s: spublish %d publish %d; want spublish only", n.Addr, calls["spublish"], calls["publish"])
		}
	}
	if got := strings.Join(b.broker.wire.(*shardedWire).nodeAddrs(), " "); strings.Count(got, ":") != 3 {
		t.Errorf("B subscribes on nodes %q, want one connection to each of 3 masters", got)
	}
}

// follow reads a subscription as the hub does (hub.Subscriber.deliver):
// a message that follows the last offset (its Prev) is taken, one seen
// already is skipped, and after a gap, or on the resync hint, whatever
// the store holds after the last offset is read. While a slot moves, a
// reply stored on the new master is published there, where nobody
// listens yet, and the next one, stored on the old master, arrives with
// a Prev that is not the last offset seen. It returns the seqs seen once
// the reply with seq last arrived.
func follow(t *testing.T, s *Store, cid string, ch <-chan []byte, last int) (seqs []int, hints int) {
	offset := ""
	take := func(r hub.Reply) {
		if offset == "" || hub.OffsetLess(offset, r.Offset) {
			seqs, offset = append(seqs, r.Seq), r.Offset
		}
	}
	deadline := time.After(60 * time.Second)
	for len(seqs) == 0 || seqs[len(seqs)-1] != last {
		select {
		case msg := <-ch:
			if len(msg) > 0 {
				r, err := hub.ParseMessage(msg)
				if err != nil {
					t.Error(err)
					return seqs, hints
				}
				if r.Prev == offset || (offset != "" && !hub.OffsetLess(offset, r.Offset)) {
					take(r) // the next one, or one seen already
					continue
				}
			} else {
				hints++
			}
			rs, err := s.Replies(t.Context(), cid, offset, 0)
			for err != nil { // the slot is moving: read again
				rs, err = s.Replies(t.Context(), cid, offset, 0)
			}
			for _, r := range rs {
				take(r)
			}
		case <-deadline:
			t.Errorf("seq %d not seen within 60s; got %v", last, seqs)
			return seqs, hints
		}
	}
	return seqs, hints
}

// TestClusterSlotMigration: the slot of a cid moves to another master
// while replies stream; the subscriber is told to re-read, its
// subscription follows the slot, and it sees every acknowledged reply
// once, in order.
func TestClusterSlotMigration(t *testing.T) {
	c := redistest.StartCluster(t, 3, 0)
	a, b := openCluster(t, c, 0), openCluster(t, c, 0)
	ctx := t.Context()
	cid := fmt.Sprintf("mig-%d", time.Now().UnixNano())
	createCID(t, a, cid)
	ch, err := b.Broker().Subscribe(ctx, "cid:"+cid)
	if err != nil {
		t.Fatal(err)
	}
	src := c.MasterOf(a.key("req", cid))
	dst := c.Nodes[0]
	if dst == src {
		dst = c.Nodes[1]
	}
	const n = 200
	type result struct {
		seqs  []int
		hints int
	}
	got := make(chan result, 1)
	go func() {
		seqs, hints := follow(t, b, cid, ch, n)
		got <- result{seqs, hints}
	}()
	acked := make(chan int, n)
	go func() {
		defer close(acked)
		for seq := 1; seq <= n; seq++ {
			for {
				_, err := a.AppendReply(ctx, hub.Reply{CID: cid, Seq: seq, IsEnd: seq == n})
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					return
				}
			}
			acked <- seq
		}
	}()
	for seq := range acked {
		if seq == n/4 {
			c.MigrateSlot(keySlot(a.key("req", cid)), dst)
		}
	}
	res := <-got
	seqs, hints := res.seqs, res.hints
	for i, seq := range seqs {
		if seq != i+1 {
			t.Fatalf("subscriber saw %v, want 1..%d once each, in order", seqs, n)
		}
	}
	if hints < 2 {
		t.Errorf("resync hints = %d, want the subscribe's and one after the move", hints)
	}
	if got := c.MasterOf(a.key("req", cid)); got != dst {
		t.Fatalf("slot owner after migration = %s, want %s", got.Addr, dst.Addr)
	}
	w := b.broker.wire.(*shardedWire)
	testwait.Until(t, "B's subscription of the cid on the new master", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		at := w.want[b.broker.channel("cid:"+cid)]
		return at != nil && at.addr == dst.Addr
	})
}

// TestClusterQueue: the delivery queue passes its conformance tests on a
// 3-master Cluster (scripts run on each partition's master, claims and
// lists read every partition in one pipeline per master), and the
// partitions fall on every master, none holding more than 40% of them.
func TestClusterQueue(t *testing.T) {
	c := redistest.StartCluster(t, 3, 0)
	s := openCluster(t, c, 0)
	perMaster := map[*redistest.Server]int{}
	for p := range Partitions {
		perMaster[c.MasterOf(s.pkey(p, "due"))]++
	}
	for m, n := range perMaster {
		if len(perMaster) != 3 || n*100 > 40*Partitions {
			t.Errorf("master %s holds %d of %d partitions (%d masters hold any)", m.Addr, n, Partitions, len(perMaster))
		}
	}
	n := 0
	hubtest.RunQueue(t, func(t *testing.T) hubtest.Backend {
		n++
		s, err := Open(Config{Addrs: c.Addrs(), KeyPrefix: fmt.Sprintf("q%d:", n)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return hubtest.Backend{Store: s, Broker: s.Broker(), Queue: s.Queue(), Health: s.Health()}
	})
}
