package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of private redis-server processes on
// loopback, with a node timeout of one second so failovers take seconds.
type Cluster struct {
	Nodes []*Server // the masters first, as created
	tb    testing.TB
}

// StartCluster starts masters*(1+replicas) cluster nodes, joins them with
// redis-cli --cluster create, and waits until every slot is served and
// every replica is in sync. Every node is stopped at cleanup.
func StartCluster(tb testing.TB, masters, replicas int, extra ...string) *Cluster {
	tb.Helper()
	c := &Cluster{tb: tb}
	args := append(clusterArgs(), extra...)
	for range masters * (1 + replicas) {
		c.Nodes = append(c.Nodes, Start(tb, args...))
	}
	c.create(masters, replicas)
	return c
}

// clusterArgs are the redis-server arguments of a cluster node.
func clusterArgs() []string {
	return []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "1000", "--appendonly", "no", "--repl-diskless-sync-delay", "0"}
}

// create joins the nodes into a cluster with redis-cli --cluster create
// and waits until it is healthy.
func (c *Cluster) create(masters, replicas int) {
	c.tb.Helper()
	create := []string{"--cluster", "create"}
	for _, s := range c.Nodes {
		create = append(create, s.Addr)
	}
	create = append(create, "--cluster-replicas", fmt.Sprint(replicas), "--cluster-yes")
	if out, err := exec.Command(binary(c.tb, "redis-cli"), create...).CombinedOutput(); err != nil {
		c.tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitHealthy(masters)
}

// Addrs are the addresses of every node.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		out[i] = s.Addr
	}
	return out
}

// WaitHealthy waits until every running node says the cluster is ok with
// masters masters, all of them running (after a master was stopped: its
// replica took over), and every running replica's link to its master is
// up.
func (c *Cluster) WaitHealthy(masters int) {
	c.tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := c.healthy(masters)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.tb.Fatalf("cluster not healthy within 60s: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling processes that converge on their own
	}
}

func (c *Cluster) healthy(masters int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		rdb := s.Client()
		info, err := rdb.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, fmt.Sprintf("cluster_size:%d", masters)) {
			return fmt.Errorf("%s: %s", s.Addr, strings.Fields(info)[0])
		}
		//lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; CLUSTER SLOTS answers on every version
		slots, err := rdb.ClusterSlots(ctx).Result()
		if err != nil {
			return err
		}
		for _, r := range slots {
			if m := c.byAddr(r.Nodes[0].Addr); !m.Running() {
				return fmt.Errorf("%s: slots %d-%d still on the stopped %s", s.Addr, r.Start, r.End, m.Addr)
			}
		}
		repl, err := rdb.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
			return fmt.Errorf("%s: replica link down", s.Addr)
		}
	}
	return nil
}

// MasterOf returns the running node that is master of key's slot, as
// the nodes say.
func (c *Cluster) MasterOf(key string) *Server {
	c.tb.Helper()
	ctx := context.Background()
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		slot, err := s.Client().ClusterKeySlot(ctx, key).Result()
		if err != nil {
			continue
		}
		//lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; CLUSTER SLOTS answers on every version
		slots, err := s.Client().ClusterSlots(ctx).Result()
		if err != nil {
			continue
		}
		for _, r := range slots {
			if int64(r.Start) <= slot && slot <= int64(r.End) {
				return c.byAddr(r.Nodes[0].Addr)
			}
		}
	}
	c.tb.Fatalf("no master serves %q", key)
	return nil
}

func (c *Cluster) running() *Server {
	for _, s := range c.Nodes {
		if s.Running() {
			return s
		}
	}
	c.tb.Fatal("no cluster node runs")
	return nil
}

func (c *Cluster) byAddr(addr string) *Server {
	for _, s := range c.Nodes {
		if s.Addr == addr || (s.announced != "" && s.announced == addr) {
			return s
		}
	}
	c.tb.Fatalf("no node %s", addr)
	return nil
}

// MigrateSlot moves slot, with its keys, from its master to the master
// dst, the way redis-cli --cluster reshard does: IMPORTING and MIGRATING,
// MIGRATE in batches, then the new owner on every node.
func (c *Cluster) MigrateSlot(slot int, dst *Server) {
	c.tb.Helper()
	ctx := context.Background()
	src := c.ownerOf(slot)
	srcID, dstID := src.Client().ClusterMyID(ctx).Val(), dst.Client().ClusterMyID(ctx).Val()
	must := func(err error) {
		c.tb.Helper()
		if err != nil {
			c.tb.Fatalf("migrate slot %d: %v", slot, err)
		}
	}
	must(dst.Client().Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", srcID).Err())
	must(src.Client().Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID).Err())
	host, port, _ := strings.Cut(dst.Addr, ":")
	for {
		keys, err := src.Client().ClusterGetKeysInSlot(ctx, slot, 10).Result()
		must(err)
		if len(keys) == 0 {
			break
		}
		args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		must(src.Client().Do(ctx, args...).Err())
	}
	must(dst.Client().Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err())
	must(src.Client().Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err())
	for _, s := range c.Nodes {
		if s != src && s != dst && s.Running() {
			_ = s.Client().Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err()
		}
	}
}

func (c *Cluster) ownerOf(slot int) *Server {
	c.tb.Helper()
	//lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; CLUSTER SLOTS answers on every version
	slots, err := c.running().Client().ClusterSlots(context.Background()).Result()
	if err != nil {
		c.tb.Fatal(err)
	}
	for _, r := range slots {
		if r.Start <= slot && slot <= r.End {
			return c.byAddr(r.Nodes[0].Addr)
		}
	}
	c.tb.Fatalf("slot %d has no master", slot)
	return nil
}

// Client returns a client of this one server, closed at cleanup.
func (s *Server) Client() *redis.Client {
	if s.client == nil {
		s.client = redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
		s.tb.Cleanup(func() { s.client.Close() })
	}
	return s.client
}

// Running reports whether the process runs (it was not stopped).
func (s *Server) Running() bool { return s.cmd != nil }
