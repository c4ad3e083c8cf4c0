package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// baselineRun is one run of the net/http baseline.
type baselineRun struct {
	RequestsPerS float64 `json:"requests_per_s"`
	Connections  int64   `json:"connections"` // dialled; -c when every connection was reused
}

// baseline measures the limits under the hub: a bare net/http server
// driven by -c keep-alive clients, each reading every answer to its end so
// its connection is reused, and redis-benchmark PUBLISH.
func baseline(ctx context.Context, b *bench) (any, error) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	dur := min(b.o.duration, 5*time.Second)
	var runs []baselineRun
	var rates []float64
	for range b.o.runs {
		p := newPool(b.o.conc)
		n := hammer(ctx, p, srv.URL, b.o.conc, dur)
		p.close()
		runs = append(runs, baselineRun{perSecond(n, dur), p.dials.Load()})
		rates = append(rates, perSecond(n, dur))
	}
	out := map[string]any{"net_http_requests_per_s": median(rates), "net_http_clients": b.o.conc, "net_http_runs": runs}
	if pub, err := redisPublish(b); err == nil {
		out["redis_publish_per_s"] = pub
	} else {
		out["redis_publish_error"] = err.Error()
	}
	return out, nil
}

// hammer posts to url from conc workers for d and counts the 200s.
func hammer(ctx context.Context, p *pool, url string, conc int, d time.Duration) int {
	deadline := time.Now().Add(d)
	return parallel(ctx, conc, -1, func(int) error {
		if time.Now().After(deadline) {
			return errStop
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{}`))
		if err != nil {
			return err
		}
		status, err := p.do(req)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("status %d", status)
		}
		return err
	}).ok
}

func redisPublish(b *bench) (float64, error) {
	defer b.stopAll()
	addr, err := b.redis()
	if err != nil {
		return 0, err
	}
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("redis-benchmark", "-h", host, "-p", port, "-q", "-n", "200000", "-c", "32",
		"PUBLISH", "bench", "x").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("redis-benchmark: %v", err)
	}
	m := regexp.MustCompile(`([\d.]+) requests per second`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("redis-benchmark said %q", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
