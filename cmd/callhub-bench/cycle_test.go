package main

import (
	"slices"
	"strings"
	"testing"
)

// cycleReport is a cycle document.
type cycleReport struct {
	Scenario string `json:"scenario"`
	Result   struct {
		Cycles int         `json:"cycles"`
		Modes  []cycleMode `json:"modes"`
	} `json:"result"`
}

// TestCycle: every cycle of each mode ends, with and without a callback,
// and the report counts them and what they cost: CPU always, Redis
// commands, scripts and memory on Redis.
func TestCycle(t *testing.T) {
	modes := testModes(t)
	var r cycleReport
	doc := runInto(t, "cycle", &r, "-n", "50", "-modes", modes)
	if r.Scenario != "cycle" || r.Result.Cycles != 50 || len(r.Result.Modes) != len(strings.Split(modes, ",")) {
		t.Fatalf("cycle report %s: want 50 cycles in each of %s", doc, modes)
	}
	for _, m := range r.Result.Modes {
		if m.Baseline != nil || m.VsBaseline != nil {
			t.Errorf("%s: a baseline without -baseline-bin: %+v", m.Mode, m.Baseline)
		}
		for name, f := range map[string]cycleFigures{"cycle": m.Current.Cycle, "request_reply": m.Current.RequestReply} {
			checkCycle(t, m.Mode+"."+name, f, m.Mode != modeMemory)
		}
		if m.Current.Cycle.HubCPU <= 0 {
			t.Errorf("%s: hub CPU per full cycle = %v, want > 0", m.Mode, m.Current.Cycle.HubCPU)
		}
		if m.Mode != modeMemory && m.Current.CallbackPart.Commands <= 0 {
			t.Errorf("%s: a callback costs %v Redis commands, want > 0", m.Mode, m.Current.CallbackPart.Commands)
		}
		if oneRedis := m.Mode == modeRedis1 || m.Mode == modeRedis2; oneRedis != (m.CallbackFloor != nil) {
			t.Errorf("%s: callback floor %+v, want one on one redis-server only", m.Mode, m.CallbackFloor)
		} else if oneRedis && (m.CallbackFloor.PerS <= 0 || len(m.CallbackFloor.Runs) != 1 || m.CallbackFloor.Runs[0].Callbacks != 50 ||
			m.FloorCycle < m.Current.RequestReply.ServerCPU) {
			t.Errorf("%s: callback floor %+v, floor cycle %v: want 50 callbacks measured, added to request + reply's %v",
				m.Mode, m.CallbackFloor, m.FloorCycle, m.Current.RequestReply.ServerCPU)
		}
		keys := m.Current.Cycle.Runs[0].Keys
		if (m.Mode != modeMemory) != (len(keys) > 0) {
			t.Errorf("%s: keys by pattern %+v", m.Mode, keys)
		}
		for _, k := range keys {
			if k.Keys <= 0 || k.BytesPerKey <= 0 {
				t.Errorf("%s: keys by pattern %+v: each pattern's keys and bytes should be > 0", m.Mode, keys)
			}
		}
	}
	if !strings.Contains(modes, modeRedis1) {
		t.Skip("REDIS-SERVER NOT INSTALLED: the cycle ran in memory only")
	}
}

// checkCycle asserts one run of 50 cycles all ended and was measured.
func checkCycle(t *testing.T, name string, f cycleFigures, onRedis bool) {
	t.Helper()
	if len(f.Runs) != 1 || !f.AllEnded {
		t.Fatalf("%s: %d runs, all ended %v; want 1 and true: %+v", name, len(f.Runs), f.AllEnded, f.Runs)
	}
	if s := f.Runs[0]; s.Cycles != 50 || s.Binary != "current" || s.CyclesPerS <= 0 {
		t.Errorf("%s: %d cycles by %q at %v/s, want 50 by current", name, s.Cycles, s.Binary, s.CyclesPerS)
	}
	// Memory is reported, but 50 cycles are too few to read it: Redis
	// allocates stream nodes 4 KiB at a time, so it may even shrink.
	if onRedis && (f.Commands <= 0 || f.Scripts <= 0 || f.ByCommand["evalsha"] <= 0) {
		t.Errorf("%s: %v commands (%v scripts, by name %v) per cycle, want all > 0",
			name, f.Commands, f.Scripts, f.ByCommand)
	}
	if !onRedis && (f.Commands != 0 || f.ByCommand != nil) {
		t.Errorf("%s: Redis commands %v (%v) in memory", name, f.Commands, f.ByCommand)
	}
}

