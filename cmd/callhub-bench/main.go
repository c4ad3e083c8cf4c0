// Command callhub-bench measures callhub on loopback with real processes:
// it builds (or takes) the callhub binary, starts hubs (and redis-server
// for the cross-instance scenarios), drives them, and prints one JSON
// object per scenario.
//
//	go run ./cmd/callhub-bench -scenario all
//	go run ./cmd/callhub-bench -scenario cross -rate 500 -duration 10s
//	go run ./cmd/callhub-bench -scenario fanout -subs 1000 -rounds 3 -centrifugo /path/to/centrifugo
//	go run ./cmd/callhub-bench -scenario idle-ws -n 10000 -runs 3 -centrifugo /path/to/centrifugo
//	go run ./cmd/callhub-bench -scenario cycle -modes memory,redis1,cluster -runs 3 -baseline-bin /tmp/callhub-base
//
// -baseline-bin is a callhub binary built from an older commit; the cycle
// and idle-ws scenarios alternate it with the current one (-bin, or ./cmd/callhub
// built) run by run and reports both and their ratios. Build it outside
// the repository, e.g. for the filing commit of issue 21:
//
//	mkdir /tmp/callhub-4bc0fe3 && git archive 4bc0fe3 | tar -x -C /tmp/callhub-4bc0fe3
//	(cd /tmp/callhub-4bc0fe3 && go build -o /tmp/callhub-base ./cmd/callhub)
//
// With -serve-relay ADDR it is instead the relay the relay scenario
// measures, with -serve-callback-relay ADDR the callbacks scenario's
// floor (the bench starts itself that way).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "callhub-bench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	scenario string
	bin      string
	n        int
	cids     int
	conc     int
	rate     int
	duration time.Duration
	subs     int
	perCID   int
	modes    string
	runs     int
	rounds   int
	relay    string // -serve-relay: run the relay on this address
	floor    string // -serve-callback-floor: send the callback floor to this URL
	cbRelay  string // -serve-callback-relay: run the callbacks floor on this address
	cbTo     string // -callback-to: where the callbacks floor sends
	redisPID int    // -redis-pid: the redis-server behind -redis
	redis    string // the relay's Redis URL

	centrifugo        string // a Centrifugo binary: fanout measures it as a baseline
	centrifugoHistory bool

	baselineBin string // cycle, idle-ws, fanout, callbacks: an older callhub binary alternated with bin
	monitor     bool   // cycle: count commands with MONITOR, sent and in scripts apart
	hubs        int    // cycle: hubs on Redis
	modesSet    bool   // -modes was given (cycle has its own default)
	nSet        bool   // -n was given (cycle has its own default)
}

var scenarios = map[string]func(context.Context, *bench) (any, error){
	"roundtrip":  roundTrip,
	"callbacks":  callbacks,
	"cross":      crossLatency,
	"throughput": crossThroughput,
	"idle-ws":    idleWS,
	"idle":       idle,
	"baseline":   baseline,
	"upload":     upload,
	"fanout":     fanout,
	"relay":      relay,
	"cycle":      cycle,
}

