package main

import (
	"context"
	"fmt"
	"strings"
)

// cycle measures issue 21's full async cycle in each of -modes: a caller
// sends an async request with a POST callback, the service answers 202
// and posts one reply with its reply token, the caller's receiver answers
// 204; a cycle ends when its callback arrived. -conc callers run -n cycles
// (default 3,000) closed-loop, and the same run measures the cycle
// without a callback (request + reply only, ended when the reply is
// stored). With -baseline-bin the older binary and the current one
// alternate run by run (baseline, current, baseline, ...): both are
// reported, with medians and the ratios current ÷ baseline.
func cycle(ctx context.Context, b *bench) (any, error) {
	modes, err := b.cycleModes()
	if err != nil {
		return nil, err
	}
	bins := []cycleBin{{"current", b.bin}}
	if b.o.baselineBin != "" {
		bins = []cycleBin{{"baseline", b.o.baselineBin}, {"current", b.bin}}
	}
	var out []cycleMode
	for _, mode := range modes {
		m, err := b.cycleMode(ctx, mode, bins)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mode, err)
		}
		out = append(out, m)
	}
	return map[string]any{"cycles": b.o.cycles(), "callers": b.o.conc, "runs": b.o.runs,
		"current_bin": b.bin, "baseline_bin": b.o.baselineBin, "modes": out}, nil
}

// cycleBin is a callhub binary the cycle runs: current or baseline.
type cycleBin struct{ name, path string }

// cycleMode is what the cycle scenario reports for one mode.
type cycleMode struct {
	Mode         string         `json:"mode"`
	Hubs         int            `json:"hubs"`
	RedisServers int            `json:"redis_servers"`
	Current      cycleVariants  `json:"current"`
	Baseline     *cycleVariants `json:"baseline,omitempty"`
	// VsBaseline is current ÷ baseline, full cycle and request + reply.
	VsBaseline map[string]cycleRatio `json:"vs_baseline,omitempty"`
	// CallbackFloor is the least a callback costs here (one Redis only),
	// and FloorCycle the least a full cycle costs: request + reply plus
	// that floor, in server CPU µs, and ÷ the baseline's full cycle.
	CallbackFloor      *floorFigures `json:"callback_floor,omitempty"`
	FloorCycle         float64       `json:"floor_cycle_server_cpu_us,omitempty"`
	FloorVsBaselineCPU float64       `json:"floor_cycle_vs_baseline_cycle,omitempty"`
}

// cycleMode runs mode -runs times with each of bins in turn.
func (b *bench) cycleMode(ctx context.Context, mode string, bins []cycleBin) (cycleMode, error) {
	rr, full := map[string][]cycleSample{}, map[string][]cycleSample{}
	var floors []floorSample
	order := 0
	for run := range b.o.runs {
		for _, bin := range bins {
			order++
			log("cycle %s: run %d of %d, %s binary, %d cycles", mode, run+1, b.o.runs, bin.name, b.o.cycles())
			r, f, fl, err := b.cycleRun(ctx, mode, bin, order)
			if err != nil {
				return cycleMode{}, fmt.Errorf("%s binary: %w", bin.name, err)
			}
			if fl != nil {
				floors = append(floors, *fl)
			}
			rr[bin.name], full[bin.name] = append(rr[bin.name], r), append(full[bin.name], f)
		}
	}
	m := cycleMode{Mode: mode, Hubs: b.cycleHubs(mode), RedisServers: cycleRedisServers(mode),
		Current: variantsOf(rr["current"], full["current"]), CallbackFloor: floorSummary(floors)}
	if m.CallbackFloor != nil {
		m.FloorCycle = round(m.Current.RequestReply.ServerCPU+m.CallbackFloor.ServerCPU, 1)
	}
	if len(bins) > 1 {
		base := variantsOf(rr["baseline"], full["baseline"])
		m.Baseline = &base
		m.VsBaseline = map[string]cycleRatio{"cycle": ratioOf(m.Current.Cycle, base.Cycle),
			"request_reply": ratioOf(m.Current.RequestReply, base.RequestReply)}
		if m.FloorCycle > 0 && base.Cycle.ServerCPU > 0 {
			m.FloorVsBaselineCPU = round(m.FloorCycle/base.Cycle.ServerCPU, 2)
		}
	}
	return m, nil
}

// cycleModes reads -modes for the cycle: memory, redis1 and cluster by
// default; redis2 is the same as redis1 here (two hubs on one Redis).
func (b *bench) cycleModes() ([]string, error) {
	if !b.o.modesSet {
		return []string{modeMemory, modeRedis1, modeCluster}, nil
	}
	var modes []string
	for m := range strings.SplitSeq(b.o.modes, ",") {
		switch m {
		case modeMemory, modeRedis1, modeRedis2, modeCluster:
			modes = append(modes, m)
		default:
			return nil, fmt.Errorf("-modes: cycle runs %s, %s and %s, not %q", modeMemory, modeRedis1, modeCluster, m)
		}
	}
	return modes, nil
}

// cycleRedisServers is how many redis-servers a cycle mode runs.
func cycleRedisServers(mode string) int {
	switch mode {
	case modeMemory:
		return 0
	case modeCluster:
		return 3
	}
	return 1
}

// cycles is -n for the cycle scenario: 3,000 unless -n is given.
func (o options) cycles() int {
	if o.nSet {
		return o.n
	}
	return 3000
}
