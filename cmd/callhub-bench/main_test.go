package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestMain lets the test binary serve as the relay process the relay
// measurements start with os.Args[0] -serve-relay, as the cycle's
// callback floor (-serve-callback-floor) and as the callbacks scenario's
// (-serve-callback-relay).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "-serve-relay" || os.Args[1] == "-serve-callback-floor" || os.Args[1] == "-serve-callback-relay") {
		if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "callhub-bench-test-")
	if err != nil {
		panic(err)
	}
	hubBinary = filepath.Join(dir, "callhub")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// report is the part of a fanout or relay document the tests check.
type report struct {
	Scenario string `json:"scenario"`
	Result   struct {
		Modes   []modeReport       `json:"modes"`
		Relay   []modeReport       `json:"relay"`
		VsRelay map[string]float64 `json:"vs_relay"`

		Centrifugo   []modeReport  `json:"centrifugo"`
		VsCentrifugo map[string]vs `json:"vs_centrifugo"`

		Baseline   []modeReport  `json:"baseline"`
		VsBaseline map[string]vs `json:"vs_baseline"`
	} `json:"result"`
}

type modeReport struct {
	Mode       string         `json:"mode"`
	CIDs       int            `json:"cids"`
	Max        map[string]any `json:"max"`
	AtRate     map[string]any `json:"at_rate"`
	RedisNodes []nodeShare    `json:"redis_nodes"`
}

// TestFanoutCluster: the cluster mode runs hubs A and B on a 3-master
// Redis Cluster, every message arrives, and the report says what each
// node carried: replies stored and published on every master, sharded.
func TestFanoutCluster(t *testing.T) {
	testModes(t)
	r := runScenario(t, "fanout", "-subs", "30", "-modes", modeCluster)
	if len(r.Result.Modes) != 1 {
		t.Fatalf("fanout reported %d modes, want 1", len(r.Result.Modes))
	}
	m := r.Result.Modes[0]
	checkMode(t, m, 1)
	if len(m.RedisNodes) != 3 {
		t.Fatalf("redis_nodes = %+v, want 3 cluster nodes", m.RedisNodes)
	}
	for _, n := range m.RedisNodes {
		if n.Calls["evalsha"] == 0 || n.Calls["spublish"] == 0 || n.Calls["publish"] != 0 {
			t.Errorf("node %s calls %v: want replies stored and sharded-published on every master", n.Addr, n.Calls)
		}
	}
	by, _ := m.Max["server_cpu_us_per_msg_by_process"].(map[string]any)
	for _, role := range []string{"redis 1", "redis 2", "redis 3", "hub A", "hub B"} {
		if _, ok := by[role]; !ok || len(by) != 5 {
			t.Errorf("server_cpu_us_per_msg_by_process = %v, want the 3 masters' and the 2 hubs'", by)
			break
		}
	}
}

// TestRoles: each process of a target is named for the CPU it spends,
// redis-servers first, then the servers.
func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		t    target
		want []string
	}{
		{target{hub: true, pids: []int{1}, servers: 1}, []string{"hub"}},
		{target{hub: true, pids: []int{1, 2, 3}, servers: 2}, []string{"redis", "hub A", "hub B"}},
		{target{hub: true, pids: []int{1, 2, 3, 4, 5}, servers: 2}, []string{"redis 1", "redis 2", "redis 3", "hub A", "hub B"}},
		{target{centrifugo: true, pids: []int{1, 2}, servers: 1}, []string{"redis", "centrifugo"}},
		{target{pids: []int{1, 2}, servers: 1}, []string{"redis", "relay"}},
	} {
		if got := tc.t.roles(); !slices.Equal(got, tc.want) {
			t.Errorf("roles = %q, want %q", got, tc.want)
		}
	}
}

