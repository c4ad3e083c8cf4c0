// Command callhub runs the callback hub and is its operator tool.
// `callhub serve` (the default verb) serves the API; with no config it
// starts in dev mode. The other verbs talk to a running hub (send, tail,
// cancel, health, deliveries, endpoints, services) or check things locally (version,
// check-config).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	// The signals stay caught until the process exits (no stop): once
	// the default action was back, a second SIGTERM arriving as the hub
	// finished draining killed it, and it exited by the signal instead
	// of with its status.
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

const usage = `usage: callhub [VERB] [flags] [args]

Verbs:
  serve          run the hub (the default verb). With no config: dev mode on 127.0.0.1:8888.
  version        print the version
  check-config   check a config file and report every problem at once
  health         exit 0 when the hub is ready, 1 when not
  send           send a request through the hub
  tail           follow the replies of a cid
  cancel         cancel an async request
  deliveries     list and replay callback deliveries (admin)
  endpoints      list and re-enable callback endpoints (admin)
  services       list the services and their breakers (admin)
  help           print this help, or a verb's: callhub help VERB

The client verbs take --hub URL (env CALLHUB_URL, default ` + defaultHub + `),
--key KEY (env CALLHUB_KEY) and --json (one JSON document per result).
Exit status: 0 ok, 1 failed, 2 usage error, 130 interrupted (Ctrl-C).
`

// verbFunc runs one verb; serve and every operator verb have this shape.
type verbFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// verbs maps each verb to its function; help is handled by run.
var verbs = map[string]verbFunc{
	"serve":        serve,
	"version":      versionCmd,
	"check-config": checkConfigCmd,
	"health":       healthCmd,
	"send":         sendCmd,
	"tail":         tailCmd,
	"cancel":       cancelCmd,
	"deliveries":   deliveriesCmd,
	"endpoints":    endpointsCmd,
	"services":     servicesCmd,
}

// run dispatches a verb; it is main without the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	verb := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	} else if len(args) > 0 && isHelpFlag(args[0]) {
		verb, args = "help", nil
	} else if len(args) > 0 && args[0] == "--version" {
		verb, args = "version", args[1:]
	}
	if verb == "help" {
		return help(ctx, args, getenv, stdout, stderr)
	}
	f, ok := verbs[verb]
	if !ok {
		return usageErrorf("", "unknown verb %q\n%s", verb, usage)
	}
	err := f(ctx, args, getenv, stdout, stderr)
	if ctx.Err() != nil && verb != "serve" && !errors.Is(err, errHelp) {
		return errInterrupted // serve drains and exits 0; a client verb stopped early says so
	}
	return err
}

// help prints the usage, or a verb's usage when one is named.
func help(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelpFlag(args[0]) || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	f, ok := verbs[args[0]]
	if !ok {
		return usageErrorf("help", "unknown verb %q", args[0])
	}
	return f(ctx, append(args[1:], "--help"), getenv, stdout, stderr)
}

func isHelpFlag(s string) bool { return s == "-h" || s == "-help" || s == "--help" }
