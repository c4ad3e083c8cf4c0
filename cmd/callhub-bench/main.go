// Command callhub-bench measures callhub on loopback with real processes:
// it builds (or takes) the callhub binary, starts hubs (and redis-server
// for the cross-instance scenarios), drives them, and prints one JSON
// object per scenario.
//
//	go run ./cmd/callhub-bench -scenario all
//	go run ./cmd/callhub-bench -scenario cross -rate 500 -duration 10s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
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
}

var scenarios = map[string]func(context.Context, *bench) (any, error){
	"roundtrip":  roundTrip,
	"callbacks":  callbacks,
	"cross":      crossLatency,
	"throughput": crossThroughput,
	"idle-ws":    idleWS,
	"baseline":   baseline,
	"upload":     upload,
}

var order = []string{"baseline", "roundtrip", "callbacks", "cross", "throughput", "idle-ws", "upload"}

func run(ctx context.Context, args []string) error {
	var o options
	fs := flag.NewFlagSet("callhub-bench", flag.ContinueOnError)
	fs.StringVar(&o.scenario, "scenario", "all", "one of all, "+strings.Join(order, ", "))
	fs.StringVar(&o.bin, "bin", "", "callhub binary (default: go build ./cmd/callhub)")
	fs.IntVar(&o.n, "n", 20000, "messages per throughput scenario")
	fs.IntVar(&o.cids, "cids", 200, "distinct cids the messages spread over")
	fs.IntVar(&o.conc, "c", 32, "concurrent clients")
	fs.IntVar(&o.rate, "rate", 1000, "steady rate (per second) for latency scenarios")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of the steady-rate scenarios")
	if err := fs.Parse(args); err != nil {
		return err
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
	enc := json.NewEncoder(os.Stdout)
	for _, name := range names {
		fmt.Fprintf(os.Stderr, "callhub-bench: running %s\n", name)
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