func TestFanoutDeliversEveryMessage(t *testing.T) {
	modes := testModes(t)
	for _, tc := range []struct {
		name      string
		args      []string
		perCID    int
		wantModes int
		runs      int // of each mode, one per round
	}{
		{"cid per subscriber", []string{"-subs", "5", "-modes", modes}, 1, len(strings.Split(modes, ",")), 1},
		{"5 subscribers on one cid", []string{"-subs", "5", "-per-cid", "5", "-modes", "memory"}, 5, 1, 1},
		{"two rounds", []string{"-subs", "5", "-modes", "memory", "-rounds", "2"}, 1, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runScenario(t, "fanout", tc.args...)
			if got := len(r.Result.Modes); got != tc.wantModes {
				t.Fatalf("fanout reported %d modes, want %d", got, tc.wantModes)
			}
			for _, m := range append(r.Result.Modes, r.Result.Relay...) {
				checkModeRuns(t, m, tc.perCID, tc.runs)
			}
			for _, m := range r.Result.Modes {
				if _, ok := r.Result.VsRelay[m.Mode]; !ok {
					t.Errorf("vs_relay has no ratio for %s: %v", m.Mode, r.Result.VsRelay)
				}
			}
		})
	}
}

// TestFanoutBaselineBin: with -baseline-bin each mode is measured again
// on that binary (a wrapper here, which leaves a mark when it is run),
// beside the mode, and compared with it; with -rounds too.
func TestFanoutBaselineBin(t *testing.T) {
	for _, rounds := range []string{"1", "2"} {
		t.Run("rounds "+rounds, func(t *testing.T) {
			dir := t.TempDir()
			mark, bin := filepath.Join(dir, "ran"), filepath.Join(dir, "old-callhub")
			script := fmt.Sprintf("#!/bin/sh\ntouch %q\nexec %q \"$@\"\n", mark, callhubBinary(t))
			if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
				t.Fatal(err)
			}
			r := runScenario(t, "fanout", "-subs", "5", "-modes", modeMemory, "-baseline-bin", bin, "-rounds", rounds)
			if _, err := os.Stat(mark); err != nil {
				t.Errorf("the baseline binary was not run: %v", err)
			}
			if len(r.Result.Baseline) != 1 || r.Result.Baseline[0].Mode != baselinePrefix+modeMemory {
				t.Fatalf("baseline = %+v, want baseline_memory alone", r.Result.Baseline)
			}
			n, _ := strconv.Atoi(rounds)
			checkModeRuns(t, r.Result.Baseline[0], 1, n)
			if v := r.Result.VsBaseline[modeMemory]; v.MsgPerS <= 0 {
				t.Errorf("vs_baseline = %v, want memory's ratio", r.Result.VsBaseline)
			}
		})
	}
}

func TestRelayDeliversEveryMessage(t *testing.T) {
	r := runScenario(t, "relay", "-subs", "5", "-modes", testModes(t))
	want := map[string]bool{modeRelay: true, modeRelayPS: strings.Contains(testModes(t), modeRedis1)}
	for _, m := range r.Result.Relay {
		if !want[m.Mode] {
			t.Errorf("relay reported mode %q", m.Mode)
		}
		delete(want, m.Mode)
		checkMode(t, m, 1)
	}
	for m, w := range want {
		if w {
			t.Errorf("relay did not report %s", m)
		}
	}
}

// checkMode asserts a mode's figures are there and every one of the 50
// messages of each measurement reached each subscriber of its cid.
func checkMode(t *testing.T, m modeReport, perCID int) { checkModeRuns(t, m, perCID, 1) }

// checkModeRuns is checkMode for a mode measured runs times.
func checkModeRuns(t *testing.T, m modeReport, perCID, wantRuns int) {
	t.Helper()
	for name, f := range map[string]map[string]any{"max": m.Max, "at_rate": m.AtRate} {
		for _, key := range []string{"delivered_msg_per_s", "server_cpu_us_per_msg", "all_delivered", "runs"} {
			if _, ok := f[key]; !ok {
				t.Errorf("%s.%s: no %q in %v", m.Mode, name, key, f)
			}
		}
		if f["all_delivered"] != true {
			t.Errorf("%s.%s: all_delivered = %v", m.Mode, name, f["all_delivered"])
		}
		runs, _ := f["runs"].([]any)
		for _, r := range runs {
			s := r.(map[string]any)
			if s["published"] != 50.0 || s["delivered"] != float64(50*perCID) {
				t.Errorf("%s.%s: published %v, delivered %v; want 50 and %d", m.Mode, name, s["published"], s["delivered"], 50*perCID)
			}
		}
		if len(runs) != wantRuns {
			t.Errorf("%s.%s: %d runs, want %d", m.Mode, name, len(runs), wantRuns)
		}
	}
	for _, key := range []string{"p50_ms", "p99_ms"} {
		if _, ok := m.AtRate[key]; !ok {
			t.Errorf("%s.at_rate: no %q", m.Mode, key)
		}
	}
}

