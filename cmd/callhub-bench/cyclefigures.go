package main

// cycleFigures are the medians of one variant's runs, with every run
// beside them.
type cycleFigures struct {
	CyclesPerS  float64            `json:"cycles_per_s"`
	ServerCPU   float64            `json:"server_cpu_us_per_cycle"`
	HubCPU      float64            `json:"hub_cpu_us_per_cycle"`
	RedisCPU    float64            `json:"redis_cpu_us_per_cycle"`
	BenchCPU    float64            `json:"bench_cpu_us_per_cycle"`
	Commands    float64            `json:"redis_commands_per_cycle"`
	Scripts     float64            `json:"redis_scripts_per_cycle"`
	Sent        float64            `json:"redis_sent_per_cycle,omitempty"` // -monitor: commands clients sent
	MemoryBytes float64            `json:"redis_memory_bytes_per_cycle"`
	MaxShare    float64            `json:"max_master_share,omitempty"`
	P50ms       float64            `json:"p50_ms"`
	P99ms       float64            `json:"p99_ms"`
	ByCommand   map[string]float64 `json:"redis_commands_by_name,omitempty"`
	AllEnded    bool               `json:"all_ended"` // every cycle of every run ended, no callback twice
	Runs        []cycleSample      `json:"runs"`
}

// cycleVariants are a binary's figures with and without a callback, and
// what the callback adds.
type cycleVariants struct {
	Cycle        cycleFigures `json:"cycle"`
	RequestReply cycleFigures `json:"request_reply"`
	CallbackPart cycleRatio   `json:"callback_part"` // cycle − request_reply (cycles_per_s left out)
}

// cycleRatio compares two sets of figures, field by field.
type cycleRatio struct {
	CyclesPerS  float64 `json:"cycles_per_s,omitempty"`
	ServerCPU   float64 `json:"server_cpu_us_per_cycle"`
	HubCPU      float64 `json:"hub_cpu_us_per_cycle"`
	RedisCPU    float64 `json:"redis_cpu_us_per_cycle"`
	Commands    float64 `json:"redis_commands_per_cycle"`
	Scripts     float64 `json:"redis_scripts_per_cycle"`
	MemoryBytes float64 `json:"redis_memory_bytes_per_cycle"`
}

func variantsOf(rr, full []cycleSample) cycleVariants {
	v := cycleVariants{Cycle: cycleSummary(full), RequestReply: cycleSummary(rr)}
	v.CallbackPart = compareFigures(v.Cycle, v.RequestReply, func(a, b float64) float64 { return round(a-b, 1) })
	v.CallbackPart.CyclesPerS = 0
	return v
}

// ratioOf is cur ÷ base; 0 where base has no figure.
func ratioOf(cur, base cycleFigures) cycleRatio {
	return compareFigures(cur, base, func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return round(a/b, 2)
	})
}

func compareFigures(a, b cycleFigures, op func(a, b float64) float64) cycleRatio {
	return cycleRatio{CyclesPerS: op(a.CyclesPerS, b.CyclesPerS), ServerCPU: op(a.ServerCPU, b.ServerCPU),
		HubCPU: op(a.HubCPU, b.HubCPU), RedisCPU: op(a.RedisCPU, b.RedisCPU), Commands: op(a.Commands, b.Commands),
		Scripts: op(a.Scripts, b.Scripts), MemoryBytes: op(a.MemoryBytes, b.MemoryBytes)}
}

func cycleSummary(runs []cycleSample) cycleFigures {
	med := func(get func(cycleSample) float64) float64 {
		vs := make([]float64, 0, len(runs))
		for _, s := range runs {
			vs = append(vs, get(s))
		}
		return median(vs)
	}
	f := cycleFigures{Runs: runs, AllEnded: true,
		CyclesPerS:  med(func(s cycleSample) float64 { return s.CyclesPerS }),
		ServerCPU:   med(func(s cycleSample) float64 { return s.ServerCPU }),
		HubCPU:      med(func(s cycleSample) float64 { return s.HubCPU }),
		RedisCPU:    med(func(s cycleSample) float64 { return s.RedisCPU }),
		BenchCPU:    med(func(s cycleSample) float64 { return s.BenchCPU }),
		Commands:    med(func(s cycleSample) float64 { return s.Commands }),
		Scripts:     med(func(s cycleSample) float64 { return s.Scripts }),
		Sent:        med(func(s cycleSample) float64 { return s.Sent }),
		MemoryBytes: med(func(s cycleSample) float64 { return s.MemoryBytes }),
		MaxShare:    med(func(s cycleSample) float64 { return s.MaxShare }),
		P50ms:       med(func(s cycleSample) float64 { return s.P50ms }),
		P99ms:       med(func(s cycleSample) float64 { return s.P99ms }),
	}
	for _, s := range runs {
		f.AllEnded = f.AllEnded && s.Lost == 0 && s.DupCallbacks == 0
		for name := range s.ByCommand {
			if f.ByCommand == nil {
				f.ByCommand = map[string]float64{}
			}
			f.ByCommand[name] = med(func(s cycleSample) float64 { return s.ByCommand[name] })
		}
	}
	return f
}
