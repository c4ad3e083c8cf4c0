package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// modeResult is what a fanout or relay measurement reports for one mode.
type modeResult struct {
	Mode        string  `json:"mode"`
	Subscribers int     `json:"subscribers"`
	IDs         int     `json:"cids"`
	PerID       int     `json:"subscribers_per_cid"`
	Conns       int64   `json:"publisher_connections"` // dialled over the whole mode, warm-up included
	Closed      int64   `json:"subscribers_closed"`    // connections that ended during the mode
	Max         figures `json:"max"`                   // closed loop: -n messages as fast as -conc allows
	RatePerS    int     `json:"rate_per_s"`
	AtRate      figures `json:"at_rate"` // open loop at -rate; latency measured at the subscriber
	// RedisNodes is what each redis-server did over the whole mode.
	RedisNodes []nodeShare `json:"redis_nodes,omitempty"`
}

// fanout measures the hub's per-cid fan-out in each of -modes and the relay
// baselines they are compared with, in the same run.
func fanout(ctx context.Context, b *bench) (any, error) {
	modes, err := b.modes()
	if err != nil {
		return nil, err
	}
	relays := baselinesOf(modes, relayOf)
	cs := b.comparisons()
	if b.o.rounds > 1 {
		return b.fanoutRounds(ctx, modes, relays, cs)
	}
	all := slices.Concat(modes, relays)
	for _, c := range cs {
		all = append(all, baselinesOf(modes, c.of)...)
	}
	res, err := b.measureModes(ctx, all)
	if err != nil {
		return nil, err
	}
	vsRelay := map[string]float64{} // msg/s only, as the report always had it
	for m, v := range ratios(res, modes, relayOf) {
		vsRelay[m] = v.MsgPerS
	}
	out := map[string]any{"modes": pick(res, modes), "relay": pick(res, relays), "vs_relay": vsRelay}
	for _, c := range cs {
		out[c.name], out["vs_"+c.name] = pick(res, baselinesOf(modes, c.of)), ratios(res, modes, c.of)
	}
	b.noteBaselineBin(out)
	return out, nil
}

// comparison is a baseline besides the relay that a flag asks for:
// Centrifugo's engines (-centrifugo) or an older callhub (-baseline-bin).
type comparison struct {
	name string            // its key in the report: its modes, and vs_<name> their ratios
	of   map[string]string // the baseline mode each hub mode stands beside
}

// comparisons are the baselines the flags ask for, in the order each
// round measures them.
func (b *bench) comparisons() []comparison {
	var cs []comparison
	if b.o.centrifugo != "" {
		cs = append(cs, comparison{"centrifugo", centrifugoOf})
	}
	if b.o.baselineBin != "" {
		cs = append(cs, comparison{"baseline", baselineOf})
	}
	return cs
}

// noteBaselineBin names -baseline-bin in a report that measured it.
func (b *bench) noteBaselineBin(out map[string]any) {
	if b.o.baselineBin != "" {
		out["baseline_bin"] = b.o.baselineBin
	}
}

// fanoutRounds is fanout with -rounds: the machine drifts over the
// minutes one pass over every mode takes, so each mode is measured
// beside its baselines (memory, its relay, Centrifugo's memory engine,
// memory on -baseline-bin; then redis1 and its own ...), every mode once
// per round, in the reverse order every other round. A mode's figures
// are the medians of all its rounds' runs; a ratio to a baseline is the
// median of the rounds' ratios, each taken between neighbours.
func (b *bench) fanoutRounds(ctx context.Context, modes, relays []string, cs []comparison) (any, error) {
	var order []string
	for _, m := range modes {
		next := []string{m, relayOf[m]}
		for _, c := range cs {
			next = append(next, c.of[m])
		}
		for _, x := range next {
			if !slices.Contains(order, x) {
				order = append(order, x)
			}
		}
	}
	svc := newService()
	defer svc.srv.Close()
	full, steady := map[string][]sample{}, map[string][]sample{}
	rounds := make([]map[string]modeResult, b.o.rounds)
	for i := range rounds {
		rounds[i] = map[string]modeResult{}
		pass := slices.Clone(order)
		if i%2 == 1 {
			slices.Reverse(pass)
		}
		for _, m := range pass {
			log("round %d/%d, %s: %d subscribers", i+1, b.o.rounds, m, b.o.subs)
			r, err := b.measureMode(ctx, svc, m)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m, err)
			}
			rounds[i][m] = r
			full[m], steady[m] = append(full[m], r.Max.Runs...), append(steady[m], r.AtRate.Runs...)
		}
	}
	res := map[string]modeResult{}
	for _, m := range order {
		r := rounds[len(rounds)-1][m] // the last round's counts; the figures over every round
		r.Max, r.AtRate = summarize(full[m]), summarize(steady[m])
		res[m] = r
	}
	vsRelay := map[string]float64{}
	med, _ := roundRatios(rounds, modes, relayOf)
	for m, v := range med {
		vsRelay[m] = v.MsgPerS
	}
	out := map[string]any{"modes": pick(res, modes), "relay": pick(res, relays), "vs_relay": vsRelay, "rounds": b.o.rounds}
	for _, c := range cs {
		med, each := roundRatios(rounds, modes, c.of)
		out[c.name], out["vs_"+c.name], out["vs_"+c.name+"_rounds"] = pick(res, baselinesOf(modes, c.of)), med, each
	}
	b.noteBaselineBin(out)
	return out, nil
}

