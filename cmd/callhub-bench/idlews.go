package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

// idleWSDefault is the connections idle-ws opens without -n (the -n
// default is a message count, far more than "all" should open).
const idleWSDefault = 2000

// idleRun is what n idle connections cost one server process.
type idleRun struct {
	RSSBeforeKiB      int64   `json:"rss_before_kib"`
	RSSAfterKiB       int64   `json:"rss_after_kib"`
	KiBPerConn        float64 `json:"kib_per_connection"`
	GoroutinesBefore  int     `json:"goroutines_before"`
	GoroutinesAfter   int     `json:"goroutines_after"`
	GoroutinesPerConn float64 `json:"goroutines_per_connection"`
	// The Go runtime's share of the growth, from its metrics: goroutine
	// stacks, and heap in use.
	StackKiBPerConn float64 `json:"stack_kib_per_connection"`
	HeapKiBPerConn  float64 `json:"heap_kib_per_connection"`
}

// idleFigures are the medians of a server's runs, with the runs.
type idleFigures struct {
	KiBPerConn        float64   `json:"kib_per_connection"`
	GoroutinesPerConn float64   `json:"goroutines_per_connection"`
	Runs              []idleRun `json:"runs"`
}

// idleWS opens n idle WebSockets on one hub, each subscribed to a cid of
// its own, and reports what they cost it: resident memory and goroutines
// per connection, counted from before the connections to when both have
// settled. Each of -runs runs measures, in turn, the -baseline-bin hub
// (if given), the current one and, with -centrifugo, a Centrifugo with n
// idle connections each subscribed to a channel of its own; the medians
// are reported, with the ratios to the current hub's.
func idleWS(ctx context.Context, b *bench) (any, error) {
	n := idleWSDefault
	if b.o.nSet {
		n = b.o.n
	}
	if err := raiseFDLimit(uint64(n) + 1024); err != nil {
		return nil, err
	}
	servers := []string{"current"}
	if b.o.baselineBin != "" {
		servers = []string{"baseline", "current"}
	}
	if b.o.centrifugo != "" {
		servers = append(servers, modeCentrifugo)
	}
	runs := map[string][]idleRun{}
	for run := range b.o.runs {
		for _, srv := range servers {
			log("idle-ws: run %d of %d, %s, %d connections", run+1, b.o.runs, srv, n)
			r, err := b.idleRun(ctx, srv, n)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", srv, err)
			}
			runs[srv] = append(runs[srv], r)
		}
	}
	out := map[string]any{"connections": n}
	figs := map[string]idleFigures{}
	for _, srv := range servers {
		figs[srv] = summarizeIdle(runs[srv])
		out[srv] = figs[srv]
	}
	cur := figs["current"]
	for _, srv := range servers[:len(servers)-1] {
		if srv == "current" {
			continue
		}
		out["current_vs_"+srv] = map[string]float64{
			"kib_per_connection":        round(cur.KiBPerConn/figs[srv].KiBPerConn, 2),
			"goroutines_per_connection": round(cur.GoroutinesPerConn/figs[srv].GoroutinesPerConn, 2)}
	}
	if c, ok := figs[modeCentrifugo]; ok {
		out["current_vs_centrifugo"] = map[string]float64{
			"kib_per_connection":        round(cur.KiBPerConn/c.KiBPerConn, 2),
			"goroutines_per_connection": round(cur.GoroutinesPerConn/c.GoroutinesPerConn, 2)}
	}
	return out, nil
}

