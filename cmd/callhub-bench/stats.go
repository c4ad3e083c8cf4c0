package main

import (
	"slices"
	"sync"
	"time"
)

// latencies collects durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	ds []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.ds = append(l.ds, d)
	l.mu.Unlock()
}

// summary is what a latency scenario reports, in milliseconds.
type summary struct {
	Count int     `json:"count"`
	P50ms float64 `json:"p50_ms"`
	P90ms float64 `json:"p90_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

func (l *latencies) summary() summary {
	l.mu.Lock()
	defer l.mu.Unlock()
	ds := slices.Clone(l.ds)
	slices.Sort(ds)
	if len(ds) == 0 {
		return summary{}
	}
	at := func(q float64) float64 {
		return ms(ds[min(len(ds)-1, int(q*float64(len(ds))))])
	}
	return summary{Count: len(ds), P50ms: at(0.50), P90ms: at(0.90), P99ms: at(0.99), MaxMs: ms(ds[len(ds)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// perSecond is n events over d.
func perSecond(n int, d time.Duration) float64 {
	return float64(int(float64(n)/d.Seconds()*10)) / 10
}
