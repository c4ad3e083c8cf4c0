package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/callhub/callhub/api/hubclient"
)

// callbacks measures HTTP callback delivery to one local receiver, and
// the hub's CPU per callback (its reply stored and its callback sent);
// then, in the same run, the same load through the callback relay
// (callbackrelay.go), the floor of the stack here: what is left of a
// callback with nothing stored. With -baseline-bin, an older hub is
// measured beside the current one. With -rounds, all of them are measured
// that many times over, their order reversed every other round: the
// figures are medians over the rounds, and each ratio is the median of
// the rounds' own ratios, each between two measurements of one round.
func callbacks(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	perCID := max(1, b.o.n/b.o.cids)
	n := perCID * b.o.cids
	svc := newService()
	defer svc.srv.Close()
	hubOf := func(bin string) func() (delivered, error) {
		return func() (delivered, error) {
			defer b.stopAll()
			return b.deliverCallbacks(ctx, svc, n, perCID, func(receiver string) (string, []string, error) {
				url, err := b.hubWith(bin, hubConfig("memory", "", svc.srv.URL, receiver))
				if err != nil {
					return "", nil, err
				}
				cids, _, err := openCIDs(ctx, client(url, b.o.conc), b.o.cids, true)
				return url, cids, err
			})
		}
	}
	runs := []struct {
		name string
		run  func() (delivered, error)
	}{{"hub", hubOf(b.bin)}, {"floor", func() (delivered, error) {
		defer b.stopAll()
		return b.deliverCallbacks(ctx, svc, n, perCID, func(receiver string) (string, []string, error) {
			url, err := b.callbackRelay(receiver)
			return url, plainIDs(b.o.cids), err
		})
	}}}
	if b.o.baselineBin != "" {
		runs = slices.Insert(runs, 1, runs[0])
		runs[1].name, runs[1].run = "baseline", hubOf(b.o.baselineBin)
	}
	rounds := make([]map[string]delivered, b.o.rounds)
	for i := range rounds {
		rounds[i] = map[string]delivered{}
		for k := range runs {
			if i%2 == 1 {
				k = len(runs) - 1 - k
			}
			d, err := runs[k].run()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", runs[k].name, err)
			}
			log("round %d/%d, %s: %.0f callbacks/s, %.1f µs of server CPU each", i+1, b.o.rounds, runs[k].name, d.perS, d.serverCPU)
			rounds[i][runs[k].name] = d
		}
	}
	hub, floor := medianDelivered(rounds, "hub"), medianDelivered(rounds, "floor")
	out := map[string]any{"callbacks": n, "cids": b.o.cids, "replies_per_s": hub.repliesPerS,
		"callbacks_per_s": hub.perS, "seconds": hub.seconds,
		"hub_cpu_us_per_callback": hub.serverCPU, "bench_cpu_us_per_callback": hub.benchCPU,
		"floor": map[string]any{"replies_per_s": floor.repliesPerS, "callbacks_per_s": floor.perS,
			"relay_cpu_us_per_callback": floor.serverCPU, "bench_cpu_us_per_callback": floor.benchCPU},
	}
	// ratio reports the median of each round's ratio of the hub's figure
	// to name's under key, and, over several rounds, each round's.
	ratio := func(key, name string, fig func(delivered) float64) {
		each := ratiosOf(rounds, "hub", name, fig)
		out[key] = round(median(each), 2)
		if b.o.rounds > 1 {
			out[key+"_rounds"] = roundAll(each, 3)
		}
	}
	ratio("vs_floor", "floor", rate)
	if b.o.rounds > 1 {
		out["rounds"] = b.o.rounds
	}
	if b.o.baselineBin != "" {
		base := medianDelivered(rounds, "baseline")
		out["baseline_bin"] = b.o.baselineBin
		out["baseline"] = map[string]any{"replies_per_s": base.repliesPerS, "callbacks_per_s": base.perS,
			"seconds": base.seconds, "hub_cpu_us_per_callback": base.serverCPU, "bench_cpu_us_per_callback": base.benchCPU}
		ratio("vs_baseline", "baseline", rate)
		ratio("cpu_vs_baseline", "baseline", cpu)
	}
	return out, nil
}

// rate and cpu are the figures of a callbacks measurement its ratios are
// taken of: callbacks per second, and server CPU per callback.
func rate(d delivered) float64 { return d.perS }
func cpu(d delivered) float64  { return d.serverCPU }

// medianDelivered is the median of each figure of name over the rounds.
func medianDelivered(rounds []map[string]delivered, name string) delivered {
	ds := make([]delivered, len(rounds))
	for i, r := range rounds {
		ds[i] = r[name]
	}
	med := func(get func(delivered) float64) float64 { return round(medianOf(ds, get), 1) }
	return delivered{repliesPerS: med(func(d delivered) float64 { return d.repliesPerS }), perS: med(rate),
		seconds: med(func(d delivered) float64 { return d.seconds }), serverCPU: med(cpu),
		benchCPU: med(func(d delivered) float64 { return d.benchCPU })}
}

