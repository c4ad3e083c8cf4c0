package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

const deliveriesUsage = `usage: callhub deliveries list|retry|retry-dead [flags]

Callback deliveries, through the admin API (--key is the admin key):
  list [--state S] [--caller C] [--limit N] [--cursor X]
                            list deliveries (GET /v1/deliveries)
  retry ID                  queue a dead or failed delivery again
  retry-dead --caller C [--since T]
                            queue every dead delivery of a caller created
                            since T (RFC 3339, or a duration ago like 2h)
`

// deliveriesCmd is `callhub deliveries`.
func deliveriesCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	subs := map[string]verbFunc{"list": deliveriesList, "retry": deliveriesRetry, "retry-dead": deliveriesRetryDead}
	return subcommand(ctx, "deliveries", deliveriesUsage, subs, args, getenv, stdout, stderr)
}

// adminTimeout bounds one admin call.
const adminTimeout = 30 * time.Second

// deliveryRow is the part of a delivery the table shows.
type deliveryRow struct {
	ID            string    `json:"id"`
	State         string    `json:"state"`
	Attempts      int       `json:"attempts"`
	LastStatus    int       `json:"lastStatus"`
	LastError     string    `json:"lastError"`
	URL           string    `json:"url"`
	NextAttemptAt time.Time `json:"nextAttemptAt"`
}

func deliveriesList(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	fs := newFlagSet("deliveries list", deliveriesUsage)
	var cf clientFlags
	cf.register(fs, getenv)
	q := url.Values{}
	filters := [][2]string{{"state", "only this `state`: pending, delivered, failed, dead or skipped"},
		{"caller", "only this `caller`'s"}, {"limit", "at most `N` (1 to 1000; default 100)"},
		{"cursor", "the next page: the `cursor` the previous one printed"}}
	for _, f := range filters {
		fs.Func(f[0], f[1], func(v string) error { q.Set(f[0], v); return nil })
	}
	raw, err := adminCall(ctx, fs, &cf, args, stdout, "", http.MethodGet, func([]string) (string, error) {
		_, err := callback.ParseFilter(q.Get("state"), q.Get("caller"), q.Get("limit"), q.Get("cursor"))
		return "/v1/deliveries?" + q.Encode(), flagErrors(fs.verb, err, filterFlags)
	})
	if err != nil || cf.json {
		return err
	}
	var page struct {
		Deliveries []deliveryRow `json:"deliveries"`
		Cursor     string        `json:"cursor"`
	}
	if err := json.Unmarshal(raw, &page); err != nil {
		return fmt.Errorf("deliveries list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tATTEMPTS\tLAST\tNEXT\tURL")
	for _, d := range page.Deliveries {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.State, d.Attempts, lastOutcome(d), nextAttempt(d), d.URL)
	}
	tw.Flush()
	if page.Cursor != "" {
		fmt.Fprintf(stdout, "more: --cursor %s\n", page.Cursor)
	}
	return nil
}

// filterFlags are the flags of the list filter's fields.
var filterFlags = map[string]string{"state": "--state", "caller": "--caller", "limit": "--limit", "cursor": "--cursor"}

func lastOutcome(d deliveryRow) string {
	switch {
	case d.LastError != "":
		return d.LastError
	case d.LastStatus != 0:
		return strconv.Itoa(d.LastStatus)
	}
	return "-"
}

func nextAttempt(d deliveryRow) string {
	if d.State != "pending" || d.NextAttemptAt.IsZero() {
		return "-"
	}
	return d.NextAttemptAt.Local().Format(time.DateTime)
}

func deliveriesRetry(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	fs := newFlagSet("deliveries retry", "usage: callhub deliveries retry [flags] ID\n\nQueue a dead or failed delivery again.\n")
	var cf clientFlags
	cf.register(fs, getenv)
	var id string
	_, err := adminCall(ctx, fs, &cf, args, stdout, "ID", http.MethodPost, func(pos []string) (string, error) {
		id = pos[0]
		if !callback.ValidDeliveryID(id) {
			return "", usageErrorf("deliveries retry", "ID %s, got %q", callback.DeliveryIDRule, id)
		}
		return "/v1/deliveries/" + url.PathEscape(id) + "/retry", nil
	})
	if err == nil && !cf.json {
		fmt.Fprintln(stdout, "queued", id)
	}
	return err
}

func deliveriesRetryDead(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	fs := newFlagSet("deliveries retry-dead", deliveriesUsage)
	var cf clientFlags
	cf.register(fs, getenv)
	caller := fs.String("caller", "", "the caller whose dead deliveries to queue (required)")
	since := fs.String("since", "", "only deliveries created since `T`: RFC 3339, or a duration ago like 2h")
	raw, err := adminCall(ctx, fs, &cf, args, stdout, "", http.MethodPost, func([]string) (string, error) {
		if *caller == "" {
			return "", usageErrorf("deliveries retry-dead", "--caller is required")
		}
		q := url.Values{"caller": {*caller}}
		if *since != "" {
			t, err := parseSince(*since, time.Now())
			if err != nil {
				return "", err
			}
			q.Set("since", t.UTC().Format(time.RFC3339))
		}
		return "/v1/deliveries/retry?" + q.Encode(), nil
	})
	if err != nil || cf.json {
		return err
	}
	var out struct {
		Queued int `json:"queued"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("deliveries retry-dead: %w", err)
	}
	fmt.Fprintf(stdout, "queued %d dead deliveries of %s\n", out.Queued, *caller)
	return nil
}

// parseSince reads an RFC 3339 time, or a duration before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := parseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, usageErrorf("deliveries retry-dead", "--since must be an RFC 3339 time or a duration like 2h, got %q", s)
}

// adminCall parses args (with one positional argument named arg, or none
// when arg is ""), sends method to the path built from them, and prints
// the hub's answer when --json. It returns the answer.
func adminCall(ctx context.Context, fs *flagSet, cf *clientFlags, args []string, stdout io.Writer,
	arg, method string, path func(pos []string) (string, error)) (json.RawMessage, error) {
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return nil, err
	}
	n := 0
	if arg != "" {
		n = 1
	}
	if err := fs.wantArgs(pos, n, arg); err != nil {
		return nil, err
	}
	p, err := path(pos)
	if err != nil {
		return nil, err
	}
	c, err := cf.client(fs.verb, adminTimeout)
	if err != nil {
		return nil, err
	}
	raw, err := c.call(ctx, method, p, nil)
	if err == nil && cf.json {
		err = writeJSON(stdout, raw)
	}
	return raw, err
}
