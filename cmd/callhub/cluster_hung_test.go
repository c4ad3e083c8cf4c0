package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// replOffset is a field of s's INFO replication (master_repl_offset or
// slave_repl_offset), -1 when s does not say.
func replOffset(s *redistest.Server, field string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := s.Client().Info(ctx, "replication").Result()
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// TestRedisClusterHungMaster: with hubs on a 3-master Cluster, the master
// of a cid is stopped (SIGSTOP) and its replica takes over. A reply
// posted to A once the replica serves the slot reaches the WebSocket on B
// within 5 seconds, although B's sharded pub/sub connection to the hung
// master fails no read.
func TestRedisClusterHungMaster(t *testing.T) {
	rc := redistest.StartCluster(t, 3, 1)
	c := newClusterOn(t, redisCluster(rc, ""))
	a, b := c.start(), c.start()
	cid, tok := c.send(a, false)
	conn := dialSubscribed(t, b, "cid="+cid+"&token="+tok)
	c.reply(a, cid, 1, false)
	if f := nextReply(t, conn); f.Seq != 1 {
		t.Fatalf("B got seq %d, want 1", f.Seq)
	}
	key := t.Name() + ":req:{" + cid + "}"
	master := rc.MasterOf(key)
	var replica *redistest.Server
	for _, n := range rc.Nodes {
		if n != master && strings.Contains(n.Client().Info(t.Context(), "replication").Val(),
			"master_port:"+master.Addr[strings.LastIndex(master.Addr, ":")+1:]) {
			replica = n
		}
	}
	if replica == nil {
		t.Fatalf("no replica of %s", master.Addr)
	}
	// Without WAIT a replica may be promoted without the cid.
	testwait.Until(t, "the replica to hold the master's writes", func() bool {
		m := replOffset(master, "master_repl_offset")
		return m > 0 && replOffset(replica, "slave_repl_offset") >= m
	})
	master.Pause()
	t.Cleanup(master.Resume) // runs before the node's own cleanup stops it
	testwait.Within(t, 60*time.Second, "the replica to take the slot over", func() bool {
		return strings.HasPrefix(replica.Client().Do(t.Context(), "ROLE").String(), "ROLE: [master")
	})
	c.reply(a, cid, 2, true) // retried while A answers 503
	stored := time.Now()
	if f := nextReply(t, conn); f.Seq != 2 || time.Since(stored) > deafWithin {
		t.Fatalf("B got seq %d %s after it was stored, want 2 within %s", f.Seq, time.Since(stored), deafWithin)
	}
	t.Logf("reply reached B's WebSocket %s after it was stored on the new master", time.Since(stored))
}
