package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/coder/websocket"
)

// roundTrip measures request → service → reply → WebSocket on one hub:
// the service replies at once; a caller-wide subscriber receives.
func roundTrip(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	svc := newService()
	defer svc.srv.Close()
	url, err := b.hub(hubConfig("memory", "", svc.srv.URL, "http://127.0.0.1:9"))
	if err != nil {
		return nil, err
	}
	c := client(url, b.o.conc)
	svc.autoReply.Store(c)
	var lat latencies
	stop, err := followCaller(ctx, c, &lat)
	if err != nil {
		return nil, err
	}
	defer stop()
	var sent atomic.Int64
	deadline := time.Now().Add(b.o.duration)
	var wg sync.WaitGroup
	for range b.o.conc {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				q := "/work?sent=" + strconv.FormatInt(time.Now().UnixNano(), 10)
				if _, err := c.Send(ctx, hubclient.Request{ServiceID: "svc", Method: "POST", Path: q, Async: true}); err == nil {
					sent.Add(1)
				}
			}
		})
	}
	wg.Wait()
	got := waitCount(&lat, int(sent.Load()), 30*time.Second)
	return map[string]any{"requests": sent.Load(), "round_trips": got,
		"round_trips_per_s": perSecond(got, b.o.duration), "latency": lat.summary()}, nil
}

// idleWS opens many idle subscribed WebSockets and reports the hub's
// resident memory per connection.
func idleWS(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	svc := newService()
	defer svc.srv.Close()
	// the default send buffer, as a real deployment has it
	cfg := strings.Replace(hubConfig("memory", "", svc.srv.URL, "http://127.0.0.1:9"), "wsSendBuffer: 4096", "wsSendBuffer: 256", 1)
	url, err := b.hub(cfg)
	if err != nil {
		return nil, err
	}
	pid := b.procs[len(b.procs)-1].Process.Pid
	c := client(url, 4)
	cids, toks, err := openCIDs(ctx, c, 1, false)
	if err != nil {
		return nil, err
	}
	before := rss(pid)
	n := min(b.o.n, 5000)
	var conns []*websocket.Conn
	defer func() {
		for _, cn := range conns {
			cn.CloseNow()
		}
	}()
	for range n {
		cn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/v1/ws?cid="+cids[0]+"&token="+toks[0], nil)
		if err != nil {
			return nil, err
		}
		conns = append(conns, cn)
	}
	time.Sleep(time.Second) // let the hub settle before reading its memory
	after := rss(pid)
	return map[string]any{"connections": n, "rss_before_kib": before, "rss_after_kib": after,
		"kib_per_connection": float64(after-before) / float64(n)}, nil
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

// baseline measures the limits under the hub: a bare net/http server and
// redis-benchmark PUBLISH.
func baseline(ctx context.Context, b *bench) (any, error) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	hc := client(srv.URL, b.o.conc).HTTP
	var n atomic.Int64
	dur := min(b.o.duration, 5*time.Second)
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for range b.o.conc {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				resp, err := hc.Post(srv.URL, "application/json", strings.NewReader(`{}`))
				if err == nil {
					resp.Body.Close()
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	out := map[string]any{"net_http_requests_per_s": perSecond(int(n.Load()), dur)}
	if pub, err := redisPublish(b); err == nil {
		out["redis_publish_per_s"] = pub
	} else {
		out["redis_publish_error"] = err.Error()
	}
	return out, nil
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
