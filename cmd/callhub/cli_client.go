package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultHub is the hub the client verbs talk to without --hub or
// CALLHUB_URL: dev mode's address.
const defaultHub = "http://127.0.0.1:8888"

// clientFlags are the flags every client verb takes.
type clientFlags struct {
	hub  string
	key  string
	json bool
}

// register adds --hub, --key and --json to fs, with defaults from the
// environment.
func (c *clientFlags) register(fs *flagSet, getenv func(string) string) {
	hub := getenv("CALLHUB_URL")
	if hub == "" {
		hub = defaultHub
	}
	fs.StringVar(&c.hub, "hub", hub, "hub `URL` (env CALLHUB_URL)")
	c.key = getenv("CALLHUB_KEY")
	fs.Var(secretFlag{&c.key}, "key",
		"API `key`: a caller's for send and tail, the admin's for deliveries, endpoints and services (env CALLHUB_KEY)")
	fs.BoolVar(&c.json, "json", false, "print JSON for scripts: one document per result")
}

// secretFlag is a string flag whose value is never printed: --help shows
// no default for it, whatever the environment set (CI logs, shared
// screens).
type secretFlag struct{ s *string }

func (f secretFlag) String() string { return "" }

func (f secretFlag) Set(v string) error {
	*f.s = v
	return nil
}

// client returns a client of the hub --hub names; timeout bounds each
// call (0: none).
func (c *clientFlags) client(verb string, timeout time.Duration) (*hubClient, error) {
	u, err := url.Parse(c.hub)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErrorf(verb, "--hub must be an http(s) URL like %s, got %q", defaultHub, c.hub)
	}
	return &hubClient{base: strings.TrimSuffix(c.hub, "/"), key: c.key, http: &http.Client{Timeout: timeout}}, nil
}

// hubClient calls the hub's JSON API with a bearer key.
type hubClient struct {
	base string
	key  string
	http *http.Client
}

// hubError is a hub's non-2xx answer: its status and the envelope's msg.
type hubError struct {
	op     string // "GET /v1/deliveries"
	status int
	msg    string
}

func (e *hubError) Error() string {
	msg := e.msg
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	switch e.status {
	case http.StatusUnauthorized: // the hub speaks HTTP; say what to do here
		msg += " (pass --key or set CALLHUB_KEY; tail also takes --token)"
	case http.StatusNotFound:
		if strings.Contains(msg, "page not found") || strings.HasPrefix(msg, "no route") {
			msg += " (is --hub the hub's base URL?)"
		}
	}
	return fmt.Sprintf("%s: hub answered %d: %s", e.op, e.status, msg)
}

// call sends method path with body (JSON, or nil) and returns the answer
// of a 2xx, or a *hubError.
func (c *hubClient) call(ctx context.Context, method, path string, body any) (json.RawMessage, error) {
	op := method + " " + strings.SplitN(path, "?", 2)[0]
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is the hub's, which the operator knows
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, &hubError{op: op, status: resp.StatusCode, msg: envelopeMsg(b)}
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s: the answer is not JSON: %.80q", op, b)
	}
	return b, nil
}

// envelopeMsg is the msg of a JSON envelope, or the start of a body that
// is not one (a proxy's error page).
func envelopeMsg(b []byte) string {
	var env struct {
		Msg string `json:"msg"`
	}
	if json.Unmarshal(b, &env) == nil && env.Msg != "" {
		return env.Msg
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
