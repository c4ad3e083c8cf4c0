package main

import "slices"

// figures are the medians of a measurement repeated -runs times, with
// every run beside them.
type figures struct {
	MsgPerS      float64            `json:"delivered_msg_per_s"`
	ServerCPU    float64            `json:"server_cpu_us_per_msg"`
	ByProcess    map[string]float64 `json:"server_cpu_us_per_msg_by_process,omitempty"` // each process's median
	BenchCPU     float64            `json:"bench_cpu_us_per_msg"`
	P50ms        float64            `json:"p50_ms,omitempty"`
	P99ms        float64            `json:"p99_ms,omitempty"`
	AllDelivered bool               `json:"all_delivered"` // in every run, every expected message arrived
	Runs         []sample           `json:"runs"`
}

func summarize(runs []sample) figures {
	f := figures{Runs: runs, AllDelivered: true}
	med := func(get func(sample) float64) float64 { return medianOf(runs, get) }
	f.MsgPerS = med(func(s sample) float64 { return s.MsgPerS })
	f.ServerCPU = med(func(s sample) float64 { return s.ServerCPU })
	f.BenchCPU = med(func(s sample) float64 { return s.BenchCPU })
	if len(runs) > 0 && runs[0].ByProcess != nil {
		f.ByProcess = map[string]float64{}
		for role := range runs[0].ByProcess {
			f.ByProcess[role] = med(func(s sample) float64 { return s.ByProcess[role] })
		}
	}
	for _, s := range runs {
		f.AllDelivered = f.AllDelivered && s.Failed == 0 && s.Delivered == s.Expected
		if s.Latency != nil {
			f.P50ms = med(func(s sample) float64 { return s.Latency.P50ms })
			f.P99ms = med(func(s sample) float64 { return s.Latency.P99ms })
		}
	}
	return f
}

// medianOf is the median of get over xs.
func medianOf[T any](xs []T, get func(T) float64) float64 {
	vs := make([]float64, 0, len(xs))
	for _, x := range xs {
		vs = append(vs, get(x))
	}
	return median(vs)
}

// median is the middle value (the mean of the two middle ones for an even
// count); 0 for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	m := len(vs) / 2
	if len(vs)%2 == 0 {
		return (vs[m-1] + vs[m]) / 2
	}
	return vs[m]
}