// testModes is memory, and redis1 when redis-server is installed (under
// CI=true it must be).
func testModes(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed")
		}
		t.Log("redis-server is not installed: memory mode only")
		return modeMemory
	}
	return modeMemory + "," + modeRedis1
}

// runScenario runs the bench at a tiny size and decodes its one document.
func runScenario(t *testing.T, scenario string, args ...string) report {
	t.Helper()
	var r report
	runInto(t, scenario, &r, args...)
	if r.Scenario != scenario {
		t.Fatalf("scenario = %q, want %q", r.Scenario, scenario)
	}
	return r
}

// runInto runs the bench at a tiny size (args may change it) and decodes
// its one document into v. It returns the document.
func runInto(t *testing.T, scenario string, v any, args ...string) string {
	t.Helper()
	args = append([]string{"-scenario", scenario, "-bin", callhubBinary(t),
		"-n", "50", "-rate", "500", "-duration", "1s", "-c", "4"}, args...)
	var out bytes.Buffer
	if err := run(t.Context(), args, &out); err != nil {
		t.Fatalf("callhub-bench %s: %v", strings.Join(args, " "), err)
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		t.Fatalf("callhub-bench printed %q: %v", out.String(), err)
	}
	return out.String()
}

// hubBinary is where callhubBinary builds the hub, once per test binary.
var (
	hubBinary string
	buildHub  sync.Once
	buildErr  error
)