// ratiosOf is each round's figure of a over b's, of the rounds where
// both were measured: a short run can read no CPU at all (the clock
// counts in ticks of 10 ms), and it has no ratio.
func ratiosOf(rounds []map[string]delivered, a, b string, fig func(delivered) float64) []float64 {
	out := make([]float64, 0, len(rounds))
	for _, r := range rounds {
		if x, y := fig(r[a]), fig(r[b]); x > 0 && y > 0 {
			out = append(out, x/y)
		}
	}
	return out
}

// roundAll rounds each of vs to digits.
func roundAll(vs []float64, digits int) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = round(v, digits)
	}
	return out
}

// delivered is one measurement of the callbacks scenario.
type delivered struct {
	repliesPerS, perS, seconds float64
	serverCPU, benchCPU        float64 // µs per callback
}

// deliverCallbacks starts a server with start, which is given a new
// receiver's URL and answers the server's URL and the cids to reply to,
// posts perCID replies to each (n in all) and waits for their n callbacks.
func (b *bench) deliverCallbacks(ctx context.Context, svc *service, n, perCID int,
	start func(receiver string) (string, []string, error)) (delivered, error) {
	recv := newReceiver(n)
	defer recv.srv.Close()
	url, cids, err := start(recv.srv.URL)
	if err != nil {
		return delivered{}, err
	}
	cpu, err := startCPU([]int{b.lastPID()})
	if err != nil {
		return delivered{}, err
	}
	begin := time.Now()
	c := client(url, b.o.conc)
	if err := postReplies(ctx, []*hubclient.Client{c}, svc, cids, perCID, b.o.conc, func() any { return map[string]int{"x": 1} }); err != nil {
		return delivered{}, err
	}
	posted := time.Since(begin)
	select {
	case <-recv.done:
	case <-time.After(5 * time.Minute):
		return delivered{}, fmt.Errorf("only %d of %d callbacks arrived", recv.n.Load(), n)
	}
	total := time.Since(begin)
	server, _, self, err := cpu.stop()
	if err != nil {
		return delivered{}, err
	}
	return delivered{repliesPerS: perSecond(n, posted), perS: perSecond(n, total), seconds: total.Seconds(),
		serverCPU: perMsg(server, n), benchCPU: perMsg(self, n)}, nil
}

// crossLatency posts replies to hub A at a steady rate and measures when
// they reach WebSocket subscribers on hub B (2 hubs + Redis).
func crossLatency(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	a, bb, svc, err := b.pair()
	if err != nil {
		return nil, err
	}
	defer svc.srv.Close()
	cids, toks, err := openCIDs(ctx, a, min(b.o.cids, 100), false)
	if err != nil {
		return nil, err
	}
	var lat latencies
	subs := follow(ctx, bb, cids, toks, &lat)
	defer subs()
	total := int(b.o.duration.Seconds() * float64(b.o.rate))
	tick := time.NewTicker(time.Second / time.Duration(b.o.rate))
	defer tick.Stop()
	for i := range total {
		<-tick.C
		cid := cids[i%len(cids)]
		go a.Reply(ctx, cid, svc.token(cid), hubclient.ReplyInput{Seq: i/len(cids) + 1,
			IsEnd: ptr(false), Data: map[string]int64{"sent": time.Now().UnixNano()}})
	}
	waitCount(&lat, total, 30*time.Second)
	return map[string]any{"rate_per_s": b.o.rate, "sent": total, "latency": lat.summary()}, nil
}

// crossThroughput posts replies as fast as conc clients can to two hubs
// on one Redis and measures stored replies/s and end-to-end replies/s to
// a caller-wide subscriber.
func crossThroughput(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	a, bb, svc, err := b.pair()
	if err != nil {
		return nil, err
	}
	defer svc.srv.Close()
	perCID := max(1, b.o.n/b.o.cids)
	cids, _, err := openCIDs(ctx, a, b.o.cids, false)
	if err != nil {
		return nil, err
	}
	var lat latencies
	stop, err := followCaller(ctx, bb, &lat)
	if err != nil {
		return nil, err
	}
	defer stop()
	start := time.Now()
	err = postReplies(ctx, []*hubclient.Client{a, bb}, svc, cids, perCID, b.o.conc, func() any {
		return map[string]int64{"sent": time.Now().UnixNano()}
	})
	if err != nil {
		return nil, err
	}
	posted := time.Since(start)
	n := perCID * len(cids)
	got := waitCount(&lat, n, time.Minute)
	return map[string]any{"replies": n, "stored_replies_per_s": perSecond(n, posted),
		"delivered": got, "delivered_replies_per_s": perSecond(got, time.Since(start)), "latency": lat.summary()}, nil
}

// pair starts Redis and two hubs on it.
func (b *bench) pair() (*hubclient.Client, *hubclient.Client, *service, error) {
	raddr, err := b.redis()
	if err != nil {
		return nil, nil, nil, err
	}
	svc := newService()
	cfg := hubConfig("redis", raddr, svc.srv.URL, "http://127.0.0.1:9")
	ua, err := b.hub(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	ub, err := b.hub(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	return client(ua, b.o.conc), client(ub, b.o.conc), svc, nil
}

func ptr[T any](v T) *T { return &v }