var order = []string{"baseline", "roundtrip", "callbacks", "cross", "throughput", "idle-ws", "idle", "upload", "relay", "fanout", "cycle"}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if o.relay != "" {
		return serveRelay(ctx, o.relay, o.redis)
	}
	if o.floor != "" {
		return serveCallbackFloor(ctx, o.floor, o.redis, o.redisPID, o.n, o.conc, stdout)
	}
	if o.cbRelay != "" {
		return serveCallbackRelay(ctx, o.cbRelay, o.cbTo, o.conc)
	}
	names := order
	if o.scenario != "all" {
		if scenarios[o.scenario] == nil {
			return fmt.Errorf("-scenario: unknown %q (want all, %s)", o.scenario, strings.Join(order, ", "))
		}
		names = []string{o.scenario}
	}
	b, err := newBench(o)
	if err != nil {
		return err
	}
	defer b.close()
	enc := json.NewEncoder(stdout)
	for _, name := range names {
		log("running %s", name)
		res, err := scenarios[name](ctx, b)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := enc.Encode(map[string]any{"scenario": name, "result": res}); err != nil {
			return err
		}
	}
	return nil
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("callhub-bench", flag.ContinueOnError)
	fs.StringVar(&o.scenario, "scenario", "all", "one of all, "+strings.Join(order, ", "))
	fs.StringVar(&o.bin, "bin", "", "callhub binary (default: go build ./cmd/callhub)")
	fs.IntVar(&o.n, "n", 20000, "messages per throughput scenario (fanout, relay: per closed-loop measurement; cycle: cycles per measurement, default 3000; idle-ws: connections, default 2000)")
	fs.IntVar(&o.cids, "cids", 200, "distinct cids the messages spread over")
	fs.IntVar(&o.conc, "c", 32, "concurrent clients (keep-alive publisher connections)")
	fs.IntVar(&o.conc, "conc", 32, "same as -c")
	fs.IntVar(&o.rate, "rate", 1000, "steady rate (per second) for latency scenarios")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of the steady-rate scenarios")
	fs.IntVar(&o.subs, "subs", 1000, "fanout, relay: WebSocket subscribers")
	fs.IntVar(&o.perCID, "per-cid", 1, "fanout, relay: subscribers on each cid (-subs/-per-cid cids)")
	fs.StringVar(&o.modes, "modes", "memory,redis1,redis2", "fanout, relay: memory, redis1 (one hub on Redis), redis2 (publish on hub A, subscribers on B), cluster (redis2 on a 3-master Redis Cluster); cycle (default memory,redis1,cluster): redis1 and redis2 are two hubs on one redis-server")
	fs.IntVar(&o.runs, "runs", 1, "fanout, relay, baseline, cycle: runs of each measurement (the median is reported)")
	fs.IntVar(&o.rounds, "rounds", 1, "fanout, callbacks: measure everything this many times over, the order reversed every other round (fanout: each mode beside its baselines; callbacks: the hub, -baseline-bin's and the floor); the figures are medians over the rounds' runs, the ratios the medians of each round's own")
	fs.StringVar(&o.relay, "serve-relay", "", "run the baseline relay on this address instead of a scenario")
	fs.StringVar(&o.redis, "redis", "", "with -serve-relay: publish through this Redis URL; with -serve-callback-floor: queue through it")
	fs.StringVar(&o.floor, "serve-callback-floor", "", "send -n callbacks that cannot be lost to this receiver URL (two scripts on -redis and one POST each), print their cost and exit: the cycle scenario's floor")
	fs.StringVar(&o.cbRelay, "serve-callback-relay", "", "run the callbacks scenario's floor on this address: replies taken as the hub takes them, sent on to -callback-to as signed callbacks from -c workers, nothing stored")
	fs.StringVar(&o.cbTo, "callback-to", "", "with -serve-callback-relay: the receiver URL")
	fs.IntVar(&o.redisPID, "redis-pid", 0, "with -serve-callback-floor: the pid of the redis-server behind -redis, whose CPU is counted")
	fs.StringVar(&o.centrifugo, "centrifugo", "", "fanout, idle-ws: also measure this Centrifugo v6 binary as a baseline (memory engine for memory, Redis engine for the Redis modes)")
	fs.BoolVar(&o.centrifugoHistory, "centrifugo-history", true, "with -centrifugo: keep channel history with recovery, as the hub stores replies (false: plain pub/sub)")
	fs.StringVar(&o.baselineBin, "baseline-bin", "", "cycle, idle-ws, fanout, callbacks: a callhub binary of an older commit, run alternately with the current one (cycle, idle-ws: baseline, current, baseline, ...; fanout: each mode beside its baseline_<mode>, vs_baseline the ratios; callbacks: beside the hub, vs_baseline and cpu_vs_baseline the ratios)")
	fs.IntVar(&o.hubs, "hubs", 2, "cycle: hubs on Redis (memory runs one); requests go to them in turn and each reply through the next (with 1, the same hub)")
	fs.BoolVar(&o.monitor, "monitor", false, "cycle: also count, with MONITOR, the Redis commands clients sent and those scripts ran, by name (MONITOR slows Redis: CPU and cycles/s then read worse)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	fs.Visit(func(f *flag.Flag) {
		o.modesSet = o.modesSet || f.Name == "modes"
		o.nSet = o.nSet || f.Name == "n"
	})
	if o.subs < 1 || o.perCID < 1 || o.subs%o.perCID != 0 {
		return o, fmt.Errorf("-per-cid: must divide -subs (%d)", o.subs)
	}
	if o.runs < 1 || o.rounds < 1 || o.conc < 1 || o.rate < 1 || o.n < 1 || o.hubs < 1 {
		return o, errors.New("-runs, -rounds, -c, -rate, -n and -hubs must be at least 1")
	}
	return o, nil
}

// log writes a progress line to stderr.
func log(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "callhub-bench: "+format+"\n", args...)
}