func callhubBinary(t *testing.T) string {
	t.Helper()
	buildHub.Do(func() {
		out, err := exec.Command("go", "build", "-o", hubBinary, "github.com/callhub/callhub/cmd/callhub").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build cmd/callhub: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return hubBinary
}

// TestIdle: the idle scenario reports an idle hub on Redis with its
// subscribers, and what it costs: its looks at the delivery queue's
// partitions (one ZRANGE each every two seconds).
func TestIdle(t *testing.T) {
	if !strings.Contains(testModes(t), modeRedis1) {
		t.Skip("REDIS-SERVER NOT INSTALLED: skipping the idle scenario")
	}
	var r struct {
		Scenario string `json:"scenario"`
		Result   struct {
			Subscribers int                `json:"subscribers"`
			PerSec      float64            `json:"redis_commands_per_s"`
			ByCommand   map[string]float64 `json:"by_command"`
			HubCPU      *float64           `json:"hub_cpu_percent"`
			RedisCPU    *float64           `json:"redis_cpu_percent"`
		} `json:"result"`
	}
	doc := runInto(t, "idle", &r, "-n", "20", "-duration", "3s")
	res := r.Result
	if r.Scenario != "idle" || res.Subscribers != 20 || res.HubCPU == nil || res.RedisCPU == nil || res.ByCommand["zrange"] == 0 {
		t.Errorf("idle report %s: want 20 subscribers, both CPU shares and the queue's polls", doc)
	}
	if res.PerSec > 20 {
		t.Errorf("an idle hub runs %.1f Redis commands a second (%v), want about 5", res.PerSec, res.ByCommand)
	}
}

// TestIdleWS: idle-ws reports, for the current hub and a baseline one run
// in turn, the memory and goroutines each idle connection costs; the
// hub holds at least one goroutine per connection (its read loop). The
// memory figures are not checked: 40 connections move the resident
// memory by less than the runtime's own noise.
func TestIdleWS(t *testing.T) {
	var r struct {
		Scenario string `json:"scenario"`
		Result   struct {
			Connections int                `json:"connections"`
			Current     idleFigures        `json:"current"`
			Baseline    idleFigures        `json:"baseline"`
			Ratio       map[string]float64 `json:"current_vs_baseline"`
		} `json:"result"`
	}
	doc := runInto(t, "idle-ws", &r, "-n", "40", "-runs", "2", "-baseline-bin", callhubBinary(t))
	res := r.Result
	if r.Scenario != "idle-ws" || res.Connections != 40 || len(res.Current.Runs) != 2 || len(res.Baseline.Runs) != 2 {
		t.Fatalf("idle-ws report %s: want 40 connections, two runs of each binary", doc)
	}
	for _, f := range []idleFigures{res.Current, res.Baseline} {
		if f.GoroutinesPerConn < 1 {
			t.Errorf("idle-ws figures %+v: want at least one goroutine per connection", f)
		}
	}
	if g := res.Ratio["goroutines_per_connection"]; g < 0.9 || g > 1.1 {
		t.Errorf("the same binary as baseline and current: ratios %v, want goroutines about 1", res.Ratio)
	}
}

// TestCallbacks: the callbacks scenario delivers every callback through
// the hub and then through its floor, the callback relay (a process of
// its own), and reports both and their ratio; with -baseline-bin and
// -rounds, a baseline hub beside them, and each round's ratios.
func TestCallbacks(t *testing.T) {
	var r struct {
		Scenario string `json:"scenario"`
		Result   struct {
			Callbacks int      `json:"callbacks"`
			PerS      float64  `json:"callbacks_per_s"`
			HubCPU    *float64 `json:"hub_cpu_us_per_callback"`
			Floor     struct {
				PerS     float64  `json:"callbacks_per_s"`
				RelayCPU *float64 `json:"relay_cpu_us_per_callback"`
				BenchCPU *float64 `json:"bench_cpu_us_per_callback"`
			} `json:"floor"`
			VsFloor       float64   `json:"vs_floor"`
			VsFloorRounds []float64 `json:"vs_floor_rounds"`
			Baseline      struct {
				PerS   float64  `json:"callbacks_per_s"`
				HubCPU *float64 `json:"hub_cpu_us_per_callback"`
			} `json:"baseline"`
			VsBaseline       float64   `json:"vs_baseline"`
			CPUVsBaseline    float64   `json:"cpu_vs_baseline"`
			VsBaselineRounds []float64 `json:"vs_baseline_rounds"`
		} `json:"result"`
	}
	doc := runInto(t, "callbacks", &r, "-n", "200", "-cids", "20", "-rounds", "2", "-baseline-bin", callhubBinary(t))
	res := r.Result
	if r.Scenario != "callbacks" || res.Callbacks != 200 || res.PerS <= 0 || res.HubCPU == nil {
		t.Errorf("callbacks report %s: want 200 callbacks through the hub, their rate and CPU", doc)
	}
	if res.Floor.PerS <= 0 || res.Floor.RelayCPU == nil || res.Floor.BenchCPU == nil || res.VsFloor <= 0 || len(res.VsFloorRounds) != 2 {
		t.Errorf("callbacks report %s: want the floor's rate and CPU, and the hub's ratio to it in each of 2 rounds", doc)
	}
	// 200 callbacks may read no CPU at all (10 ms ticks): a round without
	// it has no CPU ratio, and cpu_vs_baseline may be 0, never below.
	if res.Baseline.PerS <= 0 || res.Baseline.HubCPU == nil || res.VsBaseline <= 0 || !(res.CPUVsBaseline >= 0) || len(res.VsBaselineRounds) != 2 {
		t.Errorf("callbacks report %s: want the baseline's rate and CPU, and the ratios to it in each of 2 rounds", doc)
	}
}

// TestRatiosOf: a round that read no CPU (too short for the clock's
// ticks) has no CPU ratio, rather than an infinite or NaN one that JSON
// cannot carry.
func TestRatiosOf(t *testing.T) {
	rounds := []map[string]delivered{
		{"hub": {perS: 900, serverCPU: 90}, "baseline": {perS: 1000, serverCPU: 100}},
		{"hub": {perS: 800, serverCPU: 50}, "baseline": {perS: 1000, serverCPU: 0}},
		{"hub": {perS: 1000, serverCPU: 0}, "baseline": {perS: 800, serverCPU: 0}},
	}
	if got := ratiosOf(rounds, "hub", "baseline", cpu); len(got) != 1 || got[0] != 0.9 {
		t.Errorf("CPU ratios = %v, want [0.9]: the rounds without CPU left out", got)
	}
	if got := ratiosOf(rounds, "hub", "baseline", rate); len(got) != 3 || median(got) != 0.9 {
		t.Errorf("rate ratios = %v, want three, median 0.9", got)
	}
	if got := median(ratiosOf(rounds[2:], "hub", "baseline", cpu)); got != 0 {
		t.Errorf("median CPU ratio with none measured = %v, want 0", got)
	}
}
