package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The callback floor is the least a callback that cannot be lost costs
// on this stack: a script that stores the delivery, leases it, sets its
// expiry and lists it; one POST of a signed callback's size to the
// caller's receiver, which answers 204; a script that marks it
// delivered. It runs in a process of its own (this binary with
// -serve-callback-floor), so its CPU is told apart from the receiver's,
// against the mode's redis-server, in the same run as the cycles.

var (
	floorAdd = redis.NewScript(`redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'q', ARGV[1])
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('XADD', KEYS[3], '*', 'i', ARGV[4])
return 2`)
	floorDone = redis.NewScript(`redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'q', '')
redis.call('ZREM', KEYS[2], ARGV[3])
return 1`)
)

// floorWarm is how many callbacks the floor sends before it measures.
const floorWarm = 200

// floorSample is one floor measurement, as the sender reports it.
type floorSample struct {
	Callbacks int     `json:"callbacks"`
	Seconds   float64 `json:"seconds"`
	PerS      float64 `json:"callbacks_per_s"`
	ServerCPU float64 `json:"server_cpu_us_per_callback"` // sender + redis-server
	SenderCPU float64 `json:"sender_cpu_us_per_callback"`
	RedisCPU  float64 `json:"redis_cpu_us_per_callback"`
	LoadAvg1m float64 `json:"load_avg_1m"`
}

// serveCallbackFloor sends n callbacks from conc workers to target
// through the Redis at redisURL (its redis-server is redisPID) and
// writes one floorSample as JSON to out.
func serveCallbackFloor(ctx context.Context, target, redisURL string, redisPID, n, conc int, out io.Writer) error {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc
	cl := &http.Client{Transport: tr}
	body := bytes.Repeat([]byte("x"), 220) // a signed callback's JSON body
	one := func(i int) error {
		cid := fmt.Sprintf("floor-%09d", i)
		id := cid + ".1"
		js := `{"id":"` + id + `","cid":"` + cid + `","url":"` + target + `","state":"pending","attempts":0,"reply":{"seq":1,"data":{"x":1}}}`
		keys := []string{"floor:{" + cid + "}", "floor:due", "floor:list"}
		if err := floorAdd.Run(ctx, rdb, keys, "1", js, time.Now().Add(25*time.Second).UnixMilli(), id).Err(); err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return err
		}
		for _, h := range []string{"Content-Type", "Callhub-Cid", "Callhub-Seq", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
			req.Header.Set(h, "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=")
		}
		resp, err := cl.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("receiver answered %d", resp.StatusCode)
		}
		return floorDone.Run(ctx, rdb, keys[:2], "1", js, id).Err()
	}
	for i := range floorWarm {
		if err := one(-1 - i); err != nil {
			return err
		}
	}
	var next atomic.Int64
	var first error
	var once sync.Once
	usage := func() (self, rds time.Duration, err error) { // as the cycle reads its hubs' and Redis's
		if self, err = procCPU(os.Getpid()); err == nil {
			rds, err = procCPU(redisPID)
		}
		return self, rds, err
	}
	self0, redis0, err := usage()
	if err != nil {
		return err
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				if err := one(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	secs := time.Since(start).Seconds()
	self1, redis1, err := usage()
	if err != nil {
		return err
	}
	sender, rcpu := self1-self0, redis1-redis0
	per := func(d time.Duration) float64 { return round(float64(d.Microseconds())/float64(n), 1) }
	return json.NewEncoder(out).Encode(floorSample{Callbacks: n, Seconds: round(secs, 3), PerS: round(float64(n)/secs, 1),
		ServerCPU: per(sender + rcpu), SenderCPU: per(sender), RedisCPU: per(rcpu), LoadAvg1m: loadAvg()})
}

// callbackFloor runs the floor sender against the receiver at target and
// the redis-server at raddr (pid): as many callbacks as the run has
// cycles, from -conc workers.
func (b *bench) callbackFloor(ctx context.Context, target, raddr string, pid int) (floorSample, error) {
	n := b.o.cycles()
	args := []string{"-serve-callback-floor", target, "-redis", "redis://" + raddr + "/0",
		"-redis-pid", strconv.Itoa(pid), "-n", strconv.Itoa(n), "-c", strconv.Itoa(b.o.conc)}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return floorSample{}, fmt.Errorf("callback floor: %w", err)
	}
	var s floorSample
	if err := json.Unmarshal(outb, &s); err != nil {
		return floorSample{}, fmt.Errorf("callback floor: %w (%q)", err, outb)
	}
	return s, nil
}

// floorFigures are the medians of a mode's floor runs, with every run.
type floorFigures struct {
	PerS      float64       `json:"callbacks_per_s"`
	ServerCPU float64       `json:"server_cpu_us_per_callback"`
	SenderCPU float64       `json:"sender_cpu_us_per_callback"`
	RedisCPU  float64       `json:"redis_cpu_us_per_callback"`
	Runs      []floorSample `json:"runs"`
}

func floorSummary(runs []floorSample) *floorFigures {
	if len(runs) == 0 {
		return nil
	}
	med := func(get func(floorSample) float64) float64 {
		vs := make([]float64, len(runs))
		for i, r := range runs {
			vs[i] = get(r)
		}
		return median(vs)
	}
	return &floorFigures{PerS: med(func(s floorSample) float64 { return s.PerS }),
		ServerCPU: med(func(s floorSample) float64 { return s.ServerCPU }),
		SenderCPU: med(func(s floorSample) float64 { return s.SenderCPU }),
		RedisCPU:  med(func(s floorSample) float64 { return s.RedisCPU }), Runs: runs}
}
