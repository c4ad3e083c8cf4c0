package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
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
	end                         bool
	timeout                     time.Duration
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
	fs.IntVar(&sf.seq, "seq", 0, "step `number` of the cid, from 1")
	fs.BoolVar(&sf.end, "end", true, "this is the cid's last step")
	fs.DurationVar(&sf.timeout, "timeout", 0, "bound on the forward to the service (default: the service's)")
}

// request is the POST /v1/requests body the flags describe.
func (sf *sendFlags) request() (map[string]any, error) {
	if sf.service == "" || sf.path == "" {
		return nil, usageErrorf("send", "--service and --path are required")
	}
	if err := sf.check(); err != nil {
		return nil, err
	}
	req := map[string]any{"serviceId": sf.service, "path": sf.path, "method": sf.methodOrDefault(),
		"async": sf.async || sf.follow}
	if sf.data != "" {
		body, err := readData(sf.data)
		if err != nil {
			return nil, err
		}
		req["body"] = body
	}
	setIf(req, "form", sf.form, len(sf.form) > 0)
	setIf(req, "query", sf.query, len(sf.query) > 0)
	setIf(req, "headers", sf.headers, len(sf.headers) > 0)
	setIf(req, "callback", map[string]string{"url": sf.callback, "method": sf.callbackMethod}, sf.callback != "")
	setIf(req, "cid", sf.cid, sf.cid != "")
	setIf(req, "seq", sf.seq, sf.seq != 0)
	setIf(req, "isEnd", sf.end, !sf.end)
	setIf(req, "timeoutMs", sf.timeout.Milliseconds(), sf.timeout > 0)
	return req, nil
}

// check refuses flag values the hub would refuse, before anything is sent.
func (sf *sendFlags) check() error {
	switch {
	case !hub.ValidMethod(sf.methodOrDefault()):
		return usageErrorf("send", "--method must be GET, POST, PUT, PATCH or DELETE, got %q", sf.method)
	case sf.seq < 0:
		return usageErrorf("send", "--seq must be 1 or more, got %d", sf.seq)
	case sf.callback != "" && !strings.EqualFold(sf.callbackMethod, "GET") && !strings.EqualFold(sf.callbackMethod, "POST"):
		return usageErrorf("send", "--callback-method must be GET or POST, got %q", sf.callbackMethod)
	case sf.timeout < 0 || sf.timeout > 0 && sf.timeout < time.Millisecond || sf.timeout > hub.MaxTimeoutMs*time.Millisecond:
		return usageErrorf("send", "--timeout must be from 1ms to 24h, like 30s; got %v", sf.timeout)
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

func setIf(m map[string]any, key string, v any, ok bool) {
	if ok {
		m[key] = v
	}
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
	if err := printAnswer(stdout, sf.json, raw, ans, req["async"] == true); err != nil || !sf.follow {
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
