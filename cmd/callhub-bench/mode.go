package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
)

// The modes a fanout or relay measurement runs in.
const (
	modeMemory  = "memory"        // one hub, memory store
	modeRedis1  = "redis1"        // one hub on Redis
	modeRedis2  = "redis2"        // hubs A and B on one Redis: publish on A, subscribers on B
	modeRelay   = "relay"         // the bare relay, in memory
	modeRelayPS = "relay_publish" // the bare relay, one Redis PUBLISH per message
	modeCluster = "cluster"       // hubs A and B on a 3-master Redis Cluster (sharded pub/sub)
)

// relayOf is the relay baseline each hub mode is compared with.
var relayOf = map[string]string{modeMemory: modeRelay, modeRedis1: modeRelayPS, modeRedis2: modeRelayPS,
	modeCluster: modeRelayPS}

// baselinePrefix names a hub mode run with -baseline-bin's binary: the
// fanout's baseline_memory is memory on that older callhub.
const baselinePrefix = "baseline_"

// baselineOf is the -baseline-bin mode each hub mode is compared with.
var baselineOf = map[string]string{modeMemory: baselinePrefix + modeMemory, modeRedis1: baselinePrefix + modeRedis1,
	modeRedis2: baselinePrefix + modeRedis2, modeCluster: baselinePrefix + modeCluster}

// start starts the processes of mode and returns a target with n ids
// (cids made through svc for a hub). b.stopAll stops them.
func (b *bench) start(ctx context.Context, mode string, svc *service, n int) (*target, error) {
	var raddr string
	var pids []int
	bin := b.bin
	if m, ok := strings.CutPrefix(mode, baselinePrefix); ok {
		mode, bin = m, b.o.baselineBin
	}
	if mode == modeCluster {
		addrs, nodes, err := b.redisCluster(3)
		if err != nil {
			return nil, err
		}
		b.redisNodes = addrs
		return b.hubTargetWith(ctx, bin, mode, strings.Join(addrs, ","), nodes, svc, n)
	}
	if mode != modeMemory && mode != modeRelay && mode != modeCentrifugo {
		var err error
		if raddr, err = b.redis(); err != nil {
			return nil, err
		}
		pids = append(pids, b.lastPID())
		b.redisNodes = []string{raddr}
	}
	switch mode {
	case modeRelay, modeRelayPS:
		return b.relayTarget(mode, raddr, pids, n)
	case modeCentrifugo, modeCentrifugoRedis, modeCentrifugoRedis2:
		return b.centrifugoTarget(mode, raddr, pids, n)
	case modeMemory, modeRedis1, modeRedis2:
		return b.hubTargetWith(ctx, bin, mode, raddr, pids, svc, n)
	}
	return nil, fmt.Errorf("-modes: unknown mode %q (want %s, %s, %s, %s)", mode, modeMemory, modeRedis1, modeRedis2, modeCluster)
}

// hubTargetWith starts one hub of the callhub binary bin (two for redis2
// and cluster) and opens n cids on the first. raddr is a Redis address, or
// a Cluster's, comma-separated.
func (b *bench) hubTargetWith(ctx context.Context, bin, mode, raddr string, pids []int, svc *service, n int) (*target, error) {
	store := "memory"
	if raddr != "" {
		store = "redis"
	}
	cfg := userConfig(hubConfig(store, raddr, svc.srv.URL, "http://127.0.0.1:9"))
	t := &target{mode: mode, hub: true, pids: pids}
	hubs := 1
	if mode == modeRedis2 || mode == modeCluster {
		hubs = 2
	}
	if err := b.startNodes(t, hubs, func() (string, error) { return b.hubWith(bin, cfg) }); err != nil {
		return nil, err
	}
	cids, toks, err := openCIDs(ctx, client(t.pub, 4), n, false)
	if err != nil {
		return nil, err
	}
	t.ids, t.wsToken, t.seqs = cids, toks, make([]atomic.Int64, n)
	for _, cid := range cids {
		t.replyTo = append(t.replyTo, svc.token(cid))
	}
	return t, nil
}

// relayTarget starts the relay in its own process (the bench run again
// with -serve-relay), on Redis when raddr is set.
func (b *bench) relayTarget(mode, raddr string, pids []int, n int) (*target, error) {
	var extra []string
	if raddr != "" {
		extra = []string{"-redis", "redis://" + raddr + "/0"}
	}
	url, err := b.serveSelf("relay", "-serve-relay", extra...)
	if err != nil {
		return nil, err
	}
	return &target{mode: mode, pub: url, sub: url, pids: append(pids, b.lastPID()), servers: 1, ids: plainIDs(n)}, nil
}

// serveSelf starts this binary as the server flag names (-serve-relay,
// -serve-callback-relay) on a free loopback address, with extra flags,
// and returns its base URL once it is ready; b.stopAll stops it.
func (b *bench) serveSelf(name, flag string, extra ...string) (string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(os.Args[0], append([]string{flag, addr}, extra...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", name, err)
	}
	b.procs = append(b.procs, cmd)
	url := "http://" + addr
	return url, waitHTTP(url + "/readyz")
}

// startNodes starts n servers of t with start, which returns a server's
// base URL: messages are published on the first, subscribers connect to
// the last, and every one's CPU counts.
func (b *bench) startNodes(t *target, n int, start func() (string, error)) error {
	for range n {
		url, err := start()
		if err != nil {
			return err
		}
		t.pub, t.sub = cmp.Or(t.pub, url), url
		t.pids, t.servers = append(t.pids, b.lastPID()), t.servers+1
	}
	return nil
}

// plainIDs names n relay or Centrifugo channels.
func plainIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("id%d", i)
	}
	return ids
}

// userConfig is a hub config with the default WebSocket send buffer, as a
// real deployment has it.
func userConfig(y string) string {
	return strings.Replace(y, "wsSendBuffer: 4096", "wsSendBuffer: 256", 1)
}

// lastPID is the process id of the last process the bench started.
func (b *bench) lastPID() int { return b.procs[len(b.procs)-1].Process.Pid }
