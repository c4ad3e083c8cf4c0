package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"
)

// idleWS opens many idle WebSockets, each subscribed to a cid of its own,
// and reports the hub's resident memory per connection.
func idleWS(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	svc := newService()
	defer svc.srv.Close()
	n := min(b.o.n, 5000)
	t, err := b.start(ctx, modeMemory, svc, n)
	if err != nil {
		return nil, err
	}
	pid := t.pids[0]
	before := rss(pid) // after the cids were made: only connections count
	c, err := dialCrowd(ctx, t, n, 1)
	if err != nil {
		return nil, err
	}
	defer c.close()
	time.Sleep(time.Second) // let the hub settle before reading its memory
	after := rss(pid)
	return map[string]any{"connections": n, "cids": n, "rss_before_kib": before, "rss_after_kib": after,
		"kib_per_connection": round(float64(after-before)/float64(n), 1)}, nil
}

// rss reads a process's resident memory in KiB.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}
