package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// redisWatch reads what the redis-servers of a measurement did: one
// connection per node, kept open so its own cost is the same in every
// snapshot. close ends the connections.
type redisWatch struct {
	nodes []*redis.Client
}

func watchRedis(addrs []string) *redisWatch {
	w := &redisWatch{}
	for _, a := range addrs {
		w.nodes = append(w.nodes, redis.NewClient(&redis.Options{Addr: a, PoolSize: 1}))
	}
	return w
}

func (w *redisWatch) close() {
	for _, c := range w.nodes {
		c.Close()
	}
}

// redisSnap is each node's command calls (INFO commandstats, commands run
// inside scripts included, INFO itself left out) and used_memory at one
// moment.
type redisSnap struct {
	calls []map[string]int
	used  []int64
}

func (w *redisWatch) snap(ctx context.Context) (redisSnap, error) {
	var s redisSnap
	for _, c := range w.nodes {
		calls, err := commandCalls(ctx, c)
		if err != nil {
			return s, fmt.Errorf("redis %s: %w", c.Options().Addr, err)
		}
		mem, err := c.Info(ctx, "memory").Result()
		if err != nil {
			return s, fmt.Errorf("redis %s: %w", c.Options().Addr, err)
		}
		s.calls, s.used = append(s.calls, calls), append(s.used, int64(infoFloat(mem, "used_memory")))
	}
	return s, nil
}

// redisDelta is what the nodes did between two snapshots.
type redisDelta struct {
	byNode    []map[string]int // calls by command, per node
	usedBytes int64            // used_memory grown, all nodes
}

func (s redisSnap) to(after redisSnap) redisDelta {
	d := redisDelta{}
	for i, calls := range after.calls {
		node := map[string]int{}
		for name, n := range calls {
			if k := n - s.calls[i][name]; k > 0 {
				node[name] = k
			}
		}
		d.byNode = append(d.byNode, node)
		d.usedBytes += after.used[i] - s.used[i]
	}
	return d
}

// total is every node's calls of names (all commands for none).
func (d redisDelta) total(names ...string) int {
	sum := 0
	for _, node := range d.byNode {
		sum += callsAmong(node, names)
	}
	return sum
}

// byCommand is the calls by command, all nodes added up.
func (d redisDelta) byCommand() map[string]int {
	out := map[string]int{}
	for _, node := range d.byNode {
		for name, n := range node {
			out[name] += n
		}
	}
	return out
}

func callsAmong(calls map[string]int, names []string) int {
	sum := 0
	for name, n := range calls {
		if len(names) == 0 || slices.Contains(names, name) {
			sum += n
		}
	}
	return sum
}