// roundRatios is each round's ratios of modes to their baselines, and
// their medians over the rounds.
func roundRatios(rounds []map[string]modeResult, modes []string, baseOf map[string]string) (med map[string]vs, each map[string][]vs) {
	each = map[string][]vs{}
	for _, r := range rounds {
		for m, v := range ratios(r, modes, baseOf) {
			each[m] = append(each[m], v)
		}
	}
	med = map[string]vs{}
	for m, rs := range each {
		msg, cpu := make([]float64, len(rs)), make([]float64, len(rs))
		for i, v := range rs {
			msg[i], cpu[i] = v.MsgPerS, v.ServerCPU
		}
		med[m] = vs{MsgPerS: round(median(msg), 2), ServerCPU: round(median(cpu), 2)}
	}
	return med, each
}

// vs compares a mode with its baseline: delivered msg/s (higher is better)
// and server CPU per message (lower is better), both mode ÷ baseline; 0
// where the baseline has no figure.
type vs struct {
	MsgPerS   float64 `json:"msg_per_s"`
	ServerCPU float64 `json:"server_cpu_per_msg"`
}

// ratios compares each mode's closed-loop figures with its baseline's.
func ratios(res map[string]modeResult, modes []string, baseOf map[string]string) map[string]vs {
	r := map[string]vs{}
	for _, m := range modes {
		got, base := res[m].Max, res[baseOf[m]].Max
		if base.MsgPerS == 0 {
			continue
		}
		v := vs{MsgPerS: round(got.MsgPerS/base.MsgPerS, 2)}
		if base.ServerCPU > 0 { // a very short run may see no CPU tick
			v.ServerCPU = round(got.ServerCPU/base.ServerCPU, 2)
		}
		r[m] = v
	}
	return r
}

// baselinesOf lists the baselines (relayOf or centrifugoOf) of modes, once
// each.
func baselinesOf(modes []string, baseOf map[string]string) []string {
	var out []string
	for _, m := range modes {
		if !slices.Contains(out, baseOf[m]) {
			out = append(out, baseOf[m])
		}
	}
	return out
}

// modes reads -modes.
func (b *bench) modes() ([]string, error) {
	var modes []string
	for m := range strings.SplitSeq(b.o.modes, ",") {
		if relayOf[m] == "" {
			return nil, fmt.Errorf("-modes: unknown mode %q (want %s, %s, %s, %s)", m, modeMemory, modeRedis1, modeRedis2, modeCluster)
		}
		modes = append(modes, m)
	}
	return modes, nil
}

func (b *bench) measureModes(ctx context.Context, modes []string) (map[string]modeResult, error) {
	svc := newService()
	defer svc.srv.Close()
	res := map[string]modeResult{}
	for _, m := range modes {
		log("%s: %d subscribers", m, b.o.subs)
		r, err := b.measureMode(ctx, svc, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		res[m] = r
	}
	return res, nil
}

// measureMode starts mode's processes, connects the subscribers, warms
// them up and runs the closed-loop and the paced measurement -runs times.
func (b *bench) measureMode(ctx context.Context, svc *service, mode string) (modeResult, error) {
	defer b.stopAll()
	b.redisNodes = nil
	t, err := b.start(ctx, mode, svc, b.o.subs/b.o.perCID)
	if err != nil {
		return modeResult{}, err
	}
	c, err := dialCrowd(ctx, t, b.o.subs, b.o.perCID)
	if err != nil {
		return modeResult{}, err
	}
	defer c.close()
	p := &publisher{pool: newPool(b.o.conc), conc: b.o.conc}
	defer p.close()
	if err := c.warm(ctx, p, t); err != nil {
		return modeResult{}, err
	}
	nPaced := min(b.o.n, int(b.o.duration.Seconds()*float64(b.o.rate)))
	var full, steady []sample
	for range b.o.runs {
		s, err := measure(c, t, false, func() published { return p.burst(ctx, t, b.o.n) })
		if err != nil {
			return modeResult{}, err
		}
		full = append(full, s)
		if s, err = measure(c, t, true, func() published { return p.paced(ctx, t, nPaced, b.o.rate) }); err != nil {
			return modeResult{}, err
		}
		steady = append(steady, s)
	}
	return modeResult{Mode: mode, Subscribers: b.o.subs, IDs: len(t.ids), PerID: b.o.perCID,
		Conns: p.dials.Load(), Closed: c.closed.Load(), Max: summarize(full),
		RatePerS: b.o.rate, AtRate: summarize(steady), RedisNodes: nodeShares(ctx, b.redisNodes)}, nil
}

func pick(res map[string]modeResult, modes []string) []modeResult {
	out := make([]modeResult, 0, len(modes))
	for _, m := range modes {
		out = append(out, res[m])
	}
	return out
}
