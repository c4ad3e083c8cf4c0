package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cycleSample is one measurement of -n cycles of one variant (with or
// without a callback) by one binary. Every per-cycle figure is divided by
// the cycles that ended.
type cycleSample struct {
	Binary       string  `json:"binary"` // current or baseline
	Order        int     `json:"order"`  // place in the mode's runs: baseline 1, current 2, baseline 3, ...
	Cycles       int     `json:"cycles"` // ended: the callback (or, without one, the reply) arrived
	Lost         int     `json:"lost,omitempty"`
	FirstError   string  `json:"first_error,omitempty"`
	DupCallbacks int64   `json:"duplicate_callbacks,omitempty"`
	Seconds      float64 `json:"seconds"` // first request to last end
	CyclesPerS   float64 `json:"cycles_per_s"`
	P50ms        float64 `json:"p50_ms"` // one cycle, request sent to its end
	P99ms        float64 `json:"p99_ms"`
	ServerCPU    float64 `json:"server_cpu_us_per_cycle"` // hubs + redis-servers
	HubCPU       float64 `json:"hub_cpu_us_per_cycle"`
	RedisCPU     float64 `json:"redis_cpu_us_per_cycle"`
	BenchCPU     float64 `json:"bench_cpu_us_per_cycle"` // callers, service and receiver
	// LoadAvg is the machine's 1-minute load average after the cycles:
	// above the core count, other work shared the cores.
	LoadAvg float64 `json:"load_avg_1m"`
	// Commands counts every command Redis ran (INFO commandstats), those
	// run inside scripts included; Scripts the EVAL and EVALSHA among them.
	Commands  float64            `json:"redis_commands_per_cycle"`
	Scripts   float64            `json:"redis_scripts_per_cycle"`
	ByCommand map[string]float64 `json:"redis_commands_by_name,omitempty"`
	// MemoryBytes is used_memory grown over the cycles, every node.
	MemoryBytes float64 `json:"redis_memory_bytes_per_cycle"`
	// MasterShares is each Cluster master's share of Commands.
	MasterShares []float64 `json:"master_shares,omitempty"`
	MaxShare     float64   `json:"max_master_share,omitempty"`
	// MasterByCommand is each Cluster master's calls per cycle, by name.
	MasterByCommand []map[string]float64 `json:"master_commands_by_name,omitempty"`
	// Sent and the two by-name counts come with -monitor (MONITOR): the
	// commands clients sent, each script call once, and those scripts ran.
	Sent              float64            `json:"redis_sent_per_cycle,omitempty"`
	SentByCommand     map[string]float64 `json:"redis_sent_by_name,omitempty"`
	ScriptedByCommand map[string]float64 `json:"redis_in_scripts_by_name,omitempty"`
	// Keys is, in a full cycle's sample, every key at the end of the run
	// by pattern: those of the request + reply cycles too.
	Keys []keyMemory `json:"redis_keys,omitempty"`
}

// cycleWindow is the processes' counters at one moment: CPU used so far
// by the hubs, the redis-servers and the bench, and Redis's own counts.
type cycleWindow struct {
	hub, redis, self time.Duration
	snap             redisSnap
}

// cycleUse is what the processes used between two cycleWindows.
type cycleUse struct {
	hub, redis, self time.Duration
	redisDelta
}

// measureCycles warms the setup up with a few cycles, then runs -n
// closed-loop cycles on -conc callers and reads what they cost.
func (b *bench) measureCycles(ctx context.Context, st cycleSetup, p *cyclePeers, w *redisWatch, callback bool) (cycleSample, error) {
	if warm, _ := b.driveCycles(ctx, st, p, min(b.o.cycles(), 2*b.o.conc), callback, &latencies{}); warm.first != nil {
		return cycleSample{}, fmt.Errorf("warm up: %w", warm.first)
	}
	time.Sleep(cycleSettle) // the warm-up's last deliveries are marked done before the window opens
	mons, err := b.monitors(st)
	if err != nil {
		return cycleSample{}, err
	}
	defer mons.stop()
	before, err := readWindow(ctx, st, w)
	if err != nil {
		return cycleSample{}, err
	}
	var lat latencies
	start := time.Now()
	res, ends := b.driveCycles(ctx, st, p, b.o.cycles(), callback, &lat)
	took := time.Since(start)
	time.Sleep(cycleSettle)
	after, err := readWindow(ctx, st, w)
	if err != nil {
		return cycleSample{}, err
	}
	s := cycleSample{Cycles: res.ok, Lost: res.failed, DupCallbacks: ends.dups.Load(),
		Seconds: round(took.Seconds(), 3), CyclesPerS: perSecond(res.ok, took), LoadAvg: loadAvg()}
	if res.first != nil {
		s.FirstError = res.first.Error()
	}
	l := lat.summary()
	s.P50ms, s.P99ms = l.P50ms, l.P99ms
	s.cost(before.to(after))
	if mons != nil {
		mons.count(&s, s.Cycles)
	}
	return s, nil
}

// driveCycles runs n cycles on -conc callers, each cycle's latency into
// lat, and returns when every one has ended or failed.
func (b *bench) driveCycles(ctx context.Context, st cycleSetup, p *cyclePeers, n int, callback bool, lat *latencies) (published, *cycleEnds) {
	ends := newCycleEnds()
	p.route.Store(&cycleRoute{hubs: st.hubs, ends: ends, replyEnds: !callback})
	res := parallel(ctx, b.o.conc, n, func(k int) error { return cycleOnce(ctx, st.hubs, ends, k, callback, lat) })
	return res, ends
}

// monitors starts a MONITOR on each redis-server of st with -monitor;
// none without.
func (b *bench) monitors(st cycleSetup) (monitors, error) {
	if !b.o.monitor {
		return nil, nil
	}
	return startMonitors(st.redisAddrs)
}

// readWindow reads the CPU times and the redis-servers' counters now.
func readWindow(ctx context.Context, st cycleSetup, w *redisWatch) (cycleWindow, error) {
	var cw cycleWindow
	var err error
	if cw.hub, err = cpuTime(st.hubPIDs); err != nil {
		return cw, err
	}
	if cw.redis, err = cpuTime(st.redisPIDs); err != nil {
		return cw, err
	}
	if cw.self, err = procCPU(os.Getpid()); err != nil {
		return cw, err
	}
	cw.snap, err = w.snap(ctx)
	return cw, err
}

// to is what was used from w until later.
func (w cycleWindow) to(later cycleWindow) cycleUse {
	return cycleUse{hub: later.hub - w.hub, redis: later.redis - w.redis, self: later.self - w.self,
		redisDelta: w.snap.to(later.snap)}
}

// cost fills in s's per-cycle costs from what d used.
func (s *cycleSample) cost(d cycleUse) {
	n := s.Cycles
	s.HubCPU, s.RedisCPU = perMsg(d.hub, n), perMsg(d.redis, n)
	s.ServerCPU, s.BenchCPU = perMsg(d.hub+d.redis, n), perMsg(d.self, n)
	if len(d.byNode) == 0 || n == 0 {
		return
	}
	per := func(v int) float64 { return round(float64(v)/float64(n), 1) }
	s.Commands, s.Scripts = per(d.total()), per(d.total("eval", "evalsha", "fcall", "fcall_ro"))
	s.MemoryBytes = per(int(d.usedBytes))
	s.ByCommand = perCycle(d.byCommand(), n)
	if len(d.byNode) > 1 && d.total() > 0 {
		for _, node := range d.byNode {
			share := round(float64(callsAmong(node, nil))/float64(d.total()), 3)
			s.MasterShares, s.MaxShare = append(s.MasterShares, share), max(s.MaxShare, share)
			s.MasterByCommand = append(s.MasterByCommand, perCycle(node, n))
		}
	}
}

// perCycle divides calls by n cycles, leaving out what rounds to 0.00 (the
// HELLO of a new connection).
func perCycle(calls map[string]int, n int) map[string]float64 {
	out := map[string]float64{}
	for name, k := range calls {
		if v := round(float64(k)/float64(n), 2); v > 0 {
			out[name] = v
		}
	}
	return out
}

// loadAvg is the 1-minute load average (/proc/loadavg); 0 if unreadable.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
}