// TestCycleAlternatesBaseline: with -baseline-bin the baseline and the
// current binary take turns, run by run, and the report compares them.
func TestCycleAlternatesBaseline(t *testing.T) {
	var r cycleReport
	doc := runInto(t, "cycle", &r, "-n", "20", "-runs", "2", "-modes", modeMemory, "-baseline-bin", callhubBinary(t))
	if len(r.Result.Modes) != 1 || r.Result.Modes[0].Baseline == nil {
		t.Fatalf("cycle report %s: want one mode with a baseline", doc)
	}
	m := r.Result.Modes[0]
	for _, tc := range []struct {
		name string
		runs []cycleSample
		want []int
	}{
		{"baseline", m.Baseline.Cycle.Runs, []int{1, 3}},
		{"current", m.Current.Cycle.Runs, []int{2, 4}},
		{"baseline", m.Baseline.RequestReply.Runs, []int{1, 3}},
		{"current", m.Current.RequestReply.Runs, []int{2, 4}},
	} {
		var got []int
		for _, s := range tc.runs {
			got = append(got, s.Order)
			if s.Binary != tc.name || s.Cycles != 20 {
				t.Errorf("%s run %d: %d cycles by %q, want 20 by %s", tc.name, s.Order, s.Cycles, s.Binary, tc.name)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s runs came %v in the sequence, want %v", tc.name, got, tc.want)
		}
	}
	for _, v := range []string{"cycle", "request_reply"} {
		if m.VsBaseline[v].CyclesPerS <= 0 {
			t.Errorf("vs_baseline[%s] = %+v, want a cycles/s ratio", v, m.VsBaseline[v])
		}
	}
}

// TestCycleOneHub: -hubs 1 runs the Redis cycle on one hub, each reply
// posted through the hub that took its request, and every cycle ends; -hubs
// 0 is refused.
func TestCycleOneHub(t *testing.T) {
	if !strings.Contains(testModes(t), modeRedis1) {
		t.Skip("REDIS-SERVER NOT INSTALLED: skipping the one-hub cycle on Redis")
	}
	var r cycleReport
	doc := runInto(t, "cycle", &r, "-n", "20", "-modes", modeRedis1, "-hubs", "1")
	if len(r.Result.Modes) != 1 || r.Result.Modes[0].Hubs != 1 {
		t.Fatalf("cycle report %s: want redis1 on one hub", doc)
	}
	m := r.Result.Modes[0]
	for name, f := range map[string]cycleFigures{"cycle": m.Current.Cycle, "request_reply": m.Current.RequestReply} {
		if len(f.Runs) != 1 || !f.AllEnded || f.Runs[0].Cycles != 20 {
			t.Errorf("%s: %+v, want one run of 20 cycles, all ended", name, f.Runs)
		}
	}
	if _, err := parseFlags([]string{"-scenario", "cycle", "-hubs", "0"}); err == nil || !strings.Contains(err.Error(), "-hubs") {
		t.Errorf("-hubs 0: err = %v, want one naming -hubs", err)
	}
}

// TestCycleMonitor: with -monitor, what clients sent and what scripts ran
// add up to commandstats' count, command by command.
func TestCycleMonitor(t *testing.T) {
	if !strings.Contains(testModes(t), modeRedis1) {
		t.Skip("REDIS-SERVER NOT INSTALLED: skipping the cycle's MONITOR counts")
	}
	var r cycleReport
	doc := runInto(t, "cycle", &r, "-n", "30", "-modes", modeRedis1, "-monitor")
	if len(r.Result.Modes) != 1 {
		t.Fatalf("cycle report %s: want redis1 alone", doc)
	}
	s := r.Result.Modes[0].Current.Cycle.Runs[0]
	if s.Sent <= 0 || s.SentByCommand["evalsha"] <= 0 || len(s.ScriptedByCommand) == 0 {
		t.Fatalf("sent %v (%v), in scripts %v: want both counted", s.Sent, s.SentByCommand, s.ScriptedByCommand)
	}
	for name, calls := range s.ByCommand {
		if got := s.SentByCommand[name] + s.ScriptedByCommand[name]; got < calls-0.02 || got > calls+0.02 {
			t.Errorf("%s: sent %v + in scripts %v, commandstats %v per cycle", name, s.SentByCommand[name], s.ScriptedByCommand[name], calls)
		}
	}
}

func TestMonitorLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line, src, name string
		ok              bool
	}{
		{`1700000000.123456 [0 127.0.0.1:4242] "EVALSHA" "ab12" "1" "k"`, "127.0.0.1:4242", "evalsha", true},
		{`1700000000.123457 [0 lua] "HSET" "k" "f" "v"`, "lua", "hset", true},
		{`OK`, "", "", false},
	} {
		src, name, ok := monitorLine(tc.line)
		if src != tc.src || name != tc.name || ok != tc.ok {
			t.Errorf("monitorLine(%q) = %q, %q, %v; want %q, %q, %v", tc.line, src, name, ok, tc.src, tc.name, tc.ok)
		}
	}
}

func TestKeyPattern(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ key, want string }{
		{"callhub:dlv:{01a24f61-6bee-73fe-a104-39ade6c987f2}", "callhub:dlv:{*}"},
		{"callhub:{dq}:callers:http://127.0.0.1:44095", "callhub:{dq}:callers:*"},
		{"callhub:reqs", "callhub:reqs"},
	} {
		if got := keyPattern(tc.key); got != tc.want {
			t.Errorf("keyPattern(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}
