package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
)

const sendUsage = `usage: callhub send --service ID --path PATH [flags]

Send a request through the hub (POST /v1/requests) and print its answer.
--data sends a JSON body (--data @FILE reads it from FILE); --form and
--query add KEY=VALUE pairs. The method defaults to GET, or POST with
--data or --form. --async answers at once with the cid; --follow (which
implies --async) then prints each reply as it arrives, until the last one.
With --json: the answer, then each reply, one JSON object per line.
`

// sendFlags are the flags of send beyond the client's.
type sendFlags struct {
	clientFlags
	service, method, path, data string
	form, query                 keyValues
	headers                     headerValues
	async, follow               bool
	callback, callbackMethod    string
	cid                         string
	seq                         int
	seqSet                      bool // --seq given, 0 included
	end                         bool
	timeout                     time.Duration
	deadline, heartbeat         time.Duration
}

func (sf *sendFlags) register(fs *flagSet, getenv func(string) string) {
	sf.clientFlags.register(fs, getenv)
	sf.form, sf.query, sf.headers = keyValues{}, keyValues{}, headerValues{}
	fs.StringVar(&sf.service, "service", "", "the service `ID` (required)")
	fs.StringVar(&sf.method, "method", "", "`METHOD`: GET, POST, PUT, PATCH or DELETE")
	fs.StringVar(&sf.path, "path", "", "`path` on the service, from /, query allowed (required)")
	fs.StringVar(&sf.data, "data", "", "JSON body, or @FILE")
	fs.Var(sf.form, "form", "form field `KEY=VALUE` (repeatable)")
	fs.Var(sf.query, "query", "query parameter `KEY=VALUE` (repeatable)")
	fs.Var(sf.headers, "header", "extra header `'Name: value'` (repeatable)")
	fs.BoolVar(&sf.async, "async", false, "answer at once with the cid; replies come later")
	fs.BoolVar(&sf.follow, "follow", false, "print the replies as they arrive, until the last (implies --async)")
	fs.StringVar(&sf.callback, "callback", "", "callback `URL`, relative to the caller's callbackBase or absolute")
	fs.StringVar(&sf.callbackMethod, "callback-method", "POST", "callback `method`: POST or GET")
	fs.StringVar(&sf.cid, "cid", "", "reuse a `cid` (multi-step request)")
	fs.Func("seq", "step `number` of the cid, from 1 (default 1)", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("want an integer, got %q", v)
		}
		sf.seq, sf.seqSet = n, true
		return nil
	})
	fs.BoolVar(&sf.end, "end", true, "this is the cid's last step")
	fs.DurationVar(&sf.timeout, "timeout", 0, "bound on the forward to the service (default: the service's)")
	fs.DurationVar(&sf.deadline, "deadline", 0, "async: the hub ends the cid with its own 504 reply if it has not ended `within` this")
	fs.DurationVar(&sf.heartbeat, "heartbeat", 0, "async: the service's silence this `long` (at least 1s) marks the cid stalled")
}

// request is the POST /v1/requests body the flags describe.
func (sf *sendFlags) request() (hub.Request, error) {
	if sf.service == "" || sf.path == "" {
		return hub.Request{}, usageErrorf("send", "--service and --path are required")
	}
	if err := sf.checkDurations(); err != nil {
		return hub.Request{}, err
	}
	req := hub.Request{ServiceID: sf.service, Path: sf.path, Method: sf.methodOrDefault(), Async: sf.async || sf.follow,
		Form: sf.form, Query: sf.query, Headers: sf.headers, CID: sf.cid, Seq: sf.seq,
		TimeoutMs: int(sf.timeout.Milliseconds()), DeadlineMs: sf.deadline.Milliseconds(), HeartbeatMs: sf.heartbeat.Milliseconds()}
	if sf.data != "" {
		body, err := readData(sf.data)
		if err != nil {
			return req, err
		}
		req.Body = body
	}
	if sf.callback != "" {
		req.Callback = &hub.Callback{URL: sf.callback, Method: sf.callbackMethod}
	}
	if !sf.end {
		req.IsEnd = &sf.end
	}
	return req, sf.check(req)
}

// check refuses flag values the hub would refuse, before anything is
// sent: the hub's own checks of a request (hub.Request.Normalize), with
// each field named by its flag.
func (sf *sendFlags) check(req hub.Request) error {
	if sf.seqSet && sf.seq == 0 {
		return usageErrorf("send", "--seq must be ≥ 1; leave it out for 1") // as the API says
	}
	if req.Callback != nil { // Normalize fills in the callback: leave req's as written
		cb := *req.Callback
		req.Callback = &cb
	}
	return flagErrors("send", req.Normalize(), sendFlagNames)
}

