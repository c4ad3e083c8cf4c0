package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/coder/websocket"
)

// redisCluster is the redis section for the nodes of a Redis Cluster.
func redisCluster(rc *redistest.Cluster, extra string) string {
	return fmt.Sprintf(`addrs: ["%s"]%s`, strings.Join(rc.Addrs(), `", "`), extra)
}

// TestRedisClusterFanout: on a 3-master Redis Cluster, replies posted to
// A for cids on every master reach WebSockets on B, and each callback is
// delivered exactly once although both instances run workers.
func TestRedisClusterFanout(t *testing.T) {
	rc := redistest.StartCluster(t, 3, 0)
	c := newClusterOn(t, redisCluster(rc, ""))
	a, b := c.start(), c.start()
	if !strings.Contains(a.Logs(), "redis pub/sub: sharded") {
		t.Errorf("A does not say it uses sharded pub/sub:\n%s", a.Logs())
	}
	masters := map[*redistest.Server]string{} // master → a cid on it
	tokens := map[string]string{}             // cid → wsToken
	for i := 0; len(masters) < 3 && i < 100; i++ {
		cid, tok := c.send(a, true)
		masters[rc.MasterOf(t.Name()+":req:{"+cid+"}")], tokens[cid] = cid, tok
	}
	if len(masters) < 3 {
		t.Fatalf("100 cids fell on %d masters", len(masters))
	}
	for m, cid := range masters {
		conn := dialWS(t, b, "cid="+cid+"&token="+tokens[cid])
		c.reply(a, cid, 1, false)
		c.reply(a, cid, 2, true)
		for _, want := range []int{1, 2} {
			if f := nextReply(t, conn); f.Seq != want || f.CID != cid {
				t.Fatalf("B got %+v, want seq %d of %s (master %s)", f, want, cid, m.Addr)
			}
		}
	}
	for _, cid := range masters {
		for _, d := range deliveredRecord(t, b, cid, 2).Deliveries {
			if hits, _ := c.recv.counts(fmt.Sprintf("%s.%d", cid, d.Seq)); d.Attempts != 1 || hits != 1 {
				t.Errorf("%s seq %d: attempts %d hits %d, want delivered once", cid, d.Seq, d.Attempts, hits)
			}
		}
	}
	for _, n := range rc.Nodes {
		calls := n.CommandCalls()
		if calls["publish"] != 0 || calls["spublish"] == 0 {
			t.Errorf("node %s ran publish %d, spublish %d: want sharded only", n.Addr, calls["publish"], calls["spublish"])
		}
	}
}

// TestRedisClusterSlotMigration: the slot of a cid moves to another
// master while replies stream; a WebSocket on B gets every acknowledged
// reply once, in order.
func TestRedisClusterSlotMigration(t *testing.T) {
	rc := redistest.StartCluster(t, 3, 0)
	c := newClusterOn(t, redisCluster(rc, ""))
	a, b := c.start(), c.start()
	cid, tok := c.send(a, false)
	conn := dialWS(t, b, "cid="+cid+"&token="+tok)
	key := t.Name() + ":req:{" + cid + "}"
	src := rc.MasterOf(key)
	dst := rc.Nodes[0]
	if dst == src {
		dst = rc.Nodes[1]
	}
	const n = 200
	acked, _ := c.stream(a, cid, n)
	for seq := range acked {
		if seq == n/3 {
			rc.MigrateSlot(rc.SlotOf(key), dst)
		}
	}
	expectSeqs(t, conn, n)
	if got := rc.MasterOf(key); got != dst {
		t.Fatalf("the cid's master after the move = %s, want %s", got.Addr, dst.Addr)
	}
}

