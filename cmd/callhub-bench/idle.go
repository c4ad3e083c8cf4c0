package main

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// idle runs one hub on Redis with subscribers that receive nothing, and
// reports what the idle instance costs over -duration: the hub's and
// redis-server's CPU as a share of one core, and the commands Redis ran
// per second (the hub's polls of the delivery queue and its other
// background work), by command.
func idle(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	svc := newService()
	defer svc.srv.Close()
	n := min(b.o.n, 1000)
	t, err := b.start(ctx, modeRedis1, svc, n)
	if err != nil {
		return nil, err
	}
	c, err := dialCrowd(ctx, t, n, 1)
	if err != nil {
		return nil, err
	}
	defer c.close()
	time.Sleep(2 * time.Second) // past start-up: the cids made, the subscriptions sent
	rdb := redis.NewClient(&redis.Options{Addr: b.redisNodes[0]})
	defer rdb.Close()
	redisPID, hubPIDs := t.pids[0], t.pids[1:]
	calls0, err := commandCalls(ctx, rdb)
	if err != nil {
		return nil, err
	}
	hub0, err := cpuTime(hubPIDs)
	if err != nil {
		return nil, err
	}
	red0, err := procCPU(redisPID)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(b.o.duration):
	}
	secs := time.Since(start).Seconds()
	hub1, err := cpuTime(hubPIDs)
	if err != nil {
		return nil, err
	}
	red1, err := procCPU(redisPID)
	if err != nil {
		return nil, err
	}
	calls1, err := commandCalls(ctx, rdb)
	if err != nil {
		return nil, err
	}
	perSec, total := map[string]float64{}, 0
	for name, n := range calls1 {
		if d := n - calls0[name]; d > 0 {
			perSec[name] = round(float64(d)/secs, 1)
			total += d
		}
	}
	return map[string]any{"seconds": round(secs, 1), "subscribers": n, "cids": n,
		"hub_cpu_percent":      round(100*(hub1-hub0).Seconds()/secs, 2),
		"redis_cpu_percent":    round(100*(red1-red0).Seconds()/secs, 2),
		"redis_commands_per_s": round(float64(total)/secs, 1), "by_command": perSec}, nil
}

// commandCalls reads INFO commandstats: calls by command, leaving out
// INFO itself, which only the bench sends.
func commandCalls(ctx context.Context, rdb *redis.Client) (map[string]int, error) {
	s, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, err
	}
	out := callsOf(s)
	delete(out, "info")
	return out, nil
}
