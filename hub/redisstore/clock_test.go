package redisstore

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestOffsetAt: the offset is this clock at the midpoint of the round
// trip minus Redis's answer.
func TestOffsetAt(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	received := sent.Add(10 * time.Millisecond)
	for _, tc := range []struct {
		name  string
		redis time.Time
		want  time.Duration
	}{
		{"in step", sent.Add(5 * time.Millisecond), 0},
		{"Redis read at the send", sent, 5 * time.Millisecond},
		{"Redis read at the answer", received, -5 * time.Millisecond},
		{"this clock 2s behind", sent.Add(2*time.Second + 5*time.Millisecond), -2 * time.Second},
		{"this clock 40s ahead", sent.Add(-40*time.Second + 5*time.Millisecond), 40 * time.Second},
	} {
		if got := offsetAt(sent, received, tc.redis); got != tc.want {
			t.Errorf("%s: offsetAt = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestBestOffset: of several TIMEs, the one with the shortest round
// trip gives the offset, first or not (the first may include a dial).
func TestBestOffset(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	slow := timeSample{at, at.Add(40 * time.Millisecond), at.Add(-5 * time.Second)} // offset 5.02s
	fast := timeSample{at.Add(time.Second), at.Add(time.Second + 2*time.Millisecond), at.Add(time.Second)}
	for _, samples := range [][]timeSample{{slow, fast}, {fast, slow}} {
		if got := bestOffset(samples); got != time.Millisecond {
			t.Errorf("bestOffset(%v) = %v, want 1ms, the 2 ms round trip's", samples, got)
		}
	}
	if got := bestOffset([]timeSample{slow}); got != 5020*time.Millisecond {
		t.Errorf("bestOffset of one sample = %v, want 5.02s", got)
	}
}

// TestLargestOffset: of the masters that answered, the offset of largest
// magnitude, whichever its sign; none answered, none.
func TestLargestOffset(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		offsets  []time.Duration
		answered []bool
		want     time.Duration
		ok       bool
	}{
		{"none", nil, nil, 0, false},
		{"none answered", []time.Duration{ms}, []bool{false}, 0, false},
		{"one", []time.Duration{3 * ms}, []bool{true}, 3 * ms, true},
		{"one, zero", []time.Duration{0}, []bool{true}, 0, true},
		{"negative largest", []time.Duration{3 * ms, -1500 * ms, 2 * ms}, []bool{true, true, true}, -1500 * ms, true},
		{"positive largest", []time.Duration{-3 * ms, 1500 * ms, 2 * ms}, []bool{true, true, true}, 1500 * ms, true},
		{"the largest did not answer", []time.Duration{3 * ms, -9 * time.Second, 2 * ms}, []bool{true, false, true}, 3 * ms, true},
	} {
		got, ok := largestOffset(tc.offsets, tc.answered)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: largestOffset = %v, %v, want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestClockWarning: warned above 1s, no longer under 500ms, and in
// between as before.
func TestClockWarning(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	for _, tc := range []struct {
		warned bool
		d      time.Duration
		want   bool
	}{
		{false, 0, false},
		{false, 999 * ms, false},
		{false, time.Second, false},
		{false, time.Second + 1, true},
		{false, -time.Second - 1, true},
		{false, 40 * time.Second, true},
		{true, 2 * time.Second, true},
		{true, time.Second, true},
		{true, 500 * ms, true},
		{true, -700 * ms, true},
		{true, 499 * ms, false},
		{true, -499 * ms, false},
		{true, 0, false},
		{false, 700 * ms, false},
	} {
		if got := clockWarning(tc.warned, tc.d); got != tc.want {
			t.Errorf("clockWarning(%v, %v) = %v, want %v", tc.warned, tc.d, got, tc.want)
		}
	}
}

// TestClockReport: each offset reaches OnClockOffset, and the log has a
// warning once the offset goes above 1s and a note once it is back
// under 500ms, one per crossing.
func TestClockReport(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var got []time.Duration
	c := &clockCheck{onOffset: func(d time.Duration) { got = append(got, d) },
		logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ms := time.Millisecond
	offsets := []time.Duration{10 * ms, -1500 * ms, -2 * time.Second, 800 * ms, 300 * ms, 200 * ms, 1200 * ms}
	for _, d := range offsets {
		c.report(context.Background(), d)
	}
	if len(got) != len(offsets) {
		t.Errorf("OnClockOffset got %v, want %v", got, offsets)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		`level=WARN msg="clock differs from Redis's" offset=-1.5s risk=`,
		`level=INFO msg="clock back in step with Redis's" offset=300ms`,
		`level=WARN msg="clock differs from Redis's" offset=1.2s risk=`,
	}
	if len(lines) != len(want) {
		t.Fatalf("log:\n%s\nwant %d lines", buf.String(), len(want))
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("log line %d = %s, want %s", i, lines[i], w)
		}
	}
}

// offsets collects what OnClockOffset is called with.
type offsets struct {
	mu  sync.Mutex
	got []time.Duration
}

func (o *offsets) add(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, d)
}

func (o *offsets) first() (time.Duration, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.got) == 0 {
		return 0, false
	}
	return o.got[0], true
}

// waitOffset waits for the Store's first measurement and checks that a
// local Redis's clock reads as this one's.
func waitOffset(t *testing.T, o *offsets) time.Duration {
	t.Helper()
	testwait.Until(t, "OnClockOffset", func() bool { _, ok := o.first(); return ok })
	d, _ := o.first()
	if d.Abs() >= time.Second {
		t.Errorf("offset from a local Redis = %v, want under 1s", d)
	}
	return d
}

// TestClockOffset: a Store measures its clock against a local Redis
// when it opens, with its TIMEs, and finds them in step.
func TestClockOffset(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	var o offsets
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "t:", OnClockOffset: o.add})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := waitOffset(t, &o)
	t.Logf("offset %v", d)
	if n := srv.CommandCalls()["time"]; n != timeOffsetSamples {
		t.Errorf("TIME calls = %d, want %d", n, timeOffsetSamples)
	}
}

// TestClockOffsetCluster: on a 3-master Cluster every master is asked
// for TIME.
func TestClockOffsetCluster(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, 3, 0)
	var o offsets
	s, err := Open(Config{Addrs: c.Addrs(), KeyPrefix: "t:", OnClockOffset: o.add})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitOffset(t, &o)
	for _, n := range c.Nodes {
		if got := n.CommandCalls()["time"]; got != timeOffsetSamples {
			t.Errorf("master %s: TIME calls = %d, want %d", n.Addr, got, timeOffsetSamples)
		}
	}
}
