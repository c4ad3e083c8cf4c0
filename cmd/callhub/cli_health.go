package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

const healthUsage = `usage: callhub health [--hub URL] [--timeout D] [--json]

Exit 0 when the hub's /readyz answers 200 within the timeout, 1 otherwise.
Made for container health checks: the image has no curl.
`

// healthCmd is `callhub health`.
func healthCmd(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	fs := newFlagSet("health", healthUsage)
	var cf clientFlags
	cf.register(fs, getenv)
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this `duration`")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if err := fs.wantArgs(pos, 0, ""); err != nil {
		return err
	}
	if *timeout <= 0 {
		return usageErrorf("health", "--timeout must be above 0, like 3s; got %v", *timeout)
	}
	c, err := cf.client("health", *timeout)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, http.MethodGet, "/readyz", nil)
	if cf.json {
		out := map[string]any{"hub": c.sdk.BaseURL, "ready": err == nil}
		if err != nil {
			out["error"] = err.Error()
		}
		writeJSON(stdout, out)
	} else if err == nil {
		fmt.Fprintln(stdout, "ready:", c.sdk.BaseURL)
	}
	return err
}
