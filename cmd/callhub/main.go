// Command callhub runs the callback hub. `callhub serve` (the default verb)
// serves the API; with no config it starts in dev mode.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "callhub:", err)
		os.Exit(1)
	}
}

const usage = `usage: callhub [serve] [--config FILE] [--listen ADDR]

Verbs:
  serve    run the hub (default). With no config: dev mode on 127.0.0.1:8888.
`

// run dispatches a verb; it is main without the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	verb := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	switch verb {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown verb %q\n%s", verb, usage)
}
