package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"
)

const servicesUsage = `usage: callhub services [list] [flags]

List the configured services and their breakers (GET /v1/services; --key
is the admin key): closed, open (requests answered 503 until OPEN UNTIL)
or half-open (the next request probes the service). Each hub instance
keeps its own breakers; the one that answers is shown.
`

// serviceRow is one service as GET /v1/services lists it.
type serviceRow struct {
	ID        string     `json:"id"`
	BaseURL   string     `json:"baseURL"`
	Breaker   string     `json:"breaker"`
	Failures  int        `json:"failures"`
	OpenUntil *time.Time `json:"openUntil"`
}

// servicesCmd is `callhub services`.
func servicesCmd(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	if len(args) > 0 && args[0] == "list" {
		args = args[1:]
	}
	fs := newFlagSet("services", servicesUsage)
	var cf clientFlags
	cf.register(fs, getenv)
	raw, err := adminCall(ctx, fs, &cf, args, stdout, "", http.MethodGet, func([]string) (string, error) {
		return "/v1/services", nil
	})
	if err != nil || cf.json {
		return err
	}
	var page struct {
		Services []serviceRow `json:"services"`
	}
	if err := json.Unmarshal(raw, &page); err != nil {
		return fmt.Errorf("services: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tBREAKER\tFAILURES\tOPEN UNTIL\tBASE URL")
	for _, s := range page.Services {
		until := "-"
		if s.OpenUntil != nil {
			until = s.OpenUntil.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.ID, s.Breaker, s.Failures, until, s.BaseURL)
	}
	return tw.Flush()
}
