package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
)

// TestClusterDeadNodeFailsFast: a Cluster node's own client (the one
// sharded subscriptions, writes with WAIT and the slot map reads use)
// dials a dead node once, as the Store's other clients do, and fails at
// once with the cause, not after go-redis's five dials with backoff; the
// failure reaches OnError.
func TestClusterDeadNodeFailsFast(t *testing.T) {
	c := redistest.StartCluster(t, 3, 0)
	var errs atomic.Int32
	s, err := Open(Config{Addrs: c.Addrs(), KeyPrefix: "t:", OnError: func() { errs.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cid := fmt.Sprintf("dead-%d", time.Now().UnixNano())
	createCID(t, s, cid)
	dead := c.MasterOf(s.key("req", cid))
	dead.Stop()
	before := errs.Load()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err = s.topo.client(dead.Addr).Ping(ctx).Err()
	took := time.Since(start)
	if err == nil {
		t.Fatal("Ping of a stopped node succeeded")
	}
	t.Logf("a stopped node's client failed after %s: %v", took, err)
	if took > 500*time.Millisecond {
		t.Errorf("a stopped node's client failed after %s, want within 500ms (one dial, refused)", took)
	}
	if errs.Load() == before {
		t.Error("the failure of a node's client did not reach OnError")
	}
}