// sendFlagNames are the flags of the request fields the hub checks.
var sendFlagNames = map[string]string{"serviceId": "--service", "method": "--method", "path": "--path",
	"body": "--data", "cid": "--cid", "seq": "--seq", "timeoutMs": "--timeout", "callback.url": "--callback",
	"callback.method": "--callback-method", "headers.": "--header",
	"deadlineMs": "--deadline", "heartbeatMs": "--heartbeat"}

// checkDurations refuses a --timeout, --deadline or --heartbeat the
// hub's field in ms cannot carry: a duration below a millisecond would be
// sent as none. The hub checks the rest (async only).
func (sf *sendFlags) checkDurations() error {
	for _, f := range []struct {
		name   string
		d, min time.Duration
		rule   string
	}{{"--timeout", sf.timeout, time.Millisecond, "from 1ms to 24h"},
		{"--deadline", sf.deadline, time.Millisecond, "from 1ms to 24h"},
		{"--heartbeat", sf.heartbeat, hub.MinHeartbeatMs * time.Millisecond, "from 1s to 24h"}} {
		if f.d < 0 || f.d > 0 && f.d < f.min || f.d > hub.MaxTimeoutMs*time.Millisecond {
			return usageErrorf("send", "%s must be %s, like 30s; got %v", f.name, f.rule, f.d)
		}
	}
	return nil
}

func (sf *sendFlags) methodOrDefault() string {
	switch {
	case sf.method != "":
		return strings.ToUpper(sf.method)
	case sf.data != "", len(sf.form) > 0:
		return http.MethodPost
	}
	return http.MethodGet
}

// readData is --data: JSON as written, or read from the file after @.
func readData(s string) (json.RawMessage, error) {
	b := []byte(s)
	if name, ok := strings.CutPrefix(s, "@"); ok {
		var err error
		if b, err = os.ReadFile(name); err != nil {
			return nil, fmt.Errorf("--data: %w", err)
		}
	}
	if !json.Valid(b) {
		return nil, usageErrorf("send", "--data must be JSON (quote a string: '\"text\"')")
	}
	return b, nil
}

// sendAnswer is the part of the hub's answer send prints or follows.
type sendAnswer struct {
	CID     string          `json:"cid"`
	Seq     int             `json:"seq"`
	Status  int             `json:"status"`
	Data    json.RawMessage `json:"data"`
	WSToken string          `json:"wsToken"`
}

// sendCmd is `callhub send`.
func sendCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("send", sendUsage)
	var sf sendFlags
	sf.register(fs, getenv)
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if err := fs.wantArgs(pos, 0, ""); err != nil {
		return err
	}
	req, err := sf.request()
	if err != nil {
		return err
	}
	c, err := sf.client("send", 0)
	if err != nil {
		return err
	}
	raw, err := c.call(ctx, http.MethodPost, "/v1/requests", req)
	if err != nil {
		return err
	}
	var ans sendAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if err := printAnswer(stdout, sf.json, raw, ans, req.Async); err != nil || !sf.follow {
		return err
	}
	if ans.Status < 200 || ans.Status >= 300 {
		return fmt.Errorf("send: the service answered %d: no replies will follow", ans.Status)
	}
	f := &follower{c: c, cid: ans.CID, token: ans.WSToken, emit: replyPrinter(stdout, sf.json), stderr: stderr}
	return f.run(ctx)
}

// printAnswer prints the hub's answer to a request.
func printAnswer(w io.Writer, asJSON bool, raw json.RawMessage, ans sendAnswer, async bool) error {
	if asJSON {
		return writeJSON(w, raw)
	}
	if async {
		fmt.Fprintf(w, "cid %s accepted (service answered %d)\n", ans.CID, ans.Status)
		if ans.WSToken != "" {
			fmt.Fprintf(w, "wsToken %s\n", ans.WSToken)
		}
		return nil
	}
	fmt.Fprintf(w, "cid %s: service answered %d\n", ans.CID, ans.Status)
	_, err := fmt.Fprintf(w, "%s\n", indentJSON(ans.Data))
	return err
}

// indentJSON is b indented for people; b as it is when it is not JSON.
func indentJSON(b json.RawMessage) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return b
	}
	return out.Bytes()
}

// headerValues collects repeated 'Name: value' flags.
type headerValues map[string]string

func (h headerValues) String() string { return "" }

func (h headerValues) Set(s string) error {
	k, v, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want 'Name: value', got %q", s)
	}
	h[strings.TrimSpace(k)] = strings.TrimSpace(v)
	return nil
}
