package main

import (
	"time"
)

// sample is one measurement: what was published and delivered, how fast,
// and what it cost in CPU.
type sample struct {
	Published  int                `json:"published"`
	Failed     int                `json:"failed,omitempty"`
	FirstError string             `json:"first_error,omitempty"`
	Expected   int                `json:"expected"` // published × subscribers per id
	Delivered  int                `json:"delivered"`
	Seconds    float64            `json:"seconds"` // first post to last delivery
	MsgPerS    float64            `json:"delivered_msg_per_s"`
	ServerCPU  float64            `json:"server_cpu_us_per_msg"`                      // hubs or relay, and redis-server
	ByProcess  map[string]float64 `json:"server_cpu_us_per_msg_by_process,omitempty"` // ServerCPU by target.roles
	BenchCPU   float64            `json:"bench_cpu_us_per_msg"`                       // this load generator
	Latency    *summary           `json:"latency,omitempty"`
}

// measure runs send against the crowd's target t and waits for what it
// published to arrive; CPU is counted from the first post until the last
// expected message arrived (or nothing came for drainIdle), in all and
// per process.
func measure(c *crowd, t *target, record bool, send func() published) (sample, error) {
	c.reset(record)
	cpu, err := startCPU(t.pids)
	if err != nil {
		return sample{}, err
	}
	start := time.Now()
	p := send()
	want := int64(p.ok * c.perID)
	c.drain(want, drainIdle)
	server, each, self, err := cpu.stop()
	if err != nil {
		return sample{}, err
	}
	s := sample{Published: p.ok, Failed: p.failed, Expected: int(want), Delivered: int(c.delivered.Load())}
	if p.first != nil {
		s.FirstError = p.first.Error()
	}
	if last := c.last.Load(); last > 0 {
		d := time.Unix(0, last).Sub(start)
		s.Seconds, s.MsgPerS = round(d.Seconds(), 3), perSecond(s.Delivered, d)
	}
	s.ServerCPU, s.BenchCPU = perMsg(server, s.Delivered), perMsg(self, s.Delivered)
	if len(each) > 1 {
		s.ByProcess = map[string]float64{}
		for i, role := range t.roles() {
			s.ByProcess[role] = perMsg(each[i], s.Delivered)
		}
	}
	if record {
		l := c.lat.summary()
		s.Latency = &l
	}
	return s, nil
}

// drainIdle is how long a measurement waits for a message that does not
// come before it counts the rest as lost.
const drainIdle = 3 * time.Second

func perMsg(cpu time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return round(float64(cpu.Microseconds())/float64(n), 1)
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