// idleRun starts server srv (current, baseline or centrifugo), connects n
// idle subscribers and measures them.
func (b *bench) idleRun(ctx context.Context, srv string, n int) (idleRun, error) {
	defer b.stopAll()
	svc := newService()
	defer svc.srv.Close()
	var t *target
	var err error
	switch srv {
	case modeCentrifugo:
		t, err = b.centrifugoTarget(modeCentrifugo, "", nil, n)
	case "baseline":
		t, err = b.hubTargetWith(ctx, b.o.baselineBin, modeMemory, "", nil, svc, n)
	default:
		t, err = b.start(ctx, modeMemory, svc, n)
	}
	if err != nil {
		return idleRun{}, err
	}
	pid, metrics := t.pids[0], t.sub+"/metrics"
	var r idleRun
	// Before: the cids made, so that only connections count.
	if r.RSSBeforeKiB, r.GoroutinesBefore, err = settled(ctx, pid, metrics); err != nil {
		return r, err
	}
	stack0, heap0, err := goMemory(metrics)
	if err != nil {
		return r, err
	}
	c, err := dialCrowd(ctx, t, n, 1)
	if err != nil {
		return r, err
	}
	defer c.close()
	if r.RSSAfterKiB, r.GoroutinesAfter, err = settled(ctx, pid, metrics); err != nil {
		return r, err
	}
	if closed := c.closed.Load(); closed > 0 {
		return r, fmt.Errorf("%d of %d connections ended while idle", closed, n)
	}
	stack1, heap1, err := goMemory(metrics)
	if err != nil {
		return r, err
	}
	r.StackKiBPerConn = round((stack1-stack0)/1024/float64(n), 2)
	r.HeapKiBPerConn = round((heap1-heap0)/1024/float64(n), 2)
	r.KiBPerConn = round(float64(r.RSSAfterKiB-r.RSSBeforeKiB)/float64(n), 2)
	r.GoroutinesPerConn = round(float64(r.GoroutinesAfter-r.GoroutinesBefore)/float64(n), 2)
	return r, nil
}

// settled waits until a server's resident memory and goroutines stop
// moving (three readings 500ms apart within 1% and 1% of each other),
// at most 20s, and returns the last reading.
func settled(ctx context.Context, pid int, metrics string) (kib int64, goroutines int, err error) {
	var last []int64
	deadline := time.Now().Add(20 * time.Second)
	for {
		g, err := goroutinesOf(metrics)
		if err != nil {
			return 0, 0, err
		}
		kib, goroutines = rss(pid), g
		last = append(last, kib, int64(g))
		if len(last) >= 6 {
			last = last[len(last)-6:]
			if steady(last) || time.Now().After(deadline) {
				return kib, goroutines, nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// steady reports whether three (rss, goroutines) readings agree within 1%.
func steady(r []int64) bool {
	near := func(a, b int64) bool { return abs(a-b)*100 <= max(a, b) }
	return near(r[0], r[2]) && near(r[2], r[4]) && near(r[1], r[3]) && near(r[3], r[5])
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// goMemory reads the bytes of goroutine stacks and of heap in use from a
// Prometheus endpoint's Go collector.
func goMemory(url string) (stack, heap float64, err error) {
	body, err := getBody(url)
	if err != nil {
		return 0, 0, err
	}
	read := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + name + ` (\S+)`).FindSubmatch(body)
		if m == nil {
			return 0
		}
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		return v
	}
	return read("go_memstats_stack_inuse_bytes"), read("go_memstats_heap_inuse_bytes"), nil
}

// goroutinesOf reads go_goroutines from a Prometheus endpoint (the hub's
// and Centrifugo's both export the Go collector).
func goroutinesOf(url string) (int, error) {
	body, err := getBody(url)
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`(?m)^go_goroutines (\d+)`).FindSubmatch(body)
	if m == nil {
		return 0, fmt.Errorf("%s: no go_goroutines", url)
	}
	return strconv.Atoi(string(m[1]))
}

func summarizeIdle(runs []idleRun) idleFigures {
	kib, g := make([]float64, len(runs)), make([]float64, len(runs))
	for i, r := range runs {
		kib[i], g[i] = r.KiBPerConn, r.GoroutinesPerConn
	}
	return idleFigures{KiBPerConn: median(kib), GoroutinesPerConn: median(g), Runs: runs}
}

// raiseFDLimit lifts this process's open-file limit to at least want (the
// bench holds one descriptor per connection), as far as the hard limit.
func raiseFDLimit(want uint64) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return err
	}
	if l.Cur >= want {
		return nil
	}
	if l.Max < want {
		return fmt.Errorf("open-file limit %d is below the %d this run needs (raise ulimit -Hn)", l.Max, want)
	}
	l.Cur = want
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
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

// getBody GETs url and returns its body; a status other than 200 fails.
func getBody(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, err
}
