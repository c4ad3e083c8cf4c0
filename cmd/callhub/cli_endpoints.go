package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

const endpointsUsage = `usage: callhub endpoints list|enable [flags]

Callback endpoints (scheme://host[:port]), through the admin API (--key is
the admin key):
  list              list endpoints and their health (GET /v1/endpoints)
  enable ENDPOINT   deliver again to an endpoint disabled after failing
`

// endpointsCmd is `callhub endpoints`.
func endpointsCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	subs := map[string]verbFunc{"list": endpointsList, "enable": endpointsEnable}
	return subcommand(ctx, "endpoints", endpointsUsage, subs, args, getenv, stdout, stderr)
}

// endpointRow is one endpoint as GET /v1/endpoints lists it.
type endpointRow struct {
	Endpoint     string     `json:"endpoint"`
	Callers      []string   `json:"callers"`
	Enabled      bool       `json:"enabled"`
	FailingSince *time.Time `json:"failingSince"`
	LastStatus   int        `json:"lastStatus"`
	InFlight     int        `json:"inFlight"`
}

func endpointsList(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	fs := newFlagSet("endpoints list", endpointsUsage)
	var cf clientFlags
	cf.register(fs, getenv)
	raw, err := adminCall(ctx, fs, &cf, args, stdout, "", http.MethodGet, func([]string) (string, error) {
		return "/v1/endpoints", nil
	})
	if err != nil || cf.json {
		return err
	}
	var page struct {
		Endpoints []endpointRow `json:"endpoints"`
	}
	if err := json.Unmarshal(raw, &page); err != nil {
		return fmt.Errorf("endpoints list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tENABLED\tFAILING SINCE\tLAST\tIN FLIGHT\tCALLERS")
	for _, e := range page.Endpoints {
		failing := "-"
		if e.FailingSince != nil {
			failing = e.FailingSince.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%d\t%d\t%s\n", e.Endpoint, e.Enabled, failing, e.LastStatus, e.InFlight,
			strings.Join(e.Callers, ","))
	}
	return tw.Flush()
}

func endpointsEnable(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	fs := newFlagSet("endpoints enable", endpointsUsage)
	var cf clientFlags
	cf.register(fs, getenv)
	raw, err := adminCall(ctx, fs, &cf, args, stdout, "ENDPOINT", http.MethodPost, func(pos []string) (string, error) {
		_, err := callback.ParseEndpoint(pos[0])
		return "/v1/endpoints/enable?" + url.Values{"endpoint": {pos[0]}}.Encode(), flagErrors(fs.verb, err, map[string]string{"endpoint": "ENDPOINT"})
	})
	if err != nil || cf.json {
		return err
	}
	var out struct {
		Endpoint string `json:"endpoint"`
	}
	json.Unmarshal(raw, &out)
	_, err = fmt.Fprintln(stdout, "enabled", out.Endpoint)
	return err
}