// TestRedisClusterFailover: with waitReplicas 1, the master of a cid is
// killed (kill -9) while replies stream; its replica takes over, the hubs
// resume, the WebSocket on B stays open, and every acknowledged reply is
// stored and pushed.
func TestRedisClusterFailover(t *testing.T) {
	rc := redistest.StartCluster(t, 3, 1)
	c := newClusterOn(t, redisCluster(rc, ", waitReplicas: 1, waitTimeout: 2s"))
	a, b := c.start(), c.start()
	cid, tok := c.send(a, false)
	conn := dialSubscribed(t, b, "cid="+cid+"&token="+tok) // before the master dies
	master := rc.MasterOf(t.Name() + ":req:{" + cid + "}")
	const n = 40
	acked, unavailable := c.stream(a, cid, n)
	for seq := range acked {
		if seq == n/3 {
			master.Stop()
			rc.WaitHealthy(3) // the replica took over
			master.Start()    // and the old master rejoins as its replica
			rc.WaitHealthy(3)
		}
	}
	expectSeqs(t, conn, n)
	if rec := record(t, b, cid); len(rec.Replies) != n {
		t.Errorf("record holds %d replies after the failover, want %d", len(rec.Replies), n)
	}
	t.Logf("%d answers were 503 during the failover (go-redis's retries may bridge it)", unavailable.Load())
}

// TestRedisSentinelFailover: a master, two replicas and three sentinels;
// with waitReplicas 1, the master is killed (kill -9) while replies
// stream; the hubs follow the promoted replica without restart, the
// WebSocket on B stays open, and every acknowledged reply is kept.
func TestRedisSentinelFailover(t *testing.T) {
	st := redistest.StartSentinel(t, 2, 3)
	c := newClusterOn(t, fmt.Sprintf(`addrs: ["%s"], masterName: %s, waitReplicas: 1, waitTimeout: 2s`,
		strings.Join(st.Addrs(), `", "`), st.Name))
	a, b := c.start(), c.start()
	cid, tok := c.send(a, false)
	conn := dialSubscribed(t, b, "cid="+cid+"&token="+tok) // before the master dies
	const n = 40
	acked, unavailable := c.stream(a, cid, n)
	for seq := range acked {
		if seq == n/3 {
			st.Master.Stop()
		}
	}
	if st.MasterAddr() == st.Master.Addr {
		t.Fatal("the sentinels never promoted a replica")
	}
	expectSeqs(t, conn, n)
	if rec := record(t, b, cid); len(rec.Replies) != n {
		t.Errorf("record holds %d replies after the failover, want %d", len(rec.Replies), n)
	}
	t.Logf("%d answers were 503 during the failover (go-redis's retries may bridge it)", unavailable.Load())
}

// stream posts replies 1..n of cid to p, each retried until acknowledged
// (2xx), and sends each acknowledged seq; it closes the channel after n.
// It counts the 503 answers in unavailable.
func (c *cluster) stream(p *proc, cid string, n int) (acked <-chan int, unavailable *atomic.Int32) {
	out, unavailable := make(chan int, n), new(atomic.Int32) // buffered: posting goes on meanwhile
	var wg sync.WaitGroup
	c.t.Cleanup(wg.Wait)
	wg.Go(func() {
		defer close(out)
		deadline := time.Now().Add(90 * time.Second)
		for seq := 1; seq <= n; seq++ {
			body := map[string]any{"seq": seq, "isEnd": seq == n, "data": map[string]int{"n": seq}}
			for {
				status := doJSON(c.t, p.URL+"/v1/replies/"+cid, c.token(cid), body, &struct{}{})
				if status == http.StatusAccepted || status == http.StatusOK {
					break
				}
				if status == http.StatusServiceUnavailable {
					unavailable.Add(1)
				}
				if time.Now().After(deadline) || (status != 0 && status != http.StatusServiceUnavailable) {
					c.t.Errorf("reply %d: status %d", seq, status)
					return
				}
			}
			out <- seq
		}
	})
	return out, unavailable
}

// expectSeqs reads replies until seq n and fails unless they are 1..n.
func expectSeqs(t *testing.T, conn *websocket.Conn, n int) {
	t.Helper()
	for want := 1; want <= n; want++ {
		if f := nextReply(t, conn); f.Seq != want {
			t.Fatalf("subscriber got seq %d, want %d", f.Seq, want)
		}
	}
}
