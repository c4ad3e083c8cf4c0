package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/api/hubclient"
)

// cycleSetup is the processes of one run of a cycle mode.
type cycleSetup struct {
	hubs       []*hubclient.Client // callers use them in turn
	hubPIDs    []int
	redisPIDs  []int
	redisAddrs []string
}

// cycleWait bounds one cycle: from the request sent to its end.
const cycleWait = 30 * time.Second

// cycleSettle is how long a measurement waits after its last cycle ended
// before it reads CPU, commands and memory, so the work that follows a
// callback's 204 (marking it delivered) is counted.
const cycleSettle = 200 * time.Millisecond

// cycleRun starts mode's processes with the callhub binary bin and
// measures -n cycles without a callback (request + reply only), then -n
// full cycles; order is the run's place in the mode's sequence. On one
// redis-server the current binary's run also measures the callback floor
// (cyclefloor.go) against the same Redis and receiver.
func (b *bench) cycleRun(ctx context.Context, mode string, bin cycleBin, order int) (rr, full cycleSample, floor *floorSample, err error) {
	defer b.stopAll()
	p := newCyclePeers()
	defer p.close()
	st, err := b.startCycle(mode, bin.path, p)
	if err != nil {
		return rr, full, nil, err
	}
	w := watchRedis(st.redisAddrs)
	defer w.close()
	if rr, err = b.measureCycles(ctx, st, p, w, false); err != nil {
		return rr, full, nil, fmt.Errorf("request + reply: %w", err)
	}
	if full, err = b.measureCycles(ctx, st, p, w, true); err != nil {
		return rr, full, nil, fmt.Errorf("full cycle: %w", err)
	}
	if len(st.redisAddrs) > 0 {
		if full.Keys, err = keyMemories(ctx, st.redisAddrs); err != nil {
			return rr, full, nil, err
		}
	}
	rr.Binary, full.Binary, rr.Order, full.Order = bin.name, bin.name, order, order
	if bin.name == "current" && len(st.redisAddrs) == 1 { // the floor, beside the current binary's runs
		p.route.Store(nil)
		f, err := b.callbackFloor(ctx, p.recv.URL+"/floor", st.redisAddrs[0], st.redisPIDs[0])
		if err != nil {
			return rr, full, nil, err
		}
		floor = &f
	}
	return rr, full, floor, nil
}

// startCycle starts mode's redis-servers and hubs: one hub in memory,
// two on one redis-server (redis1, redis2) or on a 3-master Cluster.
func (b *bench) startCycle(mode, bin string, p *cyclePeers) (cycleSetup, error) {
	var st cycleSetup
	switch mode {
	case modeMemory:
	case modeRedis1, modeRedis2:
		addr, err := b.redis()
		if err != nil {
			return st, err
		}
		st.redisAddrs, st.redisPIDs = []string{addr}, []int{b.lastPID()}
	case modeCluster:
		addrs, pids, err := b.redisCluster(3)
		if err != nil {
			return st, err
		}
		st.redisAddrs, st.redisPIDs = addrs, pids
	default:
		return st, fmt.Errorf("-modes: cycle runs %s, %s and %s, not %q", modeMemory, modeRedis1, modeCluster, mode)
	}
	cfg := cycleConfig(strings.Join(st.redisAddrs, ","), p)
	for range b.cycleHubs(mode) {
		url, err := b.hubWith(bin, cfg)
		if err != nil {
			return st, err
		}
		st.hubs, st.hubPIDs = append(st.hubs, client(url, b.o.conc)), append(st.hubPIDs, b.lastPID())
	}
	return st, nil
}

// cycleHubs is how many hubs a cycle mode runs: one in memory, -hubs
// (two unless given) on Redis.
func (b *bench) cycleHubs(mode string) int {
	if mode == modeMemory {
		return 1
	}
	return b.o.hubs
}

// cycleConfig is a benchmark hub's config for the cycle: callbacks signed
// (Standard Webhooks) as a real caller has them, and kept for 24 h so no
// cycle expires while it is measured.
func cycleConfig(redisAddrs string, p *cyclePeers) string {
	store := "memory"
	if redisAddrs != "" {
		store = "redis"
	}
	y := userConfig(hubConfig(store, redisAddrs, p.svc.URL, p.recv.URL))
	y = strings.Replace(y, "    callbackBase:", "    webhookSecret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n    callbackBase:", 1)
	return y + "retention: 24h\n"
}

// cycleOnce runs cycle k: an async request on hub k (in turn) whose one
// reply goes through the next hub, and waits for its end.
func cycleOnce(ctx context.Context, hubs []*hubclient.Client, ends *cycleEnds, k int, callback bool, lat *latencies) error {
	req := hubclient.Request{ServiceID: "svc", Method: "POST", Async: true,
		Path: "/work?via=" + strconv.Itoa((k+1)%len(hubs))}
	if callback {
		req.Callback = &hubclient.Callback{URL: "/cb", Method: "POST"}
	}
	start := time.Now()
	a, err := hubs[k%len(hubs)].Send(ctx, req)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	end := ends.of(a.CID)
	t := time.NewTimer(cycleWait)
	defer t.Stop()
	select {
	case <-end.done:
	case <-t.C:
		return fmt.Errorf("cycle %s: no end within %s", a.CID, cycleWait)
	case <-ctx.Done():
		return ctx.Err()
	}
	if end.err != nil {
		return fmt.Errorf("reply %s: %w", a.CID, end.err)
	}
	lat.add(time.Since(start))
	return nil
}
