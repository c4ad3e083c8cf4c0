package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCluster starts masters redis-servers as a Redis Cluster and
// returns their addresses and process ids.
func (b *bench) redisCluster(masters int) ([]string, []int, error) {
	var addrs []string
	var pids []int
	for range masters {
		addr, err := b.redis("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000")
		if err != nil {
			return nil, nil, err
		}
		addrs, pids = append(addrs, addr), append(pids, b.lastPID())
	}
	args := append(append([]string{"--cluster", "create"}, addrs...), "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	return addrs, pids, waitClusterOK(addrs)
}

// waitClusterOK waits until every node says cluster_state:ok.
func waitClusterOK(addrs []string) error {
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for _, addr := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		for !strings.Contains(rdb.ClusterInfo(ctx).Val(), "cluster_state:ok") {
			if time.Now().After(deadline) {
				rdb.Close()
				return fmt.Errorf("cluster node %s not ok within 30s", addr)
			}
			time.Sleep(50 * time.Millisecond)
		}
		rdb.Close()
	}
	return nil
}

// nodeShare is what one redis-server did: its CPU and the calls of the
// commands that carry replies, over its whole life (warm-up included).
type nodeShare struct {
	Addr   string         `json:"addr"`
	CPUSec float64        `json:"cpu_s"`
	Calls  map[string]int `json:"calls"`
	// Reads and Writes are the socket reads and writes the node made:
	// fewer per command means its clients batch more.
	Reads  int `json:"reads"`
	Writes int `json:"writes"`
}

// nodeShares reads INFO cpu, stats and commandstats of each node.
func nodeShares(ctx context.Context, addrs []string) []nodeShare {
	var out []nodeShare
	for _, addr := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		cpu, _ := rdb.Info(ctx, "cpu").Result()
		stats, _ := rdb.Info(ctx, "commandstats").Result()
		io, _ := rdb.Info(ctx, "stats").Result()
		rdb.Close()
		out = append(out, nodeShare{Addr: addr, CPUSec: round(infoFloat(cpu, "used_cpu_user")+infoFloat(cpu, "used_cpu_sys"), 2),
			Calls: replyCalls(stats), Reads: int(infoFloat(io, "total_reads_processed")),
			Writes: int(infoFloat(io, "total_writes_processed"))})
	}
	return out
}

// replyCalls picks the calls of the commands a reply's path uses.
func replyCalls(stats string) map[string]int {
	out := map[string]int{}
	for name, n := range callsOf(stats) {
		switch name {
		case "evalsha", "eval", "publish", "spublish", "subscribe", "ssubscribe", "xrange":
			out[name] = n
		}
	}
	return out
}

// callsOf reads INFO commandstats text: calls by command name.
func callsOf(stats string) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(stats, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if ok {
			out[strings.TrimPrefix(name, "cmdstat_")], _ = strconv.Atoi(strings.SplitN(rest, ",", 2)[0])
		}
	}
	return out
}

func infoFloat(info, name string) float64 {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
